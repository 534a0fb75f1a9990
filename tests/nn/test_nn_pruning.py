"""Magnitude pruning (classroom.nn.pruning) and the KeepMasks training callback."""

from __future__ import annotations

import numpy as np
import pytest

from classroom.models.cnn import cifar_cnn
from classroom.models.mlp import MLP
from classroom.nn import BatchNorm2d, Conv2d, CrossEntropyLoss, Flatten, Linear, ReLU, Sequential
from classroom.nn.pruning import (
    apply_masks,
    layer_sparsity,
    magnitude_prune,
    prunable_parameters,
    recalibrate_batch_norm,
    sparsity,
)
from classroom.optim import SGD, Adam
from classroom.train import Trainer
from classroom.train.callbacks.keep_masks import KeepMasks


def small_mlp(seed=0):
    return MLP(6, [5, 4], 3, rng=seed)


def all_weights(model):
    return np.concatenate([p.data.ravel() for p in prunable_parameters(model).values()])


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.5, 0.73, 0.9, 1.0])
@pytest.mark.parametrize("scope", ["global", "layer"])
def test_the_exact_fraction_is_pruned(fraction, scope):
    model = small_mlp()
    total = all_weights(model).size  # 6*5 + 5*4 + 4*3 = 62
    masks = magnitude_prune(model, fraction, scope=scope)
    if scope == "global":
        assert sum(int((~mask).sum()) for mask in masks.values()) == round(fraction * total)
        assert np.count_nonzero(all_weights(model) == 0) == round(fraction * total)
    else:
        for name, parameter in prunable_parameters(model).items():
            assert int((~masks[name]).sum()) == round(fraction * parameter.data.size)
            assert np.count_nonzero(parameter.data == 0) == round(fraction * parameter.data.size)


def test_global_pruning_removes_the_smallest_magnitudes_of_the_whole_model():
    model = small_mlp(3)
    before = np.abs(all_weights(model))
    masks = magnitude_prune(model, 0.6)
    kept = np.concatenate([mask.ravel() for mask in masks.values()])
    # Oracle: every removed magnitude is <= every kept magnitude, and the removed ones are the sorted prefix.
    assert before[~kept].max() <= before[kept].min()
    assert np.allclose(np.sort(before[~kept]), np.sort(before)[: int((~kept).sum())])
    # The kept weights are unchanged, the removed ones are exactly zero.
    after = all_weights(model)
    assert np.array_equal(np.abs(after[kept]), before[kept]) and np.all(after[~kept] == 0)


def test_global_and_layer_scope_differ_when_layers_have_different_scales():
    model = Sequential(Linear(10, 10, rng=0), ReLU(), Linear(10, 10, rng=1))
    model[2].weight.data *= 100  # the second layer's weights are all larger
    magnitude_prune(model, 0.5, scope="global")
    assert layer_sparsity(model) == {"0.weight": 1.0, "2.weight": 0.0}
    other = Sequential(Linear(10, 10, rng=0), ReLU(), Linear(10, 10, rng=1))
    other[2].weight.data *= 100
    magnitude_prune(other, 0.5, scope="layer")
    assert layer_sparsity(other) == {"0.weight": 0.5, "2.weight": 0.5}


def test_biases_and_batch_norm_are_left_alone_unless_asked():
    model = Sequential(Conv2d(2, 4, 3, rng=0), BatchNorm2d(4), ReLU(), Flatten(), Linear(4 * 3 * 3, 2, rng=1))
    model[1].weight.data[:] = 1e-6  # tiny batch-norm scales: pruning must still not touch them
    biases = {name: p.data.copy() for name, p in model.named_parameters() if not name.endswith("weight")}
    bn_scale = model[1].weight.data.copy()
    masks = magnitude_prune(model, 0.99)
    assert sorted(masks) == ["0.weight", "4.weight"]
    for name, parameter in model.named_parameters():
        if name in biases:
            assert np.array_equal(parameter.data, biases[name]), name
    assert np.array_equal(model[1].weight.data, bn_scale)

    model = Sequential(Conv2d(2, 4, 3, rng=0), BatchNorm2d(4), ReLU(), Flatten(), Linear(4 * 3 * 3, 2, rng=1))
    model[1].weight.data[:] = 1e-6
    model[0].bias.data[:2] = 1e-9  # tiny biases get pruned once they are included
    masks = magnitude_prune(model, 0.1, include_bias=True)
    assert sorted(masks) == ["0.bias", "0.weight", "4.bias", "4.weight"]
    assert np.all(model[0].bias.data[:2] == 0) and np.array_equal(model[1].weight.data, bn_scale)
    assert sparsity(model, include_bias=True) == pytest.approx(
        round(0.1 * sum(p.data.size for p in prunable_parameters(model, include_bias=True).values()))
        / sum(p.data.size for p in prunable_parameters(model, include_bias=True).values())
    )


def test_ties_are_broken_so_that_the_count_stays_exact():
    model = Sequential(Linear(4, 5, rng=0))
    model[0].weight.data[:] = 1.0  # every magnitude equal
    masks = magnitude_prune(model, 0.35)
    assert int((~masks["0.weight"]).sum()) == 7 and sparsity(model) == pytest.approx(7 / 20)


def test_pruning_a_pruned_model_further_keeps_its_earlier_zeros():
    model = small_mlp(1)
    first = magnitude_prune(model, 0.5)
    second = magnitude_prune(model, 0.8)
    for name in first:
        assert not np.any(second[name] & ~first[name]), "a weight removed at 50% came back at 80%"
    assert sparsity(model) == pytest.approx(round(0.8 * 62) / 62)


