"""Smoke tests of classroom.plots with the non-interactive Agg backend (synthetic arrays)."""

from __future__ import annotations

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib", reason="matplotlib is needed to draw plots")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from classroom import plots  # noqa: E402
from classroom.train import History  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    """Close every figure a test opened, so memory does not grow across tests."""
    yield
    plt.close("all")


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


@pytest.mark.parametrize(
    "shape",
    [(6, 28, 28), (6, 784), (6, 8, 8, 3), (6, 3, 8, 8), (6, 1, 28, 28)],
)
def test_show_images_accepts_common_layouts(rng, shape):
    images = rng.random(shape).astype(np.float32)
    figure = plots.show_images(images, labels=np.arange(6), ncols=4)
    drawn = [axis for axis in figure.axes if axis.get_images()]
    assert len(drawn) == 6
    assert len(figure.axes) == 8  # 2 rows of 4, two left empty


def test_show_images_colours_titles_by_correctness(rng):
    images = rng.integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    figure = plots.show_images(images, labels=[1, 2, 3], predictions=[1, 0, 3])
    titles = [axis.title for axis in figure.axes]
    assert titles[0].get_text() == "pred 1\ntrue 1"
    assert titles[1].get_color() == "red"
    assert titles[2].get_color() == "green"


def test_show_images_uses_class_names(rng):
    figure = plots.show_images(rng.random((2, 4, 4)), labels=[0, 1], class_names=["cat", "dog"])
    assert [axis.title.get_text() for axis in figure.axes] == ["cat", "dog"]


@pytest.mark.parametrize(
    "images, labels, message",
    [
        (np.zeros((3, 28, 28)), [1, 2], "3 images but 2 labels"),
        (np.zeros((3, 30)), None, "not a square"),
        (np.zeros((0, 28, 28)), None, "no images"),
        (np.zeros((28, 28)), None, "not a square"),
    ],
)
def test_show_images_explains_bad_input(images, labels, message):
    with pytest.raises(ValueError, match=message):
        plots.show_images(images, labels=labels)


@pytest.mark.parametrize("normalize", [False, True])
def test_plot_confusion_matrix_writes_every_cell(normalize):
    cm = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 9]])
    figure = plots.plot_confusion_matrix(cm, classes=["a", "b", "c"], normalize=normalize)
    axis = figure.axes[0]
    texts = [text.get_text() for text in axis.texts]
    assert len(texts) == 9
    assert texts[0] == ("0.83" if normalize else "5")
    assert [label.get_text() for label in axis.get_xticklabels()] == ["a", "b", "c"]


@pytest.mark.parametrize(
    "cm, classes, message",
    [(np.zeros((2, 3)), None, "square"), (np.zeros((3, 3)), ["a", "b"], "3 classes but 2")],
)
def test_plot_confusion_matrix_rejects_bad_shapes(cm, classes, message):
    with pytest.raises(ValueError, match=message):
        plots.plot_confusion_matrix(cm, classes)


def test_show_weights_as_images_draws_count_units_symmetrically(rng):
    weights = rng.standard_normal((50, 784))
    figure = plots.show_weights_as_images(weights, (28, 28), count=10, ncols=5)
    images = [axis.get_images()[0] for axis in figure.axes if axis.get_images()]
    assert len(images) == 10
    low, high = images[0].get_clim()
    assert low == pytest.approx(-high)
    assert high == pytest.approx(np.abs(weights[0]).max())


def test_show_weights_as_images_rejects_rows_of_the_wrong_size(rng):
    with pytest.raises(ValueError, match=r"\(units, 784\)"):
        plots.show_weights_as_images(rng.standard_normal((10, 100)), (28, 28))


def test_figures_render_to_png(tmp_path, rng):
    figure = plots.show_weights_as_images(rng.standard_normal((4, 16)), (4, 4))
    path = tmp_path / "weights.png"
    figure.savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
