"""Callbacks: small objects the training loop calls at fixed moments.

The loop in ``classroom.train.loop`` stays short and readable; everything
optional (recording history, stopping early, saving checkpoints, watching
for NaN, drawing progress bars) lives here as a ``Callback``. The hooks, in
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

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "ModelCheckpoint",
    "NaNGuard",
    "ProgressBar",
    "TrainingDiverged",
]


class Callback:
    """Base class: every hook does nothing until a subclass overrides it.

    Attributes
    ----------
    order : int
        Callbacks run sorted by ``order`` (lower first). Default 0.
    """

    order = 0

    def on_fit_start(self, trainer) -> None:
        """Called once when ``fit`` starts."""

    def on_epoch_start(self, trainer, epoch: int) -> None:
        """Called before the first mini-batch of ``epoch`` (numbered from 1)."""

    def on_after_backward(self, trainer, loss: float) -> None:
        """Called after the backward pass, before ``optimizer.step()``."""

    def on_batch_end(self, trainer, logs: dict) -> None:
        """Called after each optimizer step; ``logs`` holds ``loss`` and ``batch``."""

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        """Called after validation; ``logs`` holds this epoch's losses and metrics."""

    def on_fit_end(self, trainer) -> None:
        """Called once when ``fit`` finishes normally (also after early stopping)."""

    def on_exception(self, trainer, error: BaseException) -> None:
        """Called when ``fit`` is interrupted by an exception, before it propagates."""

    def state_dict(self) -> dict:
        """Return the state needed to resume, as a flat dict of str -> ndarray.

        Saved in training checkpoints. Default: no state.
        """
        return {}

    def load_state_dict(self, state: dict) -> None:
        """Restore what ``state_dict`` returned. Default: nothing to restore."""


# --------------------------------------------------------------------------
# History
# --------------------------------------------------------------------------
class History(Callback):
    """Per-epoch record of training and validation losses and metrics.

    The trainer always has one, as ``trainer.history``; ``fit`` returns it.
    Keys follow Keras: ``"loss"``, ``"accuracy"``, ``"val_loss"``,
    ``"val_accuracy"`` (and ``"lr"`` when the optimizer has a learning rate).

    Attributes
    ----------
    epochs : list of int
        Epoch numbers recorded, from 1.
    values : dict of str to list of float or None
        One list per key, aligned with ``epochs``. ``None`` marks an epoch in
        which the key was not measured (for example no validation data).

    Examples
    --------
    >>> history = History()
    >>> history.record(1, {"loss": 0.9, "val_loss": 1.0})
    >>> history.record(2, {"loss": 0.5, "val_loss": 0.7})
    >>> history["loss"]
    [0.9, 0.5]
    >>> history.to_dict()["epoch"]
    [1, 2]
    """

    order = -100

    def __init__(self):
        self.epochs: list[int] = []
        self.values: dict[str, list] = {}

    def record(self, epoch: int, logs: dict) -> None:
        """Append one epoch of ``logs`` (a dict of name -> number)."""
        self.epochs.append(int(epoch))
        for name in logs:
            if name not in self.values:
                # A key seen for the first time: earlier epochs did not have it.
                self.values[name] = [None] * (len(self.epochs) - 1)
        for name, column in self.values.items():
            value = logs.get(name)
            column.append(None if value is None else float(value))

    def on_epoch_end(self, trainer, epoch, logs):
        """Record this epoch's logs."""
        self.record(epoch, logs)

    def __getitem__(self, name: str) -> list:
        if name not in self.values:
            raise KeyError(f"history has no '{name}'; it has {sorted(self.values)}")
        return self.values[name]

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def __len__(self) -> int:
        return len(self.epochs)

    def keys(self) -> list[str]:
        """Names of the recorded quantities."""
        return list(self.values)

    def best(self, monitor: str = "val_loss", mode: str = "min") -> tuple[int, float]:
        """Return ``(epoch, value)`` where ``monitor`` was best (lowest for ``mode="min"``)."""
        column = self[monitor]
        best_epoch, best_value = None, None
        for epoch, value in zip(self.epochs, column):
            if value is None:
                continue
            if best_value is None or _improved(value, best_value, _check_mode(mode), 0.0):
                best_epoch, best_value = epoch, value
        if best_epoch is None:
            raise ValueError(f"'{monitor}' was never measured")
        return best_epoch, best_value

    def to_dict(self) -> dict:
        """Return ``{"epoch": [...], "loss": [...], ...}``: plain lists, JSON-ready."""
        result = {"epoch": list(self.epochs)}
        for name, column in self.values.items():
            result[name] = list(column)
        return result

    @classmethod
    def from_dict(cls, data: dict) -> "History":
        """Rebuild a ``History`` from ``to_dict()`` output."""
        history = cls()
        history.epochs = [int(epoch) for epoch in data.get("epoch", [])]
        for name, column in data.items():
            if name != "epoch":
                history.values[name] = [None if v is None else float(v) for v in column]
        return history

    def load_from(self, other: "History") -> None:
        """Replace this history's contents with a copy of ``other``'s."""
        self.epochs = list(other.epochs)
        self.values = {name: list(column) for name, column in other.values.items()}

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epochs)}, keys={self.keys()})"


