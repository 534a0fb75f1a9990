"""``NaNGuard``: stop with ``TrainingDiverged`` when the loss, a gradient or a parameter is not finite.

The message starts with the most likely cause. When the inputs of the batch
hold NaN or inf, no learning rate can help, so it says that first: how many
rows of the batch are not finite, and to clean the data or check the
preprocessing. Otherwise it suggests a lower learning rate.
"""

from __future__ import annotations

import numpy as np

from ...evaluation.metrics import non_finite_rows
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
    non_finite_input_rows : int
        Rows of the batch whose inputs hold NaN or inf (0 when they are all
        finite or were not seen).
    """

    def __init__(self, message: str, *, epoch: int, step: int, quantity: str, non_finite_input_rows: int = 0):
        super().__init__(message)
        self.epoch = epoch
        self.step = step
        self.quantity = quantity
        self.non_finite_input_rows = non_finite_input_rows


def _describe_non_finite(array: np.ndarray) -> str:
    n_nan = int(np.isnan(array).sum())
    n_inf = int(np.isinf(array).sum())
    parts = []
    if n_nan:
        parts.append(f"{n_nan} NaN")
    if n_inf:
        parts.append(f"{n_inf} inf")
    return f"{' and '.join(parts)} of {array.size} values"


def _describe_bad_rows(inputs: np.ndarray, bad: np.ndarray) -> str:
    """Say how many rows of a batch are not finite, of which kind, and which is the first.

    Parameters
    ----------
    inputs : ndarray of shape (batch, ...)
        The inputs of the batch.
    bad : ndarray of bool, shape (batch,)
        Which rows hold a NaN or an inf (``non_finite_rows(inputs)``).
    """
    rows = inputs.reshape(len(inputs), -1)
    with_nan = int(np.isnan(rows).any(axis=1).sum())
    with_inf = int(np.isinf(rows).any(axis=1).sum())  # a row can hold both
    kinds = ", ".join(f"{count} with {name}" for name, count in (("NaN", with_nan), ("inf", with_inf)) if count)
    return (
        f"{int(bad.sum())} of the {len(bad)} rows of this batch hold NaN or inf inputs ({kinds}), "
        f"the first is row {int(np.argmax(bad))} of the batch"
    )


class NaNGuard(Callback):
    """Stop training with ``TrainingDiverged`` as soon as something is NaN or inf.

    Checks the loss and every gradient after the backward pass (before the
    optimizer step can spread the damage into the weights), and every
    parameter after the step. The message names the epoch, the step, the
    quantity, and suggests what to try: when the batch's inputs are not
    finite, first of all to clean them. The trainer adds one by default
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
        where = (
            f"training diverged in epoch {epoch}, step {step} (batch "
            f"{trainer.batch_index + 1} of {trainer.batches_per_epoch}): the {quantity} is not finite ({detail})"
        )
        inputs = getattr(trainer, "batch_inputs", None)  # the batch this step trains on
        bad = np.zeros(0, dtype=bool) if inputs is None else non_finite_rows(inputs)
        if bad.any():  # the data, not the training, is broken: say so first
            message = (
                f"{where} because the inputs are not: {_describe_bad_rows(np.asarray(inputs), bad)}. "
                "Clean the data or check the preprocessing that produced those values "
                "(X[np.isfinite(X).reshape(len(X), -1).all(axis=1)] keeps the finite rows); only if it "
                f"still diverges with finite inputs, try a lower learning rate{lr_text} or clip the gradients."
            )
        elif inputs is not None:
            message = (
                f"{where}. Try a lower learning rate{lr_text}, check the scale of the inputs (normalise "
                "them; the inputs of this batch are all finite), or clip the gradients."
            )
        else:  # a trainer-like object without batch_inputs: the inputs were not seen
            message = (
                f"{where}. Try a lower learning rate{lr_text}, check the inputs for NaN/inf and their "
                "scale (normalise them), or clip the gradients."
            )
        raise TrainingDiverged(message, epoch=epoch, step=step, quantity=quantity, non_finite_input_rows=int(bad.sum()))

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
