"""Weekend 1's ``ReLU`` checks: forward (the input left untouched) and backward (the mask, finite differences)."""

from __future__ import annotations

import numpy as np

from classroom.nn.gradcheck import numerical_gradient

from ..compare import ATOL, FD_ATOL, FD_RTOL, as_ndarray, close, error_summary
from ..core import CheckFailed, register
from .reference import WEEKEND, ReferenceReLU


RELU_SHAPES = [(4, 6), (1, 9), (8, 16)]


def _relu_input(seed, shape):
    """Random inputs kept at least 0.01 away from 0, so finite differences never cross the kink."""
    values = np.random.default_rng(seed).standard_normal(shape)
    return np.where(values >= 0, values + 0.01, values - 0.01)


@register(WEEKEND, "relu", "ReLU: forward", needs=["ReLU"],
          compared="ReLU.forward against classroom.nn.ReLU (shapes (4, 6), (1, 9), (8, 16)); your input must "
                   "come back unchanged")
def _check_relu_forward(ns):
    for seed, shape in enumerate(RELU_SHAPES, start=50):
        x = _relu_input(seed, shape)
        given = x.copy()
        got = as_ndarray(ns["ReLU"]().forward(given), "ReLU.forward")
        expected = ReferenceReLU().forward(x)
        if not np.array_equal(given, x):
            raise CheckFailed("relu-modifies-input", f"input of shape {shape}: after forward, the array you were given "
                              "had its negative entries set to 0",
                              "return a new array, np.maximum(x, 0), instead of changing x in place (x[x < 0] = 0): "
                              "the layer below may still need its output")
        if not close(got, expected):
            raise CheckFailed("relu-forward-mismatch", f"input of shape {shape}: "
                              f"{error_summary(got, expected) if got.shape == expected.shape else f'shape {got.shape}'}",
                              "ReLU is np.maximum(x, 0), element by element")
    return f"{len(RELU_SHAPES)} inputs equal to classroom.nn.ReLU; inputs left untouched"


@register(WEEKEND, "relu", "ReLU: backward", needs=["ReLU"],
          compared="ReLU.backward against classroom.nn.ReLU and against central differences of your forward "
                   "(float64, inputs at least 0.01 from the kink)")
def _check_relu_backward(ns):
    for seed, shape in enumerate(RELU_SHAPES, start=60):
        x = _relu_input(seed, shape)
        grad_output = np.random.default_rng(seed + 100).standard_normal(shape)
        layer = ns["ReLU"]()
        layer.forward(x.copy())
        got = as_ndarray(layer.backward(grad_output.copy()), "ReLU.backward")
        reference = ReferenceReLU()
        reference.forward(x)
        expected = reference.backward(grad_output)
        where = f"input of shape {shape}"
        if close(got, expected):
            continue
        if got.shape != expected.shape:
            raise CheckFailed("relu-backward-mismatch", f"{where}: got shape {got.shape}, expected {expected.shape}",
                              "backward returns a gradient of the input's shape")
        negative = x < 0
        if close(got, grad_output * (grad_output > 0)):
            raise CheckFailed("relu-mask-from-grad", f"{where}: you kept the positive entries of grad_output",
                              "the mask comes from the forward input, not from the gradient: save x > 0 in forward "
                              "and return grad_output * mask")
        if close(got, grad_output * np.maximum(x, 0)):
            raise CheckFailed("relu-grad-times-output", f"{where}: you multiplied the gradient by ReLU's output",
                              "the derivative of max(x, 0) is 1 where x > 0 and 0 elsewhere: multiply by the mask "
                              "(x > 0), not by the output values")
        if np.any(np.abs(got[negative]) > ATOL):
            raise CheckFailed("relu-grad-negative",
                              f"{where}: {int(np.sum(np.abs(got[negative]) > ATOL))} of {int(negative.sum())} positions "
                              "with a negative input got a non-zero gradient",
                              "the gradient is 0 wherever the input was negative: return grad_output * (x > 0) with x "
                              "the input saved in forward")
        raise CheckFailed("relu-backward-mismatch", f"{where}: {error_summary(got, expected)}",
                          "return grad_output * (x > 0) with x the input of the last forward")
    x = _relu_input(70, (3, 4))
    projection = np.random.default_rng(71).standard_normal((3, 4))
    layer = ns["ReLU"]()
    layer.forward(x.copy())
    got = as_ndarray(layer.backward(projection.copy()), "ReLU.backward")
    numeric = numerical_gradient(lambda v: float(np.sum(np.asarray(ns["ReLU"]().forward(v.copy())) * projection)), x.copy())
    if not close(got, numeric, FD_ATOL, FD_RTOL):
        raise CheckFailed("relu-backward-mismatch", f"vs central differences: {error_summary(got, numeric, FD_ATOL, FD_RTOL)}",
                          "return grad_output * (x > 0) with x the input of the last forward")
    return (f"{len(RELU_SHAPES)} cases equal to classroom.nn.ReLU within {ATOL:g}; within {FD_ATOL:g} + "
            f"{FD_RTOL:g}*|numeric| of central differences")
