"""The graph machinery of the engine: reuse, depth, accumulation, errors and ``no_grad``."""

from __future__ import annotations

import numpy as np
import pytest

from classroom.autograd import Tensor, no_grad, unbroadcast


def test_node_used_twice_accumulates_both_gradients():
    a = Tensor(3.0, requires_grad=True)
    (a * a + a).backward()
    assert a.grad == pytest.approx(2 * 3.0 + 1)


def test_diamond_graph_adds_gradients_of_both_paths(rng):
    x_value = rng.normal(size=(2, 3))
    x = Tensor(x_value, requires_grad=True)
    shared = x * 2.0
    (shared.tanh() + shared * shared).sum().backward()
    expected = 2.0 * (1 - np.tanh(2 * x_value) ** 2) + 2.0 * 2 * (2 * x_value)
    np.testing.assert_allclose(x.grad, expected, rtol=1e-12)


def test_intermediate_results_keep_their_gradients():
    a = Tensor(2.0, requires_grad=True)
    b = a * 3.0
    c = b * b
    c.backward()
    assert b.grad == pytest.approx(2 * 6.0)
    assert a.grad == pytest.approx(2 * 6.0 * 3.0)


@pytest.mark.timeout(60)
def test_chain_of_100000_operations_runs_without_recursion_error():
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.backward()
    assert y.item() == 100_001.0
    assert x.grad == 1.0


def test_repeated_backward_adds_up_until_zero_grad():
    w = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    for _ in range(2):
        (w * w).sum().backward()
    np.testing.assert_allclose(w.grad, 2 * 2 * w.data)
    w.zero_grad()
    assert w.grad is None


def test_backward_twice_through_the_same_graph_gives_the_same_leaf_gradient_each_time():
    w = Tensor(np.array([0.5, 1.5]), requires_grad=True)
    loss = (w.exp() * w).sum()
    loss.backward()
    first = w.grad.copy()
    w.zero_grad()
    loss.backward()
    np.testing.assert_allclose(w.grad, first)


def test_inputs_without_requires_grad_get_no_gradient(rng):
    weight = Tensor(rng.normal(size=(3, 2)), requires_grad=True)
    inputs = Tensor(rng.normal(size=(4, 3)))
    (inputs @ weight).sum().backward()
    assert inputs.grad is None
    assert weight.grad.shape == (3, 2)


def test_backward_of_non_scalar_without_grad_says_to_pass_grad():
    x = Tensor(np.ones((3, 4)), requires_grad=True)
    with pytest.raises(ValueError, match=r"\(3, 4\).*grad="):
        (x * 2.0).backward()


def test_backward_of_non_scalar_with_seed_grad_uses_it(rng):
    x = Tensor(rng.normal(size=(3, 4)), requires_grad=True)
    seed = rng.normal(size=(3, 4))
    (x * 2.0).backward(seed)
    np.testing.assert_allclose(x.grad, 2.0 * seed)


def test_backward_with_wrong_seed_shape_names_both_shapes():
    x = Tensor(np.ones((3, 4)), requires_grad=True)
    with pytest.raises(ValueError, match=r"\(3, 4\).*\(4, 3\)"):
        (x * 2.0).backward(np.ones((4, 3)))


def test_backward_on_a_constant_explains_requires_grad():
    with pytest.raises(RuntimeError, match="requires_grad"):
        (Tensor(2.0) * 3.0).backward()


def test_no_grad_records_no_graph_and_restores_recording():
    w = Tensor(np.ones(3), requires_grad=True)
    with no_grad():
        inside = w * 2.0
    after = w * 2.0
    assert not inside.requires_grad and inside.parents == ()
    assert after.requires_grad and after.parents[0] is w


def test_no_grad_restores_recording_after_an_exception():
    w = Tensor(1.0, requires_grad=True)
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            raise ZeroDivisionError
    assert (w * 2.0).requires_grad


def test_array_on_the_left_returns_a_tensor_with_gradient(rng):
    w = Tensor(rng.normal(size=(3,)), requires_grad=True)
    out = np.arange(3.0) * w
    assert isinstance(out, Tensor)
    out.sum().backward()
    np.testing.assert_allclose(w.grad, np.arange(3.0))


def test_numbers_and_integer_arrays_take_the_tensor_dtype():
    x = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    assert (x + np.arange(3)).dtype == np.float32
    assert (2 * x - 1).dtype == np.float32
    assert Tensor(3).dtype == np.float64


def test_pow_with_a_tensor_exponent_is_a_clear_type_error():
    with pytest.raises(TypeError, match="number exponent"):
        Tensor(2.0) ** Tensor(3.0)


@pytest.mark.parametrize("left, right", [((3, 4), (5, 2)), ((4,), (3,)), ((2, 3), (2,)), ((), (3,))])
def test_matmul_with_mismatched_shapes_names_both_shapes(left, right):
    with pytest.raises(ValueError, match="cannot matmul shapes"):
        Tensor(np.ones(left)) @ Tensor(np.ones(right))


@pytest.mark.parametrize(
    "grad_shape, target_shape, expected",
    [((3, 4), (3, 4), np.ones((3, 4))), ((3, 4), (1, 4), np.full((1, 4), 3.0)), ((3, 4), (4,), np.full(4, 3.0)),
     ((2, 3, 4), (3, 1), np.full((3, 1), 8.0)), ((3, 4), (), np.array(12.0))],
)
def test_unbroadcast_sums_over_broadcast_axes(grad_shape, target_shape, expected):
    result = unbroadcast(np.ones(grad_shape), target_shape)
    assert result.shape == target_shape
    np.testing.assert_allclose(result, expected)


def test_index_with_repeated_integers_adds_gradient_per_occurrence():
    x = Tensor(np.zeros(4), requires_grad=True)
    x[np.array([1, 1, 3, 1])].sum().backward()
    np.testing.assert_allclose(x.grad, [0.0, 3.0, 0.0, 1.0])


def test_index_with_a_boolean_mask_routes_gradient_to_selected_entries():
    x = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    x[x.data > 0].sum().backward()
    np.testing.assert_allclose(x.grad, [1.0, 0.0, 1.0])


def test_sigmoid_and_log_softmax_do_not_overflow_on_large_inputs():
    x = Tensor(np.array([[-1000.0, 0.0, 1000.0]]), requires_grad=True)
    assert np.all(np.isfinite(x.sigmoid().data))
    log_probabilities = x.log_softmax()
    assert np.all(np.isfinite(log_probabilities.data[:, 1:]))
    log_probabilities[:, 2].sum().backward()
    assert np.all(np.isfinite(x.grad))
