"""One way to take randomness across the package: ``rng`` is an int seed, a Generator or None.

Every public function and constructor that draws random numbers is called
twice, once with ``rng=7`` and once with ``rng=np.random.default_rng(7)``,
and must give the same result; a float is refused with the message of
:func:`classroom.nn.init.as_generator`. The data here are SYNTHETIC.
"""

from __future__ import annotations

import numpy as np
import pytest

from classroom import nn
from classroom.data.augment import random_crop_flip
from classroom.data.batches import batches
from classroom.data.synthetic import make_moons
from classroom.evaluation.experiments import split_off_test_set
from classroom.evaluation.metrics import bootstrap_ci
from classroom.models.elbo import dequantize, reparameterize
from classroom.models.mlp import MLP
from classroom.models.vae import MLPVAE


def _weights(module) -> list[np.ndarray]:
    return [parameter.data.copy() for parameter in module.parameters()]


def _as_list(result) -> list:
    return [result] if isinstance(result, np.ndarray) else list(result)


def _first_batch(rng):
    return next(iter(batches(np.arange(10), batch_size=4, rng=rng)))


#: name -> function of ``rng`` returning arrays (or a list of arrays) to compare.
DRAWS = {
    "Linear": lambda rng: _weights(nn.Linear(5, 3, rng=rng)),
    "Conv2d": lambda rng: _weights(nn.Conv2d(2, 3, 3, rng=rng)),
    "MLP": lambda rng: _weights(MLP(6, [4, 4], 2, rng=rng)),
    "MLPVAE.sample": lambda rng: MLPVAE(image_size=4, channels=1, latent_dim=2, hidden=(8,), rng=0).sample(3, rng),
    "make_moons": lambda rng: list(make_moons(12, rng=rng)),
    "batches": _first_batch,
    "random_crop_flip": lambda rng: random_crop_flip(np.ones((2, 1, 4, 4)), padding=1, rng=rng),
    "bootstrap_ci": lambda rng: list(bootstrap_ci(np.arange(20.0), n_resamples=50, rng=rng)),
    "split_off_test_set": lambda rng: list(split_off_test_set(np.arange(10.0), np.arange(10), 0.3, rng=rng)[0]),
    "reparameterize": lambda rng: list(reparameterize(np.zeros((2, 3)), np.zeros((2, 3)), rng)),
    "dequantize": lambda rng: dequantize(np.zeros((1, 2, 2, 1), dtype=np.uint8), rng),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_an_int_seed_means_the_generator_it_seeds(name):
    draw = DRAWS[name]
    from_seed, from_generator = _as_list(draw(7)), _as_list(draw(np.random.default_rng(7)))
    assert len(from_seed) == len(from_generator)
    for seeded, generated in zip(from_seed, from_generator):
        np.testing.assert_array_equal(np.asarray(seeded, dtype=float), np.asarray(generated, dtype=float))


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_anything_else_is_refused_naming_the_three_forms(name):
    with pytest.raises(TypeError, match="an int seed, a numpy.random.Generator or None"):
        DRAWS[name](0.5)


def test_an_int_seed_gives_the_layers_of_an_mlp_one_stream_not_one_seed_each():
    # Two layers of the same shape seeded alike would start identical.
    model = MLP(4, [4, 4], 4, rng=0)
    first, second = model[0].weight.data, model[2].weight.data
    assert not np.allclose(first, second)
