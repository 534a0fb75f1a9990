"""Checks for weekend 7: the pieces of a variational autoencoder, and a short run on faces.

The learner writes four functions in ``workbooks/weekend-07.py``:

* ``reparameterize(mu, logvar, rng) -> (z, eps)``;
* ``gaussian_kl(mu, logvar) -> kl`` of shape ``(batch,)``;
* ``gaussian_nll(x, mean, log_sigma) -> nll`` of shape ``(batch,)``;
* ``loss_and_backward(model, x, rng) -> (neg_elbo, reconstruction, kl)``:
  the negative ELBO of a :class:`classroom.models.vae.VAE` and its gradient
  added to every parameter.

Every check compares them with :mod:`classroom.models.vae` (the package is
the truth) on seeded random inputs; the end-to-end check trains a small
``MLPVAE`` on real CelebA faces with the learner's ``loss_and_backward`` and
with the package's, from the same initial weights and seeds.

Each ``check_*`` function below is a registered check body, ``check(ns) -> str``
(see :func:`classroom.check.core.register`).
"""

from __future__ import annotations

import math
import time
from contextlib import nullcontext

import numpy as np

from classroom.check.compare import close
from classroom.check.core import CheckFailed, register

WEEKEND = "weekend-07"

__all__ = ["reference_solutions"]


# --------------------------------------------------------------------------
# Reference solutions (thin wrappers around the package)
# --------------------------------------------------------------------------
def _reference_loss_and_backward(model, x, rng):
    """The package's negative ELBO and backward pass, as a free function.

    Parameters
    ----------
    model : classroom.models.vae.VAE
    x : ndarray of shape (batch, channels, height, width)
    rng : numpy.random.Generator

    Returns
    -------
    neg_elbo, reconstruction, kl : float
        Batch means, nats per image.
    """
    return model.loss_and_backward(x, rng)


