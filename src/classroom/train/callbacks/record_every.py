"""``RecordEvery``: call a function every N steps or epochs and keep what it returns.

For pictures of training as it happens (the frames of an animation, say): the
function takes no arguments and reads whatever it needs (the model's weights,
its predictions on a grid) when it is called.
"""

from __future__ import annotations

from typing import Callable

from .base import Callback


class RecordEvery(Callback):
    """Call ``function()`` every ``every`` optimizer steps (or epochs) and keep the results.

    As a ``Trainer`` callback it records by itself: before the first step
    (with ``at_start``), then after every ``every``-th optimizer step
    (``unit="step"``, counted by ``trainer.step``) or epoch
    (``unit="epoch"``). In a loop of your own, call :meth:`record` and
    :meth:`tick` yourself (``tick(step)`` after each step records when
    ``step`` is a multiple of ``every``).

    Parameters
    ----------
    function : callable
        Called with no arguments; what it returns is kept (copy arrays that
        training changes in place, e.g. ``model[0].weight.data.copy()``).
    every : int, default 1
        Record every ``every`` steps or epochs.
    unit : {"step", "epoch"}, default "epoch"
        What ``every`` counts when used as a ``Trainer`` callback.
    at_start : bool, default True
        As a callback, also record once when ``fit`` starts (at the current
        step or epoch number, 0 for a new trainer).

    Attributes
    ----------
    values : list
        What ``function`` returned, in order.
    at : list of int
        The step or epoch number of each value.

    Notes
    -----
    The records are not saved in training checkpoints: a resumed run starts
    a new list.

    Examples
    --------
    >>> counter = iter(range(100))
    >>> recorder = RecordEvery(lambda: next(counter), every=3)
    >>> for step in range(1, 10):
    ...     _ = recorder.tick(step)
    >>> recorder.at, recorder.values
    ([3, 6, 9], [0, 1, 2])
    """

    def __init__(self, function: Callable[[], object], *, every: int = 1, unit: str = "epoch",
                 at_start: bool = True):
        if not callable(function):
            raise TypeError(f"function must be callable with no arguments, got {type(function).__name__}")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be an integer >= 1, got {every!r}")
        if unit not in ("step", "epoch"):
            raise ValueError(f"unit must be 'step' or 'epoch', got {unit!r}")
        self.function = function
        self.every = every
        self.unit = unit
        self.at_start = bool(at_start)
        self.values: list = []
        self.at: list[int] = []

    def record(self, at: int) -> None:
        """Call the function now and keep its result, labelled with the step or epoch ``at``."""
        self.values.append(self.function())
        self.at.append(int(at))

    def tick(self, count: int) -> bool:
        """Record if ``count`` (a step or epoch number) is a multiple of ``every``; return whether it did."""
        if count % self.every == 0:
            self.record(count)
            return True
        return False

    def __len__(self) -> int:
        return len(self.values)

    def _count(self, trainer) -> int:
        return trainer.step if self.unit == "step" else trainer.epoch

    def on_fit_start(self, trainer) -> None:
        if self.at_start and (not self.at or self.at[-1] != self._count(trainer)):
            self.record(self._count(trainer))

    def on_batch_end(self, trainer, logs) -> None:
        if self.unit == "step":
            self.tick(trainer.step)

    def on_epoch_end(self, trainer, epoch, logs) -> None:
        if self.unit == "epoch":
            self.tick(epoch)
