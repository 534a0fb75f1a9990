"""Checks of weekend 2 (logistic regression): sigmoid, the logistic loss and its gradient, the fit, ``predict_proba``.

The learner's API (see the workbook ``workbooks/weekend-02.py``) is binary
logistic regression with a weight vector and an intercept, as the lesson
writes it:

* ``sigmoid(z)``: any shape, stable for ``|z|`` up to 1e4;
* ``logistic_loss(w, b, X, y, weight_decay=0.0)``: the mean binary cross-entropy
  of ``sigmoid(X @ w + b)`` plus ``weight_decay / 2 * ||w||**2`` (the intercept is
  not penalised), a float;
* ``logistic_gradient(w, b, X, y, weight_decay=0.0)``: ``(grad_w, grad_b)`` with
  ``grad_w = X.T @ (p - y) / N + weight_decay * w`` and ``grad_b = mean(p - y)``;
* ``fit(X, y, lr=0.5, epochs=2000, weight_decay=0.01)``: full-batch gradient
  descent from ``w = 0, b = 0``, returning ``(w, b)``;
* ``predict_proba(X, w, b)``: ``[P(y=0), P(y=1)]`` per row, as scikit-learn.

The truth is the package: ``classroom.nn.functional.sigmoid`` and
``classroom.models.logistic.BinaryLogisticRegression``, whose objective is the
same (``mean loss + weight_decay / 2 * ||W||**2``). The package's own tests hold
that model within 1e-4 of scikit-learn's ``LogisticRegression(C=1 / (weight_decay
* N))``, so a fit that matches the package to 1e-4 on Iris matches
scikit-learn too; the check itself never imports scikit-learn (the package does
not depend on it).
"""

from __future__ import annotations

import numpy as np

from classroom.data import load_iris, stratified_split
from classroom.nn.gradcheck import numerical_gradient
from classroom.models.logistic import BinaryLogisticRegression
from classroom.nn import functional as F

from .compare import ATOL, FD_ATOL, FD_RTOL, RTOL, as_float, as_ndarray, close, error_summary, quietly
from .core import CheckFailed, register

__all__ = [
    "reference_solutions",
    "reference_sigmoid",
    "reference_logistic_loss",
    "reference_logistic_gradient",
    "reference_fit",
    "reference_predict_proba",
    "iris_problems",
]

WEEKEND = "weekend-02"
FIT_ATOL = 1e-4  # coefficients vs the package's converged solution (the package vs scikit-learn: 1e-4 too)
FIT_LR, FIT_EPOCHS = 0.5, 2000


# --------------------------------------------------------------------------
# Reference implementations (thin wrappers of the package)
# --------------------------------------------------------------------------


def _model(w, b) -> BinaryLogisticRegression:
    """A package model holding the weights ``w`` (d,) and intercept ``b``."""
    w = np.asarray(w, dtype=np.float64).ravel()
    model = BinaryLogisticRegression(len(w), rng=np.random.default_rng(0))
    model.linear.weight.data[...] = w[None, :]
    model.linear.bias.data[...] = float(b)
    return model


def reference_sigmoid(z):
    """Stable logistic function (``classroom.nn.functional.sigmoid``).

    Parameters
    ----------
    z : ndarray of any shape

    Returns
    -------
    ndarray of the same shape and dtype
        ``1 / (1 + exp(-z))``, computed without overflow.
    """
    return F.sigmoid(np.asarray(z))


def reference_logistic_loss(w, b, X, y, weight_decay=0.0):
    """The package's objective: mean binary cross-entropy plus ``weight_decay / 2 * ||w||**2``.

    Parameters
    ----------
    w : ndarray of shape (d,)
    b : float
    X : ndarray of shape (N, d)
    y : ndarray of shape (N,), labels 0 or 1
    weight_decay : float, default 0.0

    Returns
    -------
    float
    """
    return float(_model(w, b).objective(np.asarray(X, dtype=np.float64), np.asarray(y), weight_decay))


