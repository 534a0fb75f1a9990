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
