"""classroom.nn._fast: every speed helper computes what the lesson's plain NumPy expression computes."""

from __future__ import annotations

import numpy as np
import pytest

from classroom.nn import _fast, parallel
from classroom.nn.im2col import col2im, pad_nhwc


@pytest.fixture(params=[1, 2], ids=["one worker", "two workers"])
def workers(request):
    parallel.set_workers(request.param)
    yield request.param
    parallel.set_workers(1)


def test_workspace_reuses_an_array_until_its_shape_or_dtype_changes():
    space = _fast.Workspace()
    first = space.array("cols", (2, 3), np.float32, fill=0)
    first[...] = 7
    assert space.array("cols", (2, 3), np.float32) is first  # reused, keeps its values
    assert space.array("cols", (2, 4), np.float32).shape == (2, 4)
    assert space.array("cols", (2, 4), np.float64).dtype == np.float64


def test_workspace_padded_keeps_a_zero_border_and_returns_x_without_padding(rng):
    space = _fast.Workspace()
    x = rng.standard_normal((2, 3, 4, 5)).transpose(0, 2, 3, 1)  # a strided NHWC view
    assert space.padded("padded", x, (0, 0)) is x
    buffer = space.padded("padded", x, (1, 2))
    np.testing.assert_array_equal(pad_nhwc(x, (1, 2), out=buffer), pad_nhwc(x, (1, 2)))
    assert space.padded("padded", x, (1, 2)) is buffer


def test_set_where_is_a_masked_assignment_for_growing_offsets(rng):
    offset = rng.integers(0, 3, size=(4, 5, 6), dtype=np.uint8)
    mask = rng.random((4, 5, 6)) < 0.5
    expected = offset.copy()
    expected[mask] = 3
    _fast.set_where(offset, mask, 3)
    np.testing.assert_array_equal(offset, expected)


def test_transposed_matmul_is_a_transpose_times_b(rng, workers):
    a, b = rng.standard_normal((37, 4)), rng.standard_normal((37, 6))
    np.testing.assert_allclose(_fast.transposed_matmul(a, b), a.T @ b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "kernel, stride, extra",
    [((3, 2), (1, 1), 0), ((3, 2), (2, 2), 0), ((3, 2), (2, 1), 0), ((4, 4), (2, 2), 0), ((4, 2), (2, 1), 0),
     ((4, 4), (2, 2), 1), ((6, 3), (3, 3), 2)],
    ids=["stride 1", "offset by offset", "stride (2, 1)", "in blocks", "in blocks, (2, 1)",
         "in blocks, a row and column more", "in blocks, stride 3"],
)
def test_matmul_col2im_is_col2im_of_the_product(rng, workers, kernel, stride, extra):
    batch, height, width, c_in, c_out = 3, 4, 5, 2, 3
    x = rng.standard_normal((batch, height, width, c_in))
    weight_per_offset = rng.standard_normal((kernel[0] * kernel[1], c_in, c_out))
    # ``extra``: an output taller and wider than the windows reach (a strided Conv2d's padded input can be).
    out_shape = (batch, (height - 1) * stride[0] + kernel[0] + extra, (width - 1) * stride[1] + kernel[1] + extra, c_out)
    # The lesson's version: one product with the whole kernel, then col2im.
    weight_matrix = weight_per_offset.transpose(1, 0, 2).reshape(c_in, -1)
    windows = (x.reshape(-1, c_in) @ weight_matrix).reshape(batch, height, width, *kernel, c_out)
    expected = col2im(windows, out_shape, stride)
    result = _fast.matmul_col2im(x, weight_per_offset, kernel, stride, out_shape)
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "in_channels, out_channels, stride, padding",
    [(2, 3, (1, 1), (1, 1)), (3, 2, (1, 1), (1, 1)), (3, 3, (1, 1), (0, 0)), (3, 2, (2, 2), (1, 0)), (4, 2, (1, 1), (2, 2))],
    ids=["col2im route", "flipped kernel", "flipped kernel, no padding", "strided", "padding = kernel - 1"],
)
def test_conv_input_gradient_is_col2im_of_grad_times_w_transposed(rng, workers, in_channels, out_channels, stride, padding):
    kernel, input_shape = (3, 3), (2, in_channels, 7, 6)
    weight = rng.standard_normal((out_channels, in_channels, *kernel))
    padded_shape = (2, 7 + 2 * padding[0], 6 + 2 * padding[1], in_channels)
    out_h = (padded_shape[1] - kernel[0]) // stride[0] + 1
    out_w = (padded_shape[2] - kernel[1]) // stride[1] + 1
    grad = rng.standard_normal((2, out_h, out_w, out_channels))
    # The lesson's route: grad @ W^T for every window entry, col2im, crop.
    weight_matrix = weight.transpose(2, 3, 1, 0).reshape(-1, out_channels)
    grad_cols = (grad.reshape(-1, out_channels) @ weight_matrix.T).reshape(2, out_h, out_w, *kernel, in_channels)
    expected = col2im(grad_cols, padded_shape, stride)[:, padding[0] : padding[0] + 7, padding[1] : padding[1] + 6]
    result = _fast.conv_input_gradient(grad, weight, input_shape, stride, padding, _fast.Workspace())
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12)


def test_batch_norm_helpers_match_the_plain_expressions(rng, workers):
    matrix = rng.standard_normal((23, 4))
    mean = matrix.mean(axis=0)
    grad = rng.standard_normal(matrix.shape)
    scale, shift, factor, grad_mean = (rng.standard_normal(4) for _ in range(4))
    np.testing.assert_allclose(_fast.column_sums(matrix), matrix.sum(axis=0), rtol=1e-12)
    centered, squares = _fast.center(matrix, mean)
    np.testing.assert_array_equal(centered, matrix - mean)
    np.testing.assert_allclose(squares, ((matrix - mean) ** 2).sum(axis=0), rtol=1e-12)
    sums, dots = _fast.column_sums_and_dots(grad, centered)
    np.testing.assert_allclose(sums, grad.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(dots, (grad * centered).sum(axis=0), rtol=1e-12)
    # Element-wise: the same operations in the same order, so exactly equal.
    np.testing.assert_array_equal(_fast.scale_and_shift(centered, scale, shift), centered * scale + shift)
    np.testing.assert_array_equal(_fast.scale_and_shift(centered, scale), centered * scale)
    np.testing.assert_array_equal(
        _fast.batch_norm_input_gradient(grad, centered, factor, grad_mean, scale),
        (centered * factor + grad - grad_mean) * scale,
    )


def test_col2im_in_blocks_overwrites_its_buffer_with_col2im(rng):
    cols = rng.standard_normal((2, 3, 4, 4, 6, 5))
    out = np.full((2, 9, 13, 5), 7.0)  # stale values: must be overwritten, including the last row and column
    result = _fast.col2im_in_blocks(cols, (2, 2), out=out)
    assert result is out
    np.testing.assert_allclose(out, col2im(cols, (2, 9, 13, 5), (2, 2)), rtol=1e-12, atol=1e-12)
