"""``MLP``: the multilayer perceptron, a stack of ``Linear`` layers and activations."""

from __future__ import annotations

import numpy as np

from ..nn import Dropout, LeakyReLU, Linear, ReLU, Sequential, Sigmoid, Tanh
from ..nn.init import as_generator

_ACTIVATIONS = {
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "tanh": Tanh,
    "sigmoid": Sigmoid,
}


class MLP(Sequential):
    """A multilayer perceptron: ``[Linear -> activation (-> Dropout)] * len(hidden_sizes) -> Linear``.

    The weekend-1 two-layer network is ``MLP(784, [hidden], 10)``. The output
    is raw scores (logits): feed them to ``CrossEntropyLoss``.

    Because ``MLP`` is a ``Sequential``, parameters are named like PyTorch's
    (``"0.weight"``, ``"0.bias"``, ``"2.weight"`` ...) and ``model[0]`` is the
    first ``Linear`` layer.

    Parameters
    ----------
    in_features : int
        Size of each input sample (784 for flattened MNIST).
    hidden_sizes : sequence of int
        Width of each hidden layer, e.g. ``[128]`` or ``[256, 128]``; empty
        for a linear model.
    out_features : int
        Number of outputs (classes).
    activation : {"relu", "leaky_relu", "tanh", "sigmoid"}, default "relu"
        Non-linearity after each hidden layer.
    dropout : float, default 0.0
        Dropout probability after each hidden activation (none when 0).
    rng : int, numpy.random.Generator or None, optional
        Source of randomness for the initial weights and dropout masks.
    dtype : numpy dtype, default np.float32
        Dtype of the parameters.

    Examples
    --------
    >>> import numpy as np
    >>> model = MLP(784, [128], 10, rng=np.random.default_rng(0))
    >>> model
    MLP(
      (0): Linear(in_features=784, out_features=128, bias=True)
      (1): ReLU()
      (2): Linear(in_features=128, out_features=10, bias=True)
    )
    >>> model(np.zeros((32, 784), dtype=np.float32)).shape
    (32, 10)
    """

    def __init__(
        self,
        in_features: int,
        hidden_sizes,
        out_features: int,
        *,
        activation: str = "relu",
        dropout: float = 0.0,
        rng: np.random.Generator | None = None,
        dtype=np.float32,
    ):
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"MLP activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}"
            )
        if isinstance(hidden_sizes, int):
            raise TypeError(
                f"MLP hidden_sizes must be a list of layer widths, got the int {hidden_sizes}; "
                f"write [{hidden_sizes}] for one hidden layer"
            )
        rng = as_generator(rng)  # one stream for every layer, so an int seed does not repeat
        self.in_features = int(in_features)
        self.hidden_sizes = [int(size) for size in hidden_sizes]
        self.out_features = int(out_features)
        self.activation = activation
        self.dropout = float(dropout)

        layers = []
        previous_size = self.in_features
        for size in self.hidden_sizes:
            layers.append(Linear(previous_size, size, rng=rng, dtype=dtype))
            layers.append(_ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(Dropout(dropout, rng=rng))
            previous_size = size
        layers.append(Linear(previous_size, self.out_features, rng=rng, dtype=dtype))
        super().__init__(*layers)
