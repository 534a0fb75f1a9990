"""Checks of weekend 1 (a network from arrays): softmax, cross-entropy, ``Linear``, ``ReLU``, the network, training.

The learner's API (see the workbook ``workbooks/weekend-01.py``) is the one
the lesson teaches, on mini-batches of shape ``(batch, features)``:

* ``softmax(z)``: logits ``(N, C)`` to probabilities ``(N, C)``, rows summing to 1;
* ``cross_entropy(logits, labels)``: the mean loss, a float;
  ``cross_entropy_grad(logits, labels)``: ``dL/dlogits = (softmax - onehot) / N``;
* ``Linear(in_features, out_features, rng=None)`` with plain arrays ``weight``
  ``(out, in)`` and ``bias`` ``(out,)``; ``forward(x)`` returns ``x @ weight.T + bias``,
  ``backward(grad_output)`` sets ``grad_weight`` and ``grad_bias`` (overwriting
  them) and returns ``dL/dx``;
* ``ReLU`` with ``forward(x)`` and ``backward(grad_output)``;
* ``TwoLayerNet(in_features, hidden, out_features, rng=None)`` with
  ``layers = [Linear, ReLU, Linear]``, ``forward(x)`` and ``backward(grad_logits)``;
* ``train_epoch(model, x, y, lr, batch_size, rng)``: one shuffled pass of
  mini-batch gradient descent, returning the mean batch loss.

Every check compares with the package (``classroom.nn.functional``,
``classroom.nn.CrossEntropyLoss``, ``classroom.nn.Linear``, ``classroom.nn.ReLU``,
``classroom.models.mlp.MLP``) on random float64 inputs from fixed seeds, and the
backward passes also with central finite differences (``classroom.nn.gradcheck``).
The last check trains the learner's network on the real MNIST digits. The
tolerances are in the messages.

One module per piece of the workbook, in the order the checks run:

* ``reference.py``: the package's solution of every stub (``reference_solutions``);
* ``softmax.py``: ``softmax``, on random and on very large logits;
* ``cross_entropy.py``: ``cross_entropy`` and ``cross_entropy_grad``;
* ``linear.py``: ``Linear``, its initial weights, forward and backward;
* ``relu.py``: ``ReLU``, forward and backward;
* ``network.py``: ``TwoLayerNet``, its layers, forward and backward;
* ``training.py``: ``train_epoch``, one step, the mini-batches, a falling loss;
* ``mnist.py``: end to end, the learner's network trained on MNIST.
"""

from __future__ import annotations

# The order of these imports is the order of the checks (each module registers its own).
from . import softmax, cross_entropy, linear, relu, network, training, mnist  # noqa: F401
from .reference import (
    ReferenceLinear,
    ReferenceReLU,
    ReferenceTwoLayerNet,
    reference_cross_entropy,
    reference_cross_entropy_grad,
    reference_softmax,
    reference_solutions,
    reference_train_epoch,
)

# Still importable from classroom.check.weekend_01, as when the checks were one module.
from .cross_entropy import CE_CASES  # noqa: F401
from .linear import LINEAR_CASES  # noqa: F401
from .mnist import MNIST_BATCH, MNIST_FLOOR, MNIST_HIDDEN, MNIST_LRS, MNIST_TIMEOUT, SANITY_IMAGES  # noqa: F401
from .reference import WEEKEND  # noqa: F401
from .relu import RELU_SHAPES  # noqa: F401
from .softmax import SOFTMAX_SHAPES  # noqa: F401

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
