"""Checks of weekend 4 (convolutions): ``im2col``/``col2im``, ``Conv2d``, ``MaxPool2d``, a CNN on CIFAR-10.

The learner's API (see the workbook ``workbooks/weekend-04.py``) is the one
the lesson teaches, with images as ``(batch, channels, height, width)``:

* ``im2col(x, kernel_size, stride=1, padding=0)`` returns one row per window,
  shape ``(batch*out_h*out_w, kernel_size*kernel_size*channels)``; rows in
  ``(image, output row, output column)`` order, the numbers of a row in
  ``(kernel row, kernel column, channel)`` order (channels fastest), as
  ``classroom.nn.im2col.im2col`` lays them out.
* ``col2im(cols, input_shape, kernel_size, stride=1, padding=0)`` is its
  adjoint: it sums every row entry back onto the pixel it was copied from.
* ``Conv2d`` and ``MaxPool2d`` have ``forward(x)`` and ``backward(grad_output)``;
  ``Conv2d`` holds plain arrays ``weight`` ``(out, in, k, k)``, ``bias``
  ``(out,)`` and, after ``backward``, ``grad_weight`` and ``grad_bias``.

Every check compares with the package (``classroom.nn.im2col``,
``classroom.nn.conv``, ``classroom.nn.pooling``) on random float64 inputs
from fixed seeds, and the backward passes also with central finite
differences. Tolerances are in the messages.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from classroom import nn
from classroom.nn.gradcheck import numerical_gradient
from classroom.nn.im2col import col2im as _package_col2im
from classroom.nn.im2col import conv_output_size, pad_nhwc
from classroom.nn.im2col import im2col as _package_im2col

from .compare import ATOL, FD_ATOL, FD_RTOL, RTOL, as_ndarray, close, max_error_summary
from .core import CheckFailed, register

__all__ = ["reference_solutions", "ReferenceConv2d", "ReferenceMaxPool2d", "reference_im2col", "reference_col2im"]

WEEKEND = "weekend-04"


# --------------------------------------------------------------------------
# Reference implementations (thin wrappers of the package)
# --------------------------------------------------------------------------


def reference_im2col(x, kernel_size, stride=1, padding=0):
    """Copy every window of an NCHW batch into one row of a matrix (the package's im2col).

    Parameters
    ----------
    x : ndarray of shape (batch, channels, height, width)
    kernel_size, stride, padding : int
        Square kernel, step between windows, zeros added on each side.

    Returns
    -------
    ndarray of shape (batch*out_h*out_w, kernel_size*kernel_size*channels)
        Row ``(n*out_h + y)*out_w + x`` is the window at output position
        ``(y, x)`` of image ``n``; inside a row the order is (kernel row,
        kernel column, channel).
    """
    x = np.asarray(x)
    channels = x.shape[1]
    padded = pad_nhwc(x.transpose(0, 2, 3, 1), (padding, padding))
    cols = _package_im2col(padded, (kernel_size, kernel_size), (stride, stride))
    return cols.reshape(-1, kernel_size * kernel_size * channels)


def reference_col2im(cols, input_shape, kernel_size, stride=1, padding=0):
    """Sum window entries back onto the pixels they came from (the adjoint of ``reference_im2col``).

    Parameters
    ----------
    cols : ndarray of shape (batch*out_h*out_w, kernel_size*kernel_size*channels)
    input_shape : tuple of int
        ``(batch, channels, height, width)`` of the *unpadded* input.
    kernel_size, stride, padding : int

    Returns
    -------
    ndarray of shape input_shape
    """
    batch, channels, height, width = input_shape
    out_h = conv_output_size(height, kernel_size, stride, padding)
    out_w = conv_output_size(width, kernel_size, stride, padding)
    six = np.asarray(cols).reshape(batch, out_h, out_w, kernel_size, kernel_size, channels)
    padded_shape = (batch, height + 2 * padding, width + 2 * padding, channels)
    grad = _package_col2im(six, padded_shape, (stride, stride))
    return np.ascontiguousarray(grad[:, padding : padding + height, padding : padding + width, :].transpose(0, 3, 1, 2))


class ReferenceConv2d:
    """The learner's ``Conv2d`` API on top of ``classroom.nn.Conv2d``.

    Parameters
    ----------
    in_channels, out_channels, kernel_size : int
    stride, padding : int, default 1 and 0
    rng : numpy.random.Generator or int, optional
    dtype : numpy dtype, default float64

    Attributes
    ----------
    weight : ndarray of shape (out_channels, in_channels, kernel_size, kernel_size)
    bias : ndarray of shape (out_channels,)
    grad_weight, grad_bias : ndarray
        Gradients of the last ``backward`` (overwritten by each call).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, rng=None, dtype=np.float64):
        self.layer = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                               rng=rng, dtype=dtype)
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    weight = property(lambda self: self.layer.weight.data, lambda self, value: self._set("weight", value))
    bias = property(lambda self: self.layer.bias.data, lambda self, value: self._set("bias", value))
    grad_weight = property(lambda self: self.layer.weight.grad)
    grad_bias = property(lambda self: self.layer.bias.grad)

    def _set(self, name, value):
        getattr(self.layer, name).data[...] = value

    def forward(self, x):
        """Convolve a batch: (batch, in_channels, H, W) -> (batch, out_channels, out_h, out_w)."""
        return self.layer.forward(x)

    __call__ = forward

    def backward(self, grad_output):
        """Return dL/dx (batch, in_channels, H, W); set ``grad_weight`` and ``grad_bias``."""
        self.layer.zero_grad()
        return self.layer.backward(grad_output)


