"""Weekend 7's end-to-end check: a short VAE run on real CelebA faces with the learner's ``loss_and_backward``.

An ``MLPVAE`` trained for a few epochs with the learner's loss and with the
package's, from the same weights and seeds; the learner's must improve the
held-out -ELBO at least 90% as much.
"""

from __future__ import annotations

import math
import time
from contextlib import nullcontext

import numpy as np

from classroom.check.core import CheckFailed, register

from .loss_and_backward import _tiny_vae
from .reference import WEEKEND, _reference_loss_and_backward


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
