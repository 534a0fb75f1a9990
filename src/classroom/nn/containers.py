"""``Sequential``: modules applied one after another."""

from __future__ import annotations

from .module import Module


class Sequential(Module):
    """Apply modules in order; backward runs them in reverse.

    Parameters
    ----------
    *layers : Module
        The modules, first to last.

    Examples
    --------
    >>> from classroom.nn import Sequential, Linear, ReLU
    >>> model = Sequential(Linear(784, 128), ReLU(), Linear(128, 10))
    >>> len(model)
    3
    """

    def __init__(self, *layers: Module):
        super().__init__()
        for index, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(
                    f"Sequential expects Module instances, but argument {index} is "
                    f"{type(layer).__name__}"
                )
        self.layers = list(layers)

    def named_children(self):
        """Yield ``("0", layer)``, ``("1", layer)``, ... as PyTorch names them."""
        for index, layer in enumerate(self.layers):
            yield str(index), layer

    def forward(self, x):
        """Run ``x`` through every layer in order."""
        for layer in self.layers:
            x = layer(x)
        return x

    def backward(self, grad_output):
        """Run the gradient back through every layer in reverse order.

        Returns the gradient with respect to the input, or None when the first
        layer has ``input_requires_grad = False``.
        """
        for index in range(len(self.layers) - 1, -1, -1):
            if grad_output is None:
                raise RuntimeError(
                    f"layer {index} ({type(self.layers[index]).__name__}) receives no gradient because "
                    f"layer {index + 1} has input_requires_grad=False; only the first layer may skip "
                    "its input gradient"
                )
            grad_output = self.layers[index].backward(grad_output)
        return grad_output

    def __getitem__(self, index: int) -> Module:
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def append(self, layer: Module) -> "Sequential":
        """Add ``layer`` at the end and return self."""
        self.layers.append(layer)
        return self
