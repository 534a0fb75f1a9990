"""``EarlyStopping``: stop when the monitored quantity stops improving, and keep the best weights."""

from __future__ import annotations

import math

import numpy as np

from ._monitor import _improved, _read_monitor, _resolve_mode
from .base import Callback


class EarlyStopping(Callback):
    """Stop when a monitored quantity stops improving; keep the best weights.

    After each epoch the monitored value is compared with the best so far.
    An improvement (by more than ``min_delta``) saves a copy of the model's
    weights; ``patience`` epochs in a row without one stop training. When
    ``fit`` ends, the best weights are loaded back into the model.

    Parameters
    ----------
    monitor : str, default "val_loss"
        A key of the epoch logs (see ``History``).
    mode : {"auto", "min", "max"}, default "auto"
        Whether lower or higher is better. ``"auto"`` picks ``"max"`` for
        names ending in ``accuracy``/``acc`` and ``"min"`` otherwise.
    patience : int, default 5
        Epochs without improvement before stopping.
    min_delta : float, default 0.0
        Smallest change that counts as an improvement.
    restore_best_weights : bool, default True
        Load the weights of the best epoch into the model when ``fit`` ends.

    Attributes
    ----------
    best : float
        Best value seen (``inf`` or ``-inf`` before the first epoch).
    best_epoch : int
        Epoch of ``best`` (0 before the first epoch).
    wait : int
        Epochs since the last improvement.
    stopped_epoch : int
        Epoch at which training was stopped (0 if it was not).
    restored : bool
        True when the best weights were loaded back at the end of ``fit``.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        *,
        mode: str = "auto",
        patience: int = 5,
        min_delta: float = 0.0,
        restore_best_weights: bool = True,
    ):
        if int(patience) < 0:
            raise ValueError(f"patience must be >= 0, got {patience}")
        if min_delta < 0:
            raise ValueError(
                f"min_delta must be >= 0 (it is a size, not a direction), got {min_delta}"
            )
        self.monitor = monitor
        self.mode = _resolve_mode(mode, monitor)
        self.patience = int(patience)
        self.min_delta = float(min_delta)
        self.restore_best_weights = restore_best_weights
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = 0
        self.wait = 0
        self.stopped_epoch = 0
        self.restored = False
        self.best_weights: dict[str, np.ndarray] | None = None

    def on_epoch_end(self, trainer, epoch, logs):
        """Compare with the best so far; remember the weights or count patience."""
        value = _read_monitor(logs, self.monitor, "EarlyStopping")
        if _improved(value, self.best, self.mode, self.min_delta):
            self.best = value
            self.best_epoch = epoch
            self.wait = 0
            if self.restore_best_weights:
                self.best_weights = trainer.model.state_dict()  # copies
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            trainer.stop_training = True

    def on_fit_end(self, trainer):
        """Load the best epoch's weights into the model (if asked to)."""
        self.restored = False
        if not self.restore_best_weights or self.best_weights is None:
            return
        if self.best_epoch != trainer.epoch:
            trainer.model.load_state_dict(self.best_weights)
            self.restored = True

    def state_dict(self) -> dict:
        """Counters, best value and (if kept) the best weights, as flat arrays."""
        state = {
            "best": np.array(self.best),
            "best_epoch": np.array(self.best_epoch),
            "wait": np.array(self.wait),
            "stopped_epoch": np.array(self.stopped_epoch),
        }
        for name, array in (self.best_weights or {}).items():
            state[f"best_weights.{name}"] = array
        return state

    def load_state_dict(self, state: dict) -> None:
        """Restore what ``state_dict`` returned."""
        self.best = float(state["best"])
        self.best_epoch = int(state["best_epoch"])
        self.wait = int(state["wait"])
        self.stopped_epoch = int(state["stopped_epoch"])
        prefix = "best_weights."
        weights = {}
        for key, value in state.items():
            if key.startswith(prefix):
                weights[key[len(prefix) :]] = np.array(value)
        self.best_weights = weights or None

    def __repr__(self) -> str:
        return (
            f"EarlyStopping(monitor={self.monitor!r}, mode={self.mode!r}, "
            f"patience={self.patience}, min_delta={self.min_delta})"
        )
