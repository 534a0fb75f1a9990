"""Tests of ``classroom.models.elbo``: the formulas of a VAE's loss and their gradients.

Every formula is checked against an independent computation: finite
differences for the gradients the backward pass uses, a Monte-Carlo estimate
for the KL, the normal density for the likelihood. Inputs are small
synthetic arrays (random numbers).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from classroom.models.elbo import (
    LOG_2PI,
    bits_per_dim,
    dequantize,
    gaussian_kl,
    gaussian_nll,
    reparameterize,
)
from classroom.nn.gradcheck import numerical_gradient


def test_reparameterize_gradients_match_finite_differences(rng):
    mu = rng.standard_normal((2, 3))
    logvar = rng.standard_normal((2, 3))
    weights = rng.standard_normal((2, 3))

    def projected(mu_, logvar_):
        z, _ = reparameterize(mu_, logvar_, np.random.default_rng(3))
        return float(np.sum(weights * z))

    _, eps = reparameterize(mu, logvar, np.random.default_rng(3))
    np.testing.assert_allclose(numerical_gradient(lambda m: projected(m, logvar), mu), weights, rtol=1e-7)
    np.testing.assert_allclose(
        numerical_gradient(lambda lv: projected(mu, lv), logvar),
        weights * 0.5 * np.exp(0.5 * logvar) * eps,
        rtol=1e-6,
        atol=1e-9,
    )


def test_reparameterize_keeps_the_dtype_and_returns_its_noise(rng):
    mu = rng.standard_normal((4, 2)).astype(np.float32)
    logvar = rng.standard_normal((4, 2)).astype(np.float32)
    z, eps = reparameterize(mu, logvar, np.random.default_rng(1))
    assert z.shape == eps.shape == (4, 2) and z.dtype == eps.dtype == np.float32
    np.testing.assert_allclose(z, mu + np.exp(0.5 * logvar) * eps, rtol=1e-6)


def test_gaussian_kl_gradients_match_finite_differences(rng):
    # The gradients loss_and_backward adds for the KL term.
    mu = rng.standard_normal((3, 4))
    logvar = rng.standard_normal((3, 4))
    weights = rng.standard_normal(3)

    def weighted_kl(mu_, logvar_):
        return float(np.sum(weights * gaussian_kl(mu_, logvar_)))

    np.testing.assert_allclose(
        numerical_gradient(lambda m: weighted_kl(m, logvar), mu), weights[:, None] * mu, rtol=1e-6, atol=1e-9
    )
    np.testing.assert_allclose(
        numerical_gradient(lambda lv: weighted_kl(mu, lv), logvar),
        weights[:, None] * 0.5 * (np.exp(logvar) - 1.0),
        rtol=1e-6,
        atol=1e-9,
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_analytic_kl_matches_a_monte_carlo_estimate(seed):
    rng = np.random.default_rng(seed)
    mu = rng.standard_normal((1, 4))
    logvar = rng.uniform(-1.5, 1.0, size=(1, 4))
    samples = 200_000
    z, eps = reparameterize(np.repeat(mu, samples, 0), np.repeat(logvar, samples, 0), rng)
    # log q(z|x) - log p(z), summed over the latent dimensions; the 2*pi terms cancel.
    log_q = np.sum(-0.5 * eps**2 - 0.5 * logvar, axis=1)
    log_p = np.sum(-0.5 * z**2, axis=1)
    estimates = log_q - log_p
    standard_error = estimates.std() / math.sqrt(samples)
    assert abs(estimates.mean() - gaussian_kl(mu, logvar)[0]) < 4 * standard_error


def test_kl_is_zero_only_at_the_prior():
    assert gaussian_kl(np.zeros((1, 5)), np.zeros((1, 5)))[0] == 0.0
    assert gaussian_kl(np.full((1, 5), 0.1), np.zeros((1, 5)))[0] > 0.0


def test_gaussian_nll_matches_the_normal_density(rng):
    x = rng.random((2, 6))
    mean = rng.random((2, 6))
    sigma = 0.3
    density = np.exp(-((x - mean) ** 2) / (2 * sigma**2)) / math.sqrt(2 * math.pi * sigma**2)
    np.testing.assert_allclose(gaussian_nll(x, mean, math.log(sigma)), -np.log(density).sum(axis=1))
    assert LOG_2PI == pytest.approx(math.log(2 * math.pi), rel=1e-15)


def test_gaussian_nll_gradients_match_finite_differences(rng):
    # The gradients loss_and_backward adds for the reconstruction term.
    x = rng.random((2, 3, 2, 2))
    mean = rng.random((2, 3, 2, 2))
    log_sigma = np.array([-0.7])
    values = x[0].size

    def total(mean_, log_sigma_):
        return float(np.sum(gaussian_nll(x, mean_, float(log_sigma_[0]))))

    sigma_squared = math.exp(2.0 * log_sigma[0])
    np.testing.assert_allclose(
        numerical_gradient(lambda m: total(m, log_sigma), mean), (mean - x) / sigma_squared, rtol=1e-6, atol=1e-8
    )
    expected = x.shape[0] * values - np.sum((x - mean) ** 2) / sigma_squared
    np.testing.assert_allclose(numerical_gradient(lambda s: total(mean, s), log_sigma), [expected], rtol=1e-6)


def test_bits_per_dim_is_eight_for_a_uniform_density():
    # The uniform density on [0, 1]^D has log-density 0: exactly 8 bits per 8-bit value.
    assert bits_per_dim(0.0, 12) == 8.0
    assert bits_per_dim(-12 * math.log(2.0), 12) == pytest.approx(7.0)


def test_dequantize_stays_inside_each_pixels_bin(rng):
    images = rng.integers(0, 256, size=(2, 4, 5, 3), dtype=np.uint8)
    values = dequantize(images, rng)
    assert values.shape == (2, 3, 4, 5) and values.dtype == np.float32
    pixels = images.transpose(0, 3, 1, 2)
    assert np.all(values >= pixels / 256.0) and np.all(values < (pixels + 1) / 256.0)


def test_dequantize_rejects_float_images(rng):
    with pytest.raises(TypeError, match="uint8"):
        dequantize(rng.random((2, 4, 4, 3)), rng)
