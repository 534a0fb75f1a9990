"""The models' ``seed=`` argument, kept for one release beside the package's one convention, ``rng``."""

from __future__ import annotations

import warnings

import numpy as np

from ..nn.init import as_generator


def rng_or_seed(rng, seed, where: str) -> np.random.Generator:
    """Return the Generator for ``rng`` (an int seed, a Generator or None), accepting the old ``seed=`` too.

    Parameters
    ----------
    rng : int, numpy.random.Generator or None
        See :func:`classroom.nn.init.as_generator`.
    seed : int or None
        The old argument: when given, it is the seed, with a ``DeprecationWarning``.
    where : str
        The model's name, for the messages.

    Returns
    -------
    numpy.random.Generator

    Raises
    ------
    TypeError
        When both are given with different meanings.
    """
    if seed is None:
        return as_generator(rng)
    if rng is not None and not (isinstance(rng, int) and rng in (0, seed)):
        raise TypeError(f"{where} got both rng={rng!r} and seed={seed!r}; pass rng only")
    warnings.warn(f"{where}(seed=...) is now {where}(rng=...); seed goes away in the next release",
                  DeprecationWarning, stacklevel=3)
    return as_generator(seed)
