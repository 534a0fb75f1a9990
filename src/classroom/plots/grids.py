"""Tile images into one picture, as a NumPy array (no matplotlib needed).

:func:`image_grid` returns the picture itself, a ``uint8`` array of shape
``(height, width, channels)``, instead of a matplotlib ``Figure`` like the
other plotting functions: show it with ``plt.imshow(grid)``, or write it to a
PNG file with Pillow (``Image.fromarray(grid).save("samples.png")``), which is
how ``scripts/train_vae.py`` saves its samples on a machine without a display.

Examples
--------
>>> import numpy as np
>>> image_grid(np.zeros((5, 3, 4, 4)), columns=3, padding=1).shape
(11, 16, 3)
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["image_grid"]


def image_grid(images: np.ndarray, columns: int = 8, padding: int = 2) -> np.ndarray:
    """Tile images into one picture, ready for ``plt.imshow`` or a PNG file.

    Tiles are placed row by row; the last row may be partly empty (white).

    Parameters
    ----------
    images : ndarray of shape (n, channels, height, width), floats in [0, 1]
        NCHW, like a VAE's ``sample`` or ``reconstruct``; values outside
        [0, 1] are clipped.
    columns : int, default 8
        Tiles per row (at most ``n``).
    padding : int, default 2
        White pixels between tiles and around the border.

    Returns
    -------
    ndarray of shape (rows * (height + padding) + padding, columns * (width + padding) + padding, channels), uint8
        With ``rows = ceil(n / columns)``; channels last, as images are stored.

    Raises
    ------
    ValueError
        If ``images`` is not 4-dimensional.
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"image_grid expects (n, channels, height, width), got {images.shape}")
    count, channels, height, width = images.shape
    columns = max(1, min(columns, count))
    rows = math.ceil(count / columns)
    grid = np.full(
        (rows * (height + padding) + padding, columns * (width + padding) + padding, channels), 255, dtype=np.uint8
    )
    pixels = np.round(np.clip(images, 0.0, 1.0) * 255.0).astype(np.uint8).transpose(0, 2, 3, 1)
    for index in range(count):
        row, column = divmod(index, columns)
        top = padding + row * (height + padding)
        left = padding + column * (width + padding)
        grid[top : top + height, left : left + width] = pixels[index]
    return grid