def reference_solutions() -> dict[str, object]:
    """Map every stub name of the weekend-7 workbook to the package's implementation.

    Returns
    -------
    dict of str to callable
        ``reparameterize``, ``gaussian_kl``, ``gaussian_nll`` and ``loss_and_backward``.
    """
    from classroom.models.vae import gaussian_kl, gaussian_nll, reparameterize

    return {
        "reparameterize": reparameterize,
        "gaussian_kl": gaussian_kl,
        "gaussian_nll": gaussian_nll,
        "loss_and_backward": _reference_loss_and_backward,
    }


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------
def _as_array(value, what: str, hint_id: str, hint: str) -> np.ndarray:
    """Convert the learner's output to a float64 array, or fail with ``hint_id``."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise CheckFailed(hint_id, f"{what} is not an array of numbers ({type(value).__name__}: {error})", hint) from None
    return array


def _max_abs(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


def _close(a, b, *, rtol: float = 1e-6, atol: float = 1e-8) -> bool:
    """:func:`~classroom.check.compare.close` on float64 copies, by default within 1e-6 relative, 1e-8 absolute."""
    return close(np.asarray(a, np.float64), np.asarray(b, np.float64), atol, rtol)


def _error_against_package(got: np.ndarray, want: np.ndarray) -> str:
    """What a per-example comparison measured: ``"max abs error 3.10e-09 against the package (tolerance ...)"``."""
    return f"max abs error {_max_abs(got, want):.2e} against the package (tolerance 1e-6 relative, 1e-8 absolute)"


def _kl_formula(mu: np.ndarray, variance: np.ndarray, log_variance: np.ndarray) -> np.ndarray:
    return 0.5 * np.sum(mu**2 + variance - log_variance - 1.0, axis=1)


# --------------------------------------------------------------------------
# reparameterize
# --------------------------------------------------------------------------
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


# --------------------------------------------------------------------------
# gaussian_kl
# --------------------------------------------------------------------------
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


# --------------------------------------------------------------------------
# gaussian_nll
# --------------------------------------------------------------------------
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


# --------------------------------------------------------------------------
# loss_and_backward: the ELBO and its gradient
# --------------------------------------------------------------------------
def _tiny_vae():
    """A float64 MLPVAE with 48 values per image and a 3-dimensional latent (seeded weights)."""
    from classroom.models.vae import MLPVAE

    return MLPVAE(image_size=4, channels=3, latent_dim=3, hidden=(8,), rng=3, dtype=np.float64)


def _gradients(model) -> dict[str, np.ndarray]:
    return {name: np.array(parameter.grad, dtype=np.float64) for name, parameter in model.named_parameters()}


def _call_loss(function, model, x, rng):
    out = function(model, x, rng)
    hint = "return the three batch means (neg_elbo, reconstruction, kl) as floats, like VAE.loss_and_backward"
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        raise CheckFailed("elbo-returns", f"loss_and_backward returned {type(out).__name__}, expected 3 numbers", hint)
    try:
        return tuple(float(value) for value in out)
    except (TypeError, ValueError) as error:
        raise CheckFailed("elbo-returns", f"the three values are not numbers ({error})", hint) from None


def _relative_error(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.max(np.abs(got - want)) / max(np.max(np.abs(want)), 1e-12))


@register(
    WEEKEND,
    "loss_and_backward",
    "loss_and_backward: negative ELBO and its gradient",
    needs=["loss_and_backward"],
    compared="the three batch means and every parameter gradient against VAE.loss_and_backward (same weights, same seed)",
)
def check_loss_and_backward(ns) -> str:
    """Run the learner's loss and backward pass and the package's on identical tiny VAEs with the same noise."""
    from classroom.models.vae import dequantize, reparameterize

    data_rng = np.random.default_rng(21)
    x = dequantize(data_rng.integers(0, 256, size=(5, 4, 4, 3), dtype=np.uint8), data_rng, dtype=np.float64)
    reference, learner = _tiny_vae(), _tiny_vae()
    reference.zero_grad()
    want = reference.loss_and_backward(x, np.random.default_rng(13))
    learner.zero_grad()
    got = _call_loss(ns["loss_and_backward"], learner, x.copy(), np.random.default_rng(13))
    want_grads, got_grads = _gradients(reference), _gradients(learner)

    loss_error = max(abs(g - w) / max(abs(w), 1.0) for g, w in zip(got, want))
    if loss_error > 1e-6:
        measured = (
            f"(neg_elbo, reconstruction, kl) = ({got[0]:.4f}, {got[1]:.4f}, {got[2]:.4f}) against the package's "
            f"({want[0]:.4f}, {want[1]:.4f}, {want[2]:.4f}) (tolerance 1e-6 relative)"
        )
        if abs(got[1] - want[1]) <= 1e-6 * max(abs(want[1]), 1.0) and abs(got[2] - want[2]) <= 1e-6 * max(abs(want[2]), 1.0):
            if abs(got[0] - (want[1] - want[2])) <= 1e-6 * max(abs(want[0]), 1.0) or abs(got[0] + want[0]) <= 1e-6 * max(abs(want[0]), 1.0):
                raise CheckFailed(
                    "elbo-kl-subtracted",
                    measured,
                    "the loss is the negative ELBO: reconstruction + kl (the ELBO itself subtracts the KL from the "
                    "log-likelihood, so its negative adds it).",
                )
        learner_eps_same = True
        if "reparameterize" in ns:
            mu = np.zeros((5, 3))
            _, eps_learner = ns["reparameterize"](mu, mu, np.random.default_rng(13))
            _, eps_package = reparameterize(mu, mu, np.random.default_rng(13))
            learner_eps_same = np.asarray(eps_learner).shape == eps_package.shape and np.allclose(eps_learner, eps_package)
        if not learner_eps_same:
            raise CheckFailed(
                "elbo-eps-differs",
                f"{measured}; your reparameterize draws different noise from the same seed",
                "draw the noise as eps = rng.standard_normal(mu.shape) (one call, mu's shape), so that the check "
                "can compare your loss with the package's on the same eps.",
            )
        raise CheckFailed(
            "elbo-mismatch",
            measured,
            "pass gaussian_nll the decoder's output and model.log_sigma, and gaussian_kl the encoder's mu and logvar "
            "(first and second half of the encoder output); check those pieces' own rows first.",
        )

    groups = {
        "decoder": [name for name in want_grads if name.startswith("decoder.")],
        "encoder": [name for name in want_grads if name.startswith("encoder.")],
        "log_sigma": [name for name in want_grads if name == "log_sigma"],
    }
    errors = {
        group: max(_relative_error(got_grads[name], want_grads[name]) for name in names)
        for group, names in groups.items()
    }
    measured = (
        "loss matches; max relative gradient error: "
        + ", ".join(f"{group} {error:.1e}" for group, error in errors.items())
        + " (tolerance 1e-5)"
    )
    if all(error <= 1e-5 for error in errors.values()):
        return measured
    batch = x.shape[0]
    scaled = [
        _close(got_grads[name], batch * want_grads[name], rtol=1e-5, atol=1e-10) for name in want_grads
    ]
    if all(scaled):
        raise CheckFailed(
            "elbo-grad-not-averaged",
            f"{measured}; every gradient is {batch} (the batch size) times the package's",
            "the loss is the batch mean, so divide every gradient by the batch size: (mean - x) / (sigma**2 * B), "
            "mu / B, 0.5 * (exp(logvar) - 1) / B.",
        )
    if errors["log_sigma"] > 1e-5 and errors["decoder"] <= 1e-5 and errors["encoder"] <= 1e-5:
        raise CheckFailed(
            "elbo-log-sigma-gradient",
            measured,
            "log_sigma is learned too: add sum(D - (x - mean)**2 / sigma**2) / B to model.log_sigma.grad.",
        )
    if errors["encoder"] > 1e-5 and errors["decoder"] <= 1e-5:
        raise CheckFailed(
            "elbo-encoder-gradient",
            measured,
            "the encoder gets two contributions: through z (dL/dmu = dL/dz, dL/dlogvar = dL/dz * 0.5 * exp(0.5 * logvar) * eps) "
            "and from the KL (mu / B, 0.5 * (exp(logvar) - 1) / B); add both before encoder.backward.",
        )
    raise CheckFailed(
        "elbo-gradient-mismatch",
        measured,
        "start at the decoder output: dL/dmean = (mean - x) / (sigma**2 * B), pass it to decoder.backward, then through "
        "z = mu + std * eps to the encoder.",
    )


# --------------------------------------------------------------------------
# End to end: a short run on real faces
# --------------------------------------------------------------------------
_FACES_SIZE = 32
_FACES_TRAIN = 2000
_FACES_HELD_OUT = 200
_FACES_EPOCHS = 5
_FACES_BATCH = 64


def _one_blas_thread():
    """Limit NumPy's matrix library to one thread while the check trains (restored afterwards).

    Batches of 64 small images are too small to share across cores: on a
    shared two-core machine the run took 51-80 s with the default threads and
    about 6 s with one. Needs ``threadpoolctl`` (it comes with scikit-learn);
    without it the library's own choice is kept.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _train_faces(loss_and_backward, train_images, held_out_images):
    """Train a seeded MLPVAE with Adam for a few epochs; return held-out -ELBO before/after and per-epoch train losses."""
    from classroom.models.vae import MLPVAE, dequantize, evaluate_vae
    from classroom.optim import Adam

    model = MLPVAE(image_size=_FACES_SIZE, channels=3, latent_dim=16, hidden=(256,), rng=0)
    before = evaluate_vae(model, held_out_images, rng=np.random.default_rng(1))["neg_elbo"]
    optimizer = Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    epoch_losses = []
    for _ in range(_FACES_EPOCHS):
        order = rng.permutation(len(train_images))
        losses = []
        for first in range(0, len(order) - _FACES_BATCH + 1, _FACES_BATCH):
            x = dequantize(train_images[order[first : first + _FACES_BATCH]], rng, dtype=model.dtype)
            model.zero_grad()
            neg_elbo = float(loss_and_backward(model, x, rng)[0])
            if not math.isfinite(neg_elbo):
                return before, math.nan, epoch_losses + [neg_elbo]
            optimizer.step()
            losses.append(neg_elbo)
        epoch_losses.append(float(np.mean(losses)))
    after = evaluate_vae(model, held_out_images, rng=np.random.default_rng(1))["neg_elbo"]
    return before, after, epoch_losses


