"""Train a VAE and measure its held-out ELBO: ``train_vae`` and ``evaluate_vae``.

A VAE's loss is not a function of ``(outputs, targets)`` like the losses
``Trainer`` (in :mod:`classroom.train.loop`) takes: each step draws fresh
noise twice, once to dequantise the 8-bit images and once for ``z``, and the
model computes its own gradient (``VAE.loss_and_backward``). So it has this
short loop of its own::

    for every epoch:
        for every shuffled batch of uint8 images (the last partial one dropped):
            x = dequantize(batch)                   # (batch, channels, height, width) in [0, 1)
            model.zero_grad()
            model.loss_and_backward(x, rng)         # negative ELBO, nats per image
            optimizer.step()                        # Adam
        evaluate_vae(model, held_out_images)        # held-out negative ELBO and bits/dim

The formulas are in :mod:`classroom.models.elbo`, the models in
:mod:`classroom.models.vae`.
"""

from __future__ import annotations

import time

import numpy as np

from ..models.elbo import bits_per_dim, dequantize
from ..models.vae_base import VAE
from ..nn.init import as_generator
from ..optim import Adam

__all__ = ["evaluate_vae", "train_vae"]


def evaluate_vae(model: VAE, images: np.ndarray, *, rng: np.random.Generator, batch_size: int = 256) -> dict:
    """Average negative ELBO of 8-bit images (dequantised), in nats and bits per dimension.

    One sample of ``z`` and one dequantisation per image: an unbiased
    estimate of the average negative ELBO.

    Parameters
    ----------
    model : classroom.models.vae_base.VAE
        Any VAE, e.g. ``ConvVAE`` or ``MLPVAE`` from :mod:`classroom.models.vae`.
    images : ndarray of shape (n, height, width, channels), uint8
    rng : int or numpy.random.Generator
        Source of the dequantisation and reparameterisation noise.
    batch_size : int, default 256

    Returns
    -------
    dict
        ``neg_elbo``, ``reconstruction``, ``kl`` (nats per image) and
        ``bits_per_dim`` (see :func:`classroom.models.elbo.bits_per_dim`).
    """
    rng = as_generator(rng)
    totals = np.zeros(3)
    was_training = model.training
    model.eval()
    try:
        for start in range(0, len(images), batch_size):
            x = dequantize(images[start : start + batch_size], rng, dtype=model.dtype)
            neg_elbo, reconstruction, kl = model.negative_elbo(x, rng)
            totals += [neg_elbo.sum(), reconstruction.sum(), kl.sum()]
    finally:
        model.train(was_training)
    neg_elbo, reconstruction, kl = totals / len(images)
    return {
        "neg_elbo": float(neg_elbo),
        "reconstruction": float(reconstruction),
        "kl": float(kl),
        "bits_per_dim": bits_per_dim(float(neg_elbo), model.values_per_example),
    }


