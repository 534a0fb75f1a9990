"""Weekend 4's ``Conv2d`` checks: forward, backward against the package, backward against finite differences.

The learner's ``Conv2d`` and the package's get the same random weights
``(out, in, k, k)`` and bias ``(out,)``; a wrong weight gradient is diagnosed
(its layout, a factor of the batch size) before it is called a mismatch.
"""

from __future__ import annotations

import numpy as np

from classroom.nn.gradcheck import numerical_gradient

from ..compare import ATOL, FD_ATOL, FD_RTOL, RTOL, close, max_error_summary
from ..core import CheckFailed, register
from .reference import WEEKEND, ReferenceConv2d, _as_array


CONV_CASES = [  # seed, (in, out, kernel, stride, padding), input shape
    (20, (3, 4, 3, 1, 1), (2, 3, 6, 6)),
    (21, (2, 3, 3, 2, 1), (3, 2, 7, 8)),
    (22, (4, 2, 2, 1, 0), (2, 4, 5, 6)),
    (23, (1, 5, 3, 3, 0), (4, 1, 9, 10)),
]


def _make_conv_pair(ns, seed, config, dtype=np.float64):
    """The learner's Conv2d and the package's, with the same random weights and bias."""
    in_channels, out_channels, kernel, stride, padding = config
    rng = np.random.default_rng(seed)
    weight = rng.standard_normal((out_channels, in_channels, kernel, kernel)).astype(dtype)
    bias = rng.standard_normal(out_channels).astype(dtype)
    learner = ns["Conv2d"](in_channels, out_channels, kernel, stride=stride, padding=padding, dtype=dtype)
    learner.weight = weight.copy()
    learner.bias = bias.copy()
    reference = ReferenceConv2d(in_channels, out_channels, kernel, stride=stride, padding=padding, dtype=dtype)
    reference.weight = weight
    reference.bias = bias
    return learner, reference


@register(WEEKEND, "conv2d", "Conv2d: forward", needs=["Conv2d"],
          compared="Conv2d.forward against classroom.nn.Conv2d with the same weights (4 configurations, float64 and float32)")
def _check_conv_forward(ns):
    for seed, config, shape in CONV_CASES:
        learner, reference = _make_conv_pair(ns, seed, config)
        x = np.random.default_rng(seed + 100).standard_normal(shape)
        got = _as_array(learner.forward(x.copy()), "Conv2d.forward")
        expected = reference.forward(x)
        where = f"Conv2d{config[:3]} stride={config[3]} padding={config[4]} on {shape}"
        if got.shape != expected.shape:
            raise CheckFailed(
                "conv-output-shape",
                f"{where}: got shape {got.shape}, expected {expected.shape}",
                "the output is (batch, out_channels, out_h, out_w) with out_h = (H + 2*padding - k)//stride + 1: "
                "reshape the matrix product to (batch, out_h, out_w, out_channels), then transpose(0, 3, 1, 2)",
            )
        if not close(got, expected):
            raise CheckFailed(
                "conv-forward-mismatch",
                f"{where}: {max_error_summary(got, expected)}",
                "the weight matrix must follow im2col's column order: "
                "weight.transpose(2, 3, 1, 0).reshape(k*k*in_channels, out_channels); then add the bias per channel",
            )
    learner, _ = _make_conv_pair(ns, 24, (3, 4, 3, 1, 1), dtype=np.float32)
    x32 = np.random.default_rng(124).standard_normal((2, 3, 6, 6)).astype(np.float32)
    got32 = np.asarray(learner.forward(x32))
    if got32.dtype != np.float32:
        raise CheckFailed(
            "conv-dtype",
            f"float32 input and float32 weights gave a {got32.dtype} output",
            "keep the input's dtype: float32 training is twice as fast; avoid np.zeros(...) without dtype= "
            "and float64 constants that upcast",
        )
    return f"{len(CONV_CASES)} configurations within {ATOL:g} + {RTOL:g}*|b| of classroom.nn.Conv2d; float32 stays float32"


def _diagnose_weight_gradient(where, got, expected, batch, atol, rtol, against):
    """Raise the most specific CheckFailed for a wrong weight gradient."""
    got = np.asarray(got)
    if got.size == expected.size and got.shape != expected.shape:
        raise CheckFailed(
            "conv-weight-grad-layout",
            f"{where}: grad_weight has shape {got.shape}, expected {expected.shape}",
            "grad_weight must have the weight's shape (out, in, k, k): reshape the (k*k*in, out) matrix "
            "to (k, k, in, out) and transpose(3, 2, 0, 1), the inverse of the forward reshape",
        )
    if got.shape != expected.shape:
        raise CheckFailed("conv-backward-shape", f"{where}: grad_weight has shape {got.shape}, expected {expected.shape}",
                          "grad_weight has the weight's shape (out_channels, in_channels, k, k)")
    _diagnose_batch_scale(where, "grad_weight", got, expected, batch, atol, rtol)
    if close(np.sort(got, axis=None), np.sort(expected, axis=None), atol, rtol):
        raise CheckFailed(
            "conv-weight-grad-layout",
            f"{where}: grad_weight holds the right numbers in the wrong places ({max_error_summary(got, expected, atol, rtol)} vs {against})",
            "the (k*k*in, out) matrix cols.T @ grad is transposed relative to the weight: reshape it to "
            "(k, k, in, out) and transpose(3, 2, 0, 1), undoing exactly the forward's weight reshape",
        )
    raise CheckFailed(
        "conv-backward-mismatch",
        f"{where}: grad_weight vs {against}: {max_error_summary(got, expected, atol, rtol)}",
        "grad_weight is cols.T @ grad_output_matrix, with grad_output as (batch*out_h*out_w, out_channels) "
        "in the same row order as cols",
    )


