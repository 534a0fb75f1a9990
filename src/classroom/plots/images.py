"""Images on a figure: a grid of inputs with their labels, and weights seen as images.

* :func:`show_images`: a grid of images with their (true / predicted) labels;
* :func:`show_weights_as_images`: the rows of a first-layer weight matrix,
  each reshaped to the input image, to see what a unit looks for.

Both return the matplotlib ``Figure`` (matplotlib is imported only when a
function is called). For one picture as a NumPy array, without matplotlib,
see :func:`classroom.plots.grids.image_grid`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ._matplotlib import pyplot as _pyplot

__all__ = ["show_images", "show_weights_as_images"]


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