# --------------------------------------------------------------------------
# Helpers shared by EarlyStopping and ModelCheckpoint
# --------------------------------------------------------------------------
def _check_mode(mode: str) -> str:
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' or 'max' (or 'auto'), got {mode!r}")
    return mode


def _resolve_mode(mode: str, monitor: str) -> str:
    """'auto' means max for accuracy-like names, min for everything else (losses)."""
    if mode == "auto":
        return "max" if monitor.endswith(("accuracy", "acc")) else "min"
    return _check_mode(mode)


def _read_monitor(logs: dict, monitor: str, who: str) -> float:
    if monitor not in logs:
        hint = (
            "pass val_data to fit() or monitor a training quantity such as 'loss'"
            if monitor.startswith("val_")
            else "check the spelling"
        )
        raise KeyError(
            f"{who} monitors '{monitor}', but this epoch's logs only have "
            f"{sorted(logs)}; {hint}"
        )
    return float(logs[monitor])


def _improved(value: float, best: float, mode: str, min_delta: float) -> bool:
    if math.isnan(value):
        return False
    if mode == "min":
        return value < best - min_delta
    return value > best + min_delta


# --------------------------------------------------------------------------
# EarlyStopping
# --------------------------------------------------------------------------
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


# --------------------------------------------------------------------------
# ModelCheckpoint
# --------------------------------------------------------------------------
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


# --------------------------------------------------------------------------
# NaNGuard
# --------------------------------------------------------------------------
class TrainingDiverged(FloatingPointError):
    """Raised when the loss, a gradient or a parameter becomes NaN or infinite.

    Attributes
    ----------
    epoch : int
        Epoch (from 1) in which it happened.
    step : int
        Optimizer step (from 1, counted over the whole run) being computed.
    quantity : str
        What went non-finite, e.g. ``"loss"`` or ``"gradient of '0.weight'"``.
    """

    def __init__(self, message: str, *, epoch: int, step: int, quantity: str):
        super().__init__(message)
        self.epoch = epoch
        self.step = step
        self.quantity = quantity


def _describe_non_finite(array: np.ndarray) -> str:
    n_nan = int(np.isnan(array).sum())
    n_inf = int(np.isinf(array).sum())
    parts = []
    if n_nan:
        parts.append(f"{n_nan} NaN")
    if n_inf:
        parts.append(f"{n_inf} inf")
    return f"{' and '.join(parts)} of {array.size} values"