class ReferenceMaxPool2d:
    """The learner's ``MaxPool2d`` API on top of ``classroom.nn.MaxPool2d``.

    Parameters
    ----------
    kernel_size : int
    stride : int, optional
        Defaults to ``kernel_size``.
    """

    def __init__(self, kernel_size, stride=None):
        self.layer = nn.MaxPool2d(kernel_size, stride=stride)
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride

    def forward(self, x):
        """Max-pool a batch: (batch, channels, H, W) -> (batch, channels, out_h, out_w)."""
        return self.layer.forward(x)

    __call__ = forward

    def backward(self, grad_output):
        """Route each output gradient to its window's maximum: returns (batch, channels, H, W)."""
        return self.layer.backward(grad_output)


def reference_solutions() -> dict[str, object]:
    """Return every stub name of the weekend-04 workbook mapped to the package's implementation.

    Returns
    -------
    dict of str to object
        ``im2col``, ``col2im``, ``Conv2d``, ``MaxPool2d``.
    """
    return {
        "im2col": reference_im2col,
        "col2im": reference_col2im,
        "Conv2d": ReferenceConv2d,
        "MaxPool2d": ReferenceMaxPool2d,
    }


# --------------------------------------------------------------------------
# Comparison helpers
# --------------------------------------------------------------------------


def _as_array(value, what: str) -> np.ndarray:
    """:func:`~classroom.check.compare.as_ndarray` with this weekend's hint (its pieces never return a number)."""
    return as_ndarray(value, what, hint="return a NumPy array (np.ndarray), not a list or None")


def _describe(kernel, stride, padding, shape) -> str:
    return f"input {tuple(shape)}, kernel_size={kernel}, stride={stride}, padding={padding}"


# --------------------------------------------------------------------------
# im2col and col2im
# --------------------------------------------------------------------------


def _im2col_case(ns, seed, shape, kernel, stride, padding):
    """Run the learner's im2col on one random case; return (x, learner_cols, reference_cols)."""
    x = np.random.default_rng(seed).standard_normal(shape)
    cols = _as_array(ns["im2col"](x.copy(), kernel, stride=stride, padding=padding), "im2col")
    return x, cols, reference_im2col(x, kernel, stride, padding)


def _channels_first_order(cols, kernel, channels):
    """Reorder reference columns from (i, j, c) to (c, i, j), the other common layout."""
    return cols.reshape(-1, kernel, kernel, channels).transpose(0, 3, 1, 2).reshape(len(cols), -1)


def _im2col_compare(ns, cases, *, look_for):
    """Compare the learner's im2col with the package on ``cases``; diagnose known mistakes."""
    for seed, shape, kernel, stride, padding in cases:
        x, cols, expected = _im2col_case(ns, seed, shape, kernel, stride, padding)
        where = _describe(kernel, stride, padding, shape)
        if "padding" in look_for and padding > 0:
            unpadded = reference_im2col(x, kernel, stride, 0)
            if cols.shape == unpadded.shape and cols.shape != expected.shape:
                raise CheckFailed(
                    "im2col-no-padding",
                    f"{where}: got shape {cols.shape}, expected {expected.shape}; your shape is the one without padding",
                    "pad x with `padding` zeros on each side of height and width first "
                    "(np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))) and take the windows of the padded image",
                )
        if "stride" in look_for and stride > 1:
            dense = reference_im2col(x, kernel, 1, padding)
            if cols.shape == dense.shape and cols.shape != expected.shape:
                raise CheckFailed(
                    "im2col-stride-ignored",
                    f"{where}: got shape {cols.shape}, expected {expected.shape}; your shape is the one for stride 1",
                    "step the windows by `stride`: window (y, x) starts at row y*stride and column x*stride, "
                    "and there are (H + 2p - k)//stride + 1 of them per axis",
                )
        if cols.shape != expected.shape:
            raise CheckFailed(
                "im2col-shape",
                f"{where}: got shape {cols.shape}, expected {expected.shape} "
                "= (batch*out_h*out_w, kernel_size*kernel_size*channels)",
                "one row per window; out_h = (H + 2*padding - kernel_size)//stride + 1, and the same for out_w",
            )
        if close(cols, expected):
            continue
        channels = shape[1]
        if close(cols, _channels_first_order(expected, kernel, channels)):
            raise CheckFailed(
                "im2col-patch-order",
                f"{where}: your rows hold the right numbers in (channel, kernel row, kernel column) order; "
                f"expected (kernel row, kernel column, channel). {max_error_summary(cols, expected)}",
                "lay each window out as window.transpose(1, 2, 0).reshape(-1) for a (channels, k, k) window: "
                "channels vary fastest, then kernel column, then kernel row",
            )
        raise CheckFailed(
            "im2col-mismatch",
            f"{where}: {max_error_summary(cols, expected)}",
            "print im2col(np.arange(16.0).reshape(1, 1, 4, 4), 2) and compare with the lesson's 4x4 picture: "
            "row r must be window r, read left to right, top to bottom",
        )
    return f"{len(cases)} random inputs, all within {ATOL:g} + {RTOL:g}*|b| of classroom.nn.im2col"


@register(WEEKEND, "im2col", "im2col: windows, stride 1, no padding", needs=["im2col"],
          compared="im2col(x, k) against classroom.nn.im2col on random float64 batches")
def _check_im2col_basic(ns):
    cases = [(0, (1, 1, 4, 4), 2, 1, 0), (1, (2, 3, 5, 6), 3, 1, 0), (2, (3, 2, 4, 5), 2, 1, 0)]
    return _im2col_compare(ns, cases, look_for=())


@register(WEEKEND, "im2col", "im2col: padding", needs=["im2col"],
          compared="im2col(x, k, padding=p) against classroom.nn.im2col (padded with zeros)")
def _check_im2col_padding(ns):
    cases = [(3, (2, 3, 5, 5), 3, 1, 1), (4, (1, 2, 4, 6), 3, 1, 2)]
    return _im2col_compare(ns, cases, look_for=("padding",))


@register(WEEKEND, "im2col", "im2col: stride", needs=["im2col"],
          compared="im2col(x, k, stride=s) against classroom.nn.im2col")
def _check_im2col_stride(ns):
    cases = [(5, (2, 3, 7, 7), 3, 2, 0), (6, (1, 2, 8, 9), 2, 2, 0), (7, (2, 2, 9, 8), 3, 3, 1)]
    return _im2col_compare(ns, cases, look_for=("stride", "padding"))


@register(WEEKEND, "im2col", "col2im: adjoint of im2col", needs=["col2im"],
          compared="col2im(cols, shape, k, s, p) against classroom.nn.im2col.col2im on random window gradients")
def _check_col2im(ns):
    cases = [(10, (2, 3, 5, 5), 3, 1, 1), (11, (1, 2, 6, 7), 2, 2, 0), (12, (2, 2, 7, 6), 3, 2, 1)]
    for seed, shape, kernel, stride, padding in cases:
        rng = np.random.default_rng(seed)
        out_h = conv_output_size(shape[2], kernel, stride, padding)
        out_w = conv_output_size(shape[3], kernel, stride, padding)
        # Positive entries: a lost contribution can only make a pixel smaller.
        cols = rng.uniform(0.5, 1.5, (shape[0] * out_h * out_w, kernel * kernel * shape[1]))
        expected = reference_col2im(cols, shape, kernel, stride, padding)
        got = _as_array(ns["col2im"](cols.copy(), shape, kernel, stride=stride, padding=padding), "col2im")
        where = _describe(kernel, stride, padding, shape)
        padded = (shape[0], shape[1], shape[2] + 2 * padding, shape[3] + 2 * padding)
        if got.shape == padded and padding > 0:
            raise CheckFailed(
                "col2im-padding-not-cropped",
                f"{where}: got shape {got.shape} (the padded image), expected {expected.shape}",
                "after summing into the padded image, crop the border off: grad[:, :, p:p+H, p:p+W]",
            )
        if got.shape != expected.shape:
            raise CheckFailed("col2im-shape", f"{where}: got shape {got.shape}, expected {expected.shape}",
                              "col2im returns an array of input_shape, the shape of the image im2col read")
        if close(got, expected):
            continue
        if np.all(got <= expected + ATOL) and np.sum(got) < np.sum(expected) - 1e-6:
            raise CheckFailed(
                "col2im-overwrite",
                f"{where}: {max_error_summary(got, expected)}; your pixels are smaller than they should be "
                f"(total {np.sum(got):.3f} instead of {np.sum(expected):.3f}): contributions were lost",
                "a pixel sits in several windows, so add with += (or np.add.at); assigning with = keeps only the last window",
            )
        raise CheckFailed("col2im-mismatch", f"{where}: {max_error_summary(got, expected)}",
                          "walk the windows in the same order as im2col and add each row entry back onto its pixel")
    return f"{len(cases)} random cases within {ATOL:g} + {RTOL:g}*|b| of classroom.nn.im2col.col2im"


# --------------------------------------------------------------------------
# Conv2d
# --------------------------------------------------------------------------

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


# --------------------------------------------------------------------------
# MaxPool2d
# --------------------------------------------------------------------------

POOL_CASES = [  # seed, kernel, stride, input shape
    (40, 2, None, (2, 3, 6, 6)),
    (41, 2, None, (3, 2, 7, 5)),  # windows do not cover the last row / column
    (42, 3, 2, (2, 2, 7, 7)),  # overlapping windows
    (43, 2, 1, (1, 3, 5, 6)),  # overlapping windows
]


def _every_position_gradient(grad_output, shape, kernel, stride):
    """What a max-pool backward gives when it sends each gradient to every position of its window."""
    grad = np.zeros(shape)
    out_h, out_w = grad_output.shape[2:]
    for y in range(out_h):
        for x in range(out_w):
            grad[:, :, y * stride : y * stride + kernel, x * stride : x * stride + kernel] += grad_output[:, :, y : y + 1, x : x + 1]
    return grad


@register(WEEKEND, "maxpool", "MaxPool2d: forward", needs=["MaxPool2d"],
          compared="MaxPool2d.forward against classroom.nn.MaxPool2d (4 configurations)")
def _check_pool_forward(ns):
    for seed, kernel, stride, shape in POOL_CASES:
        x = np.random.default_rng(seed).standard_normal(shape)
        got = _as_array(ns["MaxPool2d"](kernel, stride=stride).forward(x.copy()), "MaxPool2d.forward")
        expected = ReferenceMaxPool2d(kernel, stride).forward(x)
        where = f"MaxPool2d({kernel}, stride={stride}) on {shape}"
        if got.shape != expected.shape:
            raise CheckFailed("maxpool-output-shape", f"{where}: got shape {got.shape}, expected {expected.shape}",
                              "out_h = (H - kernel_size)//stride + 1 (the last rows are dropped when windows "
                              "do not fit), and stride defaults to kernel_size")
        if not close(got, expected):
            raise CheckFailed("maxpool-forward-mismatch", f"{where}: {max_error_summary(got, expected)}",
                              "take the maximum over each window's kernel_size x kernel_size positions, separately "
                              "for every image and channel")
    return f"{len(POOL_CASES)} configurations equal to classroom.nn.MaxPool2d within {ATOL:g}"


