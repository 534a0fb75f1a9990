"""``reset_parameters()``: every layer with weights draws its initial values with ``classroom.nn.init``, as PyTorch does."""

from __future__ import annotations

import math

import numpy as np
import pytest

from classroom.nn import BatchNorm1d, BatchNorm2d, Conv2d, ConvTranspose2d, Linear

SEEDED_LAYERS = {
    "Linear": lambda rng: Linear(6, 4, rng=rng),
    "Conv2d": lambda rng: Conv2d(3, 5, (3, 2), rng=rng),
    "Conv2d without bias": lambda rng: Conv2d(3, 5, 3, bias=False, rng=rng),
    "ConvTranspose2d": lambda rng: ConvTranspose2d(4, 2, 3, stride=2, rng=rng),
}


@pytest.mark.parametrize("name", sorted(SEEDED_LAYERS))
def test_reset_parameters_with_the_same_seed_redraws_the_initial_values(name):
    layer = SEEDED_LAYERS[name](np.random.default_rng(7))
    initial = [parameter.data.copy() for parameter in layer.parameters()]
    for parameter in layer.parameters():
        parameter.data[...] = 0.5
    layer.reset_parameters(np.random.default_rng(7))
    for parameter, value in zip(layer.parameters(), initial):
        assert parameter.data.dtype == value.dtype
        np.testing.assert_array_equal(parameter.data, value)


@pytest.mark.parametrize(
    "build, fan_in",
    [
        (lambda rng, dtype: Conv2d(3, 5, (3, 2), rng=rng, dtype=dtype), 3 * 3 * 2),
        (lambda rng, dtype: ConvTranspose2d(4, 2, 3, stride=2, rng=rng, dtype=dtype), 2 * 3 * 3),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_convolutions_draw_uniform_values_within_one_over_sqrt_fan_in(build, fan_in, dtype):
    # The same numbers as drawing U(-b, b) for the weight, then the bias, from the generator.
    layer = build(np.random.default_rng(3), dtype)
    rng, bound = np.random.default_rng(3), 1.0 / math.sqrt(fan_in)
    np.testing.assert_array_equal(layer.weight.data, rng.uniform(-bound, bound, layer.weight.shape).astype(dtype))
    np.testing.assert_array_equal(layer.bias.data, rng.uniform(-bound, bound, layer.bias.shape).astype(dtype))


@pytest.mark.parametrize("layer_class, shape", [(BatchNorm1d, (8, 3)), (BatchNorm2d, (4, 3, 2, 2))])
def test_batchnorm_reset_parameters_restores_weight_bias_and_running_statistics(layer_class, shape):
    layer = layer_class(3)
    layer(np.random.default_rng(0).normal(4.0, 3.0, size=shape).astype(np.float32))
    layer.weight.data[...] = 2.0
    layer.bias.data[...] = -1.0
    assert int(layer.num_batches_tracked) == 1 and not np.allclose(layer.running_mean, 0.0)
    layer.reset_parameters()
    np.testing.assert_array_equal(layer.weight.data, np.ones(3, dtype=np.float32))
    np.testing.assert_array_equal(layer.bias.data, np.zeros(3, dtype=np.float32))
    np.testing.assert_array_equal(layer.running_mean, np.zeros(3, dtype=np.float32))
    np.testing.assert_array_equal(layer.running_var, np.ones(3, dtype=np.float32))
    assert layer.num_batches_tracked.dtype == np.int64 and int(layer.num_batches_tracked) == 0
    assert sorted(layer.state_dict()) == ["bias", "num_batches_tracked", "running_mean", "running_var", "weight"]


def test_batchnorm_reset_running_stats_keeps_the_learned_parameters():
    layer = BatchNorm1d(2, dtype=np.float64)
    layer(np.array([[1.0, 2.0], [3.0, 8.0]]))
    layer.weight.data[...] = 5.0
    layer.reset_running_stats()
    np.testing.assert_array_equal(layer.weight.data, [5.0, 5.0])
    np.testing.assert_array_equal(layer.running_var, [1.0, 1.0])
    assert layer.running_mean.dtype == np.float64


@pytest.mark.torch
def test_convolution_init_has_pytorchs_range(torch):
    # Not the same numbers (another generator), but the same bound: PyTorch's
    # kaiming_uniform_(a=sqrt(5)) for the weight and 1/sqrt(fan_in) for the bias.
    torch.manual_seed(0)
    for ours, theirs in [
        (Conv2d(8, 16, 3, rng=0), torch.nn.Conv2d(8, 16, 3)),
        (ConvTranspose2d(8, 4, 4, rng=0), torch.nn.ConvTranspose2d(8, 4, 4)),
    ]:
        fan_in, _ = torch.nn.init._calculate_fan_in_and_fan_out(theirs.weight)
        bound = 1 / math.sqrt(fan_in)
        for name in ("weight", "bias"):
            our_max = np.abs(getattr(ours, name).data).max()
            their_max = float(getattr(theirs, name).detach().abs().max())
            assert our_max <= bound and their_max <= bound + 1e-7
        # Hundreds of weights: the largest comes close to the bound in both.
        assert np.abs(ours.weight.data).max() > 0.95 * bound
        assert float(theirs.weight.detach().abs().max()) > 0.95 * bound


@pytest.mark.parametrize("build", [lambda rng: Conv2d(3, 4, 3, rng=rng), lambda rng: ConvTranspose2d(3, 4, 3, rng=rng)])
def test_convolutions_take_rng_like_every_layer(build):
    np.testing.assert_array_equal(build(5).weight.data, build(np.random.default_rng(5)).weight.data)
    with pytest.raises(TypeError, match="int seed, a numpy.random.Generator or None"):
        build(np.random.RandomState(0))
