"""Weekend 3's early-stopping check: ``train_with_early_stopping`` on scripted validation curves.

A fake training run sets every weight to the epoch number, so the weights
left in ``params`` tell which epoch's were restored; the package's
``classroom.train.EarlyStopping`` gives the expected epochs, best epoch and history.
"""

from __future__ import annotations

import numpy as np

from ..core import CheckFailed, register
from .reference import WEEKEND, reference_train_with_early_stopping


# name, validation losses per epoch, max_epochs, patience
STOPPING_SCENARIOS = [
    ("dips at epoch 3", [1.0, 0.8, 0.6, 0.65, 0.7, 0.62, 0.9, 0.95, 0.5, 0.4, 0.3, 0.2], 12, 3),
    ("dips at epoch 3, patience 5", [1.0, 0.8, 0.6, 0.65, 0.7, 0.62, 0.9, 0.95, 0.61, 0.4, 0.3, 0.2], 12, 5),
    ("recovers within the patience", [1.0, 0.9, 1.2, 0.85, 1.3, 1.4, 1.5, 0.1, 0.1], 9, 2),
    ("a tie with the best", [1.0, 0.5, 0.5, 0.6, 0.7, 0.8, 0.9, 0.1], 8, 2),
    ("improves every epoch", [1.0, 0.9, 0.8, 0.7, 0.6, 0.5], 6, 2),
]


class _ScriptedTraining:
    """A fake training run: epoch k sets every weight to k (in place) and the validation loss is scripted."""

    def __init__(self, losses):
        self.losses = losses
        self.epoch = 0
        self.params = {"weight": np.zeros((2, 3)), "bias": np.zeros(2)}
        self.arrays = dict(self.params)  # the model's own arrays: restoring must write into them
        self.validations = 0

    def train_epoch(self):
        self.epoch += 1
        if self.epoch > len(self.losses):
            raise CheckFailed("early-stopping-never-stops", f"train_epoch was called {self.epoch} times, more than "
                              "max_epochs", "stop the loop after max_epochs epochs at most")
        for array in self.arrays.values():
            array[...] = self.epoch

    def validation_loss(self):
        self.validations += 1
        return self.losses[self.epoch - 1]


def _expected_run(losses, max_epochs, patience):
    training = _ScriptedTraining(losses)
    best, history = reference_train_with_early_stopping(training.params, training.train_epoch,
                                                        training.validation_loss, max_epochs, patience)
    return best, history, training.epoch


@register(WEEKEND, "early_stopping", "early stopping: scripted validation curves", needs=["train_with_early_stopping"],
          compared="train_with_early_stopping on 5 scripted validation curves against classroom.train.EarlyStopping: "
                   "epochs trained, best epoch, history, and the weights left in params")
def _check_early_stopping(ns):
    for name, losses, max_epochs, patience in STOPPING_SCENARIOS:
        best, history, epochs = _expected_run(losses, max_epochs, patience)
        training = _ScriptedTraining(losses)
        result = ns["train_with_early_stopping"](training.params, training.train_epoch, training.validation_loss,
                                                 max_epochs, patience)
        where = f"curve '{name}' {losses[:epochs + 1]}, patience {patience}, max_epochs {max_epochs}"
        if not isinstance(result, tuple) or len(result) != 2:
            raise CheckFailed("early-stopping-return", f"{where}: returned {type(result).__name__}, not "
                              "(best_epoch, history)", "return two things: the best epoch (from 1) and the list of "
                              "validation losses")
        got_best, got_history = result
        losses_seen = losses[: training.epoch]
        best_of_seen = int(np.argmin(losses_seen)) + 1 if losses_seen else 0
        last_of_ties = len(losses_seen) - int(np.argmin(losses_seen[::-1])) if losses_seen else 0
        try:
            got_best_int = int(got_best)
        except (TypeError, ValueError):
            raise CheckFailed("early-stopping-return", f"{where}: best_epoch is {got_best!r}, not an integer",
                              "return the best epoch as an int, counted from 1") from None
        if losses_seen and got_best_int == int(np.argmax(losses_seen)) + 1 != best_of_seen:
            raise CheckFailed("early-stopping-wrong-direction", f"{where}: your best epoch {got_best_int} has the "
                              f"highest validation loss ({losses_seen[got_best_int - 1]})",
                              "lower is better for a loss: count an improvement when loss < best, starting from "
                              "best = float('inf')")
        if training.epoch != epochs:
            if name == "a tie with the best" and best_of_seen != last_of_ties and training.epoch == epochs + 1:
                raise CheckFailed("early-stopping-ties", f"{where}: trained {training.epoch} epochs, expected {epochs}: "
                                  "an equal loss counted as an improvement",
                                  "count an epoch as better only if its loss is strictly lower than the best so far "
                                  "(loss < best), as classroom.train.EarlyStopping does")
            if training.epoch == max_epochs and epochs < max_epochs:
                raise CheckFailed("early-stopping-never-stops", f"{where}: trained all {max_epochs} epochs; expected to "
                                  f"stop after epoch {epochs}",
                                  "count the epochs since the last improvement and stop when the count reaches patience")
            if name == "recovers within the patience" and training.epoch < epochs:
                raise CheckFailed("early-stopping-patience-not-reset", f"{where}: stopped after epoch {training.epoch}, "
                                  f"expected {epochs}: the improvement at epoch 4 did not reset the count",
                                  "set the counter of epochs without improvement back to 0 whenever the loss improves")
            if abs(training.epoch - epochs) == 1:
                raise CheckFailed("early-stopping-patience", f"{where}: trained {training.epoch} epochs, expected "
                                  f"{epochs}", f"stop after exactly `patience` epochs in a row without improvement: "
                                  f"with patience {patience} and the best at epoch {best}, the last epoch is "
                                  f"{best + patience}")
            raise CheckFailed("early-stopping-epochs", f"{where}: trained {training.epoch} epochs, expected {epochs}",
                              "after each epoch: if loss < best, remember it and reset the counter; else add 1 and "
                              "stop when it reaches patience")
        if [float(v) for v in np.atleast_1d(got_history)] != [float(v) for v in history]:
            raise CheckFailed("early-stopping-history", f"{where}: history {list(np.round(got_history, 3))}, expected "
                              f"{history}", "append validation_loss() once after every epoch that ran")
        if got_best_int != best:
            raise CheckFailed("early-stopping-best-epoch", f"{where}: best epoch {got_best}, expected {best}",
                              "return the epoch number, counted from 1, at which the validation loss was lowest")
        values = {name: float(np.mean(array)) for name, array in training.arrays.items()}
        if any(value != best for value in values.values()):
            rebound = all(float(np.mean(training.params[key])) == best for key in training.params)
            if rebound:
                raise CheckFailed("early-stopping-restore-in-place", f"{where}: params points at new arrays holding "
                                  f"epoch {best}'s weights, but the model's own arrays still hold epoch "
                                  f"{int(max(values.values()))}'s", "copy the best weights back into the same arrays: "
                                  "params[name][...] = best[name] (the model keeps using its own arrays)")
            raise CheckFailed("early-stopping-last-weights", f"{where}: params holds the weights of epoch "
                              f"{int(max(values.values()))}, expected the best epoch's, {best}",
                              "when the loss improves keep a copy, {k: v.copy() for k, v in params.items()} (an "
                              "assignment only keeps a reference to arrays that training keeps changing), and copy "
                              "it back at the end with params[k][...] = best[k]")
    return f"{len(STOPPING_SCENARIOS)} curves: same epochs, best epoch, history and restored weights as EarlyStopping"