def _check_pool_gradient(where, got, expected, grad_output, shape, kernel, stride, against, atol=ATOL, rtol=RTOL):
    if got.shape != expected.shape:
        raise CheckFailed("maxpool-backward-mismatch", f"{where}: backward returned shape {got.shape}, expected {expected.shape}",
                          "backward returns a gradient with the input's shape, zero where no maximum was")
    if close(got, expected, atol, rtol):
        return
    if close(got, _every_position_gradient(grad_output, shape, kernel, stride), atol, rtol):
        raise CheckFailed(
            "maxpool-grad-every-position",
            f"{where}: you sent each output gradient to every position of its window "
            f"({max_error_summary(got, expected, atol, rtol)} vs {against})",
            "only the position that held the maximum gets the gradient: remember the argmax of each window in "
            "forward and add the gradient there only; every other position gets zero",
        )
    if np.all(np.abs(got[np.abs(expected) <= atol]) <= atol) and abs(np.sum(got) - np.sum(grad_output)) > 1e-4:
        raise CheckFailed(
            "maxpool-overlap-overwrite",
            f"{where}: gradients went to the right positions but {abs(np.sum(got) - np.sum(grad_output)):.3f} of "
            f"the total {np.sum(grad_output):.3f} was lost ({max_error_summary(got, expected, atol, rtol)})",
            "when windows overlap a position can be the maximum of two windows: add with += so it gets both gradients",
        )
    raise CheckFailed("maxpool-backward-mismatch", f"{where}: {max_error_summary(got, expected, atol, rtol)} vs {against}",
                      "route each output gradient to the argmax of its window (first maximum on ties), "
                      "and add where windows overlap")


@register(WEEKEND, "maxpool", "MaxPool2d: backward vs package", needs=["MaxPool2d"],
          compared="MaxPool2d.backward against classroom.nn.MaxPool2d (overlapping and non-overlapping windows)")
def _check_pool_backward(ns):
    for seed, kernel, stride, shape in POOL_CASES:
        rng = np.random.default_rng(seed + 400)
        x = rng.standard_normal(shape)
        learner, reference = ns["MaxPool2d"](kernel, stride=stride), ReferenceMaxPool2d(kernel, stride)
        learner.forward(x.copy())
        out = reference.forward(x)
        grad_output = rng.uniform(0.5, 1.5, out.shape)  # positive: lost gradient shows in the total
        got = _as_array(learner.backward(grad_output.copy()), "MaxPool2d.backward")
        expected = reference.backward(grad_output)
        _check_pool_gradient(f"MaxPool2d({kernel}, stride={stride}) on {shape}", got, expected, grad_output,
                             shape, kernel, reference.stride, "classroom.nn.MaxPool2d")
    return f"{len(POOL_CASES)} configurations within {ATOL:g} + {RTOL:g}*|b| of classroom.nn.MaxPool2d"


@register(WEEKEND, "maxpool", "MaxPool2d: finite differences", needs=["MaxPool2d"],
          compared="MaxPool2d.backward against central differences of your own forward (float64, no ties)")
def _check_pool_gradcheck(ns):
    for seed, kernel, stride, shape in [(50, 2, None, (2, 2, 4, 4)), (51, 3, 2, (1, 2, 5, 5))]:
        rng = np.random.default_rng(seed)
        x = rng.permutation(np.prod(shape)).reshape(shape) * 0.1  # distinct values: no ties, no kinks within eps
        pool = ns["MaxPool2d"](kernel, stride=stride)
        out = np.asarray(pool.forward(x.copy()))
        projection = rng.uniform(0.5, 1.5, out.shape)
        got = _as_array(pool.backward(projection.copy()), "MaxPool2d.backward")
        numeric = numerical_gradient(lambda value: float(np.sum(np.asarray(pool.forward(value.copy())) * projection)), x.copy())
        step = kernel if stride is None else stride
        _check_pool_gradient(f"MaxPool2d({kernel}, stride={stride}) on {shape}", got, numeric, projection, shape,
                             kernel, step, "finite differences", FD_ATOL, FD_RTOL)
    return f"input gradient within {FD_ATOL:g} + {FD_RTOL:g}*|numeric| of central differences"


# --------------------------------------------------------------------------
# End to end: a small CNN from the learner's pieces on CIFAR-10
# --------------------------------------------------------------------------

CNN_TRAIN_IMAGES = 20_000
CNN_TEST_IMAGES = 2_000
CNN_EPOCHS = 3
CNN_BATCH = 64
CNN_LR = 0.01
CNN_MOMENTUM = 0.9
CNN_ACCURACY_FLOOR = 0.52
CNN_TIMEOUT = 600.0


