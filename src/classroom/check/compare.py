"""Comparing a learner's numbers with the reference: the tolerance test and the measured error.

Most checks call the learner's piece, make sure it returned a NumPy array (or
one number), and compare it elementwise with the package's result:

    ``|actual - expected| <= atol + rtol * |expected|``

(the test of ``numpy.allclose``, scaled by the expected values). When the two
differ, the failure says by how much and with which tolerance, e.g.
``"max abs error 3.1e-02, max rel error 1.2e-01 (tolerance |a-b| <= 1e-09 + 1e-07*|b|)"``,
so the learner sees a measurement, not just "wrong".

Examples
--------
>>> import numpy as np
>>> close(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-12]))
True
>>> max_error_summary(np.array([1.0, 2.5]), np.array([1.0, 2.0]))
'max abs error 5.00e-01, max rel error 2.50e-01 (tolerance |a-b| <= 1e-09 + 1e-07*|b|)'
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .core import CheckFailed

__all__ = [
    "ATOL",
    "RTOL",
    "FD_ATOL",
    "FD_RTOL",
    "close",
    "tolerance_text",
    "max_error_summary",
    "error_summary",
    "as_ndarray",
    "as_float",
    "quietly",
]

ATOL, RTOL = 1e-9, 1e-7
"""Default tolerance of a float64 result against the package's: ``|a-b| <= 1e-9 + 1e-7*|b|``."""

FD_ATOL, FD_RTOL = 1e-6, 1e-5
"""Tolerance of an analytic gradient against central finite differences (step 1e-6)."""


def close(actual, expected, atol: float = ATOL, rtol: float = RTOL) -> bool:
    """True when ``actual`` has the shape of ``expected`` and every entry is within the tolerance.

    Parameters
    ----------
    actual : array_like of shape S
        The learner's result.
    expected : array_like of shape S
        The reference result; it also sets the scale of the relative tolerance.
    atol, rtol : float
        Absolute and relative tolerance: ``|actual - expected| <= atol + rtol * |expected|``.

    Returns
    -------
    bool
        False for a different shape, and wherever an entry is nan (or inf where
        ``expected`` is finite).
    """
    actual, expected = np.asarray(actual), np.asarray(expected)
    if actual.shape != expected.shape:
        return False
    with np.errstate(invalid="ignore"):
        return bool(np.all(np.abs(actual - expected) <= atol + rtol * np.abs(expected)))


def tolerance_text(atol: float, rtol: float) -> str:
    """The tolerance of :func:`close` as the messages print it: ``"tolerance |a-b| <= 1e-09 + 1e-07*|b|"``."""
    return f"tolerance |a-b| <= {atol:g} + {rtol:g}*|b|"


def max_error_summary(actual, expected, atol: float = ATOL, rtol: float = RTOL) -> str:
    """How far ``actual`` is from ``expected``: the largest absolute and relative error, and the tolerance.

    Parameters
    ----------
    actual, expected : array_like of shape S
        Shapes that broadcast together (the callers compare equal shapes).
    atol, rtol : float
        The tolerance the comparison used, repeated in the text.

    Returns
    -------
    str
        ``"max abs error 3.10e-02, max rel error 1.20e-01 (tolerance |a-b| <= 1e-09 + 1e-07*|b|)"``;
        the relative error divides by the largest ``|expected|``. An inf or nan
        difference prints as ``inf`` or ``nan``.
    """
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        difference = np.abs(actual - expected)
    max_abs = float(difference.max()) if difference.size else 0.0
    scale = float(np.abs(expected).max()) if expected.size else 0.0
    max_rel = max_abs / scale if scale > 0 else max_abs
    return f"max abs error {max_abs:.2e}, max rel error {max_rel:.2e} ({tolerance_text(atol, rtol)})"


def error_summary(actual, expected, atol: float = ATOL, rtol: float = RTOL) -> str:
    """:func:`max_error_summary`, except that inf and nan differences are counted instead.

    Parameters
    ----------
    actual, expected : array_like of shape S
    atol, rtol : float

    Returns
    -------
    str
        ``"3 values not finite (inf or nan)"`` when any entry of
        ``|actual - expected|`` is inf or nan (an overflow, usually), else the
        text of :func:`max_error_summary`.
    """
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        difference = np.abs(actual - expected)
    if difference.size and not np.all(np.isfinite(difference)):
        return f"{int(np.sum(~np.isfinite(difference)))} values not finite (inf or nan)"
    return max_error_summary(actual, expected, atol, rtol)


def as_ndarray(value, what: str, hint: str = "return a NumPy array (np.ndarray), not a list, a number or None"):
    """Return ``value`` if the learner's piece returned an ndarray; else fail with ``not-an-array``.

    Parameters
    ----------
    value : object
        What the learner's piece returned.
    what : str
        The piece, for the message: ``"softmax"``, ``"Linear.forward"``.
    hint : str, optional
        What to return instead.

    Returns
    -------
    ndarray
        ``value`` itself, unchanged.

    Raises
    ------
    CheckFailed
        ``not-an-array`` for a list, a number, None or any other type.
    """
    if not isinstance(value, np.ndarray):
        raise CheckFailed(
            "not-an-array",
            f"{what} returned {type(value).__name__}, not an ndarray",
            hint,
        )
    return value


def as_float(value, what: str) -> float:
    """Return the learner's loss (or other single number) as a float; else fail with ``loss-not-scalar``.

    Parameters
    ----------
    value : object
        A Python number, a NumPy scalar or an array of one element.
    what : str
        The piece, for the message: ``"cross_entropy"``.

    Returns
    -------
    float

    Raises
    ------
    CheckFailed
        ``loss-not-scalar`` for an array of more than one element (the
        per-sample losses, not their mean) or a value that is not a number.
    """
    if isinstance(value, np.ndarray) and value.size != 1:
        raise CheckFailed(
            "loss-not-scalar",
            f"{what} returned an array of shape {value.shape}, not one number",
            "average the per-sample losses into one float: return float(np.mean(losses))",
        )
    try:
        return float(value)
    except (TypeError, ValueError):
        raise CheckFailed("loss-not-scalar", f"{what} returned {type(value).__name__}, not a number",
                          "return the loss as one float") from None


def quietly(function: Callable, *args, **kwargs):
    """Call the learner's function with NumPy's floating-point warnings silenced.

    An overflow in the learner's code is not reported as a warning: the check
    measures the result (inf or nan entries) and says what went wrong.

    Parameters
    ----------
    function : callable
        The learner's piece.
    *args, **kwargs
        Passed on unchanged.

    Returns
    -------
    object
        What ``function`` returned.
    """
    with np.errstate(all="ignore"):
        return function(*args, **kwargs)
