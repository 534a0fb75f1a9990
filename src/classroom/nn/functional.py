"""Numerically stable activation functions as plain NumPy functions.

The naive formulas overflow: ``np.exp(1000.0)`` is ``inf``, so a naive
softmax of large logits returns ``nan``. Each function here rewrites the
formula so that ``exp`` only ever sees non-positive numbers:

* ``logsumexp(x) = m + log(sum(exp(x - m)))`` with ``m = max(x)``;
* ``softmax(x) = exp(x - logsumexp(x))``;
* ``sigmoid(x) = 1 / (1 + exp(-x))`` for ``x >= 0`` and
  ``exp(x) / (1 + exp(x))`` for ``x < 0``.

As in ``torch.nn.functional``, the axis argument is called ``dim``.
"""

from __future__ import annotations

import numpy as np


def logsumexp(x: np.ndarray, dim: int = -1, keepdims: bool = False) -> np.ndarray:
    """Compute ``log(sum(exp(x), axis=dim))`` without overflow.

    Parameters
    ----------
    x : ndarray of any shape
        Input values (floating point).
    dim : int, default -1
        The axis to reduce.
    keepdims : bool, default False
        Keep the reduced axis with length 1 (handy for broadcasting).

    Returns
    -------
    ndarray
        ``x``'s shape without axis ``dim`` (or with length 1 there when
        ``keepdims``), same dtype as ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> float(logsumexp(np.array([1000.0, 1000.0])))  # naive: inf
    1000.6931471805599
    """
    x = np.asarray(x)
    # initial=-inf: the maximum of an empty axis (a batch of 0 along dim) is -inf, not an error.
    largest = np.max(x, axis=dim, keepdims=True, initial=-np.inf)
    # A row of all -inf would give -inf - -inf = nan; shift by 0 there instead.
    largest = np.where(np.isfinite(largest), largest, 0.0).astype(x.dtype)
    total = np.sum(np.exp(x - largest), axis=dim, keepdims=True)
    with np.errstate(divide="ignore"):  # log(0) = -inf is the right answer for all -inf
        result = np.log(total) + largest
    if not keepdims:
        result = np.squeeze(result, axis=dim)
    return result


def log_softmax(x: np.ndarray, dim: int = -1) -> np.ndarray:
    """Compute ``log(softmax(x))`` stably as ``x - logsumexp(x)``.

    Parameters
    ----------
    x : ndarray of any shape
        Logits.
    dim : int, default -1
        The axis that holds the classes.

    Returns
    -------
    ndarray of the same shape and dtype as ``x``
        Log-probabilities; ``exp`` of them sums to 1 along ``dim``.
    """
    x = np.asarray(x)
    return x - logsumexp(x, dim=dim, keepdims=True)


def softmax(x: np.ndarray, dim: int = -1) -> np.ndarray:
    """Turn logits into probabilities that sum to 1 along ``dim``.

    Parameters
    ----------
    x : ndarray of any shape
        Logits.
    dim : int, default -1
        The axis that holds the classes.

    Returns
    -------
    ndarray of the same shape and dtype as ``x``
        Probabilities in ``[0, 1]``.
    """
    x = np.asarray(x)
    shifted = x - np.max(x, axis=dim, keepdims=True, initial=-np.inf)  # -inf for an empty axis
    exponentials = np.exp(shifted)
    return exponentials / np.sum(exponentials, axis=dim, keepdims=True)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Compute the logistic function ``1 / (1 + exp(-x))`` without overflow.

    Parameters
    ----------
    x : ndarray of any shape
        Input values.

    Returns
    -------
    ndarray of the same shape and dtype as ``x``
        Values in ``[0, 1]``.
    """
    x = np.asarray(x)
    # exp(-|x|) is always in (0, 1], so it never overflows.
    small = np.exp(-np.abs(x))
    positive_branch = 1.0 / (1.0 + small)
    negative_branch = small / (1.0 + small)
    return np.where(x >= 0, positive_branch, negative_branch).astype(x.dtype, copy=False)


def softplus(x: np.ndarray) -> np.ndarray:
    """Compute ``log(1 + exp(x))`` without overflow.

    Uses ``softplus(x) = max(x, 0) + log1p(exp(-|x|))``. Note that
    ``-softplus(-x) = log(sigmoid(x))``, which is how the binary
    cross-entropy is computed from logits.

    Parameters
    ----------
    x : ndarray of any shape
        Input values.

    Returns
    -------
    ndarray of the same shape and dtype as ``x``
        Non-negative values.
    """
    x = np.asarray(x)
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))
