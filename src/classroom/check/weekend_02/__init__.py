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

One module per piece of the workbook, in the order the checks run:

* ``reference.py``: the package's solution of every stub (``reference_solutions``);
* ``sigmoid.py``: ``sigmoid``, on random and on very large inputs;
* ``loss.py``: ``logistic_loss``, against the package's objective and on confident mistakes;
* ``gradient.py``: ``logistic_gradient``, against the package's backward pass and finite differences;
* ``fit.py``: ``fit`` on two Iris problems (``iris_problems``) against the package's minimiser;
* ``predict_proba.py``: ``predict_proba``, both columns, against the package.
"""

from __future__ import annotations

# The order of these imports is the order of the checks (each module registers its own).
from . import sigmoid, loss, gradient, fit, predict_proba  # noqa: F401
from .fit import iris_problems
from .reference import (
    reference_fit,
    reference_logistic_gradient,
    reference_logistic_loss,
    reference_predict_proba,
    reference_sigmoid,
    reference_solutions,
)

# Still importable from classroom.check.weekend_02, as when the checks were one module.
from .fit import FIT_ATOL  # noqa: F401
from .loss import LOSS_CASES  # noqa: F401
from .reference import FIT_EPOCHS, FIT_LR, WEEKEND  # noqa: F401

__all__ = [
    "reference_solutions",
    "reference_sigmoid",
    "reference_logistic_loss",
    "reference_logistic_gradient",
    "reference_fit",
    "reference_predict_proba",
    "iris_problems",
]
