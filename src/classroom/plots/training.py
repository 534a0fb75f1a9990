"""Plot helpers shared by the lesson notebooks (matplotlib, imported lazily).

Every function draws one kind of figure the lessons keep needing and
returns the matplotlib ``Figure``, so a notebook can show it, save it
(``figure.savefig("curves.png")``) or tweak it:

* :func:`plot_history`: training and validation curves of one run;
* :func:`compare_histories`: the same curve for several runs on one axis;
* :func:`show_images`: a grid of images with their (true / predicted) labels;
* :func:`plot_confusion_matrix`: which class was mistaken for which;
* :func:`show_weights_as_images`: the rows of a first-layer weight matrix,
  each reshaped to the input image, to see what a unit looks for.

matplotlib is only imported when a function is called, so ``import
classroom`` works without it (``pip install matplotlib`` to plot).

Examples
--------
>>> from classroom.plots import plot_history          # doctest: +SKIP
>>> figure = plot_history(trainer.history)            # doctest: +SKIP
>>> figure.savefig("history.png")                     # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from ._matplotlib import pyplot as _pyplot

__all__ = [
    "compare_histories",
    "plot_confusion_matrix",
    "plot_history",
    "show_images",
    "show_weights_as_images",
]




def _history_columns(history) -> tuple[list[int], dict[str, list]]:
    """Return ``(epochs, {name: values})`` from a ``History`` or its ``to_dict()`` form."""
    if hasattr(history, "to_dict"):
        history = history.to_dict()
    if not isinstance(history, Mapping):
        raise TypeError(
            "history must be a classroom.train.History or a dict like "
            f"{{'epoch': [...], 'loss': [...]}}, got {type(history).__name__}"
        )
    columns = {name: list(values) for name, values in history.items() if name != "epoch"}
    if not columns:
        raise ValueError("history has no recorded quantities (train for at least one epoch first)")
    length = len(next(iter(columns.values())))
    epochs = list(history.get("epoch", range(1, length + 1)))
    return epochs, columns


def _integer_ticks(axis) -> None:
    """Label the x axis with whole numbers only (epochs are counted, not measured)."""
    from matplotlib.ticker import MaxNLocator

    axis.xaxis.set_major_locator(MaxNLocator(integer=True))


def _as_float_array(values: list) -> np.ndarray:
    """Turn a history column (numbers or None) into floats with NaN for None."""
    return np.array([np.nan if value is None else float(value) for value in values], dtype=np.float64)


def plot_history(history, metrics: Sequence[str] = ("loss", "accuracy"), *, title: str | None = None):
    """Plot training and validation curves, one panel per metric.

    For each name in ``metrics`` the training curve (``name``) is drawn as
    a dashed line and the validation curve (``val_<name>``) as a solid line,
    when recorded. The best validation epoch is marked with a dot.

    Parameters
    ----------
    history : classroom.train.History or dict
        A history, or its ``to_dict()`` form ``{"epoch": [...], "loss": [...], ...}``
        (for example read back from a ``metrics.json``).
    metrics : sequence of str, default ("loss", "accuracy")
        Quantities to draw. Names missing from the history are skipped.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per metric found.

    Raises
    ------
    ValueError
        If none of ``metrics`` (nor ``val_<metric>``) was recorded.
    """
    plt = _pyplot()
    epochs, columns = _history_columns(history)
    present = [name for name in metrics if name in columns or f"val_{name}" in columns]
    if not present:
        raise ValueError(f"history has none of {list(metrics)} (it has {sorted(columns)})")
    figure, axes = plt.subplots(1, len(present), figsize=(5 * len(present), 3.5), squeeze=False)
    for axis, name in zip(axes[0], present):
        if name in columns:
            axis.plot(epochs, _as_float_array(columns[name]), "--", color="C0", label=f"training {name}")
        validation_name = f"val_{name}"
        if validation_name in columns:
            values = _as_float_array(columns[validation_name])
            axis.plot(epochs, values, "-", color="C1", label=f"validation {name}")
            if np.any(np.isfinite(values)):
                best = int(np.nanargmax(values) if "acc" in name else np.nanargmin(values))
                axis.plot(epochs[best], values[best], "o", color="C1")
        axis.set(xlabel="epoch", ylabel=name)
        _integer_ticks(axis)
        axis.grid(alpha=0.3)
        axis.legend()
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def compare_histories(histories: Mapping, metric: str = "loss", *, title: str | None = None, ax=None):
    """Draw one metric of several runs on one axis: training dashed, validation solid.

    Each run gets one colour; its training curve (``metric``) is dashed and
    its validation curve (``val_<metric>``) solid, so the gap between them
    (overfitting) is visible for every run at once.

    Parameters
    ----------
    histories : mapping of str to History or dict
        Run name -> its history (as for :func:`plot_history`).
    metric : str, default "loss"
        The quantity to compare, e.g. ``"loss"`` or ``"accuracy"``.
    title : str, optional
        Axis title.
    ax : matplotlib.axes.Axes, optional
        Draw here instead of on a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axis.

    Raises
    ------
    ValueError
        If ``histories`` is empty or a run recorded neither ``metric`` nor ``val_<metric>``.
    """
    plt = _pyplot()
    if not histories:
        raise ValueError("compare_histories needs at least one run, got an empty mapping")
    if ax is None:
        figure, ax = plt.subplots(figsize=(7, 4))
    else:
        figure = ax.figure
    for index, (run_name, history) in enumerate(histories.items()):
        epochs, columns = _history_columns(history)
        colour = f"C{index % 10}"
        if metric not in columns and f"val_{metric}" not in columns:
            raise ValueError(f"run {run_name!r} has no '{metric}' or 'val_{metric}' (it has {sorted(columns)})")
        if metric in columns:
            ax.plot(epochs, _as_float_array(columns[metric]), "--", color=colour, alpha=0.7)
        if f"val_{metric}" in columns:
            ax.plot(epochs, _as_float_array(columns[f"val_{metric}"]), "-", color=colour, label=run_name)
    ax.set(xlabel="epoch", ylabel=metric, title=title or f"{metric}: training (dashed) and validation (solid)")
    _integer_ticks(ax)
    ax.grid(alpha=0.3)
    ax.legend()
    return figure


def _images_for_display(images: np.ndarray, image_shape) -> np.ndarray:
    """Return images as (n, height, width) or (n, height, width, 3) for ``imshow``."""
    images = np.asarray(images)
    if image_shape is not None:
        images = images.reshape((len(images), *image_shape))
    elif images.ndim == 2:
        side = math.isqrt(images.shape[1])
        if side * side != images.shape[1]:
            raise ValueError(
                f"got flat images of {images.shape[1]} pixels, which is not a square; "
                "pass image_shape=(height, width)"
            )
        images = images.reshape(len(images), side, side)
    if images.ndim == 4 and images.shape[1] in (1, 3) and images.shape[-1] not in (1, 3):
        images = images.transpose(0, 2, 3, 1)  # NCHW -> NHWC
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4):
        raise ValueError(
            "images must have shape (n, height, width), (n, height, width, 3), (n, 3, height, width) "
            f"or (n, pixels); got {images.shape}"
        )
    return images


def show_images(
    images,
    labels=None,
    predictions=None,
    *,
    class_names: Sequence[str] | None = None,
    ncols: int = 8,
    image_shape: tuple[int, ...] | None = None,
    cmap: str = "gray_r",
    title: str | None = None,
):
    """Show a grid of images, each titled with its label (and prediction).

    With ``predictions``, each title reads ``"pred 3 / true 5"`` and is red
    when they differ, green when they agree.

    Parameters
    ----------
    images : ndarray of shape (n, height, width), (n, height, width, 3), (n, channels, height, width) or (n, pixels)
        The images; uint8 (0-255) or float. Flat rows of a square number of
        pixels (784 for MNIST) are reshaped automatically.
    labels : array_like of int, shape (n,), optional
        True labels.
    predictions : array_like of int, shape (n,), optional
        Predicted labels.
    class_names : sequence of str, optional
        Names to show instead of the label numbers.
    ncols : int, default 8
        Images per row.
    image_shape : tuple of int, optional
        Reshape every image to this shape first (e.g. ``(28, 28)``).
    cmap : str, default "gray_r"
        Colour map of grey images (``"gray_r"`` draws ink dark on white).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If there are no images, their shape is not an image shape, or
        ``labels``/``predictions`` have a different length.
    """
    plt = _pyplot()
    images = _images_for_display(images, image_shape)
    count = len(images)
    if count == 0:
        raise ValueError("show_images got no images (an empty array)")
    for name, values in (("labels", labels), ("predictions", predictions)):
        if values is not None and len(values) != count:
            raise ValueError(f"got {count} images but {len(values)} {name}; pass one per image")
    if ncols < 1:
        raise ValueError(f"ncols must be at least 1, got {ncols}")

    def name_of(label) -> str:
        return class_names[int(label)] if class_names is not None else str(int(label))

    ncols = min(ncols, count)
    nrows = math.ceil(count / ncols)
    with_titles = labels is not None or predictions is not None
    figure, axes = plt.subplots(
        nrows, ncols, figsize=(1.3 * ncols, (1.55 if with_titles else 1.3) * nrows), squeeze=False
    )
    for index, axis in enumerate(axes.flat):
        axis.axis("off")
        if index >= count:
            continue
        axis.imshow(images[index], cmap=cmap if images.ndim == 3 else None)
        if predictions is not None and labels is not None:
            correct = int(predictions[index]) == int(labels[index])
            axis.set_title(
                f"pred {name_of(predictions[index])}\ntrue {name_of(labels[index])}",
                fontsize=8,
                color="green" if correct else "red",
            )
        elif labels is not None:
            axis.set_title(name_of(labels[index]), fontsize=9)
        elif predictions is not None:
            axis.set_title(f"pred {name_of(predictions[index])}", fontsize=8)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


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


def show_weights_as_images(
    weights,
    shape: tuple[int, int] = (28, 28),
    *,
    count: int | None = 32,
    ncols: int = 8,
    title: str | None = None,
):
    """Show the rows of a weight matrix as images: what each unit responds to.

    Row ``i`` of a first-layer weight matrix of shape ``(units, pixels)``
    holds one weight per input pixel; reshaped to the image, red pixels push
    unit ``i`` up and blue pixels push it down. Each image uses its own
    symmetric colour scale around 0.

    Parameters
    ----------
    weights : array_like of shape (units, height * width)
        E.g. ``model[0].weight.data`` of an MLP on MNIST.
    shape : tuple (height, width), default (28, 28)
        Shape of one input image.
    count : int or None, default 32
        Show only the first ``count`` units (None: all of them).
    ncols : int, default 8
        Images per row.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``weights`` is not 2-D or its rows do not have ``height * width`` entries.
    """
    plt = _pyplot()
    weights = np.asarray(weights, dtype=np.float64)
    height, width = shape
    if weights.ndim != 2 or weights.shape[1] != height * width:
        raise ValueError(
            f"weights must have shape (units, {height * width}) to be shown as {height}x{width} "
            f"images, got {weights.shape}"
        )
    if count is not None:
        weights = weights[:count]
    ncols = max(1, min(ncols, len(weights)))
    nrows = math.ceil(len(weights) / ncols)
    figure, axes = plt.subplots(nrows, ncols, figsize=(1.2 * ncols, 1.2 * nrows), squeeze=False)
    for index, axis in enumerate(axes.flat):
        axis.axis("off")
        if index >= len(weights):
            continue
        limit = np.abs(weights[index]).max() or 1.0
        axis.imshow(weights[index].reshape(height, width), cmap="RdBu_r", vmin=-limit, vmax=limit)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure
