"""im2col / col2im helpers: compared with plain loops, and col2im is im2col's adjoint."""

from __future__ import annotations

import numpy as np
import pytest

from classroom.nn.im2col import (
    as_pair,
    col2im,
    conv_output_hw,
    conv_output_size,
    conv_transpose_output_hw,
    conv_transpose_output_size,
    im2col,
    pad_nhwc,
)

CASES = [
    # (batch, height, width, channels, kernel, stride)
    (2, 5, 5, 3, (3, 3), (1, 1)),
    (1, 7, 6, 2, (3, 2), (2, 1)),
    (3, 8, 8, 4, (2, 2), (2, 2)),
    (1, 9, 7, 1, (5, 3), (3, 2)),
]


@pytest.mark.parametrize("batch, height, width, channels, kernel, stride", CASES)
def test_im2col_matches_explicit_loops(rng, batch, height, width, channels, kernel, stride):
    x = rng.standard_normal((batch, height, width, channels))
    cols = im2col(x, kernel, stride)
    out_h = conv_output_size(height, kernel[0], stride[0], 0)
    out_w = conv_output_size(width, kernel[1], stride[1], 0)
    assert cols.shape == (batch, out_h, out_w, kernel[0], kernel[1], channels)
    for y in range(out_h):
        for x_index in range(out_w):
            window = x[:, y * stride[0] : y * stride[0] + kernel[0], x_index * stride[1] : x_index * stride[1] + kernel[1], :]
            np.testing.assert_array_equal(cols[:, y, x_index], window)


@pytest.mark.parametrize("batch, height, width, channels, kernel, stride", CASES)
def test_col2im_is_the_adjoint_of_im2col(rng, batch, height, width, channels, kernel, stride):
    # <im2col(x), c> == <x, col2im(c)> for all x, c: the defining property of
    # the backward pass of a linear map.
    x = rng.standard_normal((batch, height, width, channels))
    cols_shape = im2col(x, kernel, stride).shape
    c = rng.standard_normal(cols_shape)
    left = np.sum(im2col(x, kernel, stride) * c)
    right = np.sum(x * col2im(c, x.shape, stride))
    assert left == pytest.approx(right, rel=1e-12)


def test_pad_nhwc_fills_border_and_keeps_interior(rng):
    x = rng.standard_normal((2, 3, 4, 5))
    padded = pad_nhwc(x, (1, 2), value=-1.0)
    assert padded.shape == (2, 5, 8, 5)
    np.testing.assert_array_equal(padded[:, 1:4, 2:6, :], x)
    assert np.all(padded[:, 0] == -1.0) and np.all(padded[:, :, :2] == -1.0)


@pytest.mark.parametrize("value, expected", [(3, (3, 3)), ((2, 5), (2, 5)), ([1, 4], (1, 4))])
def test_as_pair_accepts_int_or_pair(value, expected):
    assert as_pair(value) == expected


@pytest.mark.parametrize("value", [1.5, (1, 2, 3), "3", True])
def test_as_pair_rejects_other_values(value):
    with pytest.raises(TypeError, match="int or a pair"):
        as_pair(value, "kernel_size")


@pytest.mark.parametrize("size, kernel, stride, padding", [(7, 3, 1, 1), (8, 4, 2, 1), (9, 3, 2, 0), (5, 5, 3, 2)])
def test_the_transposed_output_size_inverts_the_convolution_output_size(size, kernel, stride, padding):
    out = conv_output_size(size, kernel, stride, padding)
    # Every input length a strided conv maps onto ``out`` lies in
    # [back, back + stride - 1]; output_padding picks one of them.
    back = conv_transpose_output_size(out, kernel, stride, padding)
    assert back <= size <= back + stride - 1
    assert conv_transpose_output_size(out, kernel, stride, padding, output_padding=size - back) == size
    assert conv_output_size(back, kernel, stride, padding) == out


@pytest.mark.torch
@pytest.mark.parametrize(
    "shape, kernel, stride, padding, output_padding",
    [((7, 6), (3, 3), (1, 1), (1, 0), (0, 0)), ((5, 4), (4, 3), (2, 3), (1, 1), (1, 2))],
)
def test_two_dimensional_sizes_match_pytorch(torch, shape, kernel, stride, padding, output_padding):
    x = torch.zeros((1, 1, *shape))
    conv = torch.nn.Conv2d(1, 1, kernel, stride, padding)
    up = torch.nn.ConvTranspose2d(1, 1, kernel, stride, padding, output_padding)
    assert conv_output_hw(shape, kernel, stride, padding) == tuple(conv(x).shape[2:])
    assert conv_transpose_output_hw(shape, kernel, stride, padding, output_padding) == tuple(up(x).shape[2:])
