"""Smoke tests of classroom.plots.ablation with the Agg backend (synthetic scores)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="matplotlib is needed to draw plots")
import matplotlib.pyplot as plt  # noqa: E402

from classroom.plots.ablation import plot_ablation  # noqa: E402
from classroom.evaluation.experiments import run_ablation  # noqa: E402


def synthetic_ablation(n_variants: int, seeds=(0, 1, 2)):
    """An ablation whose synthetic scores are 0.5 + 0.1 * variant + 0.01 * seed."""
    variants = {
        f"variant {index}": (lambda seed, index=index: 0.5 + 0.1 * index + 0.01 * seed) for index in range(n_variants)
    }
    return run_ablation(variants, seeds)


@pytest.mark.parametrize("n_variants", [1, 3])
def test_plot_ablation_draws_one_error_bar_and_one_dot_per_seed_for_each_variant(n_variants):
    result = synthetic_ablation(n_variants)
    figure = plot_ablation(result, ylabel="validation accuracy")
    (axis,) = figure.axes
    assert [label.get_text() for label in axis.get_xticklabels()] == [row.name for row in result.rows]
    dots = [collection for collection in axis.collections if collection.get_offsets().shape[0] == 3]
    assert len(dots) == n_variants
    for collection, row in zip(dots, result.rows):
        np.testing.assert_allclose(np.sort(collection.get_offsets()[:, 1]), np.sort(row.scores))
    means = [line.get_ydata()[0] for line in axis.lines if line.get_marker() == "o"]
    np.testing.assert_allclose(means, [row.mean for row in result.rows])
    assert axis.get_ylabel() == "validation accuracy"


def test_plot_ablation_error_bars_span_the_confidence_interval():
    result = synthetic_ablation(2)
    axis = plot_ablation(result).axes[0]
    # Each errorbar adds a vertical line segment from low to high.
    segments = [segment for collection in axis.collections for segment in getattr(collection, "get_segments", list)()]
    spans = sorted((float(segment[0][1]), float(segment[1][1])) for segment in segments)
    expected = sorted((row.low, row.high) for row in result.rows)
    np.testing.assert_allclose(spans, expected)


def test_plot_ablation_draws_on_a_given_axis():
    figure, axis = plt.subplots()
    assert plot_ablation(synthetic_ablation(2), ax=axis) is figure


@pytest.mark.parametrize(
    "result, highlight, message",
    [
        (run_ablation({"a": lambda seed: 0.1 * seed}, [0, 1]), "b", "not a variant"),
        (object(), None, "at least one variant"),
    ],
)
def test_plot_ablation_rejects_bad_input_with_a_clear_message(result, highlight, message):
    with pytest.raises(ValueError, match=message):
        plot_ablation(result, highlight=highlight)
