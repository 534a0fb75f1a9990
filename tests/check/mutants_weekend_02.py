"""A learner's weekend-2 pieces in plain NumPy, each with switchable mistakes.

``namespace(**mistakes)`` returns ``sigmoid``, ``logistic_loss``,
``logistic_gradient``, ``fit`` and ``predict_proba``; with no mistakes it is a
correct solution written independently of the package.
"""

from __future__ import annotations

import numpy as np


def namespace(sigmoid=None, loss=None, grad=None, fit=None, proba=None):
    """Return a learner namespace with the given mistakes switched on (None = correct)."""

    def sigmoid_fn(z):
        z = np.asarray(z, dtype=np.float64)
        if sigmoid == "naive":
            return 1.0 / (1.0 + np.exp(-z))
        if sigmoid == "naive-ratio":
            return np.exp(z) / (1.0 + np.exp(z))
        if sigmoid == "where-both-branches":
            return np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))
        if sigmoid == "sign":
            e = np.exp(-np.abs(z))
            return np.where(z >= 0, e / (1 + e), 1 / (1 + e))
        if sigmoid == "tanh":
            return np.tanh(z)
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

    def logistic_loss(w, b, X, y, weight_decay=0.0):
        z = X @ w + b
        if loss == "log-of-sigmoid":
            p = sigmoid_fn(z)
            losses = -(y * np.log(p) + (1 - y) * np.log(1 - p))
        elif loss == "clipped":
            p = np.clip(sigmoid_fn(z), 1e-15, 1 - 1e-15)
            losses = -(y * np.log(p) + (1 - y) * np.log(1 - p))
        elif loss == "swapped-labels":
            losses = (1 - y) * np.logaddexp(0, -z) + y * np.logaddexp(0, z)
        else:
            losses = y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)
        data = float(np.sum(losses)) if loss == "sum" else float(np.mean(losses))
        if loss == "l2-no-half":
            return data + weight_decay * float(np.sum(w**2))
        if loss == "l2-on-intercept":
            return data + 0.5 * weight_decay * (float(np.sum(w**2)) + b**2)
        if loss == "no-l2":
            return data
        return data + 0.5 * weight_decay * float(np.sum(w**2))

    def logistic_gradient(w, b, X, y, weight_decay=0.0):
        n = len(y)
        residual = sigmoid_fn(X @ w + b) - y
        if grad == "sign":
            residual = -residual
        if grad == "column-residual":
            residual = residual[:, None]
        divisor = 1.0 if grad == "sum" else n
        grad_w = X.T @ residual / divisor
        grad_b = float(np.sum(residual)) / divisor
        if grad == "column-residual":
            return grad_w, grad_b
        if grad == "sign":
            return grad_w - weight_decay * w, grad_b
        if grad == "no-l2":
            return grad_w, grad_b
        if grad == "l2-factor-2":
            return grad_w + 2 * weight_decay * w, grad_b
        if grad == "l2-on-intercept":
            return grad_w + weight_decay * w, grad_b + weight_decay * b
        if grad == "no-intercept":
            return grad_w + weight_decay * w, 0.0
        if grad == "array-only":
            return np.append(grad_w + weight_decay * w, grad_b)
        if grad == "half":
            return 0.5 * (grad_w + weight_decay * w), grad_b
        return grad_w + weight_decay * w, grad_b

    def fit_fn(X, y, lr=0.5, epochs=2000, weight_decay=0.01):
        w, b = np.zeros(X.shape[1]), 0.0
        if fit == "too-few-steps":
            epochs = 20
        for _ in range(epochs):
            grad_w, grad_b = logistic_gradient(w, b, X, y, weight_decay)
            if fit == "ascent":
                w, b = w + lr * grad_w * 10, b + lr * grad_b * 10
                continue
            if fit == "no-intercept":
                w = w - lr * grad_w
                continue
            if fit == "l2-on-intercept":
                grad_b = grad_b + weight_decay * b
            if fit == "ignore-weight-decay":
                grad_w, grad_b = logistic_gradient(w, b, X, y, 0.0)
            w, b = w - lr * grad_w, b - lr * grad_b
        if fit == "weights-only":
            return w
        if fit == "scaled":
            return w * 1.01, b
        if fit == "slightly-off":
            return w + 3e-4, b
        return w, b

    def predict_proba(X, w, b):
        p = sigmoid_fn(X @ w + b)
        if proba == "positive-only":
            return p
        if proba == "swapped":
            return np.stack([p, 1 - p], axis=1)
        if proba == "transposed":
            return np.stack([1 - p, p], axis=0)
        if proba == "naive":
            with np.errstate(all="ignore"):
                q = 1.0 / (1.0 + np.exp(-(X @ w + b)))
                q = np.exp(X @ w + b) * q / np.exp(X @ w + b)
            return np.stack([1 - q, q], axis=1)
        if proba == "unnormalised":
            return np.stack([1 - p, p], axis=1) * 1.1
        return np.stack([1 - p, p], axis=1)

    return {
        "sigmoid": sigmoid_fn,
        "logistic_loss": logistic_loss,
        "logistic_gradient": logistic_gradient,
        "fit": fit_fn,
        "predict_proba": predict_proba,
    }
