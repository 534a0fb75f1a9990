"""The training loop: ``Trainer`` runs epochs of mini-batch gradient descent.

One training step is five lines, the same in every framework::

    outputs = model(inputs)                 # 1. forward
    loss = loss_fn(outputs, targets)        # 2. loss (a number)
    model.backward(loss_fn.backward())      # 3. backward: gradients into Parameter.grad
    optimizer.step()                        # 4. update the parameters
    model.zero_grad()                       # 5. reset the gradients for the next batch

``Trainer.fit`` repeats it over shuffled mini-batches for some epochs,
measures the validation loss and metrics after each epoch, and calls the
callbacks (history, early stopping, checkpoints, NaN guard, progress bar).

Examples
--------
>>> from classroom.nn import Sequential, Linear, ReLU, CrossEntropyLoss     # doctest: +SKIP
>>> from classroom.optim import SGD                                           # doctest: +SKIP
>>> model = Sequential(Linear(784, 128), ReLU(), Linear(128, 10))            # doctest: +SKIP
>>> trainer = Trainer(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1))  # doctest: +SKIP
>>> history = trainer.fit((X_train, y_train), (X_val, y_val), epochs=5,
...                       batch_size=64, rng=np.random.default_rng(0))      # doctest: +SKIP
>>> history["val_accuracy"]                                                   # doctest: +SKIP
"""

from __future__ import annotations

import math
import warnings
from typing import Callable, Mapping

import numpy as np

from ..evaluation.metrics import accuracy, non_finite_rows
from .callbacks import Callback, History, NaNGuard, ProgressBar
from .checkpoint import load_checkpoint, save_checkpoint

__all__ = ["Trainer"]

_DEFAULT_METRICS = {"accuracy": accuracy}


