"""The ``Callback`` base class: every hook the training loop calls, each doing nothing."""

from __future__ import annotations


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
