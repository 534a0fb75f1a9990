"""Tests of ``Dropout`` and ``Flatten``."""

import numpy as np
import pytest

from classroom.nn.gradcheck import check_module_gradients
from classroom.nn import Dropout, Flatten, Module


class FixedMaskDropout(Module):
    """Wrap a Dropout so every forward pass draws the same mask (seeded anew each call).

    That makes dropout a deterministic function of its input, so finite
    differences can check its backward pass.
    """

    def __init__(self, p):
        super().__init__()
        self.dropout = Dropout(p)

    def forward(self, x):
        self.dropout.rng = np.random.default_rng(1234)
        return self.dropout(x)

    def backward(self, grad_output):
        return self.dropout.backward(grad_output)


@pytest.mark.parametrize("p", [0.0, 0.3, 0.5, 0.9])
@pytest.mark.parametrize("shape", [(4, 6), (2, 3, 5)])
def test_dropout_backward_matches_finite_differences(p, shape, rng):
    check_module_gradients(FixedMaskDropout(p), rng.standard_normal(shape), rng=rng)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_zeroes_a_fraction_p_and_rescales_survivors(p, rng):
    layer = Dropout(p, rng=rng)
    x = np.ones((200, 500))
    output = layer(x)
    dropped_fraction = np.mean(output == 0)
    assert dropped_fraction == pytest.approx(p, abs=0.01)
    np.testing.assert_allclose(output[output != 0], 1 / (1 - p))
    # Inverted dropout keeps the expected activation.
    assert output.mean() == pytest.approx(1.0, abs=0.02)


def test_dropout_is_identity_in_eval_mode(rng):
    layer = Dropout(0.5, rng=rng).eval()
    x = rng.standard_normal((3, 4))
    np.testing.assert_array_equal(layer(x), x)
    grad = rng.standard_normal((3, 4))
    np.testing.assert_array_equal(layer.backward(grad), grad)


def test_dropout_with_p_one_zeroes_everything(rng):
    layer = Dropout(1.0, rng=rng)
    output = layer(np.ones((2, 3)))
    np.testing.assert_array_equal(output, np.zeros((2, 3)))
    np.testing.assert_array_equal(layer.backward(np.ones((2, 3))), np.zeros((2, 3)))


def test_dropout_keeps_float32_dtype(rng):
    output = Dropout(0.5, rng=rng)(np.ones((4, 4), dtype=np.float32))
    assert output.dtype == np.float32


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_probability_outside_unit_interval_raises(p):
    with pytest.raises(ValueError, match="between 0 and 1"):
        Dropout(p)


def test_dropout_backward_before_forward_raises_runtime_error():
    with pytest.raises(RuntimeError, match="before forward"):
        Dropout().backward(np.ones(3))


@pytest.mark.torch
def test_dropout_matches_pytorch_in_eval_mode_and_in_expectation(rng, torch):
    x = rng.standard_normal((64, 64))
    reference = torch.nn.Dropout(0.25)
    reference.eval()
    np.testing.assert_array_equal(Dropout(0.25, rng=rng).eval()(x), reference(torch.from_numpy(x)).numpy())
    reference.train()
    theirs = reference(torch.from_numpy(np.ones((64, 64)))).numpy()
    ours = Dropout(0.25, rng=rng)(np.ones((64, 64)))
    # Same survivor value 1 / (1 - p) in both.
    np.testing.assert_allclose(np.unique(ours[ours != 0]), np.unique(theirs[theirs != 0]))


@pytest.mark.parametrize(
    "shape, start_dim, end_dim, expected",
    [
        ((2, 3, 4, 5), 1, -1, (2, 60)),
        ((2, 3, 4, 5), 2, 3, (2, 3, 20)),
        ((2, 3, 4, 5), 0, 1, (6, 4, 5)),
        ((2, 3), 1, -1, (2, 3)),
    ],
)
def test_flatten_output_shape_and_backward_restores_input_shape(shape, start_dim, end_dim, expected, rng):
    layer = Flatten(start_dim, end_dim)
    x = rng.standard_normal(shape)
    output = layer(x)
    assert output.shape == expected
    np.testing.assert_array_equal(output.ravel(), x.ravel())
    assert layer.backward(np.ones(expected)).shape == shape


@pytest.mark.parametrize("shape", [(2, 3, 2), (3, 2, 2, 2)])
def test_flatten_backward_matches_finite_differences(shape, rng):
    check_module_gradients(Flatten(), rng.standard_normal(shape), rng=rng)


@pytest.mark.torch
@pytest.mark.parametrize("start_dim, end_dim", [(1, -1), (2, 3), (0, 2)])
def test_flatten_matches_pytorch(start_dim, end_dim, rng, torch):
    x = rng.standard_normal((2, 3, 4, 5))
    grad_output_shape = torch.nn.Flatten(start_dim, end_dim)(torch.from_numpy(x)).shape
    grad_output = rng.standard_normal(tuple(grad_output_shape))
    x_torch = torch.from_numpy(x).requires_grad_(True)
    torch.nn.Flatten(start_dim, end_dim)(x_torch).backward(torch.from_numpy(grad_output))
    layer = Flatten(start_dim, end_dim)
    expected = torch.nn.Flatten(start_dim, end_dim)(torch.from_numpy(x)).numpy()
    np.testing.assert_array_equal(layer(x), expected)
    np.testing.assert_array_equal(layer.backward(grad_output), x_torch.grad.numpy())


def test_flatten_start_dim_beyond_input_raises_with_shape():
    with pytest.raises(ValueError, match=r"\(4,\)"):
        Flatten()(np.zeros(4))


def test_flatten_backward_with_wrong_gradient_shape_raises(rng):
    layer = Flatten()
    layer(rng.standard_normal((2, 3, 4)))
    with pytest.raises(ValueError, match=r"\(2, 12\).*got \(2, 11\)"):
        layer.backward(np.ones((2, 11)))
