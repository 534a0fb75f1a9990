"""Tests of ``classroom.nn.gradcheck``: it passes correct gradients and catches wrong ones."""

import numpy as np
import pytest

from classroom.nn.gradcheck import GradientCheckReport, check_module_gradients, numerical_gradient
from classroom.nn import Linear, Module, Parameter, ReLU, Sequential, Tanh


def test_numerical_gradient_of_known_function_is_exact_to_rounding(rng):
    x = rng.standard_normal((3, 4))
    original = x.copy()
    gradient = numerical_gradient(lambda v: np.sum(np.sin(v) * v), x)
    np.testing.assert_allclose(gradient, np.cos(original) * original + np.sin(original), rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(x, original)  # restored after nudging


def test_numerical_gradient_requires_an_ndarray():
    with pytest.raises(TypeError, match="must be an ndarray"):
        numerical_gradient(lambda v: v, 1.0)


def test_check_module_gradients_passes_for_a_correct_network_and_reports_every_tensor(rng):
    model = Sequential(Linear(4, 5, rng=rng), Tanh(), Linear(5, 3, rng=rng)).double()
    report = check_module_gradients(model, rng.standard_normal((2, 4)), rng=rng)
    assert isinstance(report, GradientCheckReport)
    assert report.passed
    assert [check.name for check in report.checks] == ["input", "0.weight", "0.bias", "2.weight", "2.bias"]
    assert report["0.weight"].max_abs_error < 1e-7
    assert "0.weight" in str(report)


class LinearWithWrongWeightGradient(Linear):
    """A classic bug: a stray factor in the weight gradient (the bias and input gradients are right)."""

    def backward(self, grad_output):
        x = self._input
        self.weight.grad += (grad_output.T @ x) * 0.5  # forgot a factor
        self.bias.grad += grad_output.sum(axis=0)
        return grad_output @ self.weight.data


class ScaleWithForgottenInputGradient(Module):
    """y = w * x with a backward that returns dL/dy instead of dL/dx."""

    def __init__(self):
        super().__init__()
        self.w = Parameter(np.array([2.0, -3.0]))

    def forward(self, x):
        self._x = x
        return x * self.w.data

    def backward(self, grad_output):
        self.w.grad += np.sum(grad_output * self._x, axis=0)
        return grad_output  # bug: should be grad_output * self.w.data


def test_check_module_gradients_fails_on_a_wrong_parameter_gradient_and_names_it(rng):
    layer = LinearWithWrongWeightGradient(3, 2, rng=rng, dtype=np.float64)
    expected_message = r"gradient check failed for 'weight' \(shape \(2, 3\)\) at index"
    with pytest.raises(AssertionError, match=expected_message):
        check_module_gradients(layer, rng.standard_normal((4, 3)), rng=rng)


def test_check_module_gradients_fails_on_a_wrong_input_gradient_and_names_it(rng):
    with pytest.raises(AssertionError, match="gradient check failed for 'input'"):
        check_module_gradients(ScaleWithForgottenInputGradient(), rng.standard_normal((3, 2)), rng=rng)


def test_check_module_gradients_can_report_without_raising(rng):
    report = check_module_gradients(
        ScaleWithForgottenInputGradient(), rng.standard_normal((3, 2)), rng=rng, raise_on_failure=False
    )
    assert not report.passed
    assert not report["input"].passed
    assert report["w"].passed
    assert report["input"].max_abs_error > 0.5


def test_check_module_gradients_requires_float64_input(rng):
    layer = Linear(3, 2, rng=rng, dtype=np.float64)
    with pytest.raises(TypeError, match=r"float64 input, got float32"):
        check_module_gradients(layer, rng.standard_normal((2, 3)).astype(np.float32))


def test_check_module_gradients_requires_float64_parameters(rng):
    layer = Linear(3, 2, rng=rng)  # float32 by default
    with pytest.raises(TypeError, match=r"'weight' is float32; call module.double\(\)"):
        check_module_gradients(layer, rng.standard_normal((2, 3)))


def test_check_module_gradients_leaves_input_untouched(rng):
    model = Sequential(Linear(3, 3, rng=rng), ReLU()).double()
    x = rng.standard_normal((2, 3))
    original = x.copy()
    check_module_gradients(model, x, rng=rng)
    np.testing.assert_array_equal(x, original)
