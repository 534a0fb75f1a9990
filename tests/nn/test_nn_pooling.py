"""MaxPool2d, AvgPool2d, AdaptiveAvgPool2d: finite differences, PyTorch parity, errors."""

from __future__ import annotations

import numpy as np
import pytest
from gradient_helpers import to_torch

from classroom.nn.gradcheck import check_module_gradients
from classroom.nn.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d

# (shape, kernel, stride, padding)
POOL_CASES = [
    ((2, 3, 8, 8), 2, None, 0),
    ((1, 2, 7, 9), 3, 2, 1),
    ((2, 2, 6, 5), (2, 3), (1, 2), (1, 1)),
    ((1, 3, 5, 5), 3, 1, 0),
    ((2, 2, 5, 7), 2, None, 0),  # odd size: the last row and column are not pooled
]


def distinct_values(rng, shape):
    """Synthetic input whose values are all different and well separated (no ties for max)."""
    values = rng.permutation(int(np.prod(shape))).astype(np.float64) * 0.1
    return values.reshape(shape)


@pytest.mark.parametrize("shape, kernel, stride, padding", POOL_CASES)
def test_max_pool2d_backward_matches_finite_differences(rng, shape, kernel, stride, padding):
    pool = MaxPool2d(kernel, stride, padding)
    assert check_module_gradients(pool, distinct_values(rng, shape), rng=rng).passed


@pytest.mark.parametrize("shape, kernel, stride, padding", POOL_CASES)
def test_avg_pool2d_backward_matches_finite_differences(rng, shape, kernel, stride, padding):
    pool = AvgPool2d(kernel, stride, padding)
    assert check_module_gradients(pool, rng.standard_normal(shape), rng=rng).passed


@pytest.mark.torch
@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("shape, kernel, stride, padding", POOL_CASES + [((4, 16, 32, 32), 2, 2, 0)])
def test_pool2d_matches_pytorch(torch, rng, kind, shape, kernel, stride, padding):
    x = rng.standard_normal(shape)
    if kind == "max":
        pool, reference = MaxPool2d(kernel, stride, padding), torch.nn.MaxPool2d(kernel, stride, padding)
    else:
        pool, reference = AvgPool2d(kernel, stride, padding), torch.nn.AvgPool2d(kernel, stride, padding)
    x_torch = to_torch(torch, x).requires_grad_()
    out, out_torch = pool(x), reference(x_torch)
    np.testing.assert_allclose(out, out_torch.detach().numpy(), rtol=1e-12, atol=1e-12)
    grad_output = rng.standard_normal(out.shape)
    out_torch.backward(to_torch(torch, grad_output))
    np.testing.assert_allclose(pool.backward(grad_output), x_torch.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.torch
def test_max_pool2d_gives_tied_gradient_to_first_maximum_like_pytorch(torch, rng):
    # After a ReLU many windows are all zeros: exactly one position must get the gradient.
    x = np.maximum(rng.standard_normal((2, 3, 6, 6)), 0.0)
    x[:, :, :2, :2] = 0.0
    x_torch = to_torch(torch, x).requires_grad_()
    pool = MaxPool2d(2)
    grad_output = rng.standard_normal((2, 3, 3, 3))
    pool(x)
    torch.nn.MaxPool2d(2)(x_torch).backward(to_torch(torch, grad_output))
    np.testing.assert_allclose(pool.backward(grad_output), x_torch.grad.numpy())


@pytest.mark.torch
@pytest.mark.parametrize("kernel, stride, padding", [(3, 2, 1), ((2, 3), (1, 2), (1, 1)), (3, 1, 0)])
def test_max_pool2d_ties_in_overlapping_windows_match_pytorch(torch, rng, kernel, stride, padding):
    # Rounded values give many ties inside and across overlapping windows.
    x = np.round(rng.standard_normal((2, 3, 7, 8)))
    pool, reference = MaxPool2d(kernel, stride, padding), torch.nn.MaxPool2d(kernel, stride, padding)
    x_torch = to_torch(torch, x).requires_grad_()
    out = pool(x)
    grad_output = rng.standard_normal(out.shape)
    reference(x_torch).backward(to_torch(torch, grad_output))
    np.testing.assert_allclose(pool.backward(grad_output), x_torch.grad.numpy())


def test_max_pool2d_sends_a_tied_windows_gradient_to_its_top_left_entry():
    pool = MaxPool2d(2)
    x = np.array([[[[1.0, 1.0, 0.0, 2.0], [1.0, 1.0, 2.0, 2.0]]]])  # synthetic ties
    pool(x)
    grad = pool.backward(np.array([[[[10.0, 20.0]]]]))
    expected = np.array([[[[10.0, 0.0, 0.0, 20.0], [0.0, 0.0, 0.0, 0.0]]]])
    np.testing.assert_array_equal(grad, expected)


@pytest.mark.parametrize("output_size, shape", [(1, (2, 3, 5, 5)), ((2, 3), (1, 2, 5, 7)), (3, (2, 2, 7, 6))])
def test_adaptive_avg_pool2d_backward_matches_finite_differences(rng, output_size, shape):
    assert check_module_gradients(AdaptiveAvgPool2d(output_size), rng.standard_normal(shape), rng=rng).passed


@pytest.mark.torch
@pytest.mark.parametrize("output_size, shape", [(1, (4, 8, 8, 8)), ((2, 3), (2, 3, 5, 7)), (3, (2, 2, 7, 6)), (4, (1, 2, 8, 8))])
def test_adaptive_avg_pool2d_matches_pytorch(torch, rng, output_size, shape):
    x = rng.standard_normal(shape)
    x_torch = to_torch(torch, x).requires_grad_()
    pool, reference = AdaptiveAvgPool2d(output_size), torch.nn.AdaptiveAvgPool2d(output_size)
    out, out_torch = pool(x), reference(x_torch)
    np.testing.assert_allclose(out, out_torch.detach().numpy(), rtol=1e-12, atol=1e-12)
    grad_output = rng.standard_normal(out.shape)
    out_torch.backward(to_torch(torch, grad_output))
    np.testing.assert_allclose(pool.backward(grad_output), x_torch.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("layer", [MaxPool2d(2), AvgPool2d(2), AdaptiveAvgPool2d(1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pooling_keeps_dtype(rng, layer, dtype):
    x = rng.standard_normal((2, 3, 4, 4)).astype(dtype)
    out = layer(x)
    assert out.dtype == dtype and layer.backward(np.ones_like(out)).dtype == dtype


def test_max_pool2d_rejects_too_small_input():
    with pytest.raises(ValueError, match=r"got input of shape \(1, 1, 1, 4\).*smaller than the 2x2 window"):
        MaxPool2d(2)(np.zeros((1, 1, 1, 4)))


def test_pooling_rejects_three_dimensional_input():
    with pytest.raises(ValueError, match=r"\(batch, channels, height, width\), got \(3, 4, 4\)"):
        AvgPool2d(2)(np.zeros((3, 4, 4)))


def test_max_pool2d_rejects_padding_larger_than_half_the_kernel():
    with pytest.raises(ValueError, match="half the kernel"):
        MaxPool2d(2, padding=2)
