"""Weekend 7 checks: the references pass, every hint is proven by a deliberately wrong piece.

Each mutation below is a mistake a learner makes; the check must fail it with
the hint_id that names the mistake. The end-to-end run on real faces is
``slow`` and ``data``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from classroom.check import FAIL, NOT_WRITTEN, PASS, run_checks
from classroom.check.weekend_07 import reference_solutions
from check_helpers import (
    assert_fails_with_hint,
    assert_unwritten_stubs_report_not_written,
    stub_names,
    workbook_path,
)
from conftest import require_dataset

WEEKEND = "weekend-07"
WORKBOOK = workbook_path(WEEKEND)
FAST_PIECES = ["reparameterize", "gaussian_kl", "gaussian_nll", "loss_and_backward"]


def run_piece(piece: str, namespace: dict):
    return run_checks(WEEKEND, namespace, piece)


def assert_fails_with(piece: str, namespace: dict, hint_id: str):
    assert_fails_with_hint(run_piece(piece, namespace), hint_id)


# ----------------------------------------------------------------- references
@pytest.mark.parametrize("piece", FAST_PIECES)
def test_reference_passes(piece):
    report = run_piece(piece, reference_solutions())
    assert report.passed, report


def test_reference_covers_every_stub():
    assert stub_names(WORKBOOK) == set(reference_solutions())


def test_unwritten_stubs_report_not_written(monkeypatch):
    assert_unwritten_stubs_report_not_written(WEEKEND, monkeypatch)


def test_missing_name_reports_not_written():
    report = run_piece("gaussian_kl", {})
    assert [result.status for result in report] == [NOT_WRITTEN]


# ----------------------------------------------------------------- a learner's pieces, with switchable mistakes
def make_reparameterize(mistake: str | None = None):
    def reparameterize(mu, logvar, rng):
        eps = rng.standard_normal(mu.shape)
        if mistake != "float64-noise":
            eps = eps.astype(mu.dtype)
        if mistake == "std-is-logvar":
            return mu + logvar * eps, eps
        if mistake == "std-is-exp-logvar":
            return mu + np.exp(logvar) * eps, eps
        if mistake == "sample-z-directly":
            return rng.normal(mu, np.exp(0.5 * logvar)), eps
        if mistake == "forgot-mu":
            return np.exp(0.5 * logvar) * eps, eps
        if mistake == "forgot-std":
            return mu + eps, eps
        if mistake == "z-only":
            return mu + np.exp(0.5 * logvar) * eps
        if mistake == "transposed-noise":
            eps = rng.standard_normal(mu.shape[::-1]).T.astype(mu.dtype)
        return mu + np.exp(0.5 * logvar) * eps, eps

    return reparameterize


def make_kl(mistake: str | None = None):
    def gaussian_kl(mu, logvar):
        terms = mu**2 + np.exp(logvar) - logvar - 1.0
        if mistake == "sign":
            return -0.5 * np.sum(terms, axis=1)
        if mistake == "sum-over-batch":
            return 0.5 * np.sum(terms, axis=0)
        if mistake == "mean-over-latent":
            return 0.5 * np.mean(terms, axis=1)
        if mistake == "total":
            return 0.5 * np.sum(terms)
        if mistake == "logvar-is-log-std":
            return 0.5 * np.sum(mu**2 + np.exp(2 * logvar) - 2 * logvar - 1.0, axis=1)
        if mistake == "forgot-minus-one":
            return 0.5 * np.sum(mu**2 + np.exp(logvar) - logvar, axis=1)
        return 0.5 * np.sum(terms, axis=1)

    return gaussian_kl


def make_nll(mistake: str | None = None):
    def gaussian_nll(x, mean, log_sigma):
        batch = x.shape[0]
        squared = ((x - mean) ** 2).reshape(batch, -1)
        values = squared.shape[1]
        variance = math.exp(2 * log_sigma)
        if mistake == "mean-over-pixels":
            return squared.mean(axis=1) / (2 * variance) + log_sigma + 0.5 * math.log(2 * math.pi)
        if mistake == "no-normaliser":
            return squared.sum(axis=1) / (2 * variance)
        if mistake == "per-pixel-array":
            return squared / (2 * variance) + log_sigma + 0.5 * math.log(2 * math.pi)
        if mistake == "sigma-for-variance":
            return squared.sum(axis=1) / (2 * math.exp(log_sigma)) + values * (log_sigma + 0.5 * math.log(2 * math.pi))
        return squared.sum(axis=1) / (2 * variance) + values * (log_sigma + 0.5 * math.log(2 * math.pi))

    return gaussian_nll


def make_loss(mistake: str | None = None, reparameterize=None):
    reparameterize = reparameterize or make_reparameterize()
    gaussian_kl, gaussian_nll = make_kl(), make_nll()

    def loss_and_backward(model, x, rng):
        batch, values = x.shape[0], x[0].size
        stats = model.encoder(x)
        mu, logvar = stats[:, : model.latent_dim], stats[:, model.latent_dim :]
        z, eps = reparameterize(mu, logvar, rng)
        mean = model.decoder(z)
        log_sigma = float(model.log_sigma.data[0])
        variance = math.exp(2 * log_sigma)
        reconstruction = gaussian_nll(x, mean, log_sigma)
        kl = gaussian_kl(mu, logvar)
        if mistake == "loss-only":  # the right numbers, but no gradient reaches any parameter
            return float(np.mean(reconstruction + kl)), float(np.mean(reconstruction)), float(np.mean(kl))
        scale = 1.0 if mistake == "summed-gradients" else 1.0 / batch
        grad_mean = (mean - x) / variance * scale
        grad_log_sigma = (batch * values - np.sum((x - mean) ** 2) / variance) * scale
        if mistake != "no-log-sigma-gradient":
            model.log_sigma.grad += grad_log_sigma
        if mistake == "decoder-gradient-sign":
            grad_mean = -grad_mean
        grad_z = model.decoder.backward(grad_mean)
        std = np.exp(0.5 * logvar)
        grad_logvar = 0.5 * (std**2 - 1.0) * scale
        if mistake != "no-path-through-z":
            grad_logvar = grad_logvar + grad_z * 0.5 * std * eps
        grad_mu = mu * scale + grad_z
        if mistake != "no-backward":
            model.encoder.backward(np.concatenate([grad_mu, grad_logvar], axis=1))
        neg_elbo = reconstruction - kl if mistake == "kl-subtracted" else reconstruction + kl
        if mistake == "returns-one-number":
            return float(np.mean(neg_elbo))
        if mistake == "off-by-one":
            neg_elbo = neg_elbo + 1.0
        return float(np.mean(neg_elbo)), float(np.mean(reconstruction)), float(np.mean(kl))

    return loss_and_backward


def test_learner_style_pieces_pass():
    namespace = {
        "reparameterize": make_reparameterize(),
        "gaussian_kl": make_kl(),
        "gaussian_nll": make_nll(),
        "loss_and_backward": make_loss(),
    }
    for piece in FAST_PIECES:
        assert run_piece(piece, namespace).passed, piece


# ----------------------------------------------------------------- mutations: every hint_id
@pytest.mark.parametrize(
    "mistake, hint_id",
    [
        ("std-is-logvar", "reparam-logvar-as-std"),
        ("std-is-exp-logvar", "reparam-logvar-as-std"),
        ("sample-z-directly", "reparam-no-gradient-path"),
        ("forgot-mu", "reparam-mean"),
        ("forgot-std", "reparam-variance"),
        ("z-only", "reparam-returns"),
        ("float64-noise", "reparam-dtype"),
    ],
)
def test_reparameterize_mutations(mistake, hint_id):
    assert_fails_with("reparameterize", {"reparameterize": make_reparameterize(mistake)}, hint_id)


def test_sampling_z_directly_passes_the_moments_but_not_the_gradient_path():
    report = run_piece("reparameterize", {"reparameterize": make_reparameterize("sample-z-directly")})
    assert [result.status for result in report][:2] == [PASS, FAIL]


@pytest.mark.parametrize(
    "mistake, hint_id",
    [
        ("sign", "kl-wrong-sign"),
        ("sum-over-batch", "kl-wrong-axis"),
        ("mean-over-latent", "kl-wrong-axis"),
        ("total", "kl-wrong-axis"),
        ("logvar-is-log-std", "kl-logvar-as-std"),
        ("forgot-minus-one", "kl-mismatch"),
    ],
)
def test_kl_mutations(mistake, hint_id):
    assert_fails_with("gaussian_kl", {"gaussian_kl": make_kl(mistake)}, hint_id)


@pytest.mark.parametrize(
    "mistake, hint_id",
    [
        ("mean-over-pixels", "nll-per-pixel"),
        ("per-pixel-array", "nll-per-pixel"),
        ("no-normaliser", "nll-missing-normaliser"),
        ("sigma-for-variance", "nll-mismatch"),
    ],
)
def test_nll_mutations(mistake, hint_id):
    assert_fails_with("gaussian_nll", {"gaussian_nll": make_nll(mistake)}, hint_id)


@pytest.mark.parametrize(
    "mistake, hint_id",
    [
        ("kl-subtracted", "elbo-kl-subtracted"),
        ("summed-gradients", "elbo-grad-not-averaged"),
        ("no-log-sigma-gradient", "elbo-log-sigma-gradient"),
        ("no-path-through-z", "elbo-encoder-gradient"),
        ("no-backward", "elbo-encoder-gradient"),
        ("decoder-gradient-sign", "elbo-gradient-mismatch"),
        ("returns-one-number", "elbo-returns"),
        ("off-by-one", "elbo-mismatch"),
    ],
)
def test_loss_and_backward_mutations(mistake, hint_id):
    assert_fails_with("loss_and_backward", {"loss_and_backward": make_loss(mistake)}, hint_id)


def test_loss_with_differently_drawn_noise_says_so():
    reparameterize = make_reparameterize("transposed-noise")
    namespace = {"reparameterize": reparameterize, "loss_and_backward": make_loss(reparameterize=reparameterize)}
    assert_fails_with("loss_and_backward", namespace, "elbo-eps-differs")


def test_learner_exception_is_an_error_row():
    def gaussian_kl(mu, logvar):
        return mu @ logvar  # shapes do not align

    (result,) = run_piece("gaussian_kl", {"gaussian_kl": gaussian_kl})
    assert result.status == "error in your code" and "ValueError" in result.measured


# ----------------------------------------------------------------- end to end on real faces
@pytest.mark.slow
@pytest.mark.data
@pytest.mark.parametrize("who", ["reference", "learner-style"])
def test_training_on_faces_passes(who):
    require_dataset("celeba")
    namespace = reference_solutions() if who == "reference" else {"loss_and_backward": make_loss()}
    (result,) = run_piece("train", namespace)
    assert result.status == PASS, result


@pytest.mark.slow
@pytest.mark.data
def test_training_on_faces_without_gradients_fails():
    require_dataset("celeba")
    (result,) = run_piece("train", {"loss_and_backward": make_loss("loss-only")})
    assert result.status == FAIL and result.hint_id == "train-loss-not-decreasing", result
