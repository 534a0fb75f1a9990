"""Conv2d: finite differences, PyTorch parity, errors, dtype and initialisation."""

from __future__ import annotations

import numpy as np
import pytest
from gradient_helpers import assert_gradients_match_torch, copy_parameters_to_torch, to_torch

from classroom.nn.gradcheck import check_module_gradients
from classroom.nn.conv import Conv2d

# (batch, in_channels, out_channels, height, width, kernel_size, stride, padding, bias)
SMALL_CASES = [
    (2, 2, 3, 5, 5, 3, 1, 1, True),
    (1, 3, 2, 6, 5, 3, 2, 0, True),
    (2, 1, 2, 5, 6, (2, 3), (1, 2), (1, 0), False),
    (1, 2, 2, 7, 7, 5, 2, 2, True),
    (3, 2, 1, 4, 4, 1, 1, 0, True),
]

PARITY_CASES = [
    (4, 3, 8, 32, 32, 3, 1, 1, True),
    (2, 5, 7, 9, 11, 3, 2, 1, True),
    (3, 4, 6, 10, 7, (3, 2), (2, 1), (0, 1), False),
    (2, 6, 4, 13, 13, 5, 3, 2, True),
    (2, 8, 16, 8, 8, 1, 1, 0, True),
    (1, 2, 3, 6, 6, 3, 1, 2, True),  # padding == kernel - 1
    (2, 3, 5, 7, 7, 4, 1, 0, True),  # even kernel
]


@pytest.mark.parametrize("batch, cin, cout, height, width, kernel, stride, padding, bias", SMALL_CASES)
def test_conv2d_backward_matches_finite_differences(batch, cin, cout, height, width, kernel, stride, padding, bias):
    rng = np.random.default_rng(1)
    conv = Conv2d(cin, cout, kernel, stride, padding, bias, rng=rng, dtype=np.float64)
    x = rng.standard_normal((batch, cin, height, width))
    report = check_module_gradients(conv, x, rng=rng)
    assert report.passed


@pytest.mark.torch
@pytest.mark.parametrize("batch, cin, cout, height, width, kernel, stride, padding, bias", PARITY_CASES)
def test_conv2d_forward_and_backward_match_pytorch(torch, batch, cin, cout, height, width, kernel, stride, padding, bias):
    rng = np.random.default_rng(2)
    conv = Conv2d(cin, cout, kernel, stride, padding, bias, rng=rng, dtype=np.float64)
    reference = torch.nn.Conv2d(cin, cout, kernel, stride, padding, bias=bias).double()
    copy_parameters_to_torch(torch, conv, reference)
    x = rng.standard_normal((batch, cin, height, width))
    x_torch = to_torch(torch, x).requires_grad_()

    out = conv(x)
    out_torch = reference(x_torch)
    np.testing.assert_allclose(out, out_torch.detach().numpy(), rtol=1e-10, atol=1e-10)

    grad_output = rng.standard_normal(out.shape)
    grad_input = conv.backward(grad_output)
    out_torch.backward(to_torch(torch, grad_output))
    np.testing.assert_allclose(grad_input, x_torch.grad.numpy(), rtol=1e-10, atol=1e-10)
    assert_gradients_match_torch(torch, conv, reference)


