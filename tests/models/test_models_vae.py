"""Tests of ``classroom.models.vae``: the ELBO's gradient, the KL formula, sampling, training on faces.

Unit tests use small synthetic arrays (random numbers, labelled as such); the
smoke test trains on real CelebA faces.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import require_dataset

from classroom.nn.gradcheck import numerical_gradient
from classroom.io import load_model, save_model
from classroom.models.vae import (
    MLPVAE,
    ConvVAE,
    bits_per_dim,
    build_vae,
    dequantize,
    evaluate_vae,
    gaussian_kl,
    gaussian_nll,
    image_grid,
    reparameterize,
    train_vae,
)


def tiny_models():
    """Small float64 VAEs for finite-difference checks (built fresh on every call)."""
    return {
        "conv": ConvVAE(image_size=8, channels=2, latent_dim=3, widths=(3, 4), dtype=np.float64, seed=1),
        "conv-fixed-sigma": ConvVAE(
            image_size=4, channels=1, latent_dim=2, widths=(2,), learn_sigma=False, sigma=0.5, dtype=np.float64, seed=2
        ),
        "conv-batch-norm": ConvVAE(
            image_size=8, channels=2, latent_dim=3, widths=(3, 4), batch_norm=True, dtype=np.float64, seed=4
        ),
        "mlp": MLPVAE(image_size=3, channels=2, latent_dim=2, hidden=(5, 4), dtype=np.float64, seed=3),
    }


@pytest.mark.parametrize("kind", ["conv", "conv-fixed-sigma", "conv-batch-norm", "mlp"])
def test_negative_elbo_gradient_matches_finite_differences_for_every_parameter(kind):
    model = tiny_models()[kind]
    data_rng = np.random.default_rng(5)
    # Synthetic images in [0, 1].
    x = data_rng.random((3, *model.image_shape))
    # Move log_sigma and the weights away from their initial values so that
    # every term of the gradient matters.
    for parameter in model.parameters():
        parameter.data += 0.1 * data_rng.standard_normal(parameter.shape)

    def loss(_):
        # The same seed gives the same eps as in loss_and_backward.
        neg_elbo, _, _ = model.negative_elbo(x, np.random.default_rng(7))
        return float(np.mean(neg_elbo))

    model.zero_grad()
    value, reconstruction, kl = model.loss_and_backward(x, np.random.default_rng(7))
    assert value == pytest.approx(loss(None), rel=1e-12)
    assert value == pytest.approx(reconstruction + kl, rel=1e-12)
    names = [name for name, _ in model.named_parameters()]
    assert ("log_sigma" in names) == model.learn_sigma
    for name, parameter in model.named_parameters():
        numerical = numerical_gradient(loss, parameter.data)
        np.testing.assert_allclose(parameter.grad, numerical, rtol=1e-5, atol=1e-6, err_msg=name)


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


def test_sample_reconstruct_and_interpolate_return_images_in_range(rng):
    model = ConvVAE(image_size=16, channels=3, latent_dim=4, widths=(4, 8))
    x = rng.random((3, 3, 16, 16)).astype(np.float32)  # synthetic
    samples = model.sample(5, rng)
    reconstructions = model.reconstruct(x)
    path = model.interpolate(x[0], x[1], steps=4)
    assert samples.shape == (5, 3, 16, 16)
    assert reconstructions.shape == x.shape
    assert path.shape == (4, 3, 16, 16)
    for images in (samples, reconstructions, path):
        assert images.dtype == np.float32
        assert images.min() >= 0.0 and images.max() <= 1.0
    np.testing.assert_allclose(path[0], reconstructions[0], atol=1e-6)
    np.testing.assert_allclose(path[-1], reconstructions[1], atol=1e-6)
    assert model.training, "inference must restore training mode"


def test_sampling_is_reproducible_with_a_seeded_rng():
    model = MLPVAE(image_size=4, channels=1, latent_dim=2, hidden=(6,))
    first = model.sample(3, np.random.default_rng(9))
    second = model.sample(3, np.random.default_rng(9))
    np.testing.assert_array_equal(first, second)


def test_vae_rejects_images_of_the_wrong_shape_or_dtype(rng):
    model = ConvVAE(image_size=16, channels=3, latent_dim=4, widths=(4, 8))
    with pytest.raises(ValueError, match=r"expects images of shape \(batch, 3, 16, 16\), got \(2, 3, 32, 32\)"):
        model.loss_and_backward(rng.random((2, 3, 32, 32)).astype(np.float32), rng)
    with pytest.raises(TypeError, match="float64 images"):
        model.reconstruct(rng.random((2, 3, 16, 16)))
    with pytest.raises(TypeError, match="dequantize"):
        model.reconstruct(np.zeros((2, 3, 16, 16), dtype=np.uint8))


def test_conv_vae_rejects_an_image_size_it_cannot_halve():
    with pytest.raises(ValueError, match="divisible by 8"):
        ConvVAE(image_size=20, widths=(4, 8, 16))


@pytest.mark.parametrize("batch_norm", [False, True])
def test_saved_vae_loads_into_a_model_built_from_its_architecture(tmp_path, rng, batch_norm):
    model = ConvVAE(image_size=8, channels=3, latent_dim=3, widths=(4, 5), batch_norm=batch_norm, seed=4)
    model.log_sigma.data[:] = -2.0
    model.loss_and_backward(rng.random((4, 3, 8, 8)).astype(np.float32), rng)  # updates batch-norm statistics
    path = save_model(tmp_path / "vae.npz", model, metadata={"architecture": model.architecture()})
    loaded = build_vae(model.architecture(), seed=99)
    metadata = load_model(path, loaded)
    assert metadata["architecture"]["kind"] == "conv"
    x = rng.random((2, 3, 8, 8)).astype(np.float32)
    np.testing.assert_array_equal(loaded.reconstruct(x), model.reconstruct(x))
    assert loaded.sigma == pytest.approx(math.exp(-2.0))


def test_train_vae_stops_when_the_time_budget_is_used(rng):
    images = rng.integers(0, 256, size=(40, 4, 4, 1), dtype=np.uint8)  # synthetic
    model = MLPVAE(image_size=4, channels=1, latent_dim=2, hidden=(8,))
    history = train_vae(model, images[:32], images[32:], epochs=5, batch_size=8, rng=rng, log=None, max_seconds=0.0)
    assert history["epoch"] == [1]
    assert len(history["batch_neg_elbo"]) == 4


def test_train_vae_rejects_too_few_images(rng):
    images = rng.integers(0, 256, size=(5, 4, 4, 1), dtype=np.uint8)
    model = MLPVAE(image_size=4, channels=1, latent_dim=2, hidden=(8,))
    with pytest.raises(ValueError, match="at least batch_size=8"):
        train_vae(model, images, images, epochs=1, batch_size=8, rng=rng, log=None)


def test_image_grid_tiles_images_with_white_padding():
    images = np.zeros((5, 3, 4, 4))
    grid = image_grid(images, columns=3, padding=1)
    assert grid.shape == (2 * 5 + 1, 3 * 5 + 1, 3) and grid.dtype == np.uint8
    assert grid[0, 0, 0] == 255 and grid[1, 1, 0] == 0
    assert np.all(grid[6:10, 11:15] == 255), "the sixth tile is empty"


@pytest.mark.slow
@pytest.mark.data
def test_held_out_elbo_improves_on_real_faces_within_seconds():
    require_dataset("celeba")
    from classroom.data import load_celeba

    faces = load_celeba(size=16, limit=512)
    train, held_out = faces[:448], faces[448:]
    rng = np.random.default_rng(0)
    model = ConvVAE(image_size=16, channels=3, latent_dim=16, widths=(16, 32), seed=0)
    before = evaluate_vae(model, held_out, rng=np.random.default_rng(1))
    history = train_vae(model, train, held_out, epochs=4, batch_size=32, lr=2e-3, rng=rng, log=None)
    after = evaluate_vae(model, held_out, rng=np.random.default_rng(1))
    assert after["neg_elbo"] < before["neg_elbo"] - 0.25 * abs(before["neg_elbo"])
    assert after["bits_per_dim"] < before["bits_per_dim"]
    assert history["held_out_neg_elbo"][-1] < history["held_out_neg_elbo"][0]
    assert len(history["batch_neg_elbo"]) == 4 * (448 // 32)
