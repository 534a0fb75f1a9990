"""Tests of ``classroom.train.vae``: the VAE's training loop and its held-out ELBO.

Unit tests use small synthetic uint8 images (random numbers, labelled as
such); the smoke test trains on real CelebA faces.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import require_dataset

from classroom.models.elbo import bits_per_dim
from classroom.models.vae import ConvVAE, MLPVAE
from classroom.train import evaluate_vae as exported_evaluate_vae
from classroom.train import train_vae as exported_train_vae
from classroom.train.vae import evaluate_vae, train_vae


def test_the_vae_loop_is_exported_from_classroom_train():
    assert exported_train_vae is train_vae and exported_evaluate_vae is evaluate_vae


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


def test_a_kl_warm_up_weighs_the_kl_gradient_by_the_step_count(monkeypatch, rng):
    images = rng.integers(0, 256, size=(40, 4, 4, 1), dtype=np.uint8)  # synthetic
    model = MLPVAE(image_size=4, channels=1, latent_dim=2, hidden=(8,))
    weights = []
    original = type(model).loss_and_backward

    def recording(self, x, rng, kl_weight=1.0):
        weights.append(kl_weight)
        return original(self, x, rng, kl_weight=kl_weight)

    monkeypatch.setattr(type(model), "loss_and_backward", recording)
    train_vae(model, images[:32], images[32:], epochs=2, batch_size=8, rng=rng, log=None, kl_warmup_steps=4)
    assert weights == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="kl_warmup_steps must be >= 0"):
        train_vae(model, images[:32], images[32:], epochs=1, batch_size=8, rng=rng, log=None, kl_warmup_steps=-1)


def test_train_vae_records_every_curve_and_calls_on_epoch(rng):
    images = rng.integers(0, 256, size=(30, 4, 4, 1), dtype=np.uint8)  # synthetic
    model = MLPVAE(image_size=4, channels=1, latent_dim=2, hidden=(8,))
    seen, lines = [], []
    history = train_vae(
        model, images[:20], images[20:], epochs=2, batch_size=8, rng=rng, log=lines.append,
        on_epoch=lambda epoch, history: seen.append((epoch, len(history["epoch"]))),
    )
    assert seen == [(1, 1), (2, 2)] and len(lines) == 2
    assert history["epoch"] == [1, 2]
    assert len(history["batch_neg_elbo"]) == 2 * (20 // 8)  # the last partial batch is dropped
    for key in ("train_neg_elbo", "held_out_neg_elbo", "held_out_bits_per_dim", "sigma", "seconds"):
        assert len(history[key]) == 2 and all(math.isfinite(value) for value in history[key]), key
    for epoch in range(2):
        total = history["train_reconstruction"][epoch] + history["train_kl"][epoch]
        assert history["train_neg_elbo"][epoch] == pytest.approx(total, rel=1e-12)


def test_evaluate_vae_averages_the_negative_elbo_and_restores_training_mode(rng):
    images = rng.integers(0, 256, size=(10, 8, 8, 2), dtype=np.uint8)  # synthetic
    model = ConvVAE(image_size=8, channels=2, latent_dim=3, widths=(3, 4), batch_norm=True, rng=1)
    result = evaluate_vae(model, images, rng=np.random.default_rng(4), batch_size=4)
    assert model.training, "evaluation must restore training mode"
    assert result["neg_elbo"] == pytest.approx(result["reconstruction"] + result["kl"], rel=1e-12)
    assert result["bits_per_dim"] == pytest.approx(bits_per_dim(result["neg_elbo"], 2 * 8 * 8))
    model.eval()
    evaluate_vae(model, images, rng=np.random.default_rng(4))
    assert not model.training, "evaluation must restore eval mode too"


@pytest.mark.slow
@pytest.mark.data
def test_held_out_elbo_improves_on_real_faces_within_seconds():
    require_dataset("celeba")
    from classroom.data import load_celeba

    faces = load_celeba(size=16, limit=512)
    train, held_out = faces[:448], faces[448:]
    rng = np.random.default_rng(0)
    model = ConvVAE(image_size=16, channels=3, latent_dim=16, widths=(16, 32), rng=0)
    before = evaluate_vae(model, held_out, rng=np.random.default_rng(1))
    history = train_vae(model, train, held_out, epochs=4, batch_size=32, lr=2e-3, rng=rng, log=None)
    after = evaluate_vae(model, held_out, rng=np.random.default_rng(1))
    assert after["neg_elbo"] < before["neg_elbo"] - 0.25 * abs(before["neg_elbo"])
    assert after["bits_per_dim"] < before["bits_per_dim"]
    assert history["held_out_neg_elbo"][-1] < history["held_out_neg_elbo"][0]
    assert len(history["batch_neg_elbo"]) == 4 * (448 // 32)
