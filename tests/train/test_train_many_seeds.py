"""train_seeds: many seeds of a tiny network at once, against the Sequential + SGD loop it stands for."""

from __future__ import annotations

import numpy as np
import pytest

from classroom.nn import BCEWithLogitsLoss, Linear, ReLU, Sequential, Sigmoid, Tanh
from classroom.optim import SGD
from classroom.train.many_seeds import train_seeds

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
Y = np.array([[0], [1], [1], [0]], dtype=np.float32)
LAYERS = {"tanh": Tanh, "sigmoid": Sigmoid, "relu": ReLU}


def reference(hidden_units, seed, steps, lr, activation="tanh", dtype=np.float32):
    """The loop of the XOR notebook: one Sequential, BCEWithLogitsLoss, SGD."""
    rng = np.random.default_rng(seed)
    model = Sequential(Linear(2, hidden_units, rng=rng, dtype=dtype), LAYERS[activation](),
                       Linear(hidden_units, 1, rng=rng, dtype=dtype))
    inputs, targets = X.astype(dtype), Y.astype(dtype)
    loss_fn = BCEWithLogitsLoss()
    optimizer = SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        model.backward(loss_fn.backward())
        optimizer.step()
        losses.append(float(loss))
    return model, np.array(losses)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_every_seed_matches_its_own_sequential_trained_by_sgd(activation):
    seeds = [0, 3, 11]
    runs = train_seeds(X, Y, hidden_units=3, seeds=seeds, steps=150, lr=0.5, activation=activation,
                       dtype=np.float64)
    for position, seed in enumerate(seeds):
        model, losses = reference(3, seed, 150, 0.5, activation, dtype=np.float64)
        np.testing.assert_allclose(runs.losses[:, position], losses, rtol=1e-9, atol=1e-12)
        state = model.state_dict()
        for key in ("0.weight", "0.bias", "2.weight", "2.bias"):
            np.testing.assert_allclose(runs.weights[key][position], state[key], rtol=1e-9, atol=1e-12, err_msg=key)
        np.testing.assert_allclose(runs.logits(X)[position], model(X.astype(np.float64)), rtol=1e-9, atol=1e-12)


def test_float32_runs_match_the_float32_notebook_loop():
    runs = train_seeds(X, Y[:, 0], hidden_units=4, seeds=[0], steps=400, lr=0.5)
    model, losses = reference(4, 0, 400, 0.5)
    assert runs.weights["0.weight"].dtype == np.float32
    np.testing.assert_allclose(runs.losses[:, 0], losses, rtol=1e-3, atol=1e-5)
    assert bool(runs.solved(X, Y)[0]) == bool(np.all((model(X) > 0) == (Y > 0.5)))


def test_a_first_step_of_gradient_descent_matches_finite_differences():
    """Oracle for the hand-written gradients: the first update is -lr * the numerical gradient."""
    lr = 1e-3
    before = train_seeds(X, Y, hidden_units=2, seeds=[5], steps=1, lr=lr, dtype=np.float64)
    rng = np.random.default_rng(5)
    first, second = Linear(2, 2, rng=rng, dtype=np.float64), Linear(2, 1, rng=rng, dtype=np.float64)
    start = {"0.weight": first.weight.data, "0.bias": first.bias.data,
             "2.weight": second.weight.data, "2.bias": second.bias.data}

    def loss(params):
        z = np.tanh(X @ params["0.weight"].T + params["0.bias"]) @ params["2.weight"].T + params["2.bias"]
        return float(np.mean(np.logaddexp(0, -z) * Y + np.logaddexp(0, z) * (1 - Y)))

    for key, value in start.items():
        numerical = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            shifted = {k: v.copy() for k, v in start.items()}
            shifted[key][index] += 1e-6
            up = loss(shifted)
            shifted[key][index] -= 2e-6
            numerical[index] = (up - loss(shifted)) / 2e-6
        np.testing.assert_allclose((value - before.weights[key][0]) / lr, numerical, rtol=1e-5, atol=1e-8, err_msg=key)


def test_one_hidden_unit_never_solves_xor_and_four_usually_do():
    one = train_seeds(X, Y, hidden_units=1, seeds=range(20), steps=2000)
    four = train_seeds(X, Y, hidden_units=4, seeds=range(20), steps=2000)
    assert not one.solved(X, Y).any() and np.all(one.first_solved == -1)
    assert four.solved(X, Y).sum() >= 18
    solved = four.solved(X, Y)
    assert np.all((four.first_solved[solved] >= 1) & (four.first_solved[solved] <= 2000))


def test_checkpoints_record_exactly_what_a_shorter_run_ends_with():
    long = train_seeds(X, Y, hidden_units=2, seeds=range(30), steps=900, checkpoints=[0, 150, 600])
    assert sorted(long.solved_after) == [0, 150, 600, 900]
    for count in (150, 600):
        short = train_seeds(X, Y, hidden_units=2, seeds=range(30), steps=count)
        np.testing.assert_array_equal(long.solved_after[count], short.solved(X, Y))
    np.testing.assert_array_equal(long.solved_after[900], long.solved(X, Y))
    assert not long.solved_after[0].any()
    with pytest.raises(ValueError, match="checkpoints"):
        train_seeds(X, Y, hidden_units=2, seeds=[0], steps=10, checkpoints=[11])


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="hidden_units"):
        train_seeds(X, Y, hidden_units=0, seeds=[0])
    with pytest.raises(ValueError, match="at least one seed"):
        train_seeds(X, Y, hidden_units=2, seeds=[])
    with pytest.raises(ValueError, match="activation"):
        train_seeds(X, Y, hidden_units=2, seeds=[0], activation="gelu")
    with pytest.raises(ValueError, match="targets"):
        train_seeds(X, Y[:3], hidden_units=2, seeds=[0])
    with pytest.raises(ValueError, match="lr"):
        train_seeds(X, Y, hidden_units=2, seeds=[0], lr=0)
