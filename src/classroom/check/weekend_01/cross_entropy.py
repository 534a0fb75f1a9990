"""Weekend 1's ``cross_entropy`` and ``cross_entropy_grad`` checks: the loss value, confident mistakes,
the gradient against the package and against finite differences of the learner's own loss."""

from __future__ import annotations

import numpy as np

from classroom.nn.gradcheck import numerical_gradient

from ..compare import ATOL, FD_ATOL, FD_RTOL, RTOL, as_float, as_ndarray, close, error_summary, quietly
from ..core import CheckFailed, register
from .reference import WEEKEND, reference_cross_entropy, reference_cross_entropy_grad, reference_softmax


CE_CASES = [(10, 4, 3), (11, 7, 10), (12, 1, 5), (13, 32, 10)]  # seed, N, C


def _ce_case(seed, n, c, scale=2.0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, c)) * scale, rng.integers(0, c, n)


@register(WEEKEND, "cross_entropy", "cross_entropy: loss value", needs=["cross_entropy"],
          compared="cross_entropy(logits, labels) against classroom.nn.CrossEntropyLoss (mean over the batch), "
                   "batches of 4, 7, 1 and 32")
def _check_ce_loss(ns):
    for seed, n, c in CE_CASES:
        logits, labels = _ce_case(seed, n, c)
        got = as_float(quietly(ns["cross_entropy"], logits.copy(), labels.copy()), "cross_entropy")
        expected = reference_cross_entropy(logits, labels)
        where = f"{n} samples, {c} classes"
        if close(got, expected):
            continue
        if n > 1 and close(got, expected * n):
            raise CheckFailed("ce-loss-not-mean", f"{where}: got {got:.6g}, expected {expected:.6g}: "
                              f"your loss is {n} times too large, the sum instead of the mean",
                              "average over the batch: divide the summed loss by N (np.mean), so the loss does not "
                              "grow with the batch size")
        raise CheckFailed("ce-loss-mismatch", f"{where}: got {got:.6g}, expected {expected:.6g} "
                          f"(tolerance {ATOL:g} + {RTOL:g}*|b|)",
                          "the loss is -mean(log p[i, labels[i]]): pick each row's probability of the true class "
                          "with p[np.arange(N), labels]")
    return f"{len(CE_CASES)} random batches within {ATOL:g} + {RTOL:g}*|b| of classroom.nn.CrossEntropyLoss"


@register(WEEKEND, "cross_entropy", "cross_entropy: large logits", needs=["cross_entropy", "cross_entropy_grad"],
          compared="loss and gradient for logits of size 1e4 (confidently wrong predictions) against the package")
def _check_ce_large(ns):
    logits = np.array([[1.0e4, -1.0e4, 0.0], [-1.0e4, 1.0e4, 1.0e4 - 5.0], [3.0, 1.0e4, -2.0]])
    labels = np.array([1, 2, 0])
    got = as_float(quietly(ns["cross_entropy"], logits.copy(), labels.copy()), "cross_entropy")
    expected = reference_cross_entropy(logits, labels)
    if not np.isfinite(got):
        raise CheckFailed(
            "ce-log-of-zero",
            f"logits of size 1e4: your loss is {got} (expected {expected:.6g}); the softmax of a confidently wrong "
            "prediction rounds to 0 and log(0) = -inf",
            "compute log-probabilities directly: log_softmax(z) = z - max - log(sum(exp(z - max))), then take "
            "-mean(log_softmax[i, labels[i]]); never take log of a probability",
        )
    if not close(got, expected):
        raise CheckFailed("ce-loss-mismatch", f"logits of size 1e4: got {got:.8g}, expected {expected:.8g}",
                          "use log_softmax(z) = z - max - log(sum(exp(z - max))) row by row")
    grad = as_ndarray(quietly(ns["cross_entropy_grad"], logits.copy(), labels.copy()), "cross_entropy_grad")
    expected_grad = reference_cross_entropy_grad(logits, labels)
    if grad.shape == expected_grad.shape and not np.all(np.isfinite(grad)):
        raise CheckFailed("softmax-overflow", "logits of size 1e4: your gradient has inf or nan entries",
                          "build the gradient from a stable softmax (subtract the row maximum before exp)")
    if not close(grad, expected_grad):
        raise CheckFailed("ce-grad-mismatch", f"logits of size 1e4: gradient {error_summary(grad, expected_grad)}",
                          "the gradient is (softmax(z) - onehot(labels)) / N with a stable softmax")
    return f"loss {got:.6g} (package {expected:.6g}) and gradient within {ATOL:g} + {RTOL:g}*|b|"


@register(WEEKEND, "cross_entropy", "cross_entropy_grad: matches the package", needs=["cross_entropy_grad"],
          compared="cross_entropy_grad(logits, labels) against classroom.nn.CrossEntropyLoss.backward, "
                   "batches of 4, 7, 1 and 32")
def _check_ce_grad(ns):
    for seed, n, c in CE_CASES:
        logits, labels = _ce_case(seed, n, c)
        got = as_ndarray(quietly(ns["cross_entropy_grad"], logits.copy(), labels.copy()), "cross_entropy_grad")
        expected = reference_cross_entropy_grad(logits, labels)
        where = f"{n} samples, {c} classes"
        if got.shape != expected.shape:
            raise CheckFailed("ce-grad-shape", f"{where}: got shape {got.shape}, expected {expected.shape}",
                              "the gradient has the logits' shape (N, C): one number per logit")
        if close(got, expected):
            continue
        if n > 1 and close(got, expected * n):
            raise CheckFailed("ce-grad-batch-size", f"{where}: your gradient is {n} times the expected one "
                              f"({error_summary(got, expected)})",
                              "divide by the batch size: the loss is a mean over N samples, so dL/dz = (p - onehot) / N")
        if close(got, -expected):
            raise CheckFailed("ce-grad-sign", f"{where}: your gradient is minus the expected one",
                              "the gradient is p - onehot (prediction minus target), not onehot - p")
        if close(got, reference_softmax(logits) / n):
            raise CheckFailed("ce-grad-onehot", f"{where}: your gradient is softmax / N; the one-hot labels are missing",
                              "subtract 1 at each row's true class: g = p.copy(); g[np.arange(N), labels] -= 1; g /= N")
        raise CheckFailed("ce-grad-mismatch", f"{where}: {error_summary(got, expected)}",
                          "dL/dz = (softmax(z) - onehot(labels)) / N")
    return f"{len(CE_CASES)} random batches within {ATOL:g} + {RTOL:g}*|b| of CrossEntropyLoss.backward"


@register(WEEKEND, "cross_entropy", "cross_entropy_grad: finite differences", needs=["cross_entropy", "cross_entropy_grad"],
          compared="cross_entropy_grad against central differences of your own cross_entropy (float64, eps 1e-6)")
def _check_ce_fd(ns):
    logits, labels = _ce_case(20, 5, 4)
    grad = as_ndarray(quietly(ns["cross_entropy_grad"], logits.copy(), labels.copy()), "cross_entropy_grad")
    numeric = numerical_gradient(lambda z: as_float(ns["cross_entropy"](z.copy(), labels), "cross_entropy"),
                                 logits.copy())
    if not close(grad, numeric, FD_ATOL, FD_RTOL):
        raise CheckFailed("ce-grad-vs-loss", f"your gradient vs finite differences of your loss: "
                          f"{error_summary(grad, numeric, FD_ATOL, FD_RTOL)}",
                          "your loss and your gradient disagree: pass the two checks above first, they say which is off")
    return f"within {FD_ATOL:g} + {FD_RTOL:g}*|numeric| of central differences"
