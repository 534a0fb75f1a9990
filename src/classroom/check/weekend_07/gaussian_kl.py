"""Weekend 7's ``gaussian_kl`` check: the closed-form KL per example, shape ``(batch,)``, against the package.

A wrong result is diagnosed (the sign, the axis, logvar taken for a standard deviation).
"""

from __future__ import annotations

import numpy as np

from classroom.check.core import CheckFailed, register

from .reference import WEEKEND, _as_array, _close, _error_against_package


def _kl_formula(mu: np.ndarray, variance: np.ndarray, log_variance: np.ndarray) -> np.ndarray:
    return 0.5 * np.sum(mu**2 + variance - log_variance - 1.0, axis=1)


@register(
    WEEKEND,
    "gaussian_kl",
    "gaussian_kl: closed form, per example",
    needs=["gaussian_kl"],
    compared="gaussian_kl(mu, logvar) against classroom.models.vae.gaussian_kl on (7, 4) random inputs",
)
def check_gaussian_kl(ns) -> str:
    """Compare the learner's KL with the package on a batch of 7 examples with 4 latent units."""
    from classroom.models.vae import gaussian_kl

    rng = np.random.default_rng(5)
    batch, latent = 7, 4
    mu = rng.normal(size=(batch, latent))
    logvar = rng.normal(scale=0.8, size=(batch, latent))
    want = gaussian_kl(mu, logvar)
    got = _as_array(
        ns["gaussian_kl"](mu.copy(), logvar.copy()),
        "gaussian_kl's result",
        "kl-mismatch",
        "return one KL value per example: an array of shape (batch,).",
    )
    axis_hint = (
        "sum over the latent dimensions only (axis=1) and keep one value per example: the result has shape (batch,); "
        "the batch mean is taken later, in the loss."
    )
    if got.shape != want.shape:
        raise CheckFailed(
            "kl-wrong-axis",
            f"result has shape {got.shape}, expected {want.shape} for mu of shape {mu.shape}",
            axis_hint,
        )
    measured = _error_against_package(got, want)
    if _close(got, want):
        return measured
    if _close(got, -want):
        raise CheckFailed(
            "kl-wrong-sign",
            f"{measured}; your values are the negative of the KL (a KL divergence is never negative)",
            "KL = 0.5 * sum(mu**2 + exp(logvar) - logvar - 1): check the sign in front and of each term.",
        )
    if _close(got, want / latent):
        raise CheckFailed(
            "kl-wrong-axis",
            f"{measured}; your values equal the KL averaged over the {latent} latent units instead of summed",
            axis_hint,
        )
    log_std_as_logvar = _kl_formula(mu, np.exp(2.0 * logvar), 2.0 * logvar)
    with np.errstate(divide="ignore", invalid="ignore"):
        std_as_logvar = _kl_formula(mu, logvar**2, np.log(logvar**2))
    if _close(got, log_std_as_logvar) or _close(got, std_as_logvar):
        raise CheckFailed(
            "kl-logvar-as-std",
            f"{measured}; your values match the KL with logvar treated as a (log) standard deviation",
            "logvar is log(sigma**2) already: the variance is exp(logvar) and log(sigma**2) is logvar itself.",
        )
    raise CheckFailed(
        "kl-mismatch",
        measured,
        "compare term by term with KL = 0.5 * sum(mu**2 + exp(logvar) - logvar - 1, axis=1).",
    )
