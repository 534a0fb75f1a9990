"""Weekend 4's ``im2col`` and ``col2im`` checks: the windows, padding, stride, and ``col2im`` as the adjoint.

Inputs are ``(batch, channels, height, width)``; the columns are
``(batch*out_h*out_w, kernel_size*kernel_size*channels)``.
"""

from __future__ import annotations

import numpy as np

from classroom.nn.im2col import conv_output_size

from ..compare import ATOL, RTOL, close, max_error_summary
from ..core import CheckFailed, register
from .reference import WEEKEND, _as_array, reference_col2im, reference_im2col


def _describe(kernel, stride, padding, shape) -> str:
    return f"input {tuple(shape)}, kernel_size={kernel}, stride={stride}, padding={padding}"


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
