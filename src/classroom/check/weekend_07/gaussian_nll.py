"""Weekend 7's ``gaussian_nll`` check: the Gaussian negative log-likelihood per image, shape ``(batch,)``.

A wrong result is diagnosed (an average over the pixels, the normaliser left out).
"""

from __future__ import annotations

import math

import numpy as np

from classroom.check.core import CheckFailed, register

from .reference import WEEKEND, _as_array, _close, _error_against_package


@register(
    WEEKEND,
    "gaussian_nll",
    "gaussian_nll: Gaussian likelihood, per image",
    needs=["gaussian_nll"],
    compared="gaussian_nll(x, mean, log_sigma) against classroom.models.vae.gaussian_nll on (5, 3, 4, 4) images",
)
def check_gaussian_nll(ns) -> str:
    """Compare the learner's negative log-likelihood with the package's for 5 images of 3x4x4 values."""
    from classroom.models.vae import LOG_2PI, gaussian_nll

    rng = np.random.default_rng(8)
    x = rng.random((5, 3, 4, 4))
    mean = x + rng.normal(scale=0.2, size=x.shape)
    log_sigma = -1.3
    want = gaussian_nll(x, mean, log_sigma)
    got = _as_array(
        ns["gaussian_nll"](x.copy(), mean.copy(), log_sigma),
        "gaussian_nll's result",
        "nll-mismatch",
        "return one value per image: an array of shape (batch,).",
    )
    per_pixel_hint = (
        "sum over every value of an image (D = channels * height * width of them), do not average: the ELBO is "
        "per image, and an average makes the reconstruction term D times too weak next to the KL."
    )
    if got.shape != want.shape:
        raise CheckFailed(
            "nll-per-pixel",
            f"result has shape {got.shape}, expected {want.shape} (one value per image)",
            per_pixel_hint,
        )
    measured = _error_against_package(got, want)
    if _close(got, want):
        return measured
    values = x[0].size
    squared = ((x - mean) ** 2).reshape(len(x), -1).sum(axis=1)
    variance = math.exp(2 * log_sigma)
    if _close(got, want / values) or _close(got, squared / values / (2 * variance) + log_sigma + 0.5 * LOG_2PI):
        raise CheckFailed("nll-per-pixel", f"{measured}; your values equal the average over the {values} pixel values", per_pixel_hint)
    if _close(got, squared / (2 * variance)) or _close(got, squared / (2 * variance) + values * log_sigma):
        raise CheckFailed(
            "nll-missing-normaliser",
            f"{measured}; your values lack the normalising terms D*log(sigma) + D/2*log(2*pi)",
            "a density needs its normaliser: add D * log_sigma + D / 2 * log(2 pi), with D the values per image; "
            "without D*log(sigma) the learned sigma would grow without limit.",
        )
    raise CheckFailed(
        "nll-mismatch",
        measured,
        "compute sum((x - mean)**2) / (2 sigma**2) + D log(sigma) + D/2 log(2 pi) per image, with sigma = exp(log_sigma).",
    )
