"""Weekend 2's ``predict_proba`` check: both columns ``[P(y=0), P(y=1)]``, shape ``(N, 2)``, against the package."""

from __future__ import annotations

import numpy as np

from ..compare import ATOL, RTOL, as_ndarray, close, error_summary, quietly
from ..core import CheckFailed, register
from .loss import _problem
from .reference import WEEKEND, reference_predict_proba


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
