"""Weekend 2's ``fit`` check: the coefficients on two standardised Iris problems against the package's minimiser.

:func:`iris_problems` builds the two problems as the lesson notebook does;
the minimiser is found by five times as many gradient steps of
``classroom.models.logistic.BinaryLogisticRegression`` (cached).
"""

from __future__ import annotations

import numpy as np

from classroom.data import load_iris, stratified_split
from classroom.nn import functional as F

from ..compare import as_float, quietly
from ..core import CheckFailed, register
from .reference import FIT_EPOCHS, FIT_LR, WEEKEND, reference_fit, reference_logistic_loss


FIT_ATOL = 1e-4  # coefficients vs the package's converged solution (the package vs scikit-learn: 1e-4 too)


def iris_problems():
    """The two binary Iris problems of the fit check, standardised as in the lesson notebook.

    The stratified 80/20 split of the notebook (seed 0), features standardised
    with the training part's mean and standard deviation.

    Returns
    -------
    list of (str, ndarray of shape (N, d), ndarray of shape (N,), float)
        ``(description, X, y, weight_decay)``: virginica against versicolor on the
        two petal features (80 flowers, lambda 0.01, as in the notebook), and
        virginica against the rest on all four features (120 flowers, lambda 0.05).
    """
    iris = load_iris()
    train_index, _ = stratified_split(iris.target, (0.8, 0.2), seed=0)
    X, labels = iris.data[train_index], iris.target[train_index]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    pair = labels > 0
    return [
        ("virginica vs versicolor, petal length and width", X[pair][:, [2, 3]],
         (labels[pair] == 2).astype(np.int64), 0.01),
        ("virginica vs the rest, all four features", X, (labels == 2).astype(np.int64), 0.05),
    ]


_CONVERGED: dict = {}


def _converged(X, y, weight_decay, penalise_intercept=False, epochs=10_000):
    """The minimiser, by five times as many gradient steps (with the intercept penalised too, for the hint)."""
    key = (X.shape, float(X.sum()), int(y.sum()), weight_decay, penalise_intercept)
    if key not in _CONVERGED:
        _CONVERGED[key] = _converge(X, y, weight_decay, penalise_intercept, epochs)
    return _CONVERGED[key]


def _converge(X, y, weight_decay, penalise_intercept, epochs):
    if not penalise_intercept:
        return reference_fit(X, y, FIT_LR, epochs, weight_decay)
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(epochs):
        residual = F.sigmoid(X @ w + b) - y
        w = w - FIT_LR * (X.T @ residual / len(y) + weight_decay * w)
        b = b - FIT_LR * (float(np.mean(residual)) + weight_decay * b)
    return w, b


@register(WEEKEND, "fit", "fit: coefficients on Iris", needs=["fit"], timeout=120,
          compared=f"fit(X, y, lr={FIT_LR}, epochs={FIT_EPOCHS}, weight_decay) on two standardised Iris problems, "
                   f"against the minimiser found by classroom.models.logistic.BinaryLogisticRegression (max abs "
                   f"difference of w and b, tolerance {FIT_ATOL:g}; the package matches scikit-learn's "
                   "LogisticRegression(C=1/(weight_decay*N)) to 1e-4 in its own tests)")
def _check_fit(ns):
    measured = []
    for description, X, y, weight_decay in iris_problems():
        result = quietly(ns["fit"], X.copy(), y.copy(), lr=FIT_LR, epochs=FIT_EPOCHS, weight_decay=weight_decay)
        if not isinstance(result, tuple) or len(result) != 2:
            raise CheckFailed("fit-return", f"fit returned {type(result).__name__}, not a pair (w, b)",
                              "return the weights and the intercept: return w, b")
        w, b = np.asarray(result[0], dtype=np.float64).ravel(), as_float(result[1], "the intercept b")
        best_w, best_b = _converged(X, y, weight_decay)
        where = f"{description} ({len(y)} flowers, weight_decay={weight_decay}, C = {1 / (weight_decay * len(y)):.3g})"
        if w.shape != best_w.shape:
            raise CheckFailed("fit-return", f"{where}: w has shape {w.shape}, expected {best_w.shape}",
                              "return w of shape (d,), one weight per feature")
        start = reference_logistic_loss(np.zeros_like(best_w), 0.0, X, y, weight_decay)
        with np.errstate(all="ignore"):
            finite = bool(np.all(np.isfinite(w)) and np.isfinite(b))
            objective = reference_logistic_loss(w, b, X, y, weight_decay) if finite else float("inf")
        if not objective <= start:
            raise CheckFailed("fit-diverged", f"{where}: w = {np.round(w, 4)}, b = {b:.4g}; the objective is "
                              f"{objective:.6g}, higher than {start:.6g} at the start (w = 0, b = 0)",
                              "the steps went uphill or blew up: step against the gradient (w -= lr * grad_w, "
                              "b -= lr * grad_b) and check the gradient's sign and its 1/N")
        error = max(float(np.max(np.abs(w - best_w))), abs(b - best_b))
        if error <= FIT_ATOL:
            measured.append(f"{error:.1e}")
            continue
        summary = (f"{where}: w = {np.round(w, 4)}, b = {b:.4f}; the minimiser has w = {np.round(best_w, 4)}, "
                   f"b = {best_b:.4f} (max abs difference {error:.2e}, tolerance {FIT_ATOL:g})")
        if b == 0.0 and abs(best_b) > 10 * FIT_ATOL:
            raise CheckFailed("fit-forgot-intercept", summary,
                              "learn the intercept too: p = sigmoid(X @ w + b), and step b -= lr * grad_b every epoch")
        reg_w, reg_b = _converged(X, y, weight_decay, penalise_intercept=True)
        if max(float(np.max(np.abs(w - reg_w))), abs(b - reg_b)) <= FIT_ATOL:
            raise CheckFailed("fit-regularised-intercept", summary + "; yours is the minimiser with b penalised too",
                              "do not apply weight decay to the intercept: grad_b = mean(p - y) only")
        free_w, free_b = reference_fit(X, y, FIT_LR, FIT_EPOCHS, 0.0)
        if max(float(np.max(np.abs(w - free_w))), abs(b - free_b)) <= FIT_ATOL:
            raise CheckFailed("fit-ignores-weight-decay", summary + "; yours is the fit without the L2 penalty",
                              "pass weight_decay on to logistic_gradient, so grad_w includes weight_decay * w")
        best = reference_logistic_loss(best_w, best_b, X, y, weight_decay)
        if objective > best + 1e-7:
            raise CheckFailed("fit-not-converged", summary + f"; objective {objective:.6f} vs {best:.6f} at the minimiser",
                              f"run all `epochs` steps with the lr you were given, from w = 0 and b = 0, updating both "
                              f"w and b each step ({FIT_EPOCHS} steps at lr {FIT_LR} reach the tolerance)")
        raise CheckFailed("fit-mismatch", summary,
                          "each epoch: grad_w, grad_b = logistic_gradient(w, b, X, y, weight_decay); "
                          "w -= lr * grad_w; b -= lr * grad_b")
    return (f"both Iris problems within {FIT_ATOL:g} of the package's minimiser (max abs differences "
            f"{', '.join(measured)})")
