"""How each layer becomes ONNX operators: the converters the exporter looks up by layer class.

:func:`classroom.io.onnx_export.to_onnx` walks a model and, for each layer,
calls the converter registered for its class here. A converter adds the
layer's weights and operators to the graph being built and returns the name
of its output tensor; the table of layers and operators is in
:mod:`classroom.io.onnx_export`. Teach the exporter a new layer with
:func:`register_onnx_converter`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from classroom.nn import (
    AdaptiveAvgPool2d,
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv2d,
    ConvTranspose2d,
    Dropout,
    Flatten,
    LeakyReLU,
    Linear,
    MaxPool2d,
    Module,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
    Unflatten,
)

__all__ = ["Converter", "OnnxExportError", "register_onnx_converter", "supported_layers"]


class OnnxExportError(ValueError):
    """A model, or one of its layers, that cannot be written as ONNX.

    The message names the layer (its path in the model, such as ``"3"`` or
    ``"decoder.2"``, and its class) and what to do about it.
    """


# --------------------------------------------------------------------------
# The graph being built
# --------------------------------------------------------------------------
@dataclass
class _Graph:
    """Nodes and weights collected while walking the model."""

    helper: object
    numpy_helper: object
    nodes: list = field(default_factory=list)
    initializers: list = field(default_factory=list)
    _names: set = field(default_factory=set)

    def unique(self, name: str) -> str:
        """Return ``name``, or ``name_2``, ``name_3``, ... if it is taken."""
        candidate, count = name, 1
        while candidate in self._names:
            count += 1
            candidate = f"{name}_{count}"
        self._names.add(candidate)
        return candidate

    def weight(self, name: str, array, dtype=np.float32) -> str:
        """Add a constant tensor; return its name."""
        name = self.unique(name)
        self.initializers.append(self.numpy_helper.from_array(np.ascontiguousarray(np.asarray(array, dtype=dtype)), name))
        return name

    def node(self, op_type: str, inputs: Sequence[str], where: str, **attributes) -> str:
        """Add one operator; return the name of its output."""
        output = self.unique(f"{where}/{op_type}" if where else op_type)
        self.nodes.append(
            self.helper.make_node(op_type, list(inputs), [output], name=output, **attributes)
        )
        return output


#: A converter: ``(layer, graph, input_name, input_shape, output_shape, where) -> output_name``.
#: The shapes leave out the batch axis.
Converter = Callable[[Module, _Graph, str, tuple, tuple, str], str]


def _describe(layer: Module, where: str) -> str:
    return f"layer '{where}' ({type(layer).__name__})" if where else f"the model ({type(layer).__name__})"


def _linear(layer: Linear, graph: _Graph, x: str, in_shape, out_shape, where: str) -> str:
    prefix = f"{where}." if where else ""
    if len(in_shape) == 1:
        inputs = [x, graph.weight(f"{prefix}weight", layer.weight.data)]
        if layer.bias is not None:
            inputs.append(graph.weight(f"{prefix}bias", layer.bias.data))
        return graph.node("Gemm", inputs, where, transB=1)
    y = graph.node("MatMul", [x, graph.weight(f"{prefix}weight_t", layer.weight.data.T)], where)
    if layer.bias is not None:
        y = graph.node("Add", [y, graph.weight(f"{prefix}bias", layer.bias.data)], where)
    return y


def _conv(layer: Conv2d, graph: _Graph, x: str, in_shape, out_shape, where: str) -> str:
    prefix = f"{where}." if where else ""
    inputs = [x, graph.weight(f"{prefix}weight", layer.weight.data)]
    if layer.bias is not None:
        inputs.append(graph.weight(f"{prefix}bias", layer.bias.data))
    pad_h, pad_w = layer.padding
    return graph.node(
        "Conv", inputs, where,
        kernel_shape=list(layer.kernel_size), strides=list(layer.stride), pads=[pad_h, pad_w, pad_h, pad_w],
    )


def _conv_transpose(layer: ConvTranspose2d, graph: _Graph, x: str, in_shape, out_shape, where: str) -> str:
    prefix = f"{where}." if where else ""
    inputs = [x, graph.weight(f"{prefix}weight", layer.weight.data)]  # (in, out, kh, kw), as ONNX wants
    if layer.bias is not None:
        inputs.append(graph.weight(f"{prefix}bias", layer.bias.data))
    pad_h, pad_w = layer.padding
    return graph.node(
        "ConvTranspose", inputs, where,
        kernel_shape=list(layer.kernel_size), strides=list(layer.stride), pads=[pad_h, pad_w, pad_h, pad_w],
        output_padding=list(layer.output_padding),
    )


def _batch_norm(layer, graph: _Graph, x: str, in_shape, out_shape, where: str) -> str:
    prefix = f"{where}." if where else ""
    channels = layer.num_features
    scale = layer.weight.data if layer.affine else np.ones(channels)
    shift = layer.bias.data if layer.affine else np.zeros(channels)
    inputs = [
        x,
        graph.weight(f"{prefix}weight", scale),
        graph.weight(f"{prefix}bias", shift),
        graph.weight(f"{prefix}running_mean", layer.running_mean),
        graph.weight(f"{prefix}running_var", layer.running_var),
    ]
    return graph.node("BatchNormalization", inputs, where, epsilon=float(layer.eps))


def _pool(op_type: str, **extra):
    def convert(layer, graph: _Graph, x: str, in_shape, out_shape, where: str) -> str:
        pad_h, pad_w = layer.padding
        return graph.node(
            op_type, [x], where,
            kernel_shape=list(layer.kernel_size), strides=list(layer.stride), pads=[pad_h, pad_w, pad_h, pad_w],
            **extra,
        )

    return convert


def _adaptive_avg_pool(layer: AdaptiveAvgPool2d, graph: _Graph, x: str, in_shape, out_shape, where: str) -> str:
    _, height, width = in_shape
    out_h, out_w = layer.output_size
    if (out_h, out_w) == (1, 1):
        return graph.node("GlobalAveragePool", [x], where)
    if height % out_h or width % out_w:
        raise OnnxExportError(
            f"{_describe(layer, where)} pools a {height}x{width} map into {out_h}x{out_w} bins of unequal "
            "size, which no ONNX operator computes; export with an input size divisible by the output size, "
            "or use AdaptiveAvgPool2d(1)"
        )
    kernel = [height // out_h, width // out_w]
    return graph.node("AveragePool", [x], where, kernel_shape=kernel, strides=kernel)


def _reshape(layer, graph: _Graph, x: str, in_shape, out_shape, where: str) -> str:
    if isinstance(layer, Flatten):
        start = layer.start_dim + len(in_shape) + 1 if layer.start_dim < 0 else layer.start_dim
        touches_batch = start == 0
    else:
        dim = layer.dim + len(in_shape) + 1 if layer.dim < 0 else layer.dim
        touches_batch = dim == 0
    if touches_batch:
        raise OnnxExportError(
            f"{_describe(layer, where)} reshapes the batch axis, which the exported graph keeps free; "
            "export a model whose Flatten/Unflatten start after the batch axis (dim >= 1)"
        )
    # 0 copies the batch size from the input; the other sizes are fixed.
    shape = graph.weight(f"{where}.shape" if where else "shape", [0, *out_shape], dtype=np.int64)
    return graph.node("Reshape", [x, shape], where)


def _elementwise(op_type: str, **fixed):
    def convert(layer, graph: _Graph, x: str, in_shape, out_shape, where: str) -> str:
        return graph.node(op_type, [x], where, **fixed)

    return convert


def _leaky_relu(layer: LeakyReLU, graph: _Graph, x: str, in_shape, out_shape, where: str) -> str:
    return graph.node("LeakyRelu", [x], where, alpha=float(layer.negative_slope))


def _softmax(layer: Softmax, graph: _Graph, x: str, in_shape, out_shape, where: str) -> str:
    return graph.node("Softmax", [x], where, axis=int(layer.dim))


def _identity(layer, graph: _Graph, x: str, in_shape, out_shape, where: str) -> str:
    return x  # dropout does nothing in eval mode


_CONVERTERS: dict[type, Converter] = {
    Linear: _linear,
    Conv2d: _conv,
    ConvTranspose2d: _conv_transpose,
    BatchNorm1d: _batch_norm,
    BatchNorm2d: _batch_norm,
    MaxPool2d: _pool("MaxPool"),
    AvgPool2d: _pool("AveragePool", count_include_pad=1),
    AdaptiveAvgPool2d: _adaptive_avg_pool,
    ReLU: _elementwise("Relu"),
    LeakyReLU: _leaky_relu,
    Sigmoid: _elementwise("Sigmoid"),
    Tanh: _elementwise("Tanh"),
    Softmax: _softmax,
    Flatten: _reshape,
    Unflatten: _reshape,
    Dropout: _identity,
}


def register_onnx_converter(layer_type: type, converter: Converter, *, overwrite: bool = False) -> None:
    """Teach the exporter a layer: ``converter`` adds its ONNX nodes to the graph.

    Parameters
    ----------
    layer_type : type
        A subclass of :class:`classroom.nn.Module`.
    converter : callable
        Called as ``converter(layer, graph, input_name, input_shape,
        output_shape, where)`` and returns the name of the layer's output.
        ``graph.node(op_type, inputs, where, **attributes)`` adds an operator
        and returns its output's name; ``graph.weight(name, array)`` adds a
        constant tensor and returns its name. The shapes leave out the batch
        axis; ``where`` is the layer's path in the model (``"3"``).
    overwrite : bool, default False
        Replace an existing converter instead of raising.

    Raises
    ------
    ValueError
        If ``layer_type`` already has a converter and ``overwrite`` is False.
    """
    if layer_type in _CONVERTERS and not overwrite:
        raise ValueError(
            f"{layer_type.__name__} already has an ONNX converter; pass overwrite=True to replace it"
        )
    _CONVERTERS[layer_type] = converter


def supported_layers() -> list[str]:
    """Return the names of the layers the exporter maps to ONNX (plus ``Sequential``), sorted."""
    return sorted({layer_type.__name__ for layer_type in _CONVERTERS} | {"Sequential"})


def _converter_for(layer: Module) -> Converter | None:
    """The converter of ``layer``'s class, or of a base class whose ``forward`` it does not change."""
    layer_type = type(layer)
    if layer_type in _CONVERTERS:
        return _CONVERTERS[layer_type]
    for base in layer_type.__mro__[1:]:
        if base in _CONVERTERS and layer_type.forward is base.forward:
            return _CONVERTERS[base]
    return None
