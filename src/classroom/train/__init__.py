"""Training: the loop, its callbacks, and resumable checkpoints.

* ``Trainer`` (in ``loop``): forward, loss, backward, step, zero_grad over
  shuffled mini-batches, with validation after each epoch.
* Callbacks (in ``callbacks``): ``History``, ``EarlyStopping``,
  ``ModelCheckpoint``, ``NaNGuard`` (raises ``TrainingDiverged``),
  ``ProgressBar``.
* Checkpoints (in ``checkpoint``): ``save_checkpoint`` / ``load_checkpoint``
  to stop and resume training exactly.
"""

from .callbacks import (
    Callback,
    EarlyStopping,
    History,
    ModelCheckpoint,
    NaNGuard,
    ProgressBar,
    TrainingDiverged,
)
from .checkpoint import load_checkpoint, save_checkpoint
from .loop import Trainer

__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "ModelCheckpoint",
    "NaNGuard",
    "ProgressBar",
    "Trainer",
    "TrainingDiverged",
    "load_checkpoint",
    "save_checkpoint",
]