class _Network:
    """Conv(3->16) ReLU MaxPool(2) Conv(16->32) ReLU MaxPool(2) Flatten Linear(2048->10), float32.

    The two convolutions and the two poolings are the learner's classes; ReLU,
    Flatten and Linear come from ``classroom.nn``. The check sets the initial
    weights itself (He-normal convolutions from a fixed seed), so every
    learner starts from the same point whatever their ``__init__`` does.
    """

    def __init__(self, ns, seed=0):
        rng = np.random.default_rng(seed)
        conv, pool = ns["Conv2d"], ns["MaxPool2d"]
        self.convs = [conv(3, 16, 3, stride=1, padding=1, dtype=np.float32),
                      conv(16, 32, 3, stride=1, padding=1, dtype=np.float32)]
        for layer in self.convs:
            fan_in = layer.weight[0].size
            layer.weight = (rng.standard_normal(layer.weight.shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)
            layer.bias = np.zeros(layer.weight.shape[0], dtype=np.float32)
        self.layers = [self.convs[0], nn.ReLU(), pool(2), self.convs[1], nn.ReLU(), pool(2), nn.Flatten(),
                       nn.Linear(32 * 8 * 8, 10, rng=rng, dtype=np.float32)]
        self.head = self.layers[-1]
        self.velocity = {}

    def features(self, x):
        """Everything before the Linear head: (batch, 3, 32, 32) -> (batch, 32, 8, 8)."""
        for layer in self.layers[:-2]:
            x = layer.forward(x)
        return x

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad):
        self.head.zero_grad()
        for layer in reversed(self.layers):
            grad = layer.backward(grad)

    def parameters(self):
        """Yield (key, owner, attribute, gradient) for every learnable array."""
        for index, layer in enumerate(self.convs):
            yield (index, "weight"), layer, "weight", np.asarray(layer.grad_weight)
            yield (index, "bias"), layer, "bias", np.asarray(layer.grad_bias)
        yield ("head", "weight"), self.head.weight, "data", self.head.weight.grad
        yield ("head", "bias"), self.head.bias, "data", self.head.bias.grad

    def sgd_step(self, lr, momentum):
        for key, owner, attribute, grad in self.parameters():
            value = getattr(owner, attribute)
            velocity = self.velocity.get(key)
            velocity = grad.astype(np.float32) if velocity is None else momentum * velocity + grad
            self.velocity[key] = velocity
            setattr(owner, attribute, (value - lr * velocity).astype(np.float32))


def _cifar_subset(train_images, test_images, seed=0):
    from classroom.data import load_cifar10, normalize, to_float_nchw
    from classroom.data.cifar10 import CIFAR10_MEAN, CIFAR10_STD

    images, labels = load_cifar10("train")
    test, test_labels = load_cifar10("test")
    rng = np.random.default_rng(seed)
    train_index = rng.permutation(len(labels))[:train_images]
    test_index = rng.permutation(len(test_labels))[:test_images]  # the files are sorted by class

    def prepare(pixels):
        return normalize(to_float_nchw(pixels), CIFAR10_MEAN, CIFAR10_STD).astype(np.float32)

    return prepare(images[train_index]), labels[train_index], prepare(test[test_index]), test_labels[test_index]


def _progress(text: str) -> None:
    print(f"  [weekend-04 cnn] {text}", file=sys.stdout, flush=True)


def _sanity_phase(ns, x, y):
    """A few seconds: shapes, non-zero finite gradients, and the loss falls on one fixed batch.

    A correct network memorises the batch: the loss falls to about 6% of its
    start (measured with the package's layers); the check asks for 20%.
    """
    net, loss_fn = _Network(ns, seed=1), nn.CrossEntropyLoss()
    logits = np.asarray(net.forward(x[:8]))
    loss_fn.forward(logits, y[:8])
    net.backward(loss_fn.backward())
    for key, _, _, grad in net.parameters():
        if key[0] != "head" and key[1] == "weight" and (not np.all(np.isfinite(grad)) or not np.any(grad)):
            raise CheckFailed("cnn-no-gradient", f"convolution {key[0] + 1}'s grad_weight is all zero or not finite "
                              "after one backward pass", "backward must set self.grad_weight and self.grad_bias "
                              "(new arrays each call) and return the input gradient for the layer below")
    batch_x, batch_y = x[:128], y[:128]
    first = None
    for step in range(25):
        loss = float(loss_fn.forward(np.asarray(net.forward(batch_x)), batch_y))
        if not np.isfinite(loss) or loss > 1e3:
            raise CheckFailed("cnn-diverged", f"the loss became {loss:.3g} at step {step + 1} of the sanity phase "
                              f"(lr {CNN_LR}, momentum {CNN_MOMENTUM})",
                              "a gradient is far too large: check that no layer multiplies its gradient by the batch size, "
                              "and that grad_weight is overwritten, not added to, on every backward")
        first = loss if first is None else first
        net.backward(loss_fn.backward())
        net.sgd_step(CNN_LR, CNN_MOMENTUM)
    if not loss < 0.2 * first:
        raise CheckFailed("cnn-not-learning", f"25 steps on one batch of 128 images took the loss from {first:.3f} "
                          f"to {loss:.3f} (it must fall below 20% of the start; the package's layers reach 6%)",
                          "the network cannot even memorise one batch: look for a backward pass that returns the wrong "
                          "input gradient (Conv2d and MaxPool2d checks) or a grad_weight that is not updated")
    return first, loss


