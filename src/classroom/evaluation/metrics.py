"""Classification metrics and bootstrap confidence intervals.

* ``accuracy``: the fraction of correct predictions (from labels or logits).
* ``confusion_matrix``: counts of (true class, predicted class) pairs, rows =
  true class and columns = predicted class, as in scikit-learn.
* ``bootstrap_ci``: how uncertain a score is, by resampling the test set
  with replacement (percentile bootstrap).

A test accuracy of 0.91 on 1,000 images is not the same claim as 0.91 on
100 images; report the interval too.
"""

from __future__ import annotations

import warnings
from typing import Callable, NamedTuple

import numpy as np

from ..nn.init import as_generator

__all__ = ["ConfidenceInterval", "accuracy", "bootstrap_ci", "confusion_matrix", "non_finite_rows"]


def _as_labels(values, name: str) -> np.ndarray:
    """Return ``values`` as a 1-D integer array, or raise a clear error."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one label per sample), got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        if np.issubdtype(array.dtype, np.floating) and np.all(array == np.round(array)):
            array = array.astype(np.int64)
        else:
            raise TypeError(
                f"{name} must hold integer class labels, got dtype {array.dtype}; "
                "pass logits as a 2-D array (batch, n_classes) to accuracy()"
            )
    return array.astype(np.int64, copy=False)


def _predicted_labels(y_pred_or_logits) -> np.ndarray:
    """Turn labels (1-D) or scores/logits (2-D) into predicted labels."""
    array = np.asarray(y_pred_or_logits)
    if array.ndim == 2:
        labels = np.argmax(array, axis=1)
        bad = non_finite_rows(array)
        if bad.any():
            warnings.warn(
                f"{int(bad.sum())} of {len(array)} rows of the scores are not finite (NaN or inf): they count "
                "as wrong predictions. Look for non-finite inputs or weights (a diverged training run).",
                RuntimeWarning,
                stacklevel=3,
            )
            labels = np.where(bad, -1, labels)  # -1 matches no class
        return labels
    return _as_labels(array, "y_pred")


def non_finite_rows(array) -> np.ndarray:
    """Which rows (samples) of ``array`` hold a NaN or an infinity.

    Parameters
    ----------
    array : array_like of shape (n, ...)

    Returns
    -------
    ndarray of bool, shape (n,)
        All False for an integer array.

    Examples
    --------
    >>> non_finite_rows([[0.0, 1.0], [np.nan, 2.0]]).tolist()
    [False, True]
    """
    array = np.asarray(array)
    if not np.issubdtype(array.dtype, np.inexact) or array.ndim == 0:
        return np.zeros(array.shape[:1], dtype=bool)
    return ~np.isfinite(array).reshape(len(array), -1).all(axis=1)


def accuracy(y_true, y_pred_or_logits) -> float:
    """Fraction of samples whose predicted class equals the true class.

    Parameters
    ----------
    y_true : array_like of int, shape (n,)
        True class labels.
    y_pred_or_logits : array_like, shape (n,) or (n, n_classes)
        Predicted labels, or scores/logits/probabilities from which the
        predicted label is the arg-max of each row.

    Returns
    -------
    float
        In [0, 1].

    Raises
    ------
    ValueError
        If the inputs are empty or have different numbers of samples.

    Warns
    -----
    RuntimeWarning
        When rows of the scores are not finite; those rows count as wrong
        (their arg-max means nothing).

    Examples
    --------
    >>> accuracy([0, 1, 2, 2], [0, 1, 1, 2])
    0.75
    >>> accuracy([1, 0], [[0.2, 0.8], [0.9, 0.1]])
    1.0
    """
    y_true = _as_labels(y_true, "y_true")
    y_pred = _predicted_labels(y_pred_or_logits)
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(
            f"y_true has {y_true.shape[0]} samples but the predictions have {y_pred.shape[0]}"
        )
    if y_true.shape[0] == 0:
        raise ValueError("accuracy of zero samples is undefined; pass at least one sample")
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, n_classes: int | None = None) -> np.ndarray:
    """Count how often each true class was predicted as each class.

    Parameters
    ----------
    y_true : array_like of int, shape (n,)
        True labels in ``0 .. n_classes-1``.
    y_pred : array_like, shape (n,) or (n, n_classes)
        Predicted labels, or logits (arg-max taken per row).
    n_classes : int, optional
        Number of classes. Default: one more than the largest label seen.

    Returns
    -------
    ndarray of int64, shape (n_classes, n_classes)
        ``matrix[i, j]`` = number of samples of true class ``i`` predicted as
        class ``j``. Rows are true classes, columns predicted classes (the
        scikit-learn convention); the diagonal holds the correct ones.

    Raises
    ------
    ValueError
        On length mismatch, negative labels or labels >= ``n_classes``.

    Examples
    --------
    >>> confusion_matrix([0, 0, 1], [0, 1, 1])
    array([[1, 1],
           [0, 1]])
    """
    y_true = _as_labels(y_true, "y_true")
    y_pred = _predicted_labels(y_pred)
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(
            f"y_true has {y_true.shape[0]} samples but y_pred has {y_pred.shape[0]}"
        )
    if y_true.size and min(y_true.min(), y_pred.min()) < 0:
        raise ValueError("labels must be non-negative class indices 0 .. n_classes-1")
    largest = int(max(y_true.max(), y_pred.max())) if y_true.size else -1
    if n_classes is None:
        n_classes = largest + 1
    elif largest >= n_classes:
        raise ValueError(
            f"found label {largest} but n_classes={n_classes}; labels must be < n_classes"
        )
    # Each (true, predicted) pair maps to one cell index true * n_classes + predicted.
    cell = y_true * n_classes + y_pred
    counts = np.bincount(cell, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes).astype(np.int64)


class ConfidenceInterval(NamedTuple):
    """A point estimate with the bounds of its confidence interval."""

    estimate: float
    low: float
    high: float


def bootstrap_ci(
    data,
    statistic: Callable | None = None,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    rng: int | np.random.Generator,
) -> ConfidenceInterval:
    """Percentile-bootstrap confidence interval of a statistic.

    Draw ``n_resamples`` data sets of the same size *with replacement*,
    compute the statistic on each, and take the ``(1 - confidence) / 2`` and
    ``(1 + confidence) / 2`` quantiles of those values as the interval.

    Parameters
    ----------
    data : array_like of shape (n,), or tuple ``(y_true, y_pred)``
        Either per-sample values (e.g. per-image correctness 0/1), or a pair
        of arrays that are resampled together (the same rows of both).
    statistic : callable, optional
        ``statistic(values) -> float`` for an array, or
        ``statistic(y_true, y_pred) -> float`` for a pair. Default:
        ``numpy.mean`` for an array, ``accuracy`` for a pair.
    n_resamples : int, default 1000
        Number of bootstrap resamples.
    confidence : float, default 0.95
        Confidence level, strictly between 0 and 1.
    rng : int or numpy.random.Generator
        Source of the resampling indices.

    Returns
    -------
    ConfidenceInterval
        ``(estimate, low, high)``; ``estimate`` is the statistic on the full
        data, not the bootstrap mean.

    Raises
    ------
    ValueError
        On empty data, arrays of different lengths, ``n_resamples < 1`` or a
        confidence outside (0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> correct = np.array([1] * 90 + [0] * 10)
    >>> est, low, high = bootstrap_ci(correct, rng=np.random.default_rng(0))
    >>> round(est, 2), low < 0.9 < high
    (0.9, True)
    """
    rng = as_generator(rng)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1 (e.g. 0.95), got {confidence}")
    if int(n_resamples) < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")

    paired = isinstance(data, tuple)
    if paired:
        if len(data) != 2:
            raise ValueError(f"pass data as (y_true, y_pred); got a tuple of {len(data)} items")
        first, second = (np.asarray(part) for part in data)
        if first.shape[0] != second.shape[0]:
            raise ValueError(
                f"y_true has {first.shape[0]} samples but y_pred has {second.shape[0]}"
            )
        n = first.shape[0]
        statistic = accuracy if statistic is None else statistic

        def evaluate(index):
            return statistic(first[index], second[index])

    else:
        values = np.asarray(data)
        n = values.shape[0] if values.ndim else 0
        statistic = np.mean if statistic is None else statistic

        def evaluate(index):
            return statistic(values[index])

    if n == 0:
        raise ValueError("bootstrap_ci needs at least one sample, got none")

    everything = np.arange(n)
    estimate = float(evaluate(everything))
    resampled = np.empty(int(n_resamples))
    for r in range(int(n_resamples)):
        index = rng.integers(0, n, size=n)
        resampled[r] = evaluate(index)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(resampled, [tail, 1.0 - tail])
    return ConfidenceInterval(estimate, float(low), float(high))
