"""``ProgressBar``: a tqdm bar per epoch, only where a terminal shows it."""

from __future__ import annotations

import sys

from .base import Callback


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
