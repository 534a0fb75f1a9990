"""Counting a network's cost: parameters and multiply-adds, layer by layer.

The work of one forward pass is dominated by the layers that multiply
weights with inputs. One **multiply-add** (MAC, ``a += w * x``) is counted
per weight use:

| layer | multiply-adds for one input |
|---|---|
| ``Linear(in, out)`` | ``in * out`` |
| ``Conv2d(c_in, c_out, k)`` | ``c_out * c_in * k_h * k_w * h_out * w_out`` |
| ``ConvTranspose2d(c_in, c_out, k)`` | ``c_in * c_out * k_h * k_w * h_in * w_in`` |
| anything else (ReLU, pooling, batch norm, ...) | 0 |

Biases, activations, pooling and batch norm cost a handful of operations
per output number, far fewer than the products above, so they count as 0.
Papers often quote FLOPs, which is about ``2 * MACs`` (a multiply and an add).

Examples
--------
>>> from classroom.nn import Linear, ReLU, Sequential
>>> model = Sequential(Linear(784, 128), ReLU(), Linear(128, 10))
>>> total_macs(model, (784,))
101632
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .containers import Sequential
from .conv import Conv2d
from .conv_transpose import ConvTranspose2d
from .linear import Linear
from .module import Module

__all__ = ["LayerCost", "layer_costs", "total_macs", "total_parameters"]


@dataclass(frozen=True)
class LayerCost:
    """What one layer of a ``Sequential`` costs for one input.

    Attributes
    ----------
    name : str
        Its position in the model (``"0"``, ``"3"``, ...).
    kind : str
        Its class name (``"Linear"``, ``"Conv2d"``, ...).
    output_shape : tuple of int
        Shape of its output for one input, without the batch axis.
    parameters : int
        Numbers in its parameters (weights and biases; not batch-norm buffers).
    macs : int
        Multiply-adds of one forward pass of one input.
    """

    name: str
    kind: str
    output_shape: tuple
    parameters: int
    macs: int


def _layer_macs(layer: Module, input_shape: tuple, output_shape: tuple) -> int:
    """Multiply-adds of ``layer`` for one input of ``input_shape`` (no batch axis)."""
    if isinstance(layer, Linear):
        positions = int(np.prod(input_shape[:-1], dtype=np.int64)) if len(input_shape) > 1 else 1
        return positions * layer.in_features * layer.out_features
    if isinstance(layer, Conv2d):
        out_channels, out_h, out_w = output_shape
        kernel = int(np.prod(layer.weight.data.shape[1:]))  # c_in * k_h * k_w
        return out_channels * out_h * out_w * kernel
    if isinstance(layer, ConvTranspose2d):
        _, in_h, in_w = input_shape
        return int(layer.weight.data.size) * in_h * in_w  # every input pixel meets every weight once
    return 0


def layer_costs(model: Module, input_shape: Sequence[int]) -> list[LayerCost]:
    """Parameters, multiply-adds and output shape of each layer, for one input.

    The shapes are found by running one input of zeros through the model in
    eval mode (the model is left in the mode it was in).

    Parameters
    ----------
    model : classroom.nn.Module
        A ``Sequential`` (such as ``MLP`` or ``cifar_cnn``), or one layer.
        Nested ``Sequential`` layers are walked too.
    input_shape : sequence of int
        Shape of one input without the batch axis: ``(784,)`` for the MLP,
        ``(3, 32, 32)`` for the CIFAR CNN.

    Returns
    -------
    list of LayerCost
        One entry per layer (not per container), in order.
    """
    was_training = model.training
    model.eval()
    costs: list[LayerCost] = []
    dtype = next((parameter.data.dtype for parameter in model.parameters()), np.dtype(np.float32))

    def walk(layer: Module, x: np.ndarray, prefix: str) -> np.ndarray:
        if isinstance(layer, Sequential):
            for name, child in layer.named_children():
                x = walk(child, x, f"{prefix}.{name}" if prefix else name)
            return x
        output = layer(x)
        in_shape, out_shape = tuple(x.shape[1:]), tuple(np.shape(output)[1:])
        parameters = sum(int(parameter.data.size) for parameter in layer.parameters())
        costs.append(LayerCost(prefix or type(layer).__name__, type(layer).__name__, out_shape, parameters,
                               int(_layer_macs(layer, in_shape, out_shape))))
        return output

    try:
        walk(model, np.zeros((1, *[int(size) for size in input_shape]), dtype=dtype), "")
    finally:
        model.train(was_training)
    return costs


def total_macs(model: Module, input_shape: Sequence[int]) -> int:
    """Multiply-adds of one forward pass of one input (the sum of :func:`layer_costs`)."""
    return sum(cost.macs for cost in layer_costs(model, input_shape))


def total_parameters(model: Module) -> int:
    """Numbers in the model's parameters (weights and biases)."""
    return sum(int(parameter.data.size) for parameter in model.parameters())
