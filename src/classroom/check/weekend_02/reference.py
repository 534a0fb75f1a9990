"""The package's answer to every stub of weekend 2: the references the checks compare with.

Thin wrappers of the package (``classroom.nn.functional.sigmoid``,
``classroom.models.logistic.BinaryLogisticRegression``) with the learner's API,
and :func:`reference_solutions`, which maps every stub name of the workbook to
one of them.
"""

from __future__ import annotations

import numpy as np

from classroom.models.logistic import BinaryLogisticRegression
from classroom.nn import functional as F

__all__ = [
    "reference_solutions",
    "reference_sigmoid",
    "reference_logistic_loss",
    "reference_logistic_gradient",
    "reference_fit",
    "reference_predict_proba",
]

WEEKEND = "weekend-02"
FIT_LR, FIT_EPOCHS = 0.5, 2000


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