def reference_logistic_gradient(w, b, X, y, weight_decay=0.0):
    """Gradient of :func:`reference_logistic_loss`, from the package model's backward pass.

    Parameters
    ----------
    w : ndarray of shape (d,)
    b : float
    X : ndarray of shape (N, d)
    y : ndarray of shape (N,)
    weight_decay : float, default 0.0

    Returns
    -------
    grad_w : ndarray of shape (d,)
        ``X.T @ (p - y) / N + weight_decay * w``.
    grad_b : float
        ``mean(p - y)`` (the intercept is not penalised).
    """
    model = _model(w, b)
    X = np.asarray(X, dtype=np.float64)
    model.zero_grad()
    model.loss_fn(model.forward(X), model._targets(np.asarray(y)))
    model.backward(model.loss_fn.backward())
    grad_w = model.linear.weight.grad[0] + weight_decay * model.linear.weight.data[0]
    return grad_w.copy(), float(model.linear.bias.grad[0])


def reference_fit(X, y, lr=FIT_LR, epochs=FIT_EPOCHS, weight_decay=0.01):
    """Full-batch gradient descent from zero weights (``BinaryLogisticRegression.fit``).

    Parameters
    ----------
    X : ndarray of shape (N, d)
    y : ndarray of shape (N,), labels 0 or 1
    lr : float, default 0.5
    epochs : int, default 2000
    weight_decay : float, default 0.01

    Returns
    -------
    w : ndarray of shape (d,)
    b : float
    """
    X = np.asarray(X, dtype=np.float64)
    model = _model(np.zeros(X.shape[1]), 0.0)
    model.fit(X, np.asarray(y), lr=lr, epochs=epochs, weight_decay=weight_decay)
    return model.coef_[0], float(model.intercept_[0])


def reference_predict_proba(X, w, b):
    """``[P(y=0), P(y=1)]`` for each row (``BinaryLogisticRegression.predict_proba``).

    Parameters
    ----------
    X : ndarray of shape (N, d)
    w : ndarray of shape (d,)
    b : float

    Returns
    -------
    ndarray of shape (N, 2)
        Rows sum to 1.
    """
    return _model(w, b).predict_proba(np.asarray(X, dtype=np.float64))


def reference_solutions() -> dict[str, object]:
    """Return every stub name of the weekend-02 workbook mapped to the package's implementation.

    Returns
    -------
    dict of str to object
        ``sigmoid``, ``logistic_loss``, ``logistic_gradient``, ``fit``, ``predict_proba``.
    """
    return {
        "sigmoid": reference_sigmoid,
        "logistic_loss": reference_logistic_loss,
        "logistic_gradient": reference_logistic_gradient,
        "fit": reference_fit,
        "predict_proba": reference_predict_proba,
    }


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


# --------------------------------------------------------------------------
# sigmoid
# --------------------------------------------------------------------------


@register(WEEKEND, "sigmoid", "sigmoid: matches the package", needs=["sigmoid"],
          compared="sigmoid(z) against classroom.nn.functional.sigmoid on random inputs of shapes (5,), (3, 4) and (1,)")
def _check_sigmoid(ns):
    for seed, shape in enumerate([(5,), (3, 4), (1,)]):
        z = np.random.default_rng(seed).standard_normal(shape) * 4
        got = as_ndarray(quietly(ns["sigmoid"], z.copy()), "sigmoid")
        expected = reference_sigmoid(z)
        if close(got, expected):
            continue
        if close(got, reference_sigmoid(-z)):
            raise CheckFailed("sigmoid-sign", f"input of shape {shape}: your sigmoid is sigmoid(-z)",
                              "sigmoid(z) = 1 / (1 + exp(-z)): note the minus sign; sigmoid(0) = 0.5 and large z gives 1")
        raise CheckFailed("sigmoid-mismatch", f"input of shape {shape}: "
                          f"{error_summary(got, expected) if got.shape == expected.shape else f'shape {got.shape}, expected {shape}'}",
                          "sigmoid(z) = 1 / (1 + exp(-z)), element by element, same shape as z")
    return f"3 random inputs within {ATOL:g} + {RTOL:g}*|b| of classroom.nn.functional.sigmoid"


