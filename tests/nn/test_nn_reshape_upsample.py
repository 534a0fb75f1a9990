"""Tests of ``classroom.nn.Unflatten``: finite differences, PyTorch parity, errors."""

from __future__ import annotations

import numpy as np
import pytest

from classroom.nn.gradcheck import check_module_gradients
from classroom.nn import Flatten, Unflatten

# (input shape, dim, unflattened_size)
CASES = [
    ((2, 12), 1, (3, 4)),
    ((3, 32), 1, (2, 4, 4)),
    ((2, 6, 5), -1, (5, 1)),
    ((4, 2, 6), 2, (2, 3)),
]


@pytest.mark.parametrize("shape, dim, sizes", CASES)
def test_unflatten_backward_matches_finite_differences(shape, dim, sizes):
    rng = np.random.default_rng(11)
    report = check_module_gradients(Unflatten(dim, sizes), rng.standard_normal(shape), rng=rng)
    assert report.passed


@pytest.mark.torch
@pytest.mark.parametrize("shape, dim, sizes", CASES)
def test_unflatten_matches_pytorch(torch, shape, dim, sizes):
    rng = np.random.default_rng(12)
    x = rng.standard_normal(shape)
    layer = Unflatten(dim, sizes)
    x_torch = torch.from_numpy(x.copy()).requires_grad_()
    out_torch = torch.nn.Unflatten(dim, sizes)(x_torch)
    out = layer(x)
    np.testing.assert_array_equal(out, out_torch.detach().numpy())
    grad_output = rng.standard_normal(out.shape)
    out_torch.backward(torch.from_numpy(grad_output))
    np.testing.assert_array_equal(layer.backward(grad_output), x_torch.grad.numpy())


def test_unflatten_undoes_flatten_and_keeps_dtype(rng):
    images = rng.standard_normal((2, 3, 4, 4)).astype(np.float32)
    flat = Flatten()(images)
    restored = Unflatten(1, (3, 4, 4))(flat)
    assert restored.dtype == np.float32
    np.testing.assert_array_equal(restored, images)


def test_unflatten_rejects_a_size_that_does_not_divide(rng):
    with pytest.raises(ValueError, match=r"dimension 1 of size 12 \(= 3 \* 4\)"):
        Unflatten(1, (3, 4))(rng.standard_normal((2, 10)))


def test_unflatten_rejects_a_missing_dimension(rng):
    with pytest.raises(ValueError, match="no dimension 3"):
        Unflatten(3, (2, 2))(rng.standard_normal((2, 4)))


def test_unflatten_rejects_empty_or_non_positive_sizes():
    with pytest.raises(ValueError, match="positive sizes"):
        Unflatten(1, ())
    with pytest.raises(ValueError, match="positive sizes"):
        Unflatten(1, (0, 4))


def test_unflatten_backward_before_forward_is_a_clear_error():
    with pytest.raises(RuntimeError, match="before forward"):
        Unflatten(1, (2, 2)).backward(np.zeros((1, 2, 2)))


def test_unflatten_backward_checks_the_gradient_shape(rng):
    layer = Unflatten(1, (2, 2))
    layer(rng.standard_normal((3, 4)))
    with pytest.raises(ValueError, match=r"\(3, 2, 2\)"):
        layer.backward(np.zeros((3, 4)))