def test_sparsity_counts_exact_zeros_of_the_prunable_weights():
    model = small_mlp()
    assert sparsity(model) == 0.0
    model[0].weight.data[0, :3] = 0.0
    model[0].bias.data[:] = 0.0  # biases are not counted by default
    assert sparsity(model) == pytest.approx(3 / 62)
    assert sparsity(model, include_bias=True) == pytest.approx((3 + 5) / (62 + 5 + 4 + 3))
    assert layer_sparsity(model)["0.weight"] == pytest.approx(3 / 30)


@pytest.mark.parametrize("optimizer_class", ["sgd", "adam"])
def test_masks_survive_optimizer_steps_with_keep_masks(optimizer_class):
    rng = np.random.default_rng(0)
    model = cifar_cnn(widths=(4, 8), rng=0)
    masks = magnitude_prune(model, 0.7)
    if optimizer_class == "sgd":
        optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
    else:
        optimizer = Adam(model.parameters(), lr=0.01)
    before = {name: p.data.copy() for name, p in model.named_parameters()}
    x = rng.standard_normal((16, 3, 32, 32)).astype(np.float32)
    y = rng.integers(0, 10, 16)
    trainer = Trainer(model, CrossEntropyLoss(), optimizer, callbacks=[KeepMasks(masks)], progress=False)
    trainer.fit((x, y), epochs=2, batch_size=8)
    assert trainer.step == 4
    named = dict(model.named_parameters())
    for name, mask in masks.items():
        assert np.all(named[name].data[~mask] == 0), f"{name}: a pruned weight moved"
        assert not np.array_equal(named[name].data[mask], before[name][mask]), f"{name}: kept weights did not train"
    assert sparsity(model) == pytest.approx(round(0.7 * sum(m.size for m in masks.values())) / sum(m.size for m in masks.values()))


def test_without_the_masks_an_optimizer_step_brings_pruned_weights_back():
    """The reason KeepMasks exists: the gradient of a zeroed weight is not zero."""
    rng = np.random.default_rng(1)
    model = small_mlp()
    magnitude_prune(model, 0.8)
    optimizer = SGD(model.parameters(), lr=0.1)
    loss_fn = CrossEntropyLoss()
    loss_fn(model(rng.standard_normal((8, 6)).astype(np.float32)), rng.integers(0, 3, 8))
    model.backward(loss_fn.backward())
    optimizer.step()
    assert sparsity(model) < 0.8


def test_apply_masks_by_hand_after_a_step():
    model = small_mlp()
    masks = magnitude_prune(model, 0.5)
    for parameter in model.parameters():
        parameter.data += 1.0  # an update that touches every weight
    apply_masks(model, masks)
    assert sparsity(model) == pytest.approx(31 / 62)


def test_bad_input_is_refused_with_clear_messages():
    model = small_mlp()
    with pytest.raises(ValueError, match="between 0 and 1"):
        magnitude_prune(model, 1.5)
    with pytest.raises(TypeError, match="sparsity must be a number"):
        magnitude_prune(model, "half")
    with pytest.raises(ValueError, match="scope must be"):
        magnitude_prune(model, 0.5, scope="row")
    with pytest.raises(ValueError, match="nothing to prune"):
        magnitude_prune(Sequential(ReLU()), 0.5)
    with pytest.raises(TypeError, match="Module"):
        magnitude_prune(np.zeros(3), 0.5)
    with pytest.raises(KeyError, match="no such parameter"):
        apply_masks(model, {"9.weight": np.ones((3, 4), dtype=bool)})
    with pytest.raises(ValueError, match="has shape"):
        apply_masks(model, {"0.weight": np.ones((2, 2), dtype=bool)})
    with pytest.raises(ValueError, match="KeepMasks needs"):
        KeepMasks({})


def test_recalibrate_batch_norm_measures_the_average_batch_statistics():
    rng = np.random.default_rng(2)
    model = Sequential(Conv2d(2, 3, 3, padding=1, rng=0), BatchNorm2d(3), ReLU(), Flatten(), Linear(3 * 4 * 4, 2, rng=1))
    model[1].running_mean[:] = 5.0  # stale statistics
    model[1].running_var[:] = 9.0
    x = rng.standard_normal((10, 2, 4, 4)).astype(np.float32)
    weights = {name: p.data.copy() for name, p in model.named_parameters()}
    assert recalibrate_batch_norm(model, x, batch_size=4) == 1  # batches of 4, 4 and 2 images
    conv = model[0]
    means, variances = [], []
    for start in (0, 4, 8):
        out = conv(x[start : start + 4]).transpose(1, 0, 2, 3).reshape(3, -1)  # (channels, count)
        means.append(out.mean(axis=1))
        variances.append(out.var(axis=1, ddof=1))
    assert np.allclose(model[1].running_mean, np.mean(means, axis=0), atol=1e-5)
    assert np.allclose(model[1].running_var, np.mean(variances, axis=0), atol=1e-5)
    assert model[1].momentum == 0.1 and not model.training
    for name, parameter in model.named_parameters():
        assert np.array_equal(parameter.data, weights[name]), f"{name} changed"
    assert recalibrate_batch_norm(small_mlp(), np.zeros((3, 6), dtype=np.float32)) == 0
    with pytest.raises(ValueError, match="at least one input"):
        recalibrate_batch_norm(model, x[:0])
