"""Weekend 1's ``softmax`` checks: random logits against the package, then logits of size 1e4 (overflow)."""

from __future__ import annotations

import numpy as np

from classroom.nn import functional as F

from ..compare import ATOL, RTOL, as_ndarray, close, error_summary, quietly
from ..core import CheckFailed, register
from .reference import WEEKEND, reference_softmax


SOFTMAX_SHAPES = [(4, 3), (7, 10), (1, 5), (16, 10)]


@register(WEEKEND, "softmax", "softmax: matches the package", needs=["softmax"],
          compared="softmax(z) against classroom.nn.functional.softmax on random logits, shapes "
                   "(4, 3), (7, 10), (1, 5) (a batch of one) and (16, 10)")
def _check_softmax(ns):
    for seed, shape in enumerate(SOFTMAX_SHAPES):
        z = np.random.default_rng(seed).standard_normal(shape) * 3
        got = as_ndarray(quietly(ns["softmax"], z.copy()), "softmax")
        expected = reference_softmax(z)
        where = f"logits of shape {shape}"
        if got.shape != expected.shape:
            raise CheckFailed("softmax-shape", f"{where}: got shape {got.shape}, expected {expected.shape}",
                              "softmax keeps the shape of its input: one probability per logit")
        if close(got, expected):
            continue
        if shape[0] > 1 and (close(got, F.softmax(z, dim=0)) or close(got, np.exp(z) / np.exp(z).sum())):
            raise CheckFailed(
                "softmax-wrong-axis",
                f"{where}: your probabilities sum to 1 over the wrong axis (row sums {np.round(got.sum(axis=1), 3)[:4]}); "
                f"{error_summary(got, expected)}",
                "normalise each row on its own: sum over the classes with axis=1 (or -1) and keepdims=True",
            )
        raise CheckFailed("softmax-mismatch", f"{where}: {error_summary(got, expected)}",
                          "compute exp(z - max) / sum(exp(z - max)) row by row, with the max and the sum taken "
                          "along axis=1 with keepdims=True so they broadcast over the row")
    return f"{len(SOFTMAX_SHAPES)} random inputs within {ATOL:g} + {RTOL:g}*|b| of classroom.nn.functional.softmax"


@register(WEEKEND, "softmax", "softmax: large logits", needs=["softmax"],
          compared="softmax of logits of size 1e4 (a batch of one, then rows of very different sizes) against "
                   "classroom.nn.functional.softmax")
def _check_softmax_large(ns):
    single = np.array([[1.0e4, 1.0e4 + 1.0, -1.0e4, 1.0e4 - 3.0]])
    got = as_ndarray(quietly(ns["softmax"], single.copy()), "softmax")
    expected = reference_softmax(single)
    if got.shape == expected.shape and not np.all(np.isfinite(got)):
        raise CheckFailed(
            "softmax-overflow",
            f"softmax([[1e4, 1e4+1, -1e4, 1e4-3]]) gave {np.array2string(got, precision=3)}: exp(1e4) overflows to inf",
            "subtract the row maximum before exp: softmax(z) = softmax(z - max(z)), and exp of a number <= 0 cannot overflow",
        )
    if not close(got, expected):
        raise CheckFailed("softmax-mismatch", f"logits of size 1e4, a batch of one: {error_summary(got, expected)}",
                          "subtract the row maximum, exponentiate, divide by the row sum")
    mixed = np.array([[0.0, 1.0, 2.0], [1.0e4, 1.0e4 + 1.0, 1.0e4 + 2.0], [-1.0e4, -1.0e4 + 1.0, -1.0e4 + 2.0]])
    got = as_ndarray(quietly(ns["softmax"], mixed.copy()), "softmax")
    expected = reference_softmax(mixed)
    if got.shape == expected.shape and not np.all(np.isfinite(got)):
        bad_rows = sorted({int(i) for i in np.argwhere(~np.isfinite(got))[:, 0]})
        raise CheckFailed(
            "softmax-global-max",
            f"rows [0, 1, 2], [1e4, 1e4+1, 1e4+2] and [-1e4, -1e4+1, -1e4+2]: rows {bad_rows} came out inf or nan",
            "subtract each row's own maximum (z.max(axis=1, keepdims=True)), not the maximum of the whole batch: "
            "every row's largest logit must become 0",
        )
    if not close(got, expected):
        raise CheckFailed("softmax-mismatch", f"rows of very different sizes: {error_summary(got, expected)}",
                          "subtract each row's maximum, exponentiate, divide by the row sum")
    return f"logits of size 1e4 give finite probabilities within {ATOL:g} + {RTOL:g}*|b| of the package"
