"""Split a labelled dataset into train / validation / test index sets, per class."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _allocate(count: int, fractions: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Split ``count`` items into parts proportional to ``fractions`` (largest remainder).

    Every part with a positive fraction gets at least one item when ``count``
    allows it; ties between remainders are broken at random.
    """
    exact = count * fractions
    sizes = np.floor(exact).astype(np.int64)
    leftover = count - int(sizes.sum())
    remainders = exact - sizes
    order = np.lexsort((rng.random(len(fractions)), -remainders))
    sizes[order[:leftover]] += 1
    wanted = fractions > 0
    while count >= int(wanted.sum()) and np.any(wanted & (sizes == 0)):
        empty = np.flatnonzero(wanted & (sizes == 0))[0]
        sizes[np.argmax(sizes)] -= 1
        sizes[empty] += 1
    return sizes


def stratified_split(
    labels: np.ndarray,
    fractions: Sequence[float] = (0.8, 0.1, 0.1),
    *,
    seed: int = 0,
) -> tuple[np.ndarray, ...]:
    """Split sample indices so every part keeps the class proportions.

    Each class's samples are shuffled (seeded) and divided by ``fractions``;
    the parts are disjoint and together cover every sample.

    Parameters
    ----------
    labels : array-like of shape (n_samples,)
        Class of each sample (ints or strings).
    fractions : sequence of float, default (0.8, 0.1, 0.1)
        Share of each part (e.g. train, validation, test); non-negative,
        summing to 1.
    seed : int, default 0
        Seed of the shuffle: the same seed gives the same split.

    Returns
    -------
    tuple of ndarray of shape (n_part,), dtype int64
        One sorted index array per fraction. Every class appears in every part
        with a positive fraction whenever the class has at least as many
        samples as there are such parts.

    Raises
    ------
    ValueError
        ``labels`` not 1-D, or fractions negative / not summing to 1.

    Examples
    --------
    >>> labels = np.repeat([0, 1, 2], 10)
    >>> train, val, test = stratified_split(labels, (0.6, 0.2, 0.2), seed=0)
    >>> len(train), len(val), len(test)
    (18, 6, 6)
    >>> np.bincount(labels[val])
    array([2, 2, 2])
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D (n_samples,), got shape {labels.shape}")
    fractions = np.asarray(fractions, dtype=np.float64)
    if fractions.ndim != 1 or len(fractions) == 0 or np.any(fractions < 0):
        raise ValueError(f"fractions must be a non-empty sequence of non-negative numbers, got {fractions.tolist()}")
    if not np.isclose(fractions.sum(), 1.0, atol=1e-6):
        raise ValueError(f"fractions must sum to 1, got {fractions.tolist()} (sum {fractions.sum():g})")
    rng = np.random.default_rng(seed)
    classes, class_of_sample = np.unique(labels, return_inverse=True)
    parts = [[] for _ in fractions]
    for class_index in range(len(classes)):
        members = rng.permutation(np.flatnonzero(class_of_sample == class_index))
        sizes = _allocate(len(members), fractions, rng)
        boundaries = np.cumsum(sizes)[:-1]
        for part, chunk in zip(parts, np.split(members, boundaries)):
            part.append(chunk)
    return tuple(np.sort(np.concatenate(part)).astype(np.int64) for part in parts)
