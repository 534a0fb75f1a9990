"""ConvTranspose2d: finite differences, PyTorch parity (incl. stride 2 + output_padding), errors."""

from __future__ import annotations

import numpy as np
import pytest
from gradient_helpers import assert_gradients_match_torch, copy_parameters_to_torch, to_torch

from classroom.nn.gradcheck import check_module_gradients
from classroom.nn.conv_transpose import ConvTranspose2d

# (batch, in_channels, out_channels, height, width, kernel, stride, padding, output_padding, bias)
CASES = [
    (2, 2, 3, 3, 4, 3, 1, 0, 0, True),
    (1, 3, 2, 3, 3, 4, 2, 1, 0, True),
    (2, 2, 2, 3, 2, 3, 2, 1, 1, True),
    (1, 2, 3, 2, 3, (3, 2), (2, 3), (1, 0), (1, 2), False),
]

PARITY_CASES = CASES + [
    (4, 16, 8, 8, 8, 4, 2, 1, 0, True),  # the VAE decoder's doubling step
    (2, 5, 3, 5, 7, 3, 2, 1, 1, True),
    (2, 3, 4, 4, 4, 5, 3, 2, 2, True),
]


@pytest.mark.parametrize("batch, cin, cout, height, width, kernel, stride, padding, extra, bias", CASES)
def test_conv_transpose2d_backward_matches_finite_differences(batch, cin, cout, height, width, kernel, stride, padding, extra, bias):
    rng = np.random.default_rng(3)
    layer = ConvTranspose2d(cin, cout, kernel, stride, padding, extra, bias, rng=rng, dtype=np.float64)
    x = rng.standard_normal((batch, cin, height, width))
    assert check_module_gradients(layer, x, rng=rng).passed


@pytest.mark.torch
@pytest.mark.parametrize("batch, cin, cout, height, width, kernel, stride, padding, extra, bias", PARITY_CASES)
def test_conv_transpose2d_matches_pytorch(torch, batch, cin, cout, height, width, kernel, stride, padding, extra, bias):
    rng = np.random.default_rng(4)
    layer = ConvTranspose2d(cin, cout, kernel, stride, padding, extra, bias, rng=rng, dtype=np.float64)
    reference = torch.nn.ConvTranspose2d(cin, cout, kernel, stride, padding, extra, bias=bias).double()
    assert tuple(reference.weight.shape) == layer.weight.shape
    copy_parameters_to_torch(torch, layer, reference)
    x = rng.standard_normal((batch, cin, height, width))
    x_torch = to_torch(torch, x).requires_grad_()

    out = layer(x)
    out_torch = reference(x_torch)
    assert out.shape == tuple(out_torch.shape)
    np.testing.assert_allclose(out, out_torch.detach().numpy(), rtol=1e-10, atol=1e-10)

    grad_output = rng.standard_normal(out.shape)
    grad_input = layer.backward(grad_output)
    out_torch.backward(to_torch(torch, grad_output))
    np.testing.assert_allclose(grad_input, x_torch.grad.numpy(), rtol=1e-10, atol=1e-10)
    assert_gradients_match_torch(torch, layer, reference)


def test_conv_transpose2d_doubles_the_image_size(rng):
    layer = ConvTranspose2d(8, 4, kernel_size=4, stride=2, padding=1, rng=rng)
    out = layer(rng.standard_normal((2, 8, 7, 7)).astype(np.float32))
    assert out.shape == (2, 4, 14, 14) and out.dtype == np.float32


def test_conv_transpose2d_initialisation_uses_pytorch_fan_in():
    layer = ConvTranspose2d(16, 4, 3, rng=np.random.default_rng(0))
    bound = 1 / np.sqrt(4 * 3 * 3)  # PyTorch computes fan_in from weight.shape[1]
    assert layer.weight.shape == (16, 4, 3, 3)
    assert bound * 0.9 < np.abs(layer.weight.data).max() <= bound


def test_conv_transpose2d_rejects_output_padding_not_smaller_than_stride():
    with pytest.raises(ValueError, match="smaller than stride"):
        ConvTranspose2d(2, 2, 3, stride=2, output_padding=2)


def test_conv_transpose2d_rejects_wrong_channels(rng):
    layer = ConvTranspose2d(3, 2, 3, rng=rng)
    with pytest.raises(ValueError, match=r"got \(1, 4, 5, 5\): 4 channels instead of 3"):
        layer(np.zeros((1, 4, 5, 5), dtype=np.float32))


def test_conv_transpose2d_rejects_padding_that_empties_the_output(rng):
    layer = ConvTranspose2d(3, 2, 1, padding=1, rng=rng)
    with pytest.raises(ValueError, match="empty output"):
        layer(np.zeros((1, 3, 1, 1), dtype=np.float32))
