"""Layers built on the autograd engine: no backward pass is written by hand here.

Compare with ``classroom.nn``, where every layer has a hand-written ``backward``.
Here a layer only says how to compute its output from ``Tensor`` operations;
``loss.backward()`` finds every gradient. The parameters are ``Tensor`` objects
with ``.data`` and ``.grad``, so the optimizers of ``classroom.optim`` update them
directly.

Examples
--------
>>> import numpy as np
>>> from classroom.autograd import Tensor
>>> rng = np.random.default_rng(0)
>>> model = MLP([2, 16, 2], rng=rng)
>>> loss = cross_entropy(model(Tensor(rng.normal(size=(8, 2)))), rng.integers(0, 2, size=8))
>>> loss.backward()
>>> model.layers[0].weight.grad.shape
(16, 2)
"""

from __future__ import annotations

import math

import numpy as np

from ..nn.init import as_generator
from .engine import Tensor


class Module:
    """Base class: finds the parameters stored in attributes (and in lists of modules)."""

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        """Compute the output from ``Tensor`` operations. Subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def parameters(self) -> list[Tensor]:
        """Return every ``Tensor`` with ``requires_grad=True`` of this module and its sub-modules.

        Returns
        -------
        list of Tensor
            In attribute order, own tensors before those of sub-modules.
        """
        found = []
        for value in vars(self).values():
            items = value if isinstance(value, (list, tuple)) else [value]
            for item in items:
                if isinstance(item, Tensor) and item.requires_grad:
                    found.append(item)
                elif isinstance(item, Module):
                    found.extend(item.parameters())
        return found

    def zero_grad(self) -> None:
        """Forget the gradients of every parameter (each ``grad`` becomes None)."""
        for parameter in self.parameters():
            parameter.zero_grad()


class Linear(Module):
    """The fully connected layer ``y = x @ weight.T + bias`` (as ``torch.nn.Linear``).

    Parameters
    ----------
    in_features : int
        Size of each input sample.
    out_features : int
        Size of each output sample.
    bias : bool, default True
        Whether to learn an additive bias.
    rng : int or numpy.random.Generator
        Source of randomness for the initial values: a seed or a Generator
        (see :func:`classroom.nn.init.as_generator`).
    dtype : numpy dtype, default np.float32
        Dtype of the parameters. Use ``np.float64`` for gradient checks.

    Attributes
    ----------
    weight : Tensor of shape (out_features, in_features)
        Initialised like PyTorch from ``U(-1/sqrt(in_features), 1/sqrt(in_features))``.
    bias : Tensor of shape (out_features,) or None
        Initialised from the same distribution.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, *, rng, dtype=np.float32):
        if in_features < 1 or out_features < 1:
            raise ValueError(
                f"Linear needs positive sizes, got in_features={in_features}, out_features={out_features}"
            )
        self.in_features, self.out_features = int(in_features), int(out_features)
        rng = as_generator(rng)
        bound = 1.0 / math.sqrt(in_features)
        weight = rng.uniform(-bound, bound, size=(out_features, in_features))
        self.weight = Tensor(weight.astype(dtype), requires_grad=True)
        self.bias = None
        if bias:
            self.bias = Tensor(rng.uniform(-bound, bound, size=out_features).astype(dtype), requires_grad=True)

    def forward(self, x) -> Tensor:
        """Compute ``x @ weight.T + bias``.

        Parameters
        ----------
        x : Tensor or ndarray of shape (batch, in_features)
            Any number of leading dimensions is allowed: ``(*, in_features)``.

        Returns
        -------
        Tensor of shape (batch, out_features)
        """
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=self.weight.dtype))
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"Linear({self.in_features}, {self.out_features}) expects input of shape "
                f"(batch, {self.in_features}), got {x.shape}"
            )
        output = x @ self.weight.T
        return output + self.bias if self.bias is not None else output

    def __repr__(self) -> str:
        return f"Linear(in_features={self.in_features}, out_features={self.out_features})"


class MLP(Module):
    """A multilayer perceptron: ``Linear`` layers with ReLU between them (none after the last).

    Parameters
    ----------
    sizes : sequence of int
        Layer widths from input to output, e.g. ``[784, 256, 10]`` (at least two).
    rng : int or numpy.random.Generator
        Source of randomness for the initial values: a seed or a Generator
        (see :func:`classroom.nn.init.as_generator`).
    dtype : numpy dtype, default np.float32
        Dtype of the parameters.

    Attributes
    ----------
    layers : list of Linear
        ``len(sizes) - 1`` layers.
    """

    def __init__(self, sizes, *, rng, dtype=np.float32):
        sizes = [int(size) for size in sizes]
        if len(sizes) < 2:
            raise ValueError(f"MLP needs at least an input and an output size, got sizes={sizes}")
        rng = as_generator(rng)  # one stream for every layer
        self.layers = [
            Linear(fan_in, fan_out, rng=rng, dtype=dtype) for fan_in, fan_out in zip(sizes[:-1], sizes[1:])
        ]

    def forward(self, x) -> Tensor:
        """Return the logits.

        Parameters
        ----------
        x : Tensor or ndarray of shape (batch, sizes[0])

        Returns
        -------
        Tensor of shape (batch, sizes[-1])
        """
        for layer in self.layers[:-1]:
            x = layer(x).relu()
        return self.layers[-1](x)

    def __repr__(self) -> str:
        sizes = [self.layers[0].in_features] + [layer.out_features for layer in self.layers]
        return f"MLP({sizes})"


def cross_entropy(logits: Tensor, labels) -> Tensor:
    """Mean cross-entropy of integer labels under softmax(logits) (as ``torch.nn.functional.cross_entropy``).

    Built from engine operations only: ``-log_softmax(logits)[arange(batch), labels].mean()``.

    Parameters
    ----------
    logits : Tensor or ndarray of shape (batch, classes)
        Unnormalised scores.
    labels : ndarray of int, shape (batch,)
        The correct class of each row, in ``0 .. classes - 1``.

    Returns
    -------
    Tensor of shape ()
        The loss; call ``.backward()`` on it.
    """
    logits = logits if isinstance(logits, Tensor) else Tensor(logits)
    labels = np.asarray(labels)
    if logits.ndim != 2:
        raise ValueError(f"cross_entropy expects logits of shape (batch, classes), got {logits.shape}")
    if labels.shape != logits.shape[:1] or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"cross_entropy expects integer labels of shape ({logits.shape[0]},), "
            f"got {labels.dtype} array of shape {labels.shape}"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= logits.shape[1]):
        raise ValueError(
            f"labels must be in 0..{logits.shape[1] - 1} for {logits.shape[1]} classes, "
            f"got values from {labels.min()} to {labels.max()}"
        )
    log_probabilities = logits.log_softmax(axis=-1)
    return -log_probabilities[np.arange(len(labels)), labels].mean()
