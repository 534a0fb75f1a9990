"""The package's answer to every stub of weekend 3: the references the checks compare with.

Thin wrappers of the package (``classroom.optim.SGD``'s weight decay,
``classroom.nn.Dropout``, ``classroom.train.EarlyStopping``) with the learner's
API, and :func:`reference_solutions`, which maps every stub name of the
workbook to one of them.
"""

from __future__ import annotations

import numpy as np

from classroom import nn
from classroom.nn.module import Parameter
from classroom.optim import SGD
from classroom.train import EarlyStopping

__all__ = [
    "reference_solutions",
    "reference_l2_penalty",
    "reference_l2_gradient",
    "ReferenceDropout",
    "reference_train_with_early_stopping",
]

WEEKEND = "weekend-03"


def reference_l2_gradient(weights, weight_decay):
    """The gradient ``classroom.optim.SGD(weight_decay=...)`` adds to each weight: ``weight_decay * W``.

    Computed by letting the package's SGD take one step of ``lr = 1`` from a
    zero loss gradient, so it is the package's convention by construction.

    Parameters
    ----------
    weights : list of ndarray
        The weight arrays (any shapes).
    weight_decay : float

    Returns
    -------
    list of ndarray
        One array per weight, of its shape.
    """
    parameters = [Parameter(np.array(weight, dtype=np.float64, copy=True)) for weight in weights]
    before = [parameter.data.copy() for parameter in parameters]
    SGD(parameters, lr=1.0, weight_decay=weight_decay).step()
    return [start - parameter.data for start, parameter in zip(before, parameters)]


def reference_l2_penalty(weights, weight_decay):
    """The penalty whose gradient is :func:`reference_l2_gradient`: ``weight_decay / 2 * sum ||W||**2``.

    The same term as ``BinaryLogisticRegression.objective`` adds.

    Parameters
    ----------
    weights : list of ndarray
    weight_decay : float

    Returns
    -------
    float
    """
    return 0.5 * weight_decay * float(sum(np.sum(np.asarray(weight, dtype=np.float64) ** 2) for weight in weights))


class ReferenceDropout:
    """The learner's ``Dropout`` API on top of ``classroom.nn.Dropout``.

    Parameters
    ----------
    p : float, default 0.5
        Probability of zeroing an element.
    rng : numpy.random.Generator, optional
    """

    def __init__(self, p=0.5, rng=None):
        self.layer = nn.Dropout(p, rng=rng)
        self.p = p

    def train(self):
        """Training mode: drop and rescale."""
        self.layer.train()
        return self

    def eval(self):
        """Evaluation mode: the identity."""
        self.layer.eval()
        return self

    def forward(self, x):
        """Same shape and dtype as ``x``."""
        return self.layer.forward(x)

    __call__ = forward

    def backward(self, grad_output):
        """The gradient through the last forward's mask and scale."""
        return self.layer.backward(grad_output)


class _ParamsModel:
    """A ``state_dict``/``load_state_dict`` view of a dict of arrays, for ``EarlyStopping``."""

    def __init__(self, params):
        self.params = params

    def state_dict(self):
        return {name: np.array(value, copy=True) for name, value in self.params.items()}

    def load_state_dict(self, state):
        for name, value in state.items():
            self.params[name][...] = value


class _Loop:
    """The few trainer attributes ``EarlyStopping`` reads and writes."""

    def __init__(self, params):
        self.model = _ParamsModel(params)
        self.stop_training = False
        self.epoch = 0


def reference_train_with_early_stopping(params, train_epoch, validation_loss, max_epochs, patience):
    """Train until the validation loss stops improving, then restore the best weights (``classroom.train.EarlyStopping``).

    Parameters
    ----------
    params : dict of str to ndarray
        The model's weights; ``train_epoch`` changes these arrays in place.
    train_epoch : callable
        ``train_epoch()`` trains one epoch.
    validation_loss : callable
        ``validation_loss()`` returns the current validation loss (float).
    max_epochs : int
    patience : int
        Stop after this many epochs in a row without a strictly lower loss.

    Returns
    -------
    best_epoch : int
        The epoch (from 1) with the lowest validation loss; the first one on ties.
    history : list of float
        The validation loss after every epoch that ran.
    """
    stopper = EarlyStopping(monitor="val_loss", mode="min", patience=patience)
    loop = _Loop(params)
    history = []
    for epoch in range(1, max_epochs + 1):
        train_epoch()
        loss = float(validation_loss())
        history.append(loss)
        loop.epoch = epoch
        stopper.on_epoch_end(loop, epoch, {"val_loss": loss})
        if loop.stop_training:
            break
    stopper.on_fit_end(loop)
    return stopper.best_epoch, history


def reference_solutions() -> dict[str, object]:
    """Return every stub name of the weekend-03 workbook mapped to the package's implementation.

    Returns
    -------
    dict of str to object
        ``l2_penalty``, ``l2_gradient``, ``Dropout``, ``train_with_early_stopping``.
    """
    return {
        "l2_penalty": reference_l2_penalty,
        "l2_gradient": reference_l2_gradient,
        "Dropout": ReferenceDropout,
        "train_with_early_stopping": reference_train_with_early_stopping,
    }