def test_conv2d_backward_adds_to_existing_parameter_gradients(rng):
    conv = Conv2d(2, 3, 3, padding=1, rng=rng, dtype=np.float64)
    x = rng.standard_normal((2, 2, 5, 5))
    grad_output = rng.standard_normal((2, 3, 5, 5))
    conv(x)
    conv.backward(grad_output)
    once = conv.weight.grad.copy(), conv.bias.grad.copy()
    conv(x)
    conv.backward(grad_output)
    np.testing.assert_allclose(conv.weight.grad, 2 * once[0])
    np.testing.assert_allclose(conv.bias.grad, 2 * once[1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv2d_keeps_dtype_and_nchw_shape(rng, dtype):
    conv = Conv2d(3, 4, 3, stride=2, padding=1, rng=rng, dtype=dtype)
    x = rng.standard_normal((2, 3, 9, 9)).astype(dtype)
    out = conv(x)
    assert out.shape == (2, 4, 5, 5) and out.dtype == dtype
    grad_input = conv.backward(np.ones_like(out))
    assert grad_input.shape == x.shape and grad_input.dtype == dtype
    assert conv.weight.grad.dtype == dtype


def test_conv2d_output_is_channels_last_memory(rng):
    # The NCHW-shaped output is a view of NHWC memory, so the next layer can
    # read it as channels-last without copying.
    conv = Conv2d(3, 4, 3, padding=1, rng=rng)
    out = conv(rng.standard_normal((2, 3, 6, 6)).astype(np.float32))
    assert out.transpose(0, 2, 3, 1).flags["C_CONTIGUOUS"]


def test_conv2d_initialisation_follows_pytorch_bounds():
    conv = Conv2d(16, 32, 3, rng=np.random.default_rng(0))
    bound = 1 / np.sqrt(16 * 3 * 3)
    assert conv.weight.shape == (32, 16, 3, 3) and conv.bias.shape == (32,)
    assert np.abs(conv.weight.data).max() <= bound
    assert np.abs(conv.weight.data).max() > 0.9 * bound  # uses the whole range
    assert conv.weight.data.dtype == np.float32


def test_conv2d_is_reproducible_with_a_seeded_rng():
    first = Conv2d(3, 4, 3, rng=np.random.default_rng(5))
    second = Conv2d(3, 4, 3, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(first.weight.data, second.weight.data)


@pytest.mark.parametrize(
    "shape, message",
    [
        ((3, 8, 8), r"\(batch, channels, height, width\) with channels=3, got \(3, 8, 8\); add a batch axis"),
        ((2, 4, 8, 8), r"got \(2, 4, 8, 8\): 4 channels instead of 3"),
        ((2, 3, 2, 8), r"padded image \(2x8\) is smaller than the 3x3 window"),
    ],
)
def test_conv2d_rejects_bad_input_shapes_with_clear_message(rng, shape, message):
    conv = Conv2d(3, 4, 3, rng=rng)
    with pytest.raises(ValueError, match=message):
        conv(np.zeros(shape, dtype=np.float32))


def test_conv2d_rejects_mismatched_dtype(rng):
    conv = Conv2d(3, 4, 3, rng=rng)
    with pytest.raises(TypeError, match="float64 input"):
        conv(np.zeros((1, 3, 5, 5)))


def test_conv2d_rejects_integer_images(rng):
    conv = Conv2d(3, 4, 3, rng=rng)
    with pytest.raises(TypeError, match="astype"):
        conv(np.zeros((1, 3, 5, 5), dtype=np.uint8))


def test_conv2d_backward_before_forward_raises(rng):
    conv = Conv2d(3, 4, 3, rng=rng)
    with pytest.raises(RuntimeError, match="forward"):
        conv.backward(np.zeros((1, 4, 3, 3), dtype=np.float32))


def test_conv2d_backward_rejects_wrong_gradient_shape(rng):
    conv = Conv2d(3, 4, 3, rng=rng)
    conv(np.zeros((1, 3, 5, 5), dtype=np.float32))
    with pytest.raises(ValueError, match=r"expects grad_output of shape \(1, 4, 3, 3\)"):
        conv.backward(np.zeros((1, 4, 5, 5), dtype=np.float32))


@pytest.mark.parametrize("kwargs", [{"kernel_size": 0}, {"kernel_size": 3, "stride": 0}, {"kernel_size": 3, "padding": -1}])
def test_conv2d_rejects_invalid_hyperparameters(kwargs):
    with pytest.raises(ValueError, match="Conv2d needs"):
        Conv2d(3, 4, **kwargs)


def test_conv2d_state_dict_round_trip(rng):
    conv = Conv2d(3, 4, 3, rng=rng)
    other = Conv2d(3, 4, 3, rng=np.random.default_rng(99))
    other.load_state_dict(conv.state_dict())
    x = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    np.testing.assert_array_equal(other(x), conv(x))
