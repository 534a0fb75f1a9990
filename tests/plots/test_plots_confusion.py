"""Smoke tests of classroom.plots.confusion with the non-interactive Agg backend (synthetic counts)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="matplotlib is needed to draw plots")

from classroom import plots  # noqa: E402


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
