"""Data augmentation: random crops with zero padding and horizontal flips.

Both are done for the whole batch at once with a strided view and fancy
indexing: no Python loop over images or pixels.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..nn.init import as_generator


def random_crop_flip(
    images: np.ndarray,
    padding: int = 4,
    *,
    rng: np.random.Generator,
    flip_probability: float = 0.5,
) -> np.ndarray:
    """Randomly shift (crop from a zero-padded copy) and mirror each image.

    Each image is padded with ``padding`` zeros on every side, a window of the
    original size is cut at a random offset (0 to ``2 * padding`` in each
    direction), and the window is mirrored left-right with probability
    ``flip_probability``.

    Parameters
    ----------
    images : ndarray of shape (batch, channels, height, width), float
        A batch in NCHW layout.
    padding : int, default 4
        Zero border added before cropping; 0 disables the shift.
    rng : int or numpy.random.Generator
        Source of the offsets and flips.
    flip_probability : float, default 0.5
        Chance of mirroring each image.

    Returns
    -------
    ndarray of shape (batch, channels, height, width), same dtype as ``images``
        A new array; ``images`` is not modified.

    Raises
    ------
    ValueError
        ``images`` not 4-D or not floating point, ``padding`` negative, or
        ``flip_probability`` outside [0, 1].

    Examples
    --------
    >>> x = np.arange(2 * 1 * 3 * 3, dtype=np.float32).reshape(2, 1, 3, 3)
    >>> random_crop_flip(x, padding=1, rng=np.random.default_rng(0)).shape
    (2, 1, 3, 3)
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(
            f"random_crop_flip expects images of shape (batch, channels, height, width), got {images.shape}"
        )
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(f"random_crop_flip expects floating-point images, got {images.dtype}; use to_float_nchw first")
    if int(padding) != padding or padding < 0:
        raise ValueError(f"padding must be a non-negative int, got {padding!r}")
    if not 0.0 <= flip_probability <= 1.0:
        raise ValueError(f"flip_probability must be in [0, 1], got {flip_probability}")
    padding = int(padding)
    rng = as_generator(rng)
    batch, _, height, width = images.shape
    padded = np.pad(images, ((0, 0), (0, 0), (padding, padding), (padding, padding)))

    top = rng.integers(0, 2 * padding + 1, size=batch)
    left = rng.integers(0, 2 * padding + 1, size=batch)
    flip = rng.random(batch) < flip_probability

    # Every height x width window of every padded image, as a view (no copy):
    # windows[n, c, y, x] is the crop of image n, channel c, starting at (y, x).
    windows = sliding_window_view(padded, (height, width), axis=(2, 3))
    # Pick one window per image: shape (batch, channels, height, width), a copy.
    crops = windows[np.arange(batch), :, top, left]
    # Mirror the chosen images by reading their columns backwards.
    crops[flip] = crops[flip, :, :, ::-1]
    return crops
