"""Weekend 7's ``reparameterize`` checks: the mean and variance of z, the gradient path to mu and logvar, the dtype.

``reparameterize(mu, logvar, rng)`` returns ``(z, eps)``, both of mu's shape ``(batch, latent)``.
"""

from __future__ import annotations

import math

import numpy as np

from classroom.check.core import CheckFailed, register

from .reference import WEEKEND, _as_array, _max_abs


_REPARAM_SAMPLES = 20_000
_REPARAM_MU = np.array([0.5, -1.0, 2.0, 0.0])
_REPARAM_LOGVAR = np.array([-2.0, -0.5, 0.3, 1.2])


def _call_reparameterize(function, mu, logvar, rng, *, keep_dtype: bool = False):
    """Call the learner's reparameterize and check it returns ``(z, eps)`` of mu's shape.

    Returns float64 copies, or the arrays in their own dtype with ``keep_dtype=True``.
    """
    out = function(mu, logvar, rng)
    hint = "return a pair (z, eps): z = mu + exp(0.5 * logvar) * eps, and the noise eps you drew"
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise CheckFailed("reparam-returns", f"reparameterize returned {type(out).__name__}, expected a pair (z, eps)", hint)
    if keep_dtype:
        z, eps = np.asarray(out[0]), np.asarray(out[1])
    else:
        z = _as_array(out[0], "z", "reparam-returns", hint)
        eps = _as_array(out[1], "eps", "reparam-returns", hint)
    if z.shape != mu.shape or eps.shape != mu.shape:
        raise CheckFailed(
            "reparam-returns",
            f"z has shape {z.shape} and eps {eps.shape}, expected both {mu.shape} (the shape of mu)",
            hint,
        )
    return z, eps


@register(
    WEEKEND,
    "reparameterize",
    "reparameterize: mean and variance of z",
    needs=["reparameterize"],
    compared=f"mean and variance of {_REPARAM_SAMPLES:,} samples per latent unit against mu and exp(logvar)",
)
def check_reparameterize_moments(ns) -> str:
    """Sample ``z`` many times for four (mu, logvar) pairs; compare the moments with mu and exp(logvar)."""
    mu = np.tile(_REPARAM_MU, (_REPARAM_SAMPLES, 1))
    logvar = np.tile(_REPARAM_LOGVAR, (_REPARAM_SAMPLES, 1))
    z, _ = _call_reparameterize(ns["reparameterize"], mu, logvar, np.random.default_rng(7))
    mean, variance = z.mean(axis=0), z.var(axis=0)
    want_var = np.exp(_REPARAM_LOGVAR)
    # 5 standard errors: a correct sampler misses by chance with probability < 1e-5 per unit.
    mean_tol = 5.0 * np.sqrt(want_var / _REPARAM_SAMPLES)
    var_tol = 5.0 * want_var * math.sqrt(2.0 / _REPARAM_SAMPLES)
    var_rel = np.abs(variance / want_var - 1.0)
    measured = (
        f"sample variance {np.round(variance, 3).tolist()} against exp(logvar) {np.round(want_var, 3).tolist()} "
        f"(max relative error {var_rel.max():.3f}, tolerance {var_tol.max() / want_var.max():.3f}); "
        f"sample mean off by up to {np.max(np.abs(mean - _REPARAM_MU)):.3f}"
    )
    if np.any(np.abs(variance - want_var) > var_tol):
        for wrong, how in (
            (_REPARAM_LOGVAR**2, "std = logvar"),
            (np.exp(2.0 * _REPARAM_LOGVAR), "std = exp(logvar)"),
            (np.exp(0.5 * _REPARAM_LOGVAR), "variance = exp(0.5 * logvar)"),
        ):
            if np.all(np.abs(variance / wrong - 1.0) < 0.05):
                raise CheckFailed(
                    "reparam-logvar-as-std",
                    f"{measured}; the variance matches {how}",
                    "logvar is the log of the variance, so the standard deviation is exp(0.5 * logvar): "
                    "use z = mu + np.exp(0.5 * logvar) * eps.",
                )
        raise CheckFailed(
            "reparam-variance",
            measured,
            "z should vary around mu with variance exp(logvar): z = mu + np.exp(0.5 * logvar) * eps "
            "with eps = rng.standard_normal(mu.shape).",
        )
    if np.any(np.abs(mean - _REPARAM_MU) > mean_tol):
        raise CheckFailed(
            "reparam-mean",
            f"sample mean {np.round(mean, 3).tolist()} against mu {_REPARAM_MU.tolist()} "
            f"(tolerance 5 standard errors, up to {mean_tol.max():.3f})",
            "z should be centred on mu: add mu to the scaled noise (z = mu + std * eps).",
        )
    return measured


