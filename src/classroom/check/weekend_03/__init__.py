"""Checks of weekend 3 (regularization): the L2 penalty and its gradient, inverted dropout, early stopping.

The learner's API (see the workbook ``workbooks/weekend-03.py``):

* ``l2_penalty(weights, weight_decay)``: ``weight_decay / 2 * sum ||W||**2`` over a
  list of weight arrays, a float; ``l2_gradient(weights, weight_decay)``: the list
  ``[weight_decay * W, ...]``. This is the package's convention: the term
  ``classroom.optim.SGD(weight_decay=...)`` adds to every gradient.
* ``Dropout(p=0.5, rng=None)`` with ``forward(x)``, ``backward(grad_output)``,
  ``train()`` and ``eval()``, as ``classroom.nn.Dropout``: inverted dropout,
  zeroing each element with probability ``p`` and scaling the survivors by
  ``1 / (1 - p)`` in training mode, the identity in evaluation mode.
* ``train_with_early_stopping(params, train_epoch, validation_loss, max_epochs,
  patience)``: the loop of ``classroom.train.EarlyStopping``; returns
  ``(best_epoch, history)`` and leaves the best weights in ``params``.

Every check compares with the package on random inputs from fixed seeds (the
dropout rates statistically, with the tolerance in the message) or on
scripted validation curves.

One module per piece of the workbook, in the order the checks run:

* ``reference.py``: the package's solution of every stub (``reference_solutions``);
* ``l2.py``: ``l2_penalty`` and ``l2_gradient``, against SGD's weight decay and finite differences;
* ``dropout.py``: ``Dropout``, training mode, backward, evaluation mode;
* ``early_stopping.py``: ``train_with_early_stopping`` on scripted validation curves.
"""

from __future__ import annotations

# The order of these imports is the order of the checks (each module registers its own).
from . import l2, dropout, early_stopping  # noqa: F401
from .reference import (
    ReferenceDropout,
    reference_l2_gradient,
    reference_l2_penalty,
    reference_solutions,
    reference_train_with_early_stopping,
)

# Still importable from classroom.check.weekend_03, as when the checks were one module.
from .dropout import DROPOUT_RATES, DROPOUT_SHAPE, RATE_TOLERANCE  # noqa: F401
from .early_stopping import STOPPING_SCENARIOS  # noqa: F401
from .l2 import L2_CASES  # noqa: F401
from .reference import WEEKEND  # noqa: F401

__all__ = [
    "reference_solutions",
    "reference_l2_penalty",
    "reference_l2_gradient",
    "ReferenceDropout",
    "reference_train_with_early_stopping",
]
