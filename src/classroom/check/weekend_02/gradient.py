"""Weekend 2's ``logistic_gradient`` checks: against the package's backward pass, and finite differences of the loss.

``(grad_w, grad_b)``: ``grad_w`` of shape ``(d,)``, ``grad_b`` a float.
"""

from __future__ import annotations

import numpy as np

from classroom.nn.gradcheck import numerical_gradient

from ..compare import ATOL, FD_ATOL, FD_RTOL, RTOL, as_float, close, error_summary, quietly
from ..core import CheckFailed, register
from .loss import LOSS_CASES, _problem
from .reference import WEEKEND, reference_logistic_gradient


@register(WEEKEND, "gradient", "logistic_gradient: matches the package", needs=["logistic_gradient"],
          compared="(grad_w, grad_b) against the backward pass of BinaryLogisticRegression plus weight_decay * w, "
                   "batches of 8, 8, 1 and 40, weight_decay 0 to 0.2")
def _check_gradient(ns):
    for seed, n, d, weight_decay in LOSS_CASES:
        w, b, X, y = _problem(seed, n, d)
        result = quietly(ns["logistic_gradient"], w.copy(), b, X.copy(), y.copy(), weight_decay)
        if not isinstance(result, tuple) or len(result) != 2:
            raise CheckFailed("grad-return", f"logistic_gradient returned {type(result).__name__}, not a pair",
                              "return two things: grad_w (shape (d,)) and grad_b (a float): return grad_w, grad_b")
        grad_w, grad_b = np.asarray(result[0], dtype=np.float64), as_float(result[1], "grad_b")
        expected_w, expected_b = reference_logistic_gradient(w, b, X, y, weight_decay)
        data_w = expected_w - weight_decay * w
        where = f"{n} samples, {d} features, weight_decay={weight_decay}"
        if grad_w.shape != expected_w.shape:
            raise CheckFailed("grad-shape", f"{where}: grad_w has shape {grad_w.shape}, expected {expected_w.shape}",
                              "grad_w has the shape of w: X.T @ (p - y) / N with p and y of shape (N,), not (N, 1)")
        if close(grad_w, expected_w) and close(grad_b, expected_b):
            continue
        if close(grad_w, -expected_w) and close(grad_b, -expected_b):
            raise CheckFailed("grad-sign", f"{where}: your gradient is minus the expected one",
                              "the gradient is prediction minus target, X.T @ (p - y) / N: with (y - p) gradient "
                              "descent climbs the loss")
        if n > 1 and close(grad_w - weight_decay * w, data_w * n) and close(grad_b, expected_b * n):
            raise CheckFailed("grad-batch-size", f"{where}: your data gradient is {n} times too large",
                              "divide by the number of samples N: the loss is a mean, so is its gradient")
        if weight_decay > 0 and close(grad_w, data_w) and close(grad_b, expected_b):
            raise CheckFailed("grad-missing-l2", f"{where}: grad_w lacks the L2 term weight_decay * w",
                              "add weight_decay * w to grad_w (the derivative of weight_decay/2 * ||w||^2)")
        if weight_decay > 0 and close(grad_w, data_w + 2 * weight_decay * w):
            raise CheckFailed("grad-l2-factor", f"{where}: grad_w has 2 * weight_decay * w, expected weight_decay * w",
                              "the course's penalty is weight_decay/2 * ||w||^2, whose derivative is weight_decay * w "
                              "(the 1/2 cancels the 2)")
        if close(grad_w, expected_w) and weight_decay > 0 and close(grad_b, expected_b + weight_decay * b):
            raise CheckFailed("grad-regularised-intercept", f"{where}: grad_b has an extra weight_decay * b",
                              "do not penalise the intercept: grad_b = mean(p - y), without weight_decay * b")
        if close(grad_w, expected_w) and abs(grad_b) <= ATOL < abs(expected_b):
            raise CheckFailed("grad-forgot-intercept", f"{where}: grad_b is 0, expected {expected_b:.6g}",
                              "the intercept has a gradient too: grad_b = mean(p - y)")
        raise CheckFailed("grad-mismatch", f"{where}: grad_w {error_summary(grad_w, expected_w)}; grad_b {grad_b:.6g} vs "
                          f"{expected_b:.6g}",
                          "grad_w = X.T @ (p - y) / N + weight_decay * w and grad_b = mean(p - y), with "
                          "p = sigmoid(X @ w + b)")
    return f"{len(LOSS_CASES)} random problems within {ATOL:g} + {RTOL:g}*|b| of the package's backward pass"


@register(WEEKEND, "gradient", "logistic_gradient: finite differences", needs=["logistic_loss", "logistic_gradient"],
          compared="logistic_gradient against central differences of your own logistic_loss (float64, eps 1e-6, "
                   "weight_decay 0.1)")
def _check_gradient_fd(ns):
    w, b, X, y = _problem(30, 7, 3)
    weight_decay = 0.1
    grad_w, grad_b = ns["logistic_gradient"](w.copy(), b, X.copy(), y.copy(), weight_decay)
    grad_w, grad_b = np.asarray(grad_w, dtype=np.float64), as_float(grad_b, "grad_b")
    numeric_w = numerical_gradient(lambda v: as_float(ns["logistic_loss"](v.copy(), b, X, y, weight_decay),
                                                        "logistic_loss"), w.copy())
    numeric_b = numerical_gradient(lambda v: as_float(ns["logistic_loss"](w, float(v[0]), X, y, weight_decay),
                                                        "logistic_loss"), np.array([b]))[0]
    if not (close(grad_w, numeric_w, FD_ATOL, FD_RTOL) and close(grad_b, numeric_b, FD_ATOL, FD_RTOL)):
        raise CheckFailed("grad-vs-loss", f"vs central differences of your loss: grad_w "
                          f"{error_summary(grad_w, numeric_w, FD_ATOL, FD_RTOL) if grad_w.shape == numeric_w.shape else 'shape differs'}; "
                          f"grad_b {grad_b:.6g} vs {numeric_b:.6g}",
                          "your loss and your gradient disagree: the two checks above say which one is off")
    return f"within {FD_ATOL:g} + {FD_RTOL:g}*|numeric| of central differences"
