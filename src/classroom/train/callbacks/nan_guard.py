"""``NaNGuard``: stop with ``TrainingDiverged`` when the loss, a gradient or a parameter is not finite."""

from __future__ import annotations

import numpy as np

from .base import Callback


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
