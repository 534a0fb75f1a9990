"""Every engine operation against finite differences (float64) and against PyTorch autograd.

Each case is an expression of one or more random inputs (synthetic data, seeded).
The scalar that is differentiated is ``sum(output * weights)`` with random
``weights``, so every entry of the output gradient is different and a
transposed or mis-broadcast gradient cannot pass by symmetry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

from classroom.autograd import Tensor


@dataclass
class OpCase:
    """One expression, the shapes of its inputs, and the same expression in PyTorch."""

    name: str
    shapes: tuple
    engine: Callable
    torch: Callable
    domain: str = "away_from_zero"  # or "positive"


CASES = [
    # element-wise binary operations, with and without broadcasting
    OpCase("add", ((3, 4), (3, 4)), lambda a, b: a + b, lambda a, b: a + b),
    OpCase("add_broadcast_column_row", ((3, 1), (1, 4)), lambda a, b: a + b, lambda a, b: a + b),
    OpCase("add_broadcast_leading_axes", ((2, 3, 4), (4,)), lambda a, b: a + b, lambda a, b: a + b),
    OpCase("sub_broadcast", ((2, 3), (3,)), lambda a, b: a - b, lambda a, b: a - b),
    OpCase("mul", ((3, 4), (3, 4)), lambda a, b: a * b, lambda a, b: a * b),
    OpCase("mul_broadcast_vector", ((5, 4), (4,)), lambda a, b: a * b, lambda a, b: a * b),
    OpCase("mul_broadcast_scalar_tensor", ((5, 4), ()), lambda a, b: a * b, lambda a, b: a * b),
    OpCase("div", ((3, 4), (3, 4)), lambda a, b: a / b, lambda a, b: a / b, "positive"),
    OpCase("div_broadcast_column", ((3, 4), (3, 1)), lambda a, b: a / b, lambda a, b: a / b, "positive"),
    # operations with Python numbers, including the reflected forms
    OpCase("add_number", ((3, 4),), lambda a: a + 2.5, lambda a: a + 2.5),
    OpCase("radd_number", ((3, 4),), lambda a: 2.5 + a, lambda a: 2.5 + a),
    OpCase("sub_number", ((3, 4),), lambda a: a - 1.5, lambda a: a - 1.5),
    OpCase("rsub_number", ((3, 4),), lambda a: 1.5 - a, lambda a: 1.5 - a),
    OpCase("mul_number", ((3, 4),), lambda a: a * 3.0, lambda a: a * 3.0),
    OpCase("rmul_number", ((3, 4),), lambda a: 3.0 * a, lambda a: 3.0 * a),
    OpCase("div_number", ((3, 4),), lambda a: a / 4.0, lambda a: a / 4.0),
    OpCase("rdiv_number", ((3, 4),), lambda a: 2.0 / a, lambda a: 2.0 / a, "positive"),
    OpCase("neg", ((3, 4),), lambda a: -a, lambda a: -a),
    OpCase("pow_square", ((3, 4),), lambda a: a**2, lambda a: a**2),
    OpCase("pow_cube_int", ((3, 4),), lambda a: a**3, lambda a: a**3),
    OpCase("pow_sqrt", ((3, 4),), lambda a: a**0.5, lambda a: a**0.5, "positive"),
    OpCase("pow_negative", ((3, 4),), lambda a: a**-1.5, lambda a: a**-1.5, "positive"),
    # matrix products: 2-D, batched, broadcast batches, vectors
    OpCase("matmul_2d", ((3, 4), (4, 5)), lambda a, b: a @ b, lambda a, b: a @ b),
    OpCase("matmul_batched", ((2, 3, 4), (2, 4, 5)), lambda a, b: a @ b, lambda a, b: a @ b),
    OpCase("matmul_batch_times_matrix", ((2, 3, 4), (4, 5)), lambda a, b: a @ b, lambda a, b: a @ b),
    OpCase("matmul_broadcast_batches", ((2, 1, 3, 4), (3, 4, 2)), lambda a, b: a @ b, lambda a, b: a @ b),
    OpCase("matmul_vector_matrix", ((4,), (4, 5)), lambda a, b: a @ b, lambda a, b: a @ b),
    OpCase("matmul_matrix_vector", ((3, 4), (4,)), lambda a, b: a @ b, lambda a, b: a @ b),
    OpCase("matmul_vector_vector", ((4,), (4,)), lambda a, b: a @ b, lambda a, b: a @ b),
    OpCase("matmul_vector_batch", ((4,), (2, 4, 3)), lambda a, b: a @ b, lambda a, b: a @ b),
    OpCase("matmul_batch_vector", ((2, 3, 4), (4,)), lambda a, b: a @ b, lambda a, b: a @ b),
    # reductions
    OpCase("sum_all", ((3, 4),), lambda a: a.sum(), lambda a: a.sum()),
    OpCase("sum_axis0", ((3, 4),), lambda a: a.sum(axis=0), lambda a: a.sum(dim=0)),
    OpCase("sum_negative_axis", ((2, 3, 4),), lambda a: a.sum(axis=-1), lambda a: a.sum(dim=-1)),
    OpCase(
        "sum_axes_keepdims", ((2, 3, 4),),
        lambda a: a.sum(axis=(0, 2), keepdims=True), lambda a: a.sum(dim=(0, 2), keepdim=True),
    ),
    OpCase("sum_all_keepdims", ((2, 3),), lambda a: a.sum(keepdims=True), lambda a: a.sum(dim=(0, 1), keepdim=True)),
    OpCase("mean_all", ((3, 4),), lambda a: a.mean(), lambda a: a.mean()),
    OpCase("mean_axis1", ((3, 4),), lambda a: a.mean(axis=1), lambda a: a.mean(dim=1)),
    OpCase(
        "mean_axes_keepdims", ((2, 3, 4),),
        lambda a: a.mean(axis=(-1, -2), keepdims=True), lambda a: a.mean(dim=(-1, -2), keepdim=True),
    ),
    # shapes
    OpCase("reshape", ((3, 4),), lambda a: a.reshape(2, 6), lambda a: a.reshape(2, 6)),
    OpCase("reshape_tuple_infer", ((2, 3, 4),), lambda a: a.reshape((4, -1)), lambda a: a.reshape(4, -1)),
    OpCase("transpose", ((3, 4),), lambda a: a.transpose(), lambda a: a.T),
    OpCase("transpose_property", ((3, 4),), lambda a: a.T, lambda a: a.T),
    OpCase("transpose_axes", ((2, 3, 4),), lambda a: a.transpose(1, 2, 0), lambda a: a.permute(1, 2, 0)),
    # indexing
    OpCase("index_integer", ((3, 4),), lambda a: a[1], lambda a: a[1]),
    OpCase("index_slice", ((3, 4),), lambda a: a[:, 1:3], lambda a: a[:, 1:3]),
    OpCase("index_negative_step", ((5,),), lambda a: a[::-2], lambda a: a.flip(0)[::2]),
    OpCase(
        "index_repeated_rows", ((3, 4),),
        lambda a: a[np.array([0, 2, 2, 0])], lambda a: a[[0, 2, 2, 0]],
    ),
    OpCase(
        "index_pick_per_row", ((3, 4),),
        lambda a: a[np.arange(3), np.array([1, 0, 1])], lambda a: a[[0, 1, 2], [1, 0, 1]],
    ),
    # element-wise functions
    OpCase("exp", ((3, 4),), lambda a: a.exp(), lambda a: a.exp()),
    OpCase("log", ((3, 4),), lambda a: a.log(), lambda a: a.log(), "positive"),
    OpCase("tanh", ((3, 4),), lambda a: a.tanh(), lambda a: a.tanh()),
    OpCase("relu", ((3, 4),), lambda a: a.relu(), lambda a: a.relu()),
    OpCase("sigmoid", ((3, 4),), lambda a: a.sigmoid(), lambda a: a.sigmoid()),
    OpCase("log_softmax_last_axis", ((3, 5),), lambda a: a.log_softmax(), lambda a: a.log_softmax(dim=-1)),
    OpCase("log_softmax_axis0", ((3, 5),), lambda a: a.log_softmax(axis=0), lambda a: a.log_softmax(dim=0)),
    # a composite expression that reuses an input
    OpCase(
        "composite_reuse", ((3, 4), (4,)),
        lambda a, b: ((a * b).tanh() + a.exp() / (1.0 + b**2)).sum(axis=1),
        lambda a, b: ((a * b).tanh() + a.exp() / (1.0 + b**2)).sum(dim=1),
    ),
]


def make_inputs(case: OpCase, rng: np.random.Generator) -> list[np.ndarray]:
    """Random float64 inputs; kept away from 0 (kinks of relu) or positive where the op needs it."""
    arrays = []
    for shape in case.shapes:
        values = rng.normal(size=shape)
        if case.domain == "positive":
            values = np.abs(values) + 0.5
        else:
            values = np.sign(values) * (np.abs(values) + 0.1)
        arrays.append(np.asarray(values, dtype=np.float64))
    return arrays


def engine_value_and_grads(case: OpCase, arrays, output_weights=None):
    """Run the case on the engine; return (output, weights, gradients of sum(output * weights))."""
    tensors = [Tensor(array.copy(), requires_grad=True) for array in arrays]
    output = case.engine(*tensors)
    if output_weights is None:
        output_weights = np.random.default_rng(1).normal(size=output.shape)
    (output * output_weights).sum().backward()
    return output.data, output_weights, [tensor.grad for tensor in tensors]


def numerical_gradients(case: OpCase, arrays, output_weights, step=1e-6):
    """Central finite differences of sum(output * weights), one input entry at a time."""
    def scalar(values):
        return float((case.engine(*[Tensor(v) for v in values]).data * output_weights).sum())

    gradients = []
    for which, array in enumerate(arrays):
        gradient = np.zeros_like(array)
        for position in np.ndindex(array.shape):
            shifted_up = [a.copy() for a in arrays]
            shifted_down = [a.copy() for a in arrays]
            shifted_up[which][position] += step
            shifted_down[which][position] -= step
            gradient[position] = (scalar(shifted_up) - scalar(shifted_down)) / (2 * step)
        gradients.append(gradient)
    return gradients


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_op_gradient_matches_finite_differences(case, rng):
    arrays = make_inputs(case, rng)
    _, weights, gradients = engine_value_and_grads(case, arrays)
    expected = numerical_gradients(case, arrays, weights)
    for gradient, array, numeric in zip(gradients, arrays, expected):
        assert gradient.shape == array.shape
        assert gradient.dtype == np.float64
        np.testing.assert_allclose(gradient, numeric, rtol=1e-6, atol=1e-7)


@pytest.mark.torch
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_op_forward_and_backward_match_pytorch(case, rng, torch):
    arrays = make_inputs(case, rng)
    output, weights, gradients = engine_value_and_grads(case, arrays)
    torch_inputs = [torch.tensor(array, dtype=torch.float64, requires_grad=True) for array in arrays]
    torch_output = case.torch(*torch_inputs)
    (torch_output * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(output, torch_output.detach().numpy(), rtol=1e-12, atol=1e-12)
    for gradient, torch_input in zip(gradients, torch_inputs):
        np.testing.assert_allclose(gradient, torch_input.grad.numpy(), rtol=1e-10, atol=1e-12)


OPERATORS = {"add", "sub", "mul", "div", "matmul"}
BINARY_OPERATOR_CASES = [c for c in CASES if len(c.shapes) == 2 and c.name.split("_")[0] in OPERATORS]


@pytest.mark.parametrize("case", BINARY_OPERATOR_CASES, ids=lambda c: c.name)
def test_op_accepts_plain_arrays_on_either_side(case, rng):
    left, right = make_inputs(case, rng)
    expected = case.engine(Tensor(left), Tensor(right)).data
    with_array_right = case.engine(Tensor(left), right)
    with_array_left = case.engine(left, Tensor(right))
    assert isinstance(with_array_right, Tensor) and isinstance(with_array_left, Tensor)
    np.testing.assert_allclose(with_array_right.data, expected, rtol=1e-12)
    np.testing.assert_allclose(with_array_left.data, expected, rtol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_op_keeps_float32(case, rng):
    arrays = [array.astype(np.float32) for array in make_inputs(case, rng)]
    tensors = [Tensor(array, requires_grad=True) for array in arrays]
    output = case.engine(*tensors)
    assert output.dtype == np.float32
    output.sum().backward()
    assert all(tensor.grad.dtype == np.float32 for tensor in tensors)


@pytest.mark.parametrize("case", BINARY_OPERATOR_CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("constant_side", [0, 1], ids=["left_constant", "right_constant"])
def test_op_gradient_is_unchanged_when_the_other_input_is_a_constant(case, constant_side, rng):
    arrays = make_inputs(case, rng)
    _, weights, both_gradients = engine_value_and_grads(case, arrays)
    tensors = [Tensor(array, requires_grad=index != constant_side) for index, array in enumerate(arrays)]
    (case.engine(*tensors) * weights).sum().backward()
    assert tensors[constant_side].grad is None
    variable_side = 1 - constant_side
    np.testing.assert_allclose(tensors[variable_side].grad, both_gradients[variable_side], rtol=1e-12)
