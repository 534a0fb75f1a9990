"""Tests of the activation layers: gradients, PyTorch parity and input errors."""

import numpy as np
import pytest

from classroom.nn.gradcheck import check_module_gradients
from classroom.nn import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh

ACTIVATIONS = {
    "relu": (lambda: ReLU(), lambda torch: torch.nn.ReLU()),
    "leaky_relu": (lambda: LeakyReLU(), lambda torch: torch.nn.LeakyReLU()),
    "leaky_relu_0.2": (lambda: LeakyReLU(0.2), lambda torch: torch.nn.LeakyReLU(0.2)),
    "sigmoid": (lambda: Sigmoid(), lambda torch: torch.nn.Sigmoid()),
    "tanh": (lambda: Tanh(), lambda torch: torch.nn.Tanh()),
    "softmax_last": (lambda: Softmax(), lambda torch: torch.nn.Softmax(dim=-1)),
    "softmax_dim0": (lambda: Softmax(dim=0), lambda torch: torch.nn.Softmax(dim=0)),
    "softmax_dim1": (lambda: Softmax(dim=1), lambda torch: torch.nn.Softmax(dim=1)),
}


def _input_away_from_kinks(rng, shape):
    """Random values at least 0.1 away from 0, where ReLU's derivative jumps."""
    x = rng.standard_normal(shape)
    return np.where(np.abs(x) < 0.1, np.sign(x + 1e-12) * 0.1 + x, x)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 4)])
def test_activation_backward_matches_finite_differences(name, shape, rng):
    layer = ACTIVATIONS[name][0]()
    check_module_gradients(layer, _input_away_from_kinks(rng, shape), rng=rng)


@pytest.mark.torch
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_forward_and_backward_match_pytorch(name, rng, torch):
    make_ours, make_theirs = ACTIVATIONS[name]
    layer, reference = make_ours(), make_theirs(torch)
    x = rng.standard_normal((3, 4, 5)) * 3
    x[0, 0, :2] = 0.0  # the derivative convention at exactly 0 matters too
    grad_output = rng.standard_normal(x.shape)

    x_torch = torch.from_numpy(x).requires_grad_(True)
    output_torch = reference(x_torch)
    output_torch.backward(torch.from_numpy(grad_output))

    np.testing.assert_allclose(layer(x), output_torch.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(layer.backward(grad_output), x_torch.grad.numpy(), rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_keeps_float32_dtype(name, rng):
    layer = ACTIVATIONS[name][0]()
    x = rng.standard_normal((3, 4)).astype(np.float32)
    output = layer(x)
    assert output.dtype == np.float32
    assert layer.backward(np.ones_like(output)).dtype == np.float32


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_backward_before_forward_raises_runtime_error(name):
    layer = ACTIVATIONS[name][0]()
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones((2, 3)))


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_integer_input_raises_type_error(name):
    layer = ACTIVATIONS[name][0]()
    with pytest.raises(TypeError, match="int64"):
        layer(np.arange(6, dtype=np.int64).reshape(2, 3))


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_gradient_of_wrong_shape_names_both_shapes(name, rng):
    layer = ACTIVATIONS[name][0]()
    layer(rng.standard_normal((2, 3)))
    with pytest.raises(ValueError, match=r"\(2, 3\).*got \(3, 2\)"):
        layer.backward(np.ones((3, 2)))


def test_softmax_rows_sum_to_one_even_for_huge_logits():
    probabilities = Softmax()(np.array([[1e4, 0.0, -1e4], [5.0, 5.0, 5.0]]))
    assert np.all(np.isfinite(probabilities))
    np.testing.assert_allclose(probabilities.sum(axis=1), [1.0, 1.0])
    np.testing.assert_allclose(probabilities[1], [1 / 3] * 3)


def test_softmax_dim_out_of_range_raises():
    with pytest.raises(ValueError, match=r"dim=2.*\(2, 3\)"):
        Softmax(dim=2)(np.zeros((2, 3)))


def test_sigmoid_saturates_without_overflow_warnings():
    with np.errstate(over="raise"):
        output = Sigmoid()(np.array([-1e4, 0.0, 1e4]))
    np.testing.assert_array_equal(output, [0.0, 0.5, 1.0])
