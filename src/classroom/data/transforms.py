"""Turn uint8 pixels into the float arrays networks train on."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def to_float_nchw(images: np.ndarray) -> np.ndarray:
    """Convert uint8 images (NHWC, or NHW for grey) to float32 NCHW in [0, 1].

    Parameters
    ----------
    images : ndarray of shape (n_images, height, width, channels) or (n_images, height, width), dtype uint8

    Returns
    -------
    ndarray of shape (n_images, channels, height, width), dtype float32
        Pixels divided by 255; grey images get one channel.

    Raises
    ------
    ValueError
        Not 3-D/4-D or not uint8.

    Examples
    --------
    >>> to_float_nchw(np.full((2, 4, 4, 3), 255, dtype=np.uint8)).shape
    (2, 3, 4, 4)
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"to_float_nchw expects uint8 pixels (0-255), got {images.dtype}")
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4:
        raise ValueError(f"to_float_nchw expects shape (n, height, width[, channels]), got {images.shape}")
    return np.ascontiguousarray(images.transpose(0, 3, 1, 2), dtype=np.float32) / np.float32(255.0)


def normalize(x: np.ndarray, mean: Sequence[float] | float, std: Sequence[float] | float) -> np.ndarray:
    """Standardise each channel: ``(x - mean[c]) / std[c]``.

    Parameters
    ----------
    x : ndarray of shape (n_images, channels, height, width), float
        NCHW images (e.g. from :func:`to_float_nchw`).
    mean, std : float or sequence of float of length channels
        Per-channel statistics (e.g. ``CIFAR10_MEAN``, ``CIFAR10_STD``).

    Returns
    -------
    ndarray of the same shape and dtype as ``x``

    Raises
    ------
    ValueError
        ``x`` not 4-D, wrong number of statistics, or a std that is not positive.
    """
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"normalize expects NCHW images of shape (n, channels, height, width), got {x.shape}")
    channels = x.shape[1]
    mean = np.asarray(mean, dtype=x.dtype).reshape(-1)
    std = np.asarray(std, dtype=x.dtype).reshape(-1)
    if mean.size == 1:  # one number for every channel
        mean = np.repeat(mean, channels)
    if std.size == 1:
        std = np.repeat(std, channels)
    if mean.size != channels or std.size != channels:
        raise ValueError(f"normalize: images have {channels} channels, got {mean.size} means and {std.size} stds")
    if np.any(std <= 0):
        raise ValueError(f"normalize: std must be positive, got {std.tolist()}")
    return (x - mean[None, :, None, None]) / std[None, :, None, None]


def mnist_as_float(images: np.ndarray) -> np.ndarray:
    """Flatten uint8 MNIST images to float32 rows in [0, 1].

    Parameters
    ----------
    images : ndarray of shape (n_images, 28, 28), dtype uint8

    Returns
    -------
    ndarray of shape (n_images, 784), dtype float32

    Examples
    --------
    >>> mnist_as_float(np.zeros((3, 28, 28), dtype=np.uint8)).shape
    (3, 784)
    """
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 3:
        raise ValueError(f"mnist_as_float expects uint8 images of shape (n, 28, 28), got {images.dtype} {images.shape}")
    return images.reshape(len(images), -1).astype(np.float32) / np.float32(255.0)


def _linear_resize_matrix(in_size: int, out_size: int) -> np.ndarray:
    """Return the ``(out_size, in_size)`` matrix of a linear (triangle-filter) resize along one axis.

    Output pixel ``i`` has its centre at input coordinate ``(i + 0.5) * in_size / out_size``
    (pixel ``j`` covers ``[j, j + 1)``). Its weights are a triangle of half-width
    ``max(1, in_size / out_size)`` input pixels around that centre: plain linear
    interpolation when enlarging, a wider filter that averages neighbours (no
    aliasing) when shrinking. Each row is divided by its sum, so weights cut off
    at the border are renormalised instead of reading outside the image.
    """
    scale = in_size / out_size
    support = max(1.0, scale)
    centres = (np.arange(out_size) + 0.5) * scale  # (out_size,)
    distance = (np.arange(in_size) + 0.5)[None, :] - centres[:, None]  # (out_size, in_size)
    weights = np.clip(1.0 - np.abs(distance) / support, 0.0, None)
    return weights / weights.sum(axis=1, keepdims=True)


def resize_images(images: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """Resize a batch of NCHW images with bilinear interpolation (antialiased when shrinking).

    The same filter as Pillow's ``Image.resize(..., Image.BILINEAR)``: a
    triangle filter applied along the rows and then the columns, widened in
    proportion when the image shrinks so that every input pixel counts. It is
    two matrix products per image batch, so a whole test set is resized at
    once.

    Parameters
    ----------
    images : ndarray of shape (n_images, channels, height, width), float
        NCHW images (e.g. from :func:`to_float_nchw`, before or after :func:`normalize`).
    size : int or (int, int)
        The new ``(height, width)``; one int gives a square.

    Returns
    -------
    ndarray of shape (n_images, channels, new_height, new_width), same dtype as ``images``
        A new array; the same size returns an unchanged copy.

    Raises
    ------
    ValueError
        ``images`` not 4-D or not floating point, or a size below 1.

    Examples
    --------
    >>> resize_images(np.zeros((2, 3, 32, 32), dtype=np.float32), 48).shape
    (2, 3, 48, 48)
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"resize_images expects NCHW images of shape (n, channels, height, width), got {images.shape}")
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(f"resize_images expects floating-point images, got {images.dtype}; use to_float_nchw first")
    new_height, new_width = (size, size) if np.ndim(size) == 0 else tuple(size)
    if int(new_height) != new_height or int(new_width) != new_width or min(new_height, new_width) < 1:
        raise ValueError(f"resize_images needs a size of whole pixels >= 1, got {size!r}")
    new_height, new_width = int(new_height), int(new_width)
    height, width = images.shape[2:]
    if (new_height, new_width) == (height, width):
        return images.copy()
    rows = _linear_resize_matrix(height, new_height).astype(images.dtype)  # (new_height, height)
    columns = _linear_resize_matrix(width, new_width).astype(images.dtype)  # (new_width, width)
    resized = np.matmul(np.matmul(rows, images), columns.T)  # (n, channels, new_height, new_width)
    return np.ascontiguousarray(resized)
