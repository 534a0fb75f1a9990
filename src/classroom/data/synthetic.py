"""Synthetic datasets: small, generated, and labelled synthetic wherever they are used (the real ones are in the other modules)."""

from __future__ import annotations

import numpy as np

from ..nn.init import as_generator


def make_moons(n_samples: int = 200, *, noise: float = 0.1, rng: np.random.Generator):
    """Two interleaving half circles: a classic toy problem that a straight line cannot separate.

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points, split as evenly as possible between the two moons.
    noise : float, default 0.1
        Standard deviation of the Gaussian noise added to every coordinate.
    rng : int or numpy.random.Generator
        Source of randomness (angles and noise).

    Returns
    -------
    points : ndarray of shape (n_samples, 2), dtype float64
    labels : ndarray of shape (n_samples,), dtype int64
        0 for the upper moon, 1 for the lower one.

    Examples
    --------
    >>> points, labels = make_moons(10, rng=np.random.default_rng(0))
    >>> points.shape, labels.tolist()
    ((10, 2), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    """
    if n_samples < 2:
        raise ValueError(f"make_moons needs n_samples >= 2, got {n_samples}")
    if noise < 0:
        raise ValueError(f"make_moons needs noise >= 0, got {noise}")
    n_upper = n_samples // 2 + n_samples % 2
    n_lower = n_samples // 2
    rng = as_generator(rng)
    upper_angles = rng.uniform(0, np.pi, size=n_upper)
    lower_angles = rng.uniform(0, np.pi, size=n_lower)
    upper = np.stack([np.cos(upper_angles), np.sin(upper_angles)], axis=1)
    lower = np.stack([1 - np.cos(lower_angles), 0.5 - np.sin(lower_angles)], axis=1)
    points = np.concatenate([upper, lower]) + rng.normal(scale=noise, size=(n_samples, 2))
    labels = np.concatenate([np.zeros(n_upper, dtype=np.int64), np.ones(n_lower, dtype=np.int64)])
    return points, labels
