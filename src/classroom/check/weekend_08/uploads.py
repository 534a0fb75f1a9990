"""What weekend 8's checks send: a 28x28 "7" drawn with NumPy as a PNG, and a valid PNG above the upload limit."""

from __future__ import annotations

import io

import numpy as np

from .reference import MAX_UPLOAD_BYTES


def _png(pixels: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(pixels, dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def _drawn_seven() -> np.ndarray:
    """A 28x28 grayscale "7" drawn with NumPy: white strokes on black, like MNIST.

    Returns
    -------
    ndarray of shape (28, 28), uint8
    """
    pixels = np.zeros((28, 28), dtype=np.uint8)
    pixels[6:9, 6:22] = 255
    for row in range(9, 24):
        column = 21 - (row - 9) * 9 // 15
        pixels[row, column - 1 : column + 2] = 255
    return pixels


def _oversized_png() -> bytes:
    """A valid RGB PNG of seeded noise, larger than :data:`MAX_UPLOAD_BYTES`."""
    noise = np.random.default_rng(0).integers(0, 256, size=(256, 256, 3), dtype=np.uint8)
    data = _png(noise)
    assert len(data) > MAX_UPLOAD_BYTES
    return data
