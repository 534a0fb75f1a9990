"""Weekend 2's ``logistic_loss`` checks: against the package's objective, and on confident mistakes.

``LOSS_CASES`` and ``_problem`` (random ``w`` (d,), ``b``, ``X`` (N, d), ``y`` (N,))
are shared with the gradient and ``predict_proba`` checks.
"""

from __future__ import annotations

import numpy as np

from ..compare import ATOL, RTOL, as_float, close, quietly
from ..core import CheckFailed, register
from .reference import WEEKEND, reference_logistic_loss


LOSS_CASES = [(10, 8, 3, 0.0), (11, 8, 3, 0.1), (12, 1, 4, 0.2), (13, 40, 2, 0.05)]  # seed, N, d, weight_decay


def _problem(seed, n, d, scale=1.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * scale
    w = rng.standard_normal(d)
    b = float(rng.standard_normal())
    y = (rng.random(n) < 0.5).astype(np.int64)
    if n > 1:
        y[0], y[1] = 0, 1  # both classes present
    return w, b, X, y


def _penalty(w, weight_decay):
    return 0.5 * weight_decay * float(np.sum(np.asarray(w) ** 2))


@register(WEEKEND, "loss", "logistic_loss: matches the package", needs=["logistic_loss"],
          compared="logistic_loss(w, b, X, y, weight_decay) against BinaryLogisticRegression.objective "
                   "(mean loss + weight_decay/2 * ||w||^2), batches of 8, 8, 1 and 40, weight_decay 0 to 0.2")
def _check_loss(ns):
    for seed, n, d, weight_decay in LOSS_CASES:
        w, b, X, y = _problem(seed, n, d)
        got = as_float(quietly(ns["logistic_loss"], w.copy(), b, X.copy(), y.copy(), weight_decay), "logistic_loss")
        expected = reference_logistic_loss(w, b, X, y, weight_decay)
        where = f"{n} samples, {d} features, weight_decay={weight_decay}"
        if close(got, expected):
            continue
        data = expected - _penalty(w, weight_decay)
        if weight_decay > 0 and close(got, data + 2 * _penalty(w, weight_decay)):
            raise CheckFailed("loss-l2-convention", f"{where}: got {got:.6g}, expected {expected:.6g}; your penalty is "
                              "weight_decay * ||w||^2, twice the course's",
                              "the course (and PyTorch's weight_decay) uses weight_decay / 2 * sum(w**2), whose "
                              "gradient is weight_decay * w")
        if weight_decay > 0 and close(got, expected + 0.5 * weight_decay * b**2):
            raise CheckFailed("loss-regularised-intercept", f"{where}: got {got:.6g}, expected {expected:.6g}; the "
                              "difference is weight_decay/2 * b^2",
                              "penalise the weights only, not the intercept b: shifting the boundary does not make "
                              "the model more complex")
        if weight_decay > 0 and close(got, data):
            raise CheckFailed("loss-missing-l2", f"{where}: got {got:.6g}, expected {expected:.6g}; the L2 penalty is missing",
                              "add weight_decay / 2 * np.sum(w**2) to the mean loss")
        if n > 1 and close(got - _penalty(w, weight_decay), data * n):
            raise CheckFailed("loss-not-mean", f"{where}: your data loss is {n} times too large (the sum, not the mean)",
                              "average the per-sample losses over the batch (np.mean)")
        raise CheckFailed("loss-mismatch", f"{where}: got {got:.6g}, expected {expected:.6g} "
                          f"(tolerance {ATOL:g} + {RTOL:g}*|b|)",
                          "the loss is -mean(y log p + (1 - y) log(1 - p)) with p = sigmoid(X @ w + b), "
                          "plus weight_decay/2 * sum(w**2)")
    return f"{len(LOSS_CASES)} random problems within {ATOL:g} + {RTOL:g}*|b| of BinaryLogisticRegression.objective"


@register(WEEKEND, "loss", "logistic_loss: confident mistakes", needs=["logistic_loss"],
          compared="logistic_loss when the logits reach 1e3 (confidently wrong samples) against the package")
def _check_loss_large(ns):
    w, b, X, y = _problem(20, 6, 3)
    X = X * 400.0
    expected = reference_logistic_loss(w, b, X, y, 0.0)
    got = as_float(quietly(ns["logistic_loss"], w.copy(), b, X.copy(), y.copy(), 0.0), "logistic_loss")
    if not np.isfinite(got):
        raise CheckFailed("loss-log-of-zero", f"logits of size 1e3: your loss is {got} (expected {expected:.6g}): "
                          "sigmoid rounds to exactly 0 or 1 and log(0) = -inf",
                          "compute the loss from the logits z: -log sigmoid(z) = np.logaddexp(0, -z) and "
                          "-log(1 - sigmoid(z)) = np.logaddexp(0, z)")
    if not close(got, expected, 1e-9, 1e-6):
        raise CheckFailed("loss-from-logits", f"logits of size 1e3: got {got:.6g}, expected {expected:.6g} "
                          "(tolerance 1e-6 relative); clipping the probabilities keeps the loss finite but caps it",
                          "compute the loss from the logits z with np.logaddexp(0, -z) and np.logaddexp(0, z): exact "
                          "for every z, no clipping needed")
    return f"loss {got:.6g}, within 1e-6 (relative) of the package's {expected:.6g}"
