"""``classroom.autograd.nn``: layers on the engine, checked against PyTorch and the hand-written layers."""

from __future__ import annotations

import numpy as np
import pytest

import classroom.nn as handwritten
from classroom.autograd import Tensor
from classroom.autograd.nn import MLP, Linear, cross_entropy
from classroom.optim import SGD, Adam


@pytest.mark.parametrize("in_features, out_features", [(1, 1), (5, 3), (784, 10)])
def test_linear_initialisation_follows_pytorch_bounds(in_features, out_features, rng):
    layer = Linear(in_features, out_features, rng=rng)
    bound = 1 / np.sqrt(in_features)
    assert layer.weight.shape == (out_features, in_features)
    assert layer.bias.shape == (out_features,)
    assert layer.weight.dtype == np.float32
    assert np.all(np.abs(layer.weight.data) <= bound) and np.all(np.abs(layer.bias.data) <= bound)
    assert layer.weight.requires_grad and layer.bias.requires_grad


def test_linear_forward_is_x_times_weight_transposed_plus_bias(rng):
    layer = Linear(4, 3, rng=rng, dtype=np.float64)
    x = rng.normal(size=(5, 4))
    np.testing.assert_allclose(layer(x).data, x @ layer.weight.data.T + layer.bias.data, rtol=1e-12)


def test_linear_without_bias_has_one_parameter(rng):
    layer = Linear(4, 3, bias=False, rng=rng)
    assert layer.bias is None
    assert layer.parameters() == [layer.weight]
    assert layer(np.ones((2, 4))).shape == (2, 3)


def test_linear_names_expected_and_actual_input_shapes(rng):
    with pytest.raises(ValueError, match=r"Linear\(784, 10\) expects input of shape \(batch, 784\), got \(32, 785\)"):
        Linear(784, 10, rng=rng)(np.ones((32, 785), dtype=np.float32))


@pytest.mark.parametrize("sizes", [[0, 3], [3]])
def test_bad_sizes_are_rejected(sizes, rng):
    with pytest.raises(ValueError):
        MLP(sizes, rng=rng)


def test_mlp_parameters_are_weight_then_bias_per_layer(rng):
    model = MLP([4, 8, 8, 3], rng=rng)
    parameters = model.parameters()
    assert [p.shape for p in parameters] == [(8, 4), (8,), (8, 8), (8,), (3, 8), (3,)]
    assert parameters[0] is model.layers[0].weight


def test_model_zero_grad_clears_every_gradient(rng):
    model = MLP([4, 8, 3], rng=rng)
    cross_entropy(model(rng.normal(size=(6, 4))), np.array([0, 1, 2, 0, 1, 2])).backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


@pytest.mark.parametrize(
    "labels, message",
    [(np.array([0, 1]), "shape"), (np.array([0.0, 1.0, 2.0]), "integer"), (np.array([0, 1, 3]), "0..2")],
)
def test_cross_entropy_rejects_bad_labels(labels, message):
    with pytest.raises(ValueError, match=message):
        cross_entropy(Tensor(np.zeros((3, 3))), labels)


@pytest.mark.torch
@pytest.mark.parametrize("batch, classes", [(1, 2), (7, 5), (32, 10)])
def test_cross_entropy_matches_pytorch(batch, classes, rng, torch):
    logits = rng.normal(size=(batch, classes)) * 3
    labels = rng.integers(0, classes, size=batch)
    engine_logits = Tensor(logits, requires_grad=True)
    loss = cross_entropy(engine_logits, labels)
    loss.backward()
    torch_logits = torch.tensor(logits, requires_grad=True)
    torch_loss = torch.nn.functional.cross_entropy(torch_logits, torch.tensor(labels))
    torch_loss.backward()
    assert loss.item() == pytest.approx(torch_loss.item(), rel=1e-12)
    np.testing.assert_allclose(engine_logits.grad, torch_logits.grad.numpy(), rtol=1e-10, atol=1e-14)


def twin_models(sizes, rng):
    """The same float64 MLP twice: hand-written ``classroom.nn`` layers and engine layers."""
    layers = []
    for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(handwritten.Linear(fan_in, fan_out, rng=rng, dtype=np.float64))
        if index < len(sizes) - 2:
            layers.append(handwritten.ReLU())
    reference = handwritten.Sequential(*layers)
    engine_model = MLP(sizes, rng=rng, dtype=np.float64)
    for engine_layer, reference_layer in zip(engine_model.layers, reference.layers[::2]):
        engine_layer.weight.data[...] = reference_layer.weight.data
        engine_layer.bias.data[...] = reference_layer.bias.data
    return reference, engine_model


@pytest.mark.parametrize("sizes, batch", [([3, 2], 4), ([5, 7, 3], 6), ([10, 16, 8, 4], 9)])
def test_engine_gradients_equal_hand_written_layers(sizes, batch, rng):
    reference, engine_model = twin_models(sizes, rng)
    x = rng.normal(size=(batch, sizes[0]))
    labels = rng.integers(0, sizes[-1], size=batch)

    loss_fn = handwritten.CrossEntropyLoss()
    reference_loss = loss_fn(reference(x), labels)
    reference.backward(loss_fn.backward())

    engine_loss = cross_entropy(engine_model(x), labels)
    engine_loss.backward()

    assert engine_loss.item() == pytest.approx(reference_loss, abs=1e-10)
    for engine_parameter, reference_parameter in zip(engine_model.parameters(), reference.parameters()):
        np.testing.assert_allclose(engine_parameter.grad, reference_parameter.grad, rtol=0, atol=1e-10)


@pytest.mark.parametrize(
    "optimizer_class, settings",
    [(SGD, {"lr": 0.1, "momentum": 0.9}), (Adam, {"lr": 0.01}), (Adam, {"lr": 0.01, "weight_decay": 0.1})],
    ids=["SGD-momentum", "Adam", "Adam-weight-decay"],
)
def test_classroom_optimizers_train_engine_parameters_like_hand_written_ones(optimizer_class, settings, rng):
    reference, engine_model = twin_models([6, 12, 3], rng)
    reference_optimizer = optimizer_class(reference.parameters(), **settings)
    engine_optimizer = optimizer_class(engine_model.parameters(), **settings)
    x = rng.normal(size=(10, 6))
    labels = rng.integers(0, 3, size=10)
    loss_fn = handwritten.CrossEntropyLoss()
    for _ in range(5):
        reference_optimizer.zero_grad()
        loss_fn(reference(x), labels)
        reference.backward(loss_fn.backward())
        reference_optimizer.step()

        engine_model.zero_grad()
        cross_entropy(engine_model(x), labels).backward()
        engine_optimizer.step()
    for engine_parameter, reference_parameter in zip(engine_model.parameters(), reference.parameters()):
        np.testing.assert_allclose(engine_parameter.data, reference_parameter.data, rtol=0, atol=1e-10)


def test_optimizer_skips_engine_parameters_without_gradient(rng):
    model = MLP([3, 2], rng=rng)
    before = [p.data.copy() for p in model.parameters()]
    SGD(model.parameters(), lr=1.0).step()
    for parameter, value in zip(model.parameters(), before):
        assert parameter.grad is None
        np.testing.assert_array_equal(parameter.data, value)


def test_cross_entropy_accepts_plain_array_logits():
    logits = np.array([[2.0, 0.0], [0.0, 2.0]])
    loss = cross_entropy(logits, np.array([0, 1]))
    assert loss.item() == pytest.approx(np.log(1 + np.exp(-2.0)))
