"""Smoke tests of classroom.plots with the non-interactive Agg backend (synthetic arrays)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="matplotlib is needed to draw plots")

from classroom import plots  # noqa: E402
from classroom.train import History  # noqa: E402


def synthetic_history(epochs: int = 5) -> History:
    history = History()
    for epoch in range(1, epochs + 1):
        history.record(
            epoch,
            {"loss": 1.0 / epoch, "accuracy": 1 - 0.5 / epoch, "val_loss": 1.0 / epoch + 0.1, "val_accuracy": 0.9},
        )
    return history


def line_labels(axis) -> list[str]:
    return [line.get_label() for line in axis.get_lines()]


@pytest.mark.parametrize("as_dict", [False, True])
def test_plot_history_draws_one_panel_per_metric_with_training_and_validation(as_dict):
    history = synthetic_history()
    figure = plots.plot_history(history.to_dict() if as_dict else history, metrics=("loss", "accuracy"))
    assert len(figure.axes) == 2
    loss_axis = figure.axes[0]
    assert "training loss" in line_labels(loss_axis)
    assert "validation loss" in line_labels(loss_axis)
    training_line = loss_axis.get_lines()[0]
    np.testing.assert_allclose(training_line.get_ydata(), [1.0, 0.5, 1 / 3, 0.25, 0.2])


def test_plot_history_skips_missing_metrics_and_rejects_none_present():
    figure = plots.plot_history(synthetic_history(), metrics=("loss", "f1"))
    assert len(figure.axes) == 1
    with pytest.raises(ValueError, match="none of"):
        plots.plot_history(synthetic_history(), metrics=("f1",))


def test_plot_history_rejects_a_non_history():
    with pytest.raises(TypeError, match="History"):
        plots.plot_history([0.5, 0.4])


def test_compare_histories_gives_each_run_one_validation_line():
    runs = {"baseline": synthetic_history(), "dropout": synthetic_history(3)}
    figure = plots.compare_histories(runs, "loss")
    axis = figure.axes[0]
    assert len(axis.get_lines()) == 4  # training + validation per run
    assert [text.get_text() for text in axis.get_legend().get_texts()] == ["baseline", "dropout"]


def test_compare_histories_names_the_run_without_the_metric():
    with pytest.raises(ValueError, match="'baseline'"):
        plots.compare_histories({"baseline": synthetic_history()}, "f1")
    with pytest.raises(ValueError, match="at least one run"):
        plots.compare_histories({})
