"""Weekend 7's ``loss_and_backward`` check: the negative ELBO and every parameter gradient against the package.

The learner's function and ``VAE.loss_and_backward`` run on identical tiny
VAEs (``_tiny_vae``: 48 values per image, a 3-dimensional latent) with the
same noise.
"""

from __future__ import annotations

import numpy as np

from classroom.check.core import CheckFailed, register

from .reference import WEEKEND, _close


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
