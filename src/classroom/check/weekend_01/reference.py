"""The package's answer to every stub of weekend 1: the references the checks compare with.

Thin wrappers of the package (``classroom.nn.functional.softmax``,
``classroom.nn.CrossEntropyLoss``, ``classroom.nn.Linear``, ``classroom.nn.ReLU``,
``classroom.models.mlp.MLP``'s layers, plain SGD) with the learner's API, and
:func:`reference_solutions`, which maps every stub name of the workbook to one of them.
"""

from __future__ import annotations

import numpy as np

from classroom import nn
from classroom.nn import functional as F


__all__ = [
    "reference_solutions",
    "reference_softmax",
    "reference_cross_entropy",
    "reference_cross_entropy_grad",
    "ReferenceLinear",
    "ReferenceReLU",
    "ReferenceTwoLayerNet",
    "reference_train_epoch",
]

WEEKEND = "weekend-01"


def reference_softmax(z):
    """Stable softmax over the last axis (``classroom.nn.functional.softmax``).

    Parameters
    ----------
    z : ndarray of shape (N, C)
        Logits.

    Returns
    -------
    ndarray of shape (N, C)
        Probabilities, each row summing to 1, same dtype as ``z``.
    """
    return F.softmax(np.asarray(z), dim=-1)


def reference_cross_entropy(logits, labels):
    """Mean cross-entropy of logits against integer labels (``classroom.nn.CrossEntropyLoss``).

    Parameters
    ----------
    logits : ndarray of shape (N, C)
    labels : ndarray of shape (N,), integers in ``[0, C)``

    Returns
    -------
    float
        ``-mean_i log softmax(logits)_{i, labels_i}``.
    """
    return float(nn.CrossEntropyLoss()(np.asarray(logits), np.asarray(labels)))


def reference_cross_entropy_grad(logits, labels):
    """Gradient of the mean cross-entropy with respect to the logits.

    Parameters
    ----------
    logits : ndarray of shape (N, C)
    labels : ndarray of shape (N,), integers in ``[0, C)``

    Returns
    -------
    ndarray of shape (N, C)
        ``(softmax(logits) - onehot(labels)) / N``.
    """
    loss_fn = nn.CrossEntropyLoss()
    loss_fn(np.asarray(logits), np.asarray(labels))
    return loss_fn.backward()


class ReferenceLinear:
    """The learner's ``Linear`` API on top of ``classroom.nn.Linear``.

    Parameters
    ----------
    in_features, out_features : int
    rng : numpy.random.Generator, optional
        Source of the initial weights (PyTorch's ``U(-1/sqrt(in), 1/sqrt(in))``).
    dtype : numpy dtype, default float64

    Attributes
    ----------
    weight : ndarray of shape (out_features, in_features)
    bias : ndarray of shape (out_features,)
    grad_weight, grad_bias : ndarray
        Gradients of the last ``backward`` (overwritten by each call).
    """

    def __init__(self, in_features, out_features, rng=None, dtype=np.float64):
        self.layer = nn.Linear(in_features, out_features, rng=rng, dtype=dtype)

    weight = property(lambda self: self.layer.weight.data, lambda self, value: self._set("weight", value))
    bias = property(lambda self: self.layer.bias.data, lambda self, value: self._set("bias", value))
    grad_weight = property(lambda self: self.layer.weight.grad)
    grad_bias = property(lambda self: self.layer.bias.grad)

    def _set(self, name, value):
        parameter = getattr(self.layer, name)
        parameter.data = np.array(value, copy=True)
        parameter.grad = np.zeros_like(parameter.data)

    def forward(self, x):
        """``x @ weight.T + bias``: (N, in_features) -> (N, out_features)."""
        return self.layer.forward(x)

    __call__ = forward

    def backward(self, grad_output):
        """Set ``grad_weight`` (out, in) and ``grad_bias`` (out,); return dL/dx (N, in)."""
        self.layer.zero_grad()
        return self.layer.backward(grad_output)


class ReferenceReLU:
    """The learner's ``ReLU`` API on top of ``classroom.nn.ReLU``."""

    def __init__(self):
        self.layer = nn.ReLU()

    def forward(self, x):
        """``max(x, 0)``, same shape and dtype as ``x``."""
        return self.layer.forward(x)

    __call__ = forward

    def backward(self, grad_output):
        """``grad_output * (x > 0)``, with ``x`` the input of the last forward."""
        return self.layer.backward(grad_output)


class ReferenceTwoLayerNet:
    """``Linear -> ReLU -> Linear`` from the reference layers (``classroom.models.mlp.MLP(in, [hidden], out)``).

    Parameters
    ----------
    in_features, hidden, out_features : int
    rng : numpy.random.Generator, optional
    dtype : numpy dtype, default float64

    Attributes
    ----------
    layers : list
        ``[ReferenceLinear, ReferenceReLU, ReferenceLinear]``.
    """

    def __init__(self, in_features, hidden, out_features, rng=None, dtype=np.float64):
        rng = np.random.default_rng() if rng is None else rng
        self.layers = [
            ReferenceLinear(in_features, hidden, rng=rng, dtype=dtype),
            ReferenceReLU(),
            ReferenceLinear(hidden, out_features, rng=rng, dtype=dtype),
        ]

    def forward(self, x):
        """Logits of shape (N, out_features)."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    __call__ = forward

    def backward(self, grad_logits):
        """Back-propagate ``dL/dlogits`` (N, out_features); return dL/dx (N, in_features)."""
        grad = grad_logits
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad


def reference_train_epoch(model, x, y, lr, batch_size, rng):
    """One epoch of mini-batch gradient descent (the loop of ``classroom.train.Trainer`` with plain SGD).

    Parameters
    ----------
    model : TwoLayerNet
        ``model.forward``, ``model.backward`` and ``model.layers`` (the layers with
        a ``weight`` have ``grad_weight``, ``bias`` and ``grad_bias`` after backward).
    x : ndarray of shape (N, in_features)
    y : ndarray of shape (N,), integer labels
    lr : float
        Learning rate.
    batch_size : int
    rng : numpy.random.Generator
        Shuffles the samples: ``rng.permutation(N)``.

    Returns
    -------
    float
        The mean of the batch losses (each computed before that batch's update).
    """
    order = rng.permutation(len(x))
    losses = []
    for start in range(0, len(x), batch_size):
        batch = order[start : start + batch_size]
        logits = model.forward(x[batch])
        losses.append(reference_cross_entropy(logits, y[batch]))
        model.backward(reference_cross_entropy_grad(logits, y[batch]))
        for layer in model.layers:
            if hasattr(layer, "weight"):
                layer.weight -= lr * layer.grad_weight
                layer.bias -= lr * layer.grad_bias
    return float(np.mean(losses))


def reference_solutions() -> dict[str, object]:
    """Return every stub name of the weekend-01 workbook mapped to the package's implementation.

    Returns
    -------
    dict of str to object
        ``softmax``, ``cross_entropy``, ``cross_entropy_grad``, ``Linear``, ``ReLU``,
        ``TwoLayerNet``, ``train_epoch``.
    """
    return {
        "softmax": reference_softmax,
        "cross_entropy": reference_cross_entropy,
        "cross_entropy_grad": reference_cross_entropy_grad,
        "Linear": ReferenceLinear,
        "ReLU": ReferenceReLU,
        "TwoLayerNet": ReferenceTwoLayerNet,
        "train_epoch": reference_train_epoch,
    }
