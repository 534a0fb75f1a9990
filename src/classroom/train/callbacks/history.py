"""``History``: the per-epoch record of losses and metrics that every run keeps."""

from __future__ import annotations

from ._monitor import _check_mode, _improved
from .base import Callback


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
