"""Skipping the first layer's input gradient keeps every parameter gradient the same."""

import numpy as np
import pytest

from classroom.nn import Conv2d, CrossEntropyLoss, Flatten, Linear, ReLU, Sequential


def _parameter_gradients(model, inputs, labels):
    model.zero_grad()
    loss_fn = CrossEntropyLoss()
    loss_fn(model(inputs), labels)
    returned = model.backward(loss_fn.backward())
    return returned, [parameter.grad.copy() for parameter in model.parameters()]


def _mlp(seed):
    rng = np.random.default_rng(seed)
    return Sequential(Linear(6, 5, rng=rng, dtype=np.float64), ReLU(), Linear(5, 3, rng=rng, dtype=np.float64))


def _cnn(seed):
    rng = np.random.default_rng(seed)
    return Sequential(
        Conv2d(2, 3, 3, padding=1, rng=rng, dtype=np.float64), ReLU(), Flatten(),
        Linear(3 * 5 * 5, 3, rng=rng, dtype=np.float64),
    )


@pytest.mark.parametrize("build, input_shape", [(_mlp, (4, 6)), (_cnn, (4, 2, 5, 5))])
def test_first_layer_without_input_gradient_gives_the_same_parameter_gradients(build, input_shape, rng):
    inputs = rng.normal(size=input_shape)
    labels = rng.integers(0, 3, size=input_shape[0])
    full_model, lean_model = build(1), build(1)
    lean_model[0].input_requires_grad = False

    full_input_grad, full_grads = _parameter_gradients(full_model, inputs, labels)
    lean_input_grad, lean_grads = _parameter_gradients(lean_model, inputs, labels)

    assert full_input_grad.shape == input_shape
    assert lean_input_grad is None
    for full, lean in zip(full_grads, lean_grads):
        np.testing.assert_array_equal(full, lean)


def test_a_middle_layer_without_input_gradient_is_refused_with_a_clear_error(rng):
    model = _mlp(0)
    model[2].input_requires_grad = False
    loss_fn = CrossEntropyLoss()
    loss_fn(model(rng.normal(size=(4, 6))), np.array([0, 1, 2, 0]))
    with pytest.raises(RuntimeError, match="only the first layer may skip"):
        model.backward(loss_fn.backward())
