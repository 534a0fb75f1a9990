"""Tests of ``Linear``: gradients, PyTorch parity, initialisation and input errors."""

import math

import numpy as np
import pytest

from classroom.nn.gradcheck import check_module_gradients
from classroom.nn import Linear, Parameter


@pytest.mark.parametrize(
    "input_shape, out_features, bias",
    [((4, 3), 2, True), ((1, 5), 1, True), ((3, 2), 4, False), ((2, 3, 4), 3, True)],
)
def test_linear_backward_matches_finite_differences(input_shape, out_features, bias, rng):
    layer = Linear(input_shape[-1], out_features, bias=bias, rng=rng, dtype=np.float64)
    x = rng.standard_normal(input_shape)
    report = check_module_gradients(layer, x, rng=rng)
    expected_names = ["input", "weight", "bias"] if bias else ["input", "weight"]
    assert [check.name for check in report.checks] == expected_names


@pytest.mark.torch
@pytest.mark.parametrize("bias", [True, False])
def test_linear_forward_and_backward_match_pytorch(bias, rng, torch):
    layer = Linear(5, 3, bias=bias, rng=rng, dtype=np.float64)
    x = rng.standard_normal((4, 5))
    grad_output = rng.standard_normal((4, 3))

    reference = torch.nn.Linear(5, 3, bias=bias, dtype=torch.float64)
    with torch.no_grad():
        reference.weight.copy_(torch.from_numpy(layer.weight.data))
        if bias:
            reference.bias.copy_(torch.from_numpy(layer.bias.data))
    x_torch = torch.from_numpy(x).requires_grad_(True)
    output_torch = reference(x_torch)
    output_torch.backward(torch.from_numpy(grad_output))

    output = layer(x)
    grad_input = layer.backward(grad_output)
    np.testing.assert_allclose(output, output_torch.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(grad_input, x_torch.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.weight.grad, reference.weight.grad.numpy(), rtol=1e-12)
    if bias:
        np.testing.assert_allclose(layer.bias.grad, reference.bias.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("in_features, out_features", [(4, 0), (0, 3)])
def test_linear_with_zero_features_has_empty_gradients_of_the_right_shape(in_features, out_features, rng):
    layer = Linear(in_features, out_features, rng=rng, dtype=np.float64)
    output = layer(rng.standard_normal((2, in_features)))
    grad_input = layer.backward(np.ones((2, out_features)))  # was: cannot reshape array of size 0
    assert output.shape == (2, out_features) and grad_input.shape == (2, in_features)
    assert layer.weight.grad.shape == (out_features, in_features)
    np.testing.assert_array_equal(layer.bias.grad, np.full(out_features, 2.0))  # as torch.nn.Linear


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors is a no-op")
@pytest.mark.parametrize("in_features, out_features", [(4, 0), (0, 3)])
def test_linear_with_zero_features_matches_pytorch(in_features, out_features, rng, torch):
    layer = Linear(in_features, out_features, rng=rng, dtype=np.float64)
    reference = torch.nn.Linear(in_features, out_features, dtype=torch.float64)
    with torch.no_grad():
        reference.bias.copy_(torch.from_numpy(layer.bias.data))
    x = rng.standard_normal((2, in_features))
    x_torch = torch.from_numpy(x).requires_grad_(True)
    output_torch = reference(x_torch)
    output_torch.backward(torch.ones_like(output_torch))
    np.testing.assert_array_equal(layer(x), output_torch.detach().numpy())
    np.testing.assert_array_equal(layer.backward(np.ones((2, out_features))), x_torch.grad.numpy())
    np.testing.assert_array_equal(layer.weight.grad, reference.weight.grad.numpy())
    np.testing.assert_array_equal(layer.bias.grad, reference.bias.grad.numpy())

def test_linear_initialisation_is_uniform_within_pytorch_bound(rng):
    layer = Linear(400, 300, rng=rng)
    bound = 1 / math.sqrt(400)
    for values in (layer.weight.data, layer.bias.data):
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.95 * bound
    # U(-b, b) has standard deviation b / sqrt(3).
    assert layer.weight.data.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert layer.weight.data.shape == (300, 400)
    assert layer.weight.data.dtype == np.float32


def test_linear_same_rng_seed_gives_same_weights():
    first = Linear(6, 4, rng=np.random.default_rng(3))
    second = Linear(6, 4, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(first.weight.data, second.weight.data)
    np.testing.assert_array_equal(first.bias.data, second.bias.data)


def test_linear_keeps_float32_dtype(rng):
    layer = Linear(3, 2, rng=rng)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    output = layer(x)
    grad_input = layer.backward(np.ones_like(output))
    assert output.dtype == np.float32
    assert grad_input.dtype == np.float32
    assert layer.weight.grad.dtype == np.float32


def test_linear_backward_adds_to_existing_gradients(rng):
    layer = Linear(3, 2, rng=rng, dtype=np.float64)
    x = rng.standard_normal((4, 3))
    grad_output = rng.standard_normal((4, 2))
    layer(x)
    layer.backward(grad_output)
    once = layer.weight.grad.copy()
    layer.backward(grad_output)
    np.testing.assert_allclose(layer.weight.grad, 2 * once)


def test_linear_wrong_input_shape_names_expected_and_actual_shapes(rng):
    layer = Linear(784, 10, rng=rng)
    expected_message = r"Linear\(784, 10\) expects input of shape \(batch, 784\), got \(32, 785\)"
    with pytest.raises(ValueError, match=expected_message):
        layer(np.zeros((32, 785), dtype=np.float32))


def test_linear_integer_input_raises_type_error_with_fix(rng):
    layer = Linear(3, 2, rng=rng)
    with pytest.raises(TypeError, match=r"floating-point.*int64.*astype"):
        layer(np.zeros((2, 3), dtype=np.int64))


def test_linear_input_dtype_different_from_weights_raises(rng):
    layer = Linear(3, 2, rng=rng)  # float32 weights
    with pytest.raises(TypeError, match=r"float32 parameters but got float64 input"):
        layer(np.zeros((2, 3), dtype=np.float64))


def test_linear_backward_before_forward_raises_runtime_error(rng):
    layer = Linear(3, 2, rng=rng)
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.zeros((2, 2), dtype=np.float32))


def test_linear_backward_with_wrong_gradient_shape_names_both_shapes(rng):
    layer = Linear(3, 2, rng=rng, dtype=np.float64)
    layer(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"\(4, 2\).*got \(4, 3\)"):
        layer.backward(np.zeros((4, 3)))


def test_linear_without_bias_has_only_weight_parameter(rng):
    layer = Linear(3, 2, bias=False, rng=rng)
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    assert isinstance(layer.weight, Parameter)
    assert "bias=False" in repr(layer)
