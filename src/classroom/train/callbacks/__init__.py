"""Callbacks: small objects the training loop calls at fixed moments.

The loop in ``classroom.train.loop`` stays short and readable; everything
optional (recording history, stopping early, saving checkpoints, watching
for NaN, drawing progress bars, recording snapshots) lives here as a ``Callback``, one module each. The hooks, in
the order the loop calls them::

    on_fit_start(trainer)
    for each epoch:
        on_epoch_start(trainer, epoch)
        for each mini-batch:
            (forward, loss, backward)
            on_after_backward(trainer, loss)      # gradients are ready
            (optimizer.step, zero_grad)
            on_batch_end(trainer, logs)           # logs = {"loss": ..., "batch": ...}
        on_epoch_end(trainer, epoch, logs)        # logs = {"loss": ..., "val_loss": ...}
    on_fit_end(trainer)

Epochs are numbered from 1. A callback stops training by setting
``trainer.stop_training = True``. Callbacks run sorted by their ``order``
(lower first; ties keep the order you passed them in): ``History`` records
first and ``ModelCheckpoint`` saves last, so a checkpoint captures every
other callback's state for that epoch.
"""

from .base import Callback
from .early_stopping import EarlyStopping
from .history import History
from .model_checkpoint import ModelCheckpoint
from .nan_guard import NaNGuard, TrainingDiverged
from .progress import ProgressBar
from .record_every import RecordEvery

__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "ModelCheckpoint",
    "NaNGuard",
    "ProgressBar",
    "RecordEvery",
    "TrainingDiverged",
]
