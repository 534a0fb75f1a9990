"""Tests of ``classroom.models.mlp.MLP``."""

import numpy as np
import pytest

from classroom.nn.gradcheck import check_module_gradients
from classroom.models.mlp import MLP
from classroom.nn import CrossEntropyLoss, Dropout, Linear, Sequential, Tanh
from classroom.optim import SGD


def test_weekend_one_network_has_pytorch_style_parameter_names(rng):
    model = MLP(784, [128], 10, rng=rng)
    assert isinstance(model, Sequential)
    assert {name: parameter.shape for name, parameter in model.named_parameters()} == {
        "0.weight": (128, 784),
        "0.bias": (128,),
        "2.weight": (10, 128),
        "2.bias": (10,),
    }
    assert model(np.zeros((5, 784), dtype=np.float32)).shape == (5, 10)


def test_mlp_with_dropout_and_tanh_builds_the_expected_layers(rng):
    model = MLP(6, [5, 4], 3, activation="tanh", dropout=0.2, rng=rng)
    kinds = [type(layer) for layer in model]
    assert kinds == [Linear, Tanh, Dropout, Linear, Tanh, Dropout, Linear]


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh", "sigmoid"])
def test_mlp_backward_matches_finite_differences(activation, rng):
    model = MLP(4, [5, 3], 2, activation=activation, rng=rng, dtype=np.float64)
    check_module_gradients(model, rng.standard_normal((3, 4)), rng=rng)


def test_mlp_same_seed_gives_same_weights():
    first = MLP(5, [4], 2, rng=np.random.default_rng(1))
    second = MLP(5, [4], 2, rng=np.random.default_rng(1))
    for (name, a), (_, b) in zip(first.state_dict().items(), second.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_mlp_learns_synthetic_xor(rng):
    # Synthetic data: XOR of the signs of two coordinates, not linearly separable.
    X = rng.uniform(-1, 1, size=(256, 2)).astype(np.float32)
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(np.int64)
    model = MLP(2, [16], 2, rng=rng)
    loss_fn = CrossEntropyLoss()
    optimizer = SGD(model.parameters(), lr=0.5, momentum=0.9)
    for _ in range(300):
        optimizer.zero_grad()
        loss_fn(model(X), y)
        model.backward(loss_fn.backward())
        optimizer.step()
    accuracy = np.mean(model(X).argmax(axis=1) == y)
    assert accuracy > 0.95


def test_mlp_rejects_an_int_for_hidden_sizes():
    with pytest.raises(TypeError, match=r"write \[128\]"):
        MLP(784, 128, 10)


def test_mlp_rejects_unknown_activation():
    with pytest.raises(ValueError, match="'gelu'"):
        MLP(4, [3], 2, activation="gelu")