def _check_dataset(data, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(X, y)`` as arrays, or raise an error that says what is wrong."""
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(
            f"{name} must be a tuple (X, y) of arrays, got {type(data).__name__}"
            + (f" of length {len(data)}" if isinstance(data, (tuple, list)) else "")
        )
    inputs, targets = (np.asarray(part) for part in data)
    if inputs.ndim == 0 or targets.ndim == 0:
        raise ValueError(f"{name}: X and y must be arrays with one row per sample, not scalars")
    if inputs.shape[0] != targets.shape[0]:
        raise ValueError(
            f"{name}: X has {inputs.shape[0]} samples but y has {targets.shape[0]}; "
            "they must have the same length (one label per input)"
        )
    if inputs.shape[0] == 0:
        raise ValueError(f"{name} is empty (0 samples); pass at least one sample")
    return inputs, targets


def _check_int_at_least(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


class Trainer:
    """Train a model with mini-batch gradient descent, with callbacks.

    Parameters
    ----------
    model : classroom.nn.Module
        Maps inputs of shape ``(batch, ...)`` to outputs (e.g. logits of
        shape ``(batch, n_classes)``); has ``backward``.
    loss_fn : classroom.nn.Module
        ``loss_fn(outputs, targets)`` returns the mean loss of the batch and
        ``loss_fn.backward()`` returns d loss / d outputs.
    optimizer : classroom.optim optimizer
        Built on ``model.parameters()``; ``step()`` updates them in place.
    callbacks : sequence of Callback, default ()
        Extra callbacks (``EarlyStopping``, ``ModelCheckpoint``, ...).
    scheduler : learning-rate scheduler, optional
        Anything with ``step()``; stepped after every epoch (or every batch
        with ``scheduler_interval="step"``, as ``OneCycleLR`` needs).
    scheduler_interval : {"epoch", "step"}, default "epoch"
        When to call ``scheduler.step()``.
    metrics : dict of str to callable, optional
        ``metric(y_true, outputs) -> float``, measured on training batches
        and on validation data. Default ``{"accuracy": accuracy}``; pass
        ``{}`` for regression.
    progress : bool or "auto", default "auto"
        tqdm progress bars; ``"auto"`` shows them only in a terminal.
    nan_guard : bool, default True
        Add a ``NaNGuard`` that stops with ``TrainingDiverged`` as soon as
        the loss, a gradient or a parameter is NaN or infinite.

    Attributes
    ----------
    history : History
        Per-epoch losses and metrics (also returned by ``fit``).
    epoch : int
        Number of completed epochs (continues across ``fit`` calls and
        checkpoint resumes).
    step : int
        Number of completed optimizer steps.
    rng : numpy.random.Generator or None
        The generator that shuffles the mini-batches (set by ``fit`` or
        restored by ``load_checkpoint``).
    batch_inputs : ndarray or None
        The inputs of the mini-batch ``train_step`` is working on, for
        callbacks (the NaN guard counts its non-finite rows).
    stop_training : bool
        Set it to True (from a callback) to stop after the current epoch.
    """

    def __init__(
        self,
        model,
        loss_fn,
        optimizer,
        *,
        callbacks=(),
        scheduler=None,
        scheduler_interval: str = "epoch",
        metrics: Mapping[str, Callable] | None = None,
        progress="auto",
        nan_guard: bool = True,
    ):
        for thing, name, methods in (
            (model, "model", ("forward", "backward", "named_parameters", "state_dict")),
            (loss_fn, "loss_fn", ("backward",)),
            (optimizer, "optimizer", ("step",)),
        ):
            missing = [method for method in methods if not callable(getattr(thing, method, None))]
            if missing:
                raise TypeError(
                    f"{name} ({type(thing).__name__}) has no {', '.join(missing)}(); "
                    f"expected a classroom {'module' if name != 'optimizer' else 'optimizer'}"
                )
        if scheduler_interval not in ("epoch", "step"):
            raise ValueError(
                f"scheduler_interval must be 'epoch' or 'step', got {scheduler_interval!r}"
            )
        if scheduler is not None and not callable(getattr(scheduler, "step", None)):
            raise TypeError(f"scheduler ({type(scheduler).__name__}) has no step() method")
        for callback in callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(
                    f"callbacks must be Callback instances, got {type(callback).__name__}"
                )

        self.model = model
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.scheduler_interval = scheduler_interval
        self.metrics = dict(_DEFAULT_METRICS if metrics is None else metrics)

        self.history = History()
        extra: list[Callback] = []
        if nan_guard and not any(isinstance(c, NaNGuard) for c in callbacks):
            extra.append(NaNGuard())
        if progress is not False and not any(isinstance(c, ProgressBar) for c in callbacks):
            extra.append(ProgressBar(enabled=progress))
        # Stable sort: equal ``order`` keeps the order the callbacks were given in.
        self.callbacks: list[Callback] = sorted(
            [self.history, *callbacks, *extra], key=lambda callback: callback.order
        )

        self.epoch = 0
        self.step = 0
        self.batch_index = 0
        self.batch_inputs = None
        self.batches_per_epoch = 0
        self.last_epoch = 0
        self.rng: np.random.Generator | None = None
        self.stop_training = False

    # ------------------------------------------------------------ callbacks
    def _call(self, hook: str, *args) -> None:
        for callback in self.callbacks:
            getattr(callback, hook)(self, *args)

    def learning_rate(self) -> float | None:
        """The optimizer's current learning rate, or None if it has none."""
        lr = getattr(self.optimizer, "lr", None)
        if lr is None:
            groups = getattr(self.optimizer, "param_groups", None)
            if groups:
                lr = groups[0].get("lr")
        if isinstance(lr, (int, float, np.number, np.ndarray)) and np.ndim(lr) == 0:
            return float(lr)
        return None

    # ------------------------------------------------------------- training
    def train_step(self, inputs: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
        """Run one step of gradient descent on one mini-batch.

        Parameters
        ----------
        inputs : ndarray of shape (batch, ...)
            The mini-batch of inputs.
        targets : ndarray of shape (batch, ...)
            Their labels or regression targets.

        Returns
        -------
        loss : float
            The batch's loss before the update.
        outputs : ndarray
            The model's outputs (e.g. logits) before the update.
        """
        self.batch_inputs = inputs  # callbacks read it (the NaN guard names non-finite inputs)
        # 1. forward: the model's outputs for this batch
        outputs = self.model(inputs)
        # 2. loss: one number that says how wrong they are
        loss = self.loss_fn(outputs, targets)
        # 3. backward: d loss / d outputs, then back through every layer,
        #    which adds each parameter's gradient into Parameter.grad
        grad_outputs = self.loss_fn.backward()
        self.model.backward(grad_outputs)
        self._call("on_after_backward", loss)  # the NaN guard looks at the gradients here
        # 4. update: the optimizer moves every parameter against its gradient
        self.optimizer.step()
        # 5. reset the gradients (backward adds to them) for the next batch
        self.model.zero_grad()
        self.step += 1
        if self.scheduler is not None and self.scheduler_interval == "step":
            self.scheduler.step()
        return float(loss), outputs

    def fit(
        self,
        train_data,
        val_data=None,
        *,
        epochs: int = 1,
        batch_size: int = 32,
        rng: np.random.Generator | int | None = None,
        shuffle: bool = True,
    ) -> History:
        """Train for ``epochs`` more epochs; return the history.

        Parameters
        ----------
        train_data : tuple (X, y)
            ``X`` of shape (n, ...) and ``y`` of shape (n, ...).
        val_data : tuple (X_val, y_val), optional
            Evaluated (in eval mode) after each epoch; adds ``val_loss`` and
            ``val_<metric>`` to the history.
        epochs : int, default 1
            Number of epochs to run in this call. Epoch numbers continue from
            ``trainer.epoch``, so after resuming at epoch 2, ``epochs=2``
            runs epochs 3 and 4.
        batch_size : int, default 32
            Samples per mini-batch; the last batch of an epoch may be smaller.
        rng : numpy.random.Generator or int, optional
            Shuffles the mini-batches (an int is a seed). Default: the
            generator restored by ``load_checkpoint`` or used by the previous
            ``fit``, else ``numpy.random.default_rng(0)``. Passing one after
            ``load_checkpoint`` replaces the restored generator, so the run no
            longer continues exactly; leave it out when resuming.
        shuffle : bool, default True
            Draw a new random order of the samples every epoch.

        Returns
        -------
        History
            ``trainer.history``, with one more entry per epoch run.

        Raises
        ------
        TypeError, ValueError
            On malformed data (not ``(X, y)``, length mismatch, empty),
            ``batch_size < 1`` or ``epochs < 0``.
        TrainingDiverged
            If the NaN guard finds a non-finite loss, gradient or parameter.
        """
        inputs, targets = _check_dataset(train_data, "train_data")
        if val_data is not None:
            val_inputs, val_targets = _check_dataset(val_data, "val_data")
        epochs = _check_int_at_least(epochs, "epochs", 0)
        batch_size = _check_int_at_least(batch_size, "batch_size", 1)
        if rng is not None:
            self.rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        elif self.rng is None:
            self.rng = np.random.default_rng(0)

        n_samples = inputs.shape[0]
        self.batches_per_epoch = math.ceil(n_samples / batch_size)
        self.last_epoch = self.epoch + epochs
        self.stop_training = False
        self.model.zero_grad()  # start from clean gradients

        try:
            self._call("on_fit_start")
            for epoch in range(self.epoch + 1, self.last_epoch + 1):
                logs = self._train_one_epoch(epoch, inputs, targets, batch_size, shuffle)
                if val_data is not None:
                    for name, value in self.evaluate(val_inputs, val_targets, batch_size).items():
                        logs["val_" + name] = value
                lr = self.learning_rate()
                if lr is not None:
                    logs["lr"] = lr
                if self.scheduler is not None and self.scheduler_interval == "epoch":
                    self.scheduler.step()
                self.epoch = epoch
                self._call("on_epoch_end", epoch, logs)
                if self.stop_training:
                    break
            self._call("on_fit_end")
        except BaseException as error:
            self._call("on_exception", error)
            raise
        return self.history

    def _train_one_epoch(self, epoch, inputs, targets, batch_size, shuffle) -> dict:
        """Run every mini-batch of one epoch; return the mean loss and metrics."""
        self.model.train()
        self._call("on_epoch_start", epoch)
        n_samples = inputs.shape[0]
        order = self.rng.permutation(n_samples) if shuffle else np.arange(n_samples)
        loss_sum = 0.0
        metric_sums = {name: 0.0 for name in self.metrics}
        for batch_index in range(self.batches_per_epoch):
            self.batch_index = batch_index  # callbacks read it (e.g. in error messages)
            index = order[batch_index * batch_size : (batch_index + 1) * batch_size]
            batch_targets = targets[index]
            loss, outputs = self.train_step(inputs[index], batch_targets)
            # Weight by batch size: the last batch may be smaller.
            loss_sum += loss * len(index)
            for name in self.metrics:
                metric_sums[name] += self._measure(name, batch_targets, outputs) * len(index)
            self._call("on_batch_end", {"loss": loss, "batch": batch_index})
        logs = {"loss": loss_sum / n_samples}
        for name in self.metrics:
            logs[name] = metric_sums[name] / n_samples
        return logs

    # ----------------------------------------------------------- evaluation
    def predict(self, inputs, batch_size: int = 256) -> np.ndarray:
        """Return the model's outputs for ``inputs``, computed in eval mode.

        Parameters
        ----------
        inputs : ndarray of shape (n, ...)
            Inputs.
        batch_size : int, default 256
            How many inputs to push through the model at once.

        Returns
        -------
        ndarray of shape (n, ...)
            The outputs, e.g. logits of shape (n, n_classes).
        """
        inputs = np.asarray(inputs)
        batch_size = _check_int_at_least(batch_size, "batch_size", 1)
        if inputs.ndim == 0 or inputs.shape[0] == 0:
            raise ValueError("predict needs at least one input row")
        was_training = self.model.training
        self.model.eval()
        try:
            outputs = [
                self.model(inputs[start : start + batch_size])
                for start in range(0, inputs.shape[0], batch_size)
            ]
        finally:
            self.model.train(was_training)
        return np.concatenate(outputs, axis=0)

    def evaluate(self, inputs, targets, batch_size: int = 256, *, non_finite: str = "warn") -> dict[str, float]:
        """Mean loss and metrics of the model on ``(inputs, targets)``, in eval mode.

        Parameters
        ----------
        inputs : ndarray of shape (n, ...)
            Inputs.
        targets : ndarray of shape (n, ...)
            Labels or targets.
        batch_size : int, default 256
            Evaluation batch size (does not change the result).
        non_finite : {"warn", "raise"}, default "warn"
            What to do when input rows hold NaN or inf: warn (naming how many
            and the first) or raise ``ValueError``.

        Returns
        -------
        dict of str to float
            ``{"loss": ..., "accuracy": ..., ...}`` (one key per metric).
        """
        inputs, targets = _check_dataset((inputs, targets), "evaluate data")
        batch_size = _check_int_at_least(batch_size, "batch_size", 1)
        if non_finite not in ("warn", "raise"):
            raise ValueError(f"non_finite must be 'warn' or 'raise', got {non_finite!r}")
        bad = non_finite_rows(inputs)
        if bad.any():
            message = (
                f"evaluate: {int(bad.sum())} of {len(bad)} input rows are not finite (NaN or inf), the first at "
                f"index {int(np.argmax(bad))}; the loss becomes NaN and those rows count as wrong. Clean or drop "
                "them (np.isfinite(inputs).all(axis=1)) before evaluating."
            )
            if non_finite == "raise":
                raise ValueError(message)
            warnings.warn(message, RuntimeWarning, stacklevel=2)
        outputs = self.predict(inputs, batch_size)
        loss_sum = 0.0
        for start in range(0, inputs.shape[0], batch_size):
            stop = start + batch_size
            loss_sum += float(self.loss_fn(outputs[start:stop], targets[start:stop])) * len(
                targets[start:stop]
            )
        results = {"loss": loss_sum / inputs.shape[0]}
        for name in self.metrics:
            results[name] = self._measure(name, targets, outputs)
        return results

    def _measure(self, name: str, targets: np.ndarray, outputs: np.ndarray) -> float:
        """Compute metric ``name``; explain the usual mistake if it fails."""
        try:
            return float(self.metrics[name](targets, outputs))
        except (TypeError, ValueError) as error:
            raise type(error)(
                f"metric '{name}' failed on targets of shape {targets.shape} and outputs of "
                f"shape {outputs.shape}: {error}. For regression, pass metrics={{}} to Trainer."
            ) from error

    # ----------------------------------------------------------- checkpoints
    def save_checkpoint(self, path):
        """Save everything needed to resume training to ``path`` (``.npz``, atomic).

        See ``classroom.train.checkpoint.save_checkpoint``.
        """
        return save_checkpoint(path, self)

    def load_checkpoint(self, path, *, rng: np.random.Generator | None = None) -> None:
        """Restore a checkpoint saved by ``save_checkpoint`` into this trainer.

        See ``classroom.train.checkpoint.load_checkpoint``.
        """
        load_checkpoint(path, self, rng=rng)

    def __repr__(self) -> str:
        names = [type(callback).__name__ for callback in self.callbacks]
        return (
            f"Trainer(model={type(self.model).__name__}, loss_fn={type(self.loss_fn).__name__}, "
            f"optimizer={type(self.optimizer).__name__}, epoch={self.epoch}, callbacks={names})"
        )
