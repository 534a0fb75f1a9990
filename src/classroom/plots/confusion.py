"""The confusion matrix as a heat map: which class was mistaken for which.

:func:`plot_confusion_matrix` draws the counts (or, normalised, the recall
of each true class) that :func:`classroom.evaluation.metrics.confusion_matrix`
computes, and returns the matplotlib ``Figure`` (matplotlib is imported only
when it is called).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._matplotlib import pyplot as _pyplot

__all__ = ["plot_confusion_matrix"]


def plot_confusion_matrix(
    cm,
    classes: Sequence[str] | None = None,
    *,
    normalize: bool = False,
    title: str | None = None,
    ax=None,
):
    """Draw a confusion matrix as a heat map with the count in each cell.

    Parameters
    ----------
    cm : array_like of shape (n_classes, n_classes)
        ``cm[i, j]`` = samples of true class ``i`` predicted as ``j``, as
        returned by :func:`classroom.evaluation.metrics.confusion_matrix`.
    classes : sequence of str, optional
        Class names for the axes; default ``0 .. n_classes-1``.
    normalize : bool, default False
        Show each row as fractions of the true class (recall per class)
        instead of counts.
    title : str, optional
        Axis title.
    ax : matplotlib.axes.Axes, optional
        Draw here instead of on a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``cm`` is not square or ``classes`` has the wrong length.
    """
    plt = _pyplot()
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"a confusion matrix must be square (n_classes, n_classes), got shape {cm.shape}")
    n_classes = cm.shape[0]
    if classes is None:
        classes = [str(index) for index in range(n_classes)]
    if len(classes) != n_classes:
        raise ValueError(f"the matrix has {n_classes} classes but {len(classes)} class names were given")
    values = cm.astype(np.float64)
    if normalize:
        row_totals = values.sum(axis=1, keepdims=True)
        values = np.divide(values, row_totals, out=np.zeros_like(values), where=row_totals > 0)
    if ax is None:
        size = max(4.0, 0.5 * n_classes + 1.5)
        figure, ax = plt.subplots(figsize=(size, size))
    else:
        figure = ax.figure
    image = ax.imshow(values, cmap="Blues")
    figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set(
        xticks=range(n_classes),
        yticks=range(n_classes),
        xticklabels=classes,
        yticklabels=classes,
        xlabel="predicted class",
        ylabel="true class",
        title=title or ("Confusion matrix (row fractions)" if normalize else "Confusion matrix"),
    )
    threshold = values.max() / 2 if values.size else 0
    for row in range(n_classes):
        for column in range(n_classes):
            text = f"{values[row, column]:.2f}" if normalize else f"{int(cm[row, column])}"
            ax.text(
                column,
                row,
                text,
                ha="center",
                va="center",
                fontsize=7,
                color="white" if values[row, column] > threshold else "black",
            )
    return figure
