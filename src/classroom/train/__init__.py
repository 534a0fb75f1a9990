"""Training: the loop, its callbacks, resumable checkpoints, and the VAE's loop.

* ``Trainer`` (in ``loop``): forward, loss, backward, step, zero_grad over
  shuffled mini-batches, with validation after each epoch.
* Callbacks (in ``callbacks``): ``History``, ``EarlyStopping``,
  ``ModelCheckpoint``, ``NaNGuard`` (raises ``TrainingDiverged``),
  ``ProgressBar``, ``RecordEvery`` (keeps snapshots every N steps or epochs).
* Checkpoints (in ``checkpoint``): ``save_checkpoint`` / ``load_checkpoint``
  to stop and resume training exactly.
* The VAE's loop (in ``vae``): ``train_vae`` and ``evaluate_vae`` (the
  held-out negative ELBO), for a model that computes its own loss gradient
  on freshly dequantised images.
"""

from .callbacks import (
    Callback,
    EarlyStopping,
    History,
    ModelCheckpoint,
    NaNGuard,
    ProgressBar,
    RecordEvery,
    TrainingDiverged,
)
from .checkpoint import load_checkpoint, save_checkpoint
from .loop import Trainer
from .vae import evaluate_vae, train_vae

__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "ModelCheckpoint",
    "NaNGuard",
    "ProgressBar",
    "RecordEvery",
    "Trainer",
    "TrainingDiverged",
    "evaluate_vae",
    "load_checkpoint",
    "save_checkpoint",
    "train_vae",
]