@register(WEEKEND, "cnn", "CNN: trains on CIFAR-10", needs=["Conv2d", "MaxPool2d"], timeout=CNN_TIMEOUT,
          compared=f"a 2-conv CNN from your Conv2d and MaxPool2d, trained {CNN_EPOCHS} epochs on "
                   f"{CNN_TRAIN_IMAGES:,} CIFAR-10 images, test accuracy on {CNN_TEST_IMAGES:,} test images "
                   f"(floor {CNN_ACCURACY_FLOOR:.0%})")
def _check_cnn(ns):
    started = time.perf_counter()
    # Before any data: an unwritten stub stops here, and so do wrong shapes.
    features = np.asarray(_Network(ns).features(np.zeros((2, 3, 32, 32), dtype=np.float32)))
    if features.shape != (2, 32, 8, 8):
        raise CheckFailed("cnn-sanity-shapes",
                          f"Conv(3->16) ReLU MaxPool(2) Conv(16->32) ReLU MaxPool(2) on a (2, 3, 32, 32) batch gave shape "
                          f"{features.shape}, expected (2, 32, 8, 8)",
                          "run the Conv2d and MaxPool2d checks first: padding 1 keeps 32x32, each MaxPool2d(2) halves it")
    _progress(f"loading CIFAR-10 ({CNN_TRAIN_IMAGES:,} training and {CNN_TEST_IMAGES:,} test images)")
    x, y, x_test, y_test = _cifar_subset(CNN_TRAIN_IMAGES, CNN_TEST_IMAGES)
    first, last = _sanity_phase(ns, x, y)
    _progress(f"sanity phase passed (one batch: loss {first:.2f} -> {last:.2f}); training {CNN_EPOCHS} epochs, "
              f"about 35 s on an idle 2-core machine with the package's layers, a few minutes when busy")
    net, loss_fn = _Network(ns, seed=0), nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    steps = int(np.ceil(len(y) / CNN_BATCH))
    for epoch in range(CNN_EPOCHS):
        order = rng.permutation(len(y))
        total = 0.0
        for step in range(steps):
            batch = order[step * CNN_BATCH : (step + 1) * CNN_BATCH]
            loss = float(loss_fn.forward(np.asarray(net.forward(x[batch])), y[batch]))
            if not np.isfinite(loss):
                raise CheckFailed("cnn-diverged", f"the loss became {loss} at epoch {epoch + 1}, step {step + 1}",
                                  "a gradient is far too large: compare Conv2d.backward with the package once more")
            total += loss
            net.backward(loss_fn.backward())
            net.sgd_step(CNN_LR, CNN_MOMENTUM)
            if (step + 1) % 40 == 0 or step + 1 == steps:
                _progress(f"epoch {epoch + 1}/{CNN_EPOCHS}, step {step + 1}/{steps}, mean loss {total / (step + 1):.3f}, "
                          f"{time.perf_counter() - started:.0f} s")
    predictions = np.concatenate([np.argmax(net.forward(x_test[i : i + 500]), axis=1) for i in range(0, len(y_test), 500)])
    accuracy = float(np.mean(predictions == y_test))
    seconds = time.perf_counter() - started
    measured = (f"test accuracy {accuracy:.3f} on {len(y_test):,} test images (floor {CNN_ACCURACY_FLOOR:.2f}; "
                f"guessing gives 0.10), {seconds:.0f} s")
    if accuracy < CNN_ACCURACY_FLOOR:
        raise CheckFailed("cnn-accuracy-below-floor", measured,
                          "every piece passed alone but the network learns too little: check that MaxPool2d.backward "
                          "routes each gradient to the argmax, and that forward caches what backward uses")
    return measured