class NaNGuard(Callback):
    """Stop training with ``TrainingDiverged`` as soon as something is NaN or inf.

    Checks the loss and every gradient after the backward pass (before the
    optimizer step can spread the damage into the weights), and every
    parameter after the step. The message names the epoch, the step, the
    quantity, and suggests what to try. The trainer adds one by default
    (``Trainer(..., nan_guard=True)``).

    Parameters
    ----------
    check_gradients : bool, default True
        Check every ``Parameter.grad`` (costs one pass over the gradients).
    check_parameters : bool, default True
        Check every ``Parameter.data`` after the optimizer step.
    """

    order = -50

    def __init__(self, *, check_gradients: bool = True, check_parameters: bool = True):
        self.check_gradients = check_gradients
        self.check_parameters = check_parameters

    def _fail(self, trainer, quantity: str, detail: str, *, step: int) -> None:
        epoch = trainer.epoch + 1
        lr = trainer.learning_rate()
        lr_text = f" (it is {lr:g} now)" if lr is not None else ""
        raise TrainingDiverged(
            f"training diverged in epoch {epoch}, step {step} (batch "
            f"{trainer.batch_index + 1} of {trainer.batches_per_epoch}): the {quantity} "
            f"is not finite ({detail}). Try a lower learning rate{lr_text}, check the "
            "inputs for NaN/inf and their scale (normalise them), or clip the gradients.",
            epoch=epoch,
            step=step,
            quantity=quantity,
        )

    def on_after_backward(self, trainer, loss):
        """Check the loss and the gradients before the optimizer uses them."""
        step = trainer.step + 1  # the step being computed
        loss_array = np.asarray(loss, dtype=np.float64)
        if not np.all(np.isfinite(loss_array)):
            self._fail(trainer, "loss", f"loss = {float(loss_array)}", step=step)
        if not self.check_gradients:
            return
        for name, parameter in trainer.model.named_parameters():
            grad = parameter.grad
            if grad is not None and not np.all(np.isfinite(grad)):
                detail = _describe_non_finite(grad)
                self._fail(trainer, f"gradient of parameter '{name}'", detail, step=step)

    def on_batch_end(self, trainer, logs):
        """Check the parameters after the optimizer step."""
        if not self.check_parameters:
            return
        for name, parameter in trainer.model.named_parameters():
            if not np.all(np.isfinite(parameter.data)):
                detail = _describe_non_finite(parameter.data) + ", after the optimizer step"
                # trainer.step already counts the step that produced it.
                self._fail(trainer, f"parameter '{name}'", detail, step=trainer.step)


# --------------------------------------------------------------------------
# ProgressBar
# --------------------------------------------------------------------------
class ProgressBar(Callback):
    """A tqdm progress bar per epoch, showing the running loss.

    Parameters
    ----------
    enabled : bool or "auto", default "auto"
        ``"auto"`` shows bars only when the output stream is an interactive
        terminal (so logs, CI and notebook builds stay clean); ``True``
        forces them, ``False`` hides them.
    file : file-like, optional
        Where to draw. Default ``sys.stdout``.
    """

    order = 50

    def __init__(self, enabled="auto", file=None):
        if enabled not in (True, False, "auto"):
            raise ValueError(f"enabled must be True, False or 'auto', got {enabled!r}")
        self.enabled = enabled
        self.file = file
        self._bar = None
        self._loss_sum = 0.0
        self._count = 0

    def is_active(self) -> bool:
        """True when bars will be drawn."""
        if self.enabled == "auto":
            stream = self.file if self.file is not None else sys.stdout
            isatty = getattr(stream, "isatty", None)
            return bool(isatty and isatty())
        return bool(self.enabled)

    def on_epoch_start(self, trainer, epoch):
        """Open this epoch's bar."""
        if not self.is_active():
            return
        from tqdm import tqdm

        self._loss_sum, self._count = 0.0, 0
        self._bar = tqdm(
            total=trainer.batches_per_epoch,
            desc=f"epoch {epoch}/{trainer.last_epoch}",
            file=self.file if self.file is not None else sys.stdout,
            leave=True,
            dynamic_ncols=True,
        )

    def on_batch_end(self, trainer, logs):
        """Advance the bar and show the running mean loss."""
        if self._bar is None:
            return
        self._loss_sum += float(logs["loss"])
        self._count += 1
        self._bar.set_postfix(loss=f"{self._loss_sum / self._count:.4f}", refresh=False)
        self._bar.update(1)

    def on_epoch_end(self, trainer, epoch, logs):
        """Show the epoch's final numbers and close the bar."""
        if self._bar is None:
            return
        self._bar.set_postfix({name: f"{value:.4f}" for name, value in logs.items()}, refresh=True)
        self._close()

    def on_exception(self, trainer, error):
        """Close the bar so the error message is not drawn over."""
        self._close()

    def _close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None
