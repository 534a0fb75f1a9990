"""Logistic regression from scratch: binary (one logit) and multinomial (softmax).

Both models are a single ``Linear`` layer trained by full-batch gradient
descent on the mean cross-entropy plus an L2 penalty on the weights (not on
the intercept)::

    objective(W, b) = mean_i loss(x_i, y_i) + weight_decay / 2 * ||W||**2

Their ``predict_proba``, ``predict``, ``coef_`` and ``intercept_`` are named
like scikit-learn's ``LogisticRegression`` so the two can be compared.
scikit-learn minimises ``C * sum_i loss_i + ||W||**2 / 2`` instead; dividing
by ``C * n`` shows it is the same problem when

    ``C = 1 / (weight_decay * n_samples)``

so ``LogisticRegression(C=1 / (weight_decay * n))`` reaches the same
coefficients (up to the optimisers' tolerance).
"""

from __future__ import annotations

import numpy as np

from ..nn import BCEWithLogitsLoss, CrossEntropyLoss, Linear, Module
from ..nn import functional as F


class _LinearClassifier(Module):
    """Shared code: input checks, the gradient-descent loop and sklearn-style attributes."""

    loss_fn: Module

    def __init__(self, in_features: int, n_outputs: int, rng, dtype):
        super().__init__()
        self.in_features = int(in_features)
        self.linear = Linear(in_features, n_outputs, rng=rng, dtype=dtype)
        # Intercepts start at zero. For softmax regression only their
        # differences matter, and gradient descent keeps their sum fixed, so
        # starting at zero keeps them summing to zero, as scikit-learn's do.
        self.linear.bias.data[...] = 0.0

    def _check_X(self, X) -> np.ndarray:
        X = np.asarray(X)
        name = type(self).__name__
        if X.ndim != 2 or X.shape[1] != self.in_features:
            raise ValueError(
                f"{name} expects X of shape (n_samples, {self.in_features}), got {X.shape}"
            )
        if not (np.issubdtype(X.dtype, np.floating) or np.issubdtype(X.dtype, np.integer)):
            raise TypeError(f"{name} expects numeric X, got dtype {X.dtype}")
        return X.astype(self.linear.weight.data.dtype, copy=False)

    def _targets(self, y: np.ndarray):
        """Turn labels into what the loss function expects. Subclasses implement it."""
        raise NotImplementedError

    @property
    def coef_(self) -> np.ndarray:
        """ndarray of shape (n_outputs, in_features): a copy of the weights (scikit-learn's name)."""
        return self.linear.weight.data.copy()

    @property
    def intercept_(self) -> np.ndarray:
        """ndarray of shape (n_outputs,): a copy of the biases, as scikit-learn names them."""
        return self.linear.bias.data.copy()

    def objective(self, X, y, weight_decay: float = 0.0) -> float:
        """Return ``mean loss + weight_decay / 2 * ||coef_||**2`` on ``(X, y)``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, in_features)
            Inputs.
        y : ndarray of shape (n_samples,)
            Integer class labels.
        weight_decay : float, default 0.0
            L2 penalty strength.
        """
        X = self._check_X(X)
        data_loss = self.loss_fn(self.forward(X), self._targets(y))
        return data_loss + 0.5 * weight_decay * float(np.sum(self.linear.weight.data**2))

    def fit(self, X, y, lr: float = 0.1, epochs: int = 100, weight_decay: float = 0.0) -> list[float]:
        """Train by full-batch gradient descent and return the objective before each step.

        Each epoch computes the gradient of the objective on *all* samples,
        ``dW = dLoss/dW + weight_decay * W`` and ``db = dLoss/db``, and steps
        ``W -= lr * dW``, ``b -= lr * db``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, in_features)
            Inputs; cast to the model's dtype. Standardised features make
            gradient descent converge much faster.
        y : ndarray of shape (n_samples,)
            Integer class labels.
        lr : float, default 0.1
            Learning rate (step size).
        epochs : int, default 100
            Number of gradient steps.
        weight_decay : float, default 0.0
            L2 penalty strength; scikit-learn's ``C`` is ``1 / (weight_decay * n_samples)``.

        Returns
        -------
        list of float
            The objective (mean loss + penalty) before each step, length ``epochs``.
        """
        X = self._check_X(X)
        targets = self._targets(y)
        if len(X) != len(targets):
            raise ValueError(f"X has {len(X)} samples but y has {len(targets)}; they must match")
        if weight_decay < 0:
            raise ValueError(f"weight_decay must be non-negative, got {weight_decay}")
        weight, bias = self.linear.weight, self.linear.bias
        history = []
        for _ in range(epochs):
            self.zero_grad()
            data_loss = self.loss_fn(self.forward(X), targets)
            history.append(data_loss + 0.5 * weight_decay * float(np.sum(weight.data**2)))
            self.backward(self.loss_fn.backward())
            weight.grad += weight_decay * weight.data
            weight.data -= lr * weight.grad
            bias.data -= lr * bias.grad
        return history

    def predict(self, X) -> np.ndarray:
        """Return the most probable class of each sample.

        Parameters
        ----------
        X : ndarray of shape (n_samples, in_features)
            Inputs.

        Returns
        -------
        ndarray of shape (n_samples,), int64
            Class labels.
        """
        return np.argmax(self.predict_proba(X), axis=1).astype(np.int64)


