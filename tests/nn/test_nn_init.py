"""Tests of ``classroom.nn.init`` against the torch.nn.init formulas."""

import math

import numpy as np
import pytest

from classroom.nn import Parameter, init


@pytest.mark.parametrize(
    "nonlinearity, param, expected",
    [
        ("linear", None, 1.0),
        ("conv2d", None, 1.0),
        ("sigmoid", None, 1.0),
        ("tanh", None, 5 / 3),
        ("relu", None, math.sqrt(2)),
        ("leaky_relu", None, math.sqrt(2 / (1 + 0.01**2))),
        ("leaky_relu", math.sqrt(5), math.sqrt(1 / 3)),
        ("selu", None, 0.75),
    ],
)
def test_calculate_gain_follows_the_published_values(nonlinearity, param, expected):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(expected)


@pytest.mark.torch
@pytest.mark.parametrize("nonlinearity", ["linear", "tanh", "relu", "leaky_relu", "selu", "sigmoid"])
def test_calculate_gain_matches_pytorch(nonlinearity, torch):
    assert init.calculate_gain(nonlinearity) == pytest.approx(torch.nn.init.calculate_gain(nonlinearity))


def test_calculate_gain_unknown_nonlinearity_raises():
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")


@pytest.mark.parametrize(
    "shape, expected",
    [((30, 20), (20, 30)), ((16, 3, 5, 5), (75, 400)), ((8, 4, 3), (12, 24))],
)
def test_fan_in_and_fan_out_include_the_receptive_field(shape, expected):
    assert init.calculate_fan_in_and_fan_out(np.zeros(shape)) == expected


def test_fan_of_a_vector_raises_with_shape():
    with pytest.raises(ValueError, match=r"at least 2 dimensions, got shape \(5,\)"):
        init.calculate_fan_in_and_fan_out(np.zeros(5))


def _expected_std(function_name, shape, **kwargs):
    fan_in = shape[1] * int(np.prod(shape[2:]))
    fan_out = shape[0] * int(np.prod(shape[2:]))
    if function_name.startswith("xavier"):
        return kwargs.get("gain", 1.0) * math.sqrt(2 / (fan_in + fan_out))
    fan = fan_in if kwargs.get("mode", "fan_in") == "fan_in" else fan_out
    gain = init.calculate_gain(kwargs.get("nonlinearity", "leaky_relu"), kwargs.get("a", 0.0))
    return gain / math.sqrt(fan)


@pytest.mark.parametrize(
    "function_name, kwargs",
    [
        ("kaiming_uniform_", {}),
        ("kaiming_uniform_", {"nonlinearity": "relu", "mode": "fan_out"}),
        ("kaiming_normal_", {"nonlinearity": "relu"}),
        ("kaiming_normal_", {"a": 0.2, "mode": "fan_out"}),
        ("xavier_uniform_", {}),
        ("xavier_normal_", {"gain": 5 / 3}),
    ],
)
@pytest.mark.parametrize("shape", [(256, 300), (64, 32, 3, 3)])
def test_initialisers_draw_with_the_formula_standard_deviation(function_name, kwargs, shape, rng):
    weights = np.zeros(shape, dtype=np.float64)
    returned = getattr(init, function_name)(weights, rng=rng, **kwargs)
    assert returned is weights
    expected_std = _expected_std(function_name, shape, **kwargs)
    assert weights.std() == pytest.approx(expected_std, rel=0.03)
    assert abs(weights.mean()) < 0.05 * expected_std
    if "uniform" in function_name:
        assert np.abs(weights).max() <= math.sqrt(3) * expected_std


def test_initialisers_fill_parameters_in_place_and_keep_dtype(rng):
    parameter = Parameter(np.zeros((4, 3), dtype=np.float32))
    original_array = parameter.data
    init.kaiming_normal_(parameter, rng=rng)
    assert parameter.data is original_array
    assert parameter.data.dtype == np.float32
    assert np.all(parameter.data != 0)
    init.zeros_(parameter)
    np.testing.assert_array_equal(parameter.data, 0)


def test_initialisers_reproduce_with_the_same_seed():
    first = init.xavier_uniform_(np.zeros((5, 4)), rng=np.random.default_rng(7))
    second = init.xavier_uniform_(np.zeros((5, 4)), rng=np.random.default_rng(7))
    np.testing.assert_array_equal(first, second)


def test_initialiser_rejects_integer_arrays():
    with pytest.raises(TypeError, match="floating-point array, got dtype int64"):
        init.zeros_(np.zeros((2, 2), dtype=np.int64))


def test_rng_means_the_same_in_every_constructor_a_seed_a_generator_or_none():
    from classroom.nn import Dropout, Linear
    from classroom.nn.init import as_generator

    first, second = Linear(40, 10, rng=0), Linear(40, 10, rng=0)
    np.testing.assert_array_equal(first.weight.data, second.weight.data)  # a seed reproduces
    from_generator = Linear(40, 10, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(first.weight.data, from_generator.weight.data)  # the same stream
    assert not np.array_equal(first.bias.data, first.weight.data[0, :10])  # weight and bias: one stream, not two copies
    generator = np.random.default_rng(1)
    assert as_generator(generator) is generator and isinstance(as_generator(None), np.random.Generator)
    dropout = Dropout(0.5, rng=3)
    np.testing.assert_array_equal(dropout.forward(np.ones((4, 4))), Dropout(0.5, rng=3).forward(np.ones((4, 4))))


@pytest.mark.parametrize("wrong", [0.5, True, np.random.RandomState(0)])
def test_rng_of_another_kind_is_a_clear_error(wrong):
    from classroom.nn import Linear

    with pytest.raises(TypeError, match="int seed, a numpy.random.Generator or None"):
        Linear(4, 3, rng=wrong)
