"""Mini-batches: walk through arrays a slice at a time, optionally shuffled."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..nn.init import as_generator


def batches(
    *arrays: np.ndarray,
    batch_size: int,
    shuffle: bool = True,
    rng: np.random.Generator | None = None,
    drop_last: bool = False,
) -> Iterator[tuple[np.ndarray, ...]]:
    """Yield matching mini-batches of one or more arrays.

    Parameters
    ----------
    *arrays : ndarray of shape (n_samples, ...)
        Arrays sharing their first dimension (e.g. images and labels).
    batch_size : int
        Samples per batch (the last batch may be smaller).
    shuffle : bool, default True
        Visit the samples in a random order (a new one at every call).
    rng : int, numpy.random.Generator or None, optional
        Source of the shuffle. Pass a seeded generator for reproducible
        order; default None uses a fresh, unseeded generator.
    drop_last : bool, default False
        Skip the final batch when it is smaller than ``batch_size``.

    Yields
    ------
    tuple of ndarray
        One array of shape (batch, ...) per input array, always a tuple
        (even for one array). Without shuffling they are views (slices);
        with shuffling, copies.

    Raises
    ------
    ValueError
        No arrays, different lengths, or ``batch_size`` < 1.

    Examples
    --------
    >>> x, y = np.arange(10).reshape(5, 2), np.arange(5)
    >>> [yb.tolist() for _, yb in batches(x, y, batch_size=2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    """
    if not arrays:
        raise ValueError("batches() needs at least one array")
    lengths = [len(array) for array in arrays]
    if len(set(lengths)) != 1:
        raise ValueError(f"all arrays must have the same first dimension, got lengths {lengths}")
    if isinstance(batch_size, bool) or int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    batch_size = int(batch_size)
    n_samples = lengths[0]
    order = None
    if shuffle:
        rng = as_generator(rng)
        order = rng.permutation(n_samples)
    stop = n_samples - n_samples % batch_size if drop_last else n_samples
    for start in range(0, stop, batch_size):
        end = min(start + batch_size, n_samples)
        if order is None:
            yield tuple(array[start:end] for array in arrays)
        else:
            indices = order[start:end]
            yield tuple(array[indices] for array in arrays)
