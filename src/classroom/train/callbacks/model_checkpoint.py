"""``ModelCheckpoint``: save a resumable checkpoint at the end of epochs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ._monitor import _improved, _read_monitor, _resolve_mode
from .base import Callback


class ModelCheckpoint(Callback):
    """Save a full training checkpoint at the end of epochs.

    The checkpoint (see ``classroom.train.checkpoint``) holds the model,
    optimizer, scheduler and callback states, the counters, the history and
    the random-generator state, so ``trainer.load_checkpoint(path)`` resumes
    exactly where training stopped.

    Parameters
    ----------
    path : str or os.PathLike
        Where to save. May contain ``{epoch}``, e.g. ``"ckpt-{epoch:03d}.npz"``,
        to keep one file per epoch; otherwise the file is overwritten
        (atomically) each time.
    monitor : str, optional
        With ``save_best_only``, the logs key that decides what "best" is.
        Default ``"val_loss"``.
    mode : {"auto", "min", "max"}, default "auto"
        As in ``EarlyStopping``.
    save_best_only : bool, default False
        Save only when ``monitor`` improves.
    every_n_epochs : int, default 1
        Save every n-th epoch.

    Attributes
    ----------
    last_path : pathlib.Path or None
        The most recent file written.
    """

    order = 100  # after every other callback, so their state is up to date

    def __init__(
        self,
        path,
        *,
        monitor: str | None = None,
        mode: str = "auto",
        save_best_only: bool = False,
        every_n_epochs: int = 1,
    ):
        if int(every_n_epochs) < 1:
            raise ValueError(f"every_n_epochs must be >= 1, got {every_n_epochs}")
        self.path = str(path)
        self.save_best_only = save_best_only
        self.monitor = monitor or "val_loss"
        self.mode = _resolve_mode(mode, self.monitor)
        self.every_n_epochs = int(every_n_epochs)
        self.best = math.inf if self.mode == "min" else -math.inf
        self.last_path: Path | None = None

    def on_epoch_end(self, trainer, epoch, logs):
        """Save if this epoch is due (and, with ``save_best_only``, improved)."""
        if epoch % self.every_n_epochs != 0:
            return
        if self.save_best_only:
            value = _read_monitor(logs, self.monitor, "ModelCheckpoint")
            if not _improved(value, self.best, self.mode, 0.0):
                return
            self.best = value
        path = Path(self.path.format(epoch=epoch))
        trainer.save_checkpoint(path)
        self.last_path = path

    def state_dict(self) -> dict:
        """The best monitored value so far."""
        return {"best": np.array(self.best)}

    def load_state_dict(self, state: dict) -> None:
        """Restore what ``state_dict`` returned."""
        self.best = float(state["best"])