@register(
    WEEKEND,
    "train",
    "train: a short VAE run on CelebA faces",
    needs=["loss_and_backward"],
    compared=(
        f"held-out -ELBO of an MLPVAE after {_FACES_EPOCHS} epochs on {_FACES_TRAIN:,} real {_FACES_SIZE}x{_FACES_SIZE} "
        "CelebA faces with your loss_and_backward, against the same run with the package's"
    ),
    timeout=300.0,
)
def check_train_faces(ns) -> str:
    """Train with the learner's loss and with the package's; the learner's must improve at least 90% as much."""
    from classroom.data import load_celeba

    # One call on a tiny batch first: an unwritten stub says so even without the faces.
    tiny = _tiny_vae()
    tiny.zero_grad()
    ns["loss_and_backward"](tiny, np.full((2, 3, 4, 4), 0.5), np.random.default_rng(0))
    faces = load_celeba(size=_FACES_SIZE, limit=_FACES_TRAIN + _FACES_HELD_OUT)
    train_images, held_out = faces[:_FACES_TRAIN], faces[_FACES_TRAIN:]
    with _one_blas_thread():
        started = time.perf_counter()
        before, after, losses = _train_faces(ns["loss_and_backward"], train_images, held_out)
        seconds = time.perf_counter() - started
        _, reference_after, _ = _train_faces(_reference_loss_and_backward, train_images, held_out)
    reference_gain = before - reference_after
    gain = before - after if math.isfinite(after) else -math.inf
    measured = (
        f"held-out -ELBO {before:,.0f} -> {after:,.0f} nats per face with yours, -> {reference_after:,.0f} with the "
        f"package's; train loss per epoch {', '.join(f'{loss:,.0f}' for loss in losses)} "
        f"(your run {seconds:.1f} s; yours must improve at least 90% as much as the package's)"
    )
    if not gain >= 0.9 * reference_gain or len(losses) < 2 or not losses[-1] < losses[0]:
        raise CheckFailed(
            "train-loss-not-decreasing",
            measured,
            "make the fast loss_and_backward row pass first; a loss that stalls or grows usually means gradients "
            "that are missing, of the wrong sign, or not added to parameter.grad.",
        )
    return measured