@register(
    WEEKEND,
    "reparameterize",
    "reparameterize: gradient path to mu and logvar",
    needs=["reparameterize"],
    compared="z against mu + exp(0.5*logvar)*eps for the eps returned, and finite differences dz/dmu, dz/dlogvar",
)
def check_reparameterize_gradient_path(ns) -> str:
    """z must be computed from the returned eps, so dz/dmu = 1 and dz/dlogvar = 0.5 * std * eps."""
    function = ns["reparameterize"]
    rng = np.random.default_rng(3)
    mu = rng.normal(size=(6, 5))
    logvar = rng.normal(scale=0.7, size=(6, 5))
    z, eps = _call_reparameterize(function, mu, logvar, np.random.default_rng(11))
    identity_error = _max_abs(z, mu + np.exp(0.5 * logvar) * eps)
    h = 1e-6
    z_mu, _ = _call_reparameterize(function, mu + h, logvar, np.random.default_rng(11))
    z_lv, _ = _call_reparameterize(function, mu, logvar + h, np.random.default_rng(11))
    dz_dmu = (z_mu - z) / h
    dz_dlogvar = (z_lv - z) / h
    mu_error = _max_abs(dz_dmu, 1.0)
    logvar_error = _max_abs(dz_dlogvar, 0.5 * np.exp(0.5 * logvar) * eps)
    measured = (
        f"max |z - (mu + exp(0.5 logvar) eps)| = {identity_error:.2e} (tolerance 1e-9); "
        f"finite-difference dz/dmu off by {mu_error:.2e}, dz/dlogvar off by {logvar_error:.2e} (tolerance 1e-4)"
    )
    if identity_error > 1e-9 or mu_error > 1e-4 or logvar_error > 1e-4:
        raise CheckFailed(
            "reparam-no-gradient-path",
            measured,
            "draw only the noise, eps = rng.standard_normal(mu.shape), and compute z = mu + np.exp(0.5 * logvar) * eps "
            "from it; sampling z directly (or returning a different eps) leaves no gradient path to mu and logvar.",
        )
    return measured


@register(
    WEEKEND,
    "reparameterize",
    "reparameterize: keeps mu's dtype",
    needs=["reparameterize"],
    compared="dtype of z and eps for float32 mu and logvar (the models train in float32)",
)
def check_reparameterize_dtype(ns) -> str:
    """float32 in, float32 out: a float64 z would make the float32 decoder refuse it."""
    mu = np.zeros((3, 2), dtype=np.float32)
    z, eps = _call_reparameterize(ns["reparameterize"], mu, mu.copy(), np.random.default_rng(0), keep_dtype=True)
    z_dtype, eps_dtype = z.dtype, eps.dtype
    measured = f"float32 mu gave z of dtype {z_dtype} and eps of dtype {eps_dtype}"
    if z_dtype != np.float32 or eps_dtype != np.float32:
        raise CheckFailed(
            "reparam-dtype",
            measured,
            "rng.standard_normal gives float64; cast the noise to mu's dtype, "
            "eps = rng.standard_normal(mu.shape).astype(mu.dtype), so z stays float32 for a float32 decoder.",
        )
    return measured