def _diagnose_batch_scale(where, name, got, expected, batch, atol, rtol):
    for factor, words in ((1.0 / batch, "divided by"), (float(batch), "multiplied by")):
        if batch > 1 and close(got, expected * factor, atol, rtol):
            raise CheckFailed(
                "conv-grad-batch-scale",
                f"{where}: {name} is the expected gradient {words} the batch size {batch}",
                "do not average over the batch in a layer: the loss's backward already divides by the batch size, "
                "so a layer's gradient is a plain sum over images and positions",
            )


@register(WEEKEND, "conv2d", "Conv2d: backward vs package", needs=["Conv2d"],
          compared="Conv2d.backward (input, weight and bias gradients) against classroom.nn.Conv2d")
def _check_conv_backward(ns):
    for seed, config, shape in CONV_CASES:
        learner, reference = _make_conv_pair(ns, seed, config)
        rng = np.random.default_rng(seed + 200)
        x = rng.standard_normal(shape)
        expected_out = reference.forward(x)
        learner.forward(x.copy())
        grad_output = rng.standard_normal(expected_out.shape)
        got_input = _as_array(learner.backward(grad_output.copy()), "Conv2d.backward")
        expected_input = reference.backward(grad_output)
        where = f"Conv2d{config[:3]} stride={config[3]} padding={config[4]} on {shape}"
        if not close(np.asarray(learner.grad_weight), reference.grad_weight):
            _diagnose_weight_gradient(where, learner.grad_weight, reference.grad_weight, shape[0], ATOL, RTOL,
                                      "classroom.nn.Conv2d")
        got_bias = np.asarray(learner.grad_bias)
        if not close(got_bias, reference.grad_bias):
            _diagnose_batch_scale(where, "grad_bias", got_bias, reference.grad_bias, shape[0], ATOL, RTOL)
            raise CheckFailed("conv-bias-grad", f"{where}: grad_bias {max_error_summary(got_bias, reference.grad_bias)}",
                              "grad_bias is grad_output summed over the batch and both spatial axes: "
                              "grad_output.sum(axis=(0, 2, 3))")
        if got_input.shape != expected_input.shape:
            raise CheckFailed("conv-input-grad-shape", f"{where}: backward returned shape {got_input.shape}, "
                              f"expected {expected_input.shape}",
                              "backward returns dL/dx with the input's shape: col2im crops the padding off")
        if not close(got_input, expected_input):
            _diagnose_batch_scale(where, "the input gradient", got_input, expected_input, shape[0], ATOL, RTOL)
            raise CheckFailed(
                "conv-input-grad-mismatch",
                f"{where}: input gradient {max_error_summary(got_input, expected_input)}",
                "the input gradient is col2im(grad_output_matrix @ weight_matrix.T, x.shape, k, stride, padding), "
                "with the same weight_matrix as in forward",
            )
    return f"{len(CONV_CASES)} configurations: dL/dx, grad_weight, grad_bias within {ATOL:g} + {RTOL:g}*|b| of the package"


@register(WEEKEND, "conv2d", "Conv2d: finite differences", needs=["Conv2d"],
          compared="Conv2d.backward against central differences of your own forward (float64, eps 1e-6)")
def _check_conv_gradcheck(ns):
    for seed, config, shape in [(30, (2, 3, 3, 2, 1), (2, 2, 5, 5)), (31, (3, 2, 2, 1, 0), (2, 3, 4, 4))]:
        learner, _ = _make_conv_pair(ns, seed, config)
        rng = np.random.default_rng(seed + 300)
        x = rng.standard_normal(shape)
        out = np.asarray(learner.forward(x.copy()))
        projection = rng.standard_normal(out.shape)
        got_input = np.asarray(learner.backward(projection.copy()))
        got_weight = np.array(learner.grad_weight, dtype=np.float64, copy=True)
        weight = np.array(learner.weight, dtype=np.float64, copy=True)

        def loss_of_x(value):
            return float(np.sum(np.asarray(learner.forward(value.copy())) * projection))

        def loss_of_w(value):
            learner.weight = value.copy()
            return float(np.sum(np.asarray(learner.forward(x.copy())) * projection))

        numeric_input = numerical_gradient(loss_of_x, x.copy())
        numeric_weight = numerical_gradient(loss_of_w, weight.copy())
        learner.weight = weight
        where = f"Conv2d{config[:3]} stride={config[3]} padding={config[4]} on {shape}"
        if not close(got_weight, numeric_weight, FD_ATOL, FD_RTOL):
            _diagnose_weight_gradient(where, got_weight, numeric_weight, shape[0], FD_ATOL, FD_RTOL,
                                      "finite differences")
        if not close(got_input, numeric_input, FD_ATOL, FD_RTOL):
            _diagnose_batch_scale(where, "the input gradient", got_input, numeric_input, shape[0], FD_ATOL, FD_RTOL)
            raise CheckFailed("conv-input-grad-mismatch",
                              f"{where}: input gradient vs finite differences: "
                              f"{max_error_summary(got_input, numeric_input, FD_ATOL, FD_RTOL)}",
                              "the input gradient is col2im(grad_output_matrix @ weight_matrix.T, ...); "
                              "check col2im on its own first")
    return f"input and weight gradients within {FD_ATOL:g} + {FD_RTOL:g}*|numeric| of central differences"