class BinaryLogisticRegression(_LinearClassifier):
    """Binary logistic regression: ``P(y = 1 | x) = sigmoid(x @ w + b)``.

    Trained on ``BCEWithLogitsLoss``. See the module docstring for the
    relation with scikit-learn's ``C``.

    Parameters
    ----------
    in_features : int
        Number of input features.
    rng : int, numpy.random.Generator or None, optional
        Source of randomness for the initial weights (the problem is convex,
        so the start only changes the path, not the answer). The intercept
        starts at zero.
    dtype : numpy dtype, default np.float64
        Dtype of the parameters.

    Attributes
    ----------
    coef_ : ndarray of shape (1, in_features)
        The weights.
    intercept_ : ndarray of shape (1,)
        The bias.
    classes_ : ndarray of shape (2,)
        ``[0, 1]``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]])  # synthetic, separable
    >>> y = np.array([0, 0, 1, 1])
    >>> model = BinaryLogisticRegression(1, rng=np.random.default_rng(0))
    >>> history = model.fit(X, y, lr=0.5, epochs=200)
    >>> model.predict(X)
    array([0, 0, 1, 1])
    """

    def __init__(self, in_features: int, *, rng: np.random.Generator | None = None, dtype=np.float64):
        super().__init__(in_features, 1, rng, dtype)
        self.loss_fn = BCEWithLogitsLoss()
        self.classes_ = np.arange(2)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return the logit of each sample.

        Parameters
        ----------
        x : ndarray of shape (n_samples, in_features)
            Inputs (same dtype as the parameters).

        Returns
        -------
        ndarray of shape (n_samples,)
            ``x @ w + b``.
        """
        return self.linear(x)[:, 0]

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """Back-propagate ``dL/dlogits`` of shape (n_samples,); return ``dL/dx``."""
        return self.linear.backward(np.asarray(grad_output)[:, None])

    def _targets(self, y) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError(
                f"BinaryLogisticRegression expects labels of shape (n_samples,), got {y.shape}"
            )
        if not (np.issubdtype(y.dtype, np.integer) or y.dtype == bool):
            raise TypeError(
                f"BinaryLogisticRegression expects integer labels 0/1, got dtype {y.dtype}; "
                "use y.astype(np.int64)"
            )
        if y.size and not np.all((y == 0) | (y == 1)):
            raise ValueError(
                f"BinaryLogisticRegression expects labels 0 and 1, got values {np.unique(y).tolist()}; "
                "use SoftmaxRegression for more classes"
            )
        return y.astype(self.linear.weight.data.dtype)

    def predict_proba(self, X) -> np.ndarray:
        """Return ``[P(y=0), P(y=1)]`` for each sample, like scikit-learn.

        Parameters
        ----------
        X : ndarray of shape (n_samples, in_features)
            Inputs.

        Returns
        -------
        ndarray of shape (n_samples, 2)
            Rows sum to 1.
        """
        p_positive = F.sigmoid(self.forward(self._check_X(X)))
        return np.stack([1 - p_positive, p_positive], axis=1)


class SoftmaxRegression(_LinearClassifier):
    """Multinomial logistic regression: ``P(y | x) = softmax(x @ W.T + b)``.

    Trained on ``CrossEntropyLoss``. Like scikit-learn's multinomial
    ``LogisticRegression`` it keeps one weight vector per class; the L2
    penalty makes the solution unique.

    Parameters
    ----------
    in_features : int
        Number of input features.
    n_classes : int
        Number of classes (at least 2).
    rng : int, numpy.random.Generator or None, optional
        Source of randomness for the initial weights. The intercepts start
        at zero (and so keep summing to zero).
    dtype : numpy dtype, default np.float64
        Dtype of the parameters.

    Attributes
    ----------
    coef_ : ndarray of shape (n_classes, in_features)
        The weights.
    intercept_ : ndarray of shape (n_classes,)
        The biases.
    classes_ : ndarray of shape (n_classes,)
        ``[0, 1, ..., n_classes - 1]``.
    """

    def __init__(
        self,
        in_features: int,
        n_classes: int,
        *,
        rng: np.random.Generator | None = None,
        dtype=np.float64,
    ):
        if n_classes < 2:
            raise ValueError(f"SoftmaxRegression needs at least 2 classes, got n_classes={n_classes}")
        super().__init__(in_features, n_classes, rng, dtype)
        self.n_classes = int(n_classes)
        self.loss_fn = CrossEntropyLoss()
        self.classes_ = np.arange(n_classes)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return the logits.

        Parameters
        ----------
        x : ndarray of shape (n_samples, in_features)
            Inputs (same dtype as the parameters).

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        return self.linear(x)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """Back-propagate ``dL/dlogits`` of shape (n_samples, n_classes); return ``dL/dx``."""
        return self.linear.backward(grad_output)

    def _targets(self, y) -> np.ndarray:
        # CrossEntropyLoss checks dtype, shape and range with clear messages.
        return np.asarray(y)

    def predict_proba(self, X) -> np.ndarray:
        """Return the class probabilities of each sample.

        Parameters
        ----------
        X : ndarray of shape (n_samples, in_features)
            Inputs.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Rows sum to 1.
        """
        return F.softmax(self.forward(self._check_X(X)), dim=1)
