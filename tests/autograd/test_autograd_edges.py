"""Edge cases where the engine must agree with PyTorch (each failed before its fix)."""

from __future__ import annotations

import numpy as np
import pytest

from classroom.autograd import Tensor


def test_the_gradient_of_x_to_the_zero_is_zero_even_at_zero():
    w = Tensor(np.array([0.0, 2.0]), requires_grad=True)
    (w**0).sum().backward()
    np.testing.assert_array_equal(w.grad, [0.0, 0.0])  # was [nan, 0.]: 0 * 0**-1


def test_the_mean_of_nothing_is_nan_with_a_warning_as_in_numpy():
    with pytest.warns(RuntimeWarning):
        value = Tensor(np.zeros((0, 3))).mean()
    assert np.isnan(value.data)  # was 0.0
    with pytest.warns(RuntimeWarning):
        per_column = Tensor(np.zeros((0, 3))).mean(axis=0)
    assert per_column.shape == (3,) and np.all(np.isnan(per_column.data))


def test_every_intermediate_gradient_is_its_own_writable_array():
    a = Tensor(np.ones(3), requires_grad=True)
    b, c = a * 2.0, a * 3.0
    d = b + c
    seed = np.ones(3)
    d.backward(seed)
    assert b.grad is not c.grad and c.grad is not d.grad and d.grad is not seed
    b.grad += 1  # was: changed c.grad, d.grad and the caller's seed too
    np.testing.assert_array_equal(c.grad, np.ones(3))
    np.testing.assert_array_equal(seed, np.ones(3))
    s = a * 1.0
    s.sum().backward()
    s.grad += 1  # was: "output array is read-only" (a broadcast view)
    np.testing.assert_array_equal(s.grad, [2.0, 2.0, 2.0])


def test_a_number_to_the_power_of_a_tensor():
    x = Tensor(np.array([1.0, 2.0, -0.5]), requires_grad=True)
    y = 2**x  # was TypeError: no __rpow__
    y.sum().backward()
    np.testing.assert_allclose(y.data, 2.0 ** np.array([1.0, 2.0, -0.5]))
    np.testing.assert_allclose(x.grad, 2.0 ** x.data * np.log(2.0))


def test_the_edge_cases_match_pytorch(torch):
    w = torch.tensor([0.0, 2.0], dtype=torch.float64, requires_grad=True)
    (w**0).sum().backward()
    ours = Tensor(np.array([0.0, 2.0]), requires_grad=True)
    (ours**0).sum().backward()
    np.testing.assert_array_equal(ours.grad, w.grad.numpy())

    x = torch.tensor([1.0, 2.0, -0.5], dtype=torch.float64, requires_grad=True)
    (2**x).sum().backward()
    mine = Tensor(np.array([1.0, 2.0, -0.5]), requires_grad=True)
    (2**mine).sum().backward()
    np.testing.assert_allclose(mine.grad, x.grad.numpy(), rtol=1e-12)
    assert np.isnan(torch.zeros((0, 3), dtype=torch.float64).mean().item())


def test_the_gradient_of_a_scalar_leaf_is_a_writable_array_as_torch_grad_is():
    scale = Tensor(2.0, requires_grad=True)
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    for passes in (1, 2):  # the first gradient, then the sum of two
        (x * scale).sum().backward()
        assert isinstance(scale.grad, np.ndarray) and scale.grad.shape == ()  # was numpy.float64
        assert scale.grad.flags.writeable and scale.grad == 6.0 * passes
    scale.grad[...] = 0.0  # was TypeError: 'numpy.float64' object does not support item assignment
    assert scale.grad == 0.0
