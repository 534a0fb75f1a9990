"""Weekend 2's ``sigmoid`` checks: random inputs against the package, then inputs up to 1e4 (overflow)."""

from __future__ import annotations

import numpy as np

from ..compare import ATOL, RTOL, as_ndarray, close, error_summary, quietly
from ..core import CheckFailed, register
from .reference import WEEKEND, reference_sigmoid


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