def train_vae(
    model: VAE,
    train_images: np.ndarray,
    held_out_images: np.ndarray,
    *,
    epochs: int,
    batch_size: int = 64,
    lr: float = 1e-3,
    rng: np.random.Generator,
    log=print,
    on_epoch=None,
    max_seconds: float | None = None,
    kl_warmup_steps: int = 0,
) -> dict:
    """Train with Adam on the negative ELBO; evaluate on held-out images after every epoch.

    Parameters
    ----------
    model : classroom.models.vae_base.VAE
        Trained in place.
    train_images, held_out_images : ndarray of shape (n, height, width, channels), uint8
    epochs : int
    batch_size : int, default 64
    lr : float, default 1e-3
        Adam's learning rate.
    rng : int or numpy.random.Generator
        Shuffling, dequantisation and reparameterisation noise.
    log : callable or None, default print
        Called with one line of text per epoch.
    on_epoch : callable, optional
        ``on_epoch(epoch, history)`` after each epoch (e.g. to save images).
    max_seconds : float, optional
        Time budget: stop before an epoch that would end after ``max_seconds``
        (estimated from the slowest epoch so far). Default None: no limit.
    kl_warmup_steps : int, default 0
        KL warm-up: the KL term's weight in the gradient grows linearly from
        ``1 / kl_warmup_steps`` at the first step to 1 after
        ``kl_warmup_steps`` steps (0: always 1). The recorded losses are the
        true negative ELBO either way.

    Returns
    -------
    dict of lists
        Per epoch: ``epoch``, ``train_neg_elbo``, ``train_reconstruction``,
        ``train_kl``, ``held_out_neg_elbo``, ``held_out_reconstruction``,
        ``held_out_kl``, ``held_out_bits_per_dim``, ``sigma``, ``seconds``
        (training time of the epoch); per batch: ``batch_neg_elbo``,
        ``batch_reconstruction``, ``batch_kl``. All in nats per image.
    """
    rng = as_generator(rng)
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    if kl_warmup_steps < 0:
        raise ValueError(f"kl_warmup_steps must be >= 0, got {kl_warmup_steps}")
    if len(train_images) < batch_size:
        raise ValueError(f"need at least batch_size={batch_size} training images, got {len(train_images)}")
    optimizer = Adam(model.parameters(), lr=lr)
    keys = ["epoch", "train_neg_elbo", "train_reconstruction", "train_kl", "held_out_neg_elbo",
            "held_out_reconstruction", "held_out_kl", "held_out_bits_per_dim", "sigma", "seconds",
            "batch_neg_elbo", "batch_reconstruction", "batch_kl"]
    history: dict = {key: [] for key in keys}
    dtype = model.dtype
    model.train()
    run_start = time.perf_counter()
    step = 0
    for epoch in range(1, epochs + 1):
        if max_seconds is not None and history["seconds"]:
            elapsed = time.perf_counter() - run_start
            if elapsed + max(history["seconds"]) > max_seconds:
                if log is not None:
                    log(f"stopping after {epoch - 1} epochs: the time budget of {max_seconds:.0f} s is nearly used")
                break
        start = time.perf_counter()
        order = rng.permutation(len(train_images))
        sums = np.zeros(3)
        count = 0
        for first in range(0, len(order) - batch_size + 1, batch_size):  # drop the last partial batch
            x = dequantize(train_images[order[first : first + batch_size]], rng, dtype=dtype)
            model.zero_grad()
            step += 1
            kl_weight = 1.0 if step >= kl_warmup_steps else step / kl_warmup_steps
            neg_elbo, reconstruction, kl = model.loss_and_backward(x, rng, kl_weight=kl_weight)
            optimizer.step()
            history["batch_neg_elbo"].append(neg_elbo)
            history["batch_reconstruction"].append(reconstruction)
            history["batch_kl"].append(kl)
            sums += [neg_elbo * len(x), reconstruction * len(x), kl * len(x)]
            count += len(x)
        seconds = time.perf_counter() - start
        held_out = evaluate_vae(model, held_out_images, rng=rng)
        history["epoch"].append(epoch)
        history["train_neg_elbo"].append(float(sums[0] / count))
        history["train_reconstruction"].append(float(sums[1] / count))
        history["train_kl"].append(float(sums[2] / count))
        history["held_out_neg_elbo"].append(held_out["neg_elbo"])
        history["held_out_reconstruction"].append(held_out["reconstruction"])
        history["held_out_kl"].append(held_out["kl"])
        history["held_out_bits_per_dim"].append(held_out["bits_per_dim"])
        history["sigma"].append(model.sigma)
        history["seconds"].append(seconds)
        if log is not None:
            log(
                f"epoch {epoch:3d}  train -ELBO {sums[0] / count:10.1f}  held-out -ELBO "
                f"{held_out['neg_elbo']:10.1f} nats ({held_out['bits_per_dim']:.3f} bits/dim)  "
                f"KL {held_out['kl']:6.1f}  sigma {model.sigma:.4f}  {seconds:6.1f} s"
            )
        if on_epoch is not None:
            on_epoch(epoch, history)
    return history