@register(WEEKEND, "sigmoid", "sigmoid: large inputs", needs=["sigmoid"],
          compared="sigmoid of [-1e4, -800, -30, 0, 30, 800, 1e4] with NumPy overflow turned into an error, "
                   "against the package")
def _check_sigmoid_large(ns):
    z = np.array([-1.0e4, -800.0, -30.0, 0.0, 30.0, 800.0, 1.0e4])
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            got = ns["sigmoid"](z.copy())
    except FloatingPointError as error:
        raise CheckFailed(
            "sigmoid-overflow",
            f"sigmoid([-1e4, ..., 1e4]) overflowed ({error}): exp(1e4) is inf in float64",
            "only ever exponentiate non-positive numbers: with e = exp(-|z|), sigmoid is 1/(1+e) where z >= 0 and "
            "e/(1+e) where z < 0 (np.where evaluates both branches, so build both from e)",
        ) from None
    got = as_ndarray(got, "sigmoid")
    expected = reference_sigmoid(z)
    if got.shape == expected.shape and not np.all(np.isfinite(got)):
        raise CheckFailed("sigmoid-overflow", f"sigmoid([-1e4, ..., 1e4]) gave {np.array2string(got, precision=3)}",
                          "build both branches from e = exp(-|z|): 1/(1+e) where z >= 0, e/(1+e) where z < 0")
    if not close(got, expected, 1e-12, 1e-9):
        raise CheckFailed("sigmoid-mismatch", f"large inputs: {error_summary(got, expected, 1e-12, 1e-9)}",
                          "sigmoid(-1e4) is 0, sigmoid(0) is 0.5, sigmoid(1e4) is 1")
    return "no overflow; values within 1e-12 of the package"


# --------------------------------------------------------------------------
# The loss and its gradient
# --------------------------------------------------------------------------

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


# --------------------------------------------------------------------------
# The fit, on Iris
# --------------------------------------------------------------------------


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


# --------------------------------------------------------------------------
# predict_proba
# --------------------------------------------------------------------------


@register(WEEKEND, "predict_proba", "predict_proba: matches the package", needs=["predict_proba"],
          compared="predict_proba(X, w, b) against BinaryLogisticRegression.predict_proba (batches of 6 and 1, "
                   "and logits of size 1e3)")
def _check_predict_proba(ns):
    for seed, n, d, scale in [(40, 6, 3, 1.0), (41, 1, 4, 1.0), (42, 5, 2, 500.0)]:
        w, b, X, _ = _problem(seed, n, d, scale)
        got = as_ndarray(quietly(ns["predict_proba"], X.copy(), w.copy(), b), "predict_proba")
        expected = reference_predict_proba(X, w, b)
        where = f"{n} samples" + (", logits of size 1e3" if scale > 1 else "")
        if got.shape in {(n,), (n, 1)}:
            raise CheckFailed("proba-shape", f"{where}: got shape {got.shape}, expected {expected.shape}",
                              "return both columns, like scikit-learn: np.stack([1 - p, p], axis=1)")
        if got.shape != expected.shape:
            raise CheckFailed("proba-shape", f"{where}: got shape {got.shape}, expected {expected.shape}",
                              "one row per sample, two columns [P(y=0), P(y=1)]")
        if close(got, expected):
            continue
        if close(got, expected[:, ::-1]):
            raise CheckFailed("proba-columns-swapped", f"{where}: your columns are [P(y=1), P(y=0)]",
                              "column k holds P(y = k): the first column is 1 - p, the second p")
        if not np.all(np.isfinite(got)):
            raise CheckFailed("sigmoid-overflow", f"{where}: some probabilities are inf or nan",
                              "use your stable sigmoid: p = sigmoid(X @ w + b)")
        raise CheckFailed("proba-mismatch", f"{where}: {error_summary(got, expected)}",
                          "p = sigmoid(X @ w + b); return np.stack([1 - p, p], axis=1)")
    return f"3 cases within {ATOL:g} + {RTOL:g}*|b| of BinaryLogisticRegression.predict_proba"
