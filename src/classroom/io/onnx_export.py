"""Export a trained model to ONNX, the interchange format other runtimes read.

A model file of this package (``.npz`` weights plus JSON metadata, see
:mod:`classroom.io.model_files`) is only understood by ``classroom``. ONNX
describes the same network as a graph of standard operators (``Gemm``,
``Conv``, ``BatchNormalization``, ``MaxPool``, ...) with the weights inside,
so ONNX Runtime can run it in C++, on a phone or in a web page.

The exported graph is the model **in eval mode**: batch norm uses its running
statistics and dropout is left out, exactly as :meth:`Module.eval` computes.
The batch axis is left free (named ``"batch"``); every other size is fixed by
the input shape given at export. Parameters are written as float32.

Layers and the operators they become:

| layer | ONNX operator(s) |
|---|---|
| ``Linear`` | ``Gemm`` (``MatMul`` + ``Add`` for inputs of rank > 2) |
| ``Conv2d`` | ``Conv`` |
| ``ConvTranspose2d`` | ``ConvTranspose`` |
| ``BatchNorm1d``, ``BatchNorm2d`` | ``BatchNormalization`` (running statistics) |
| ``MaxPool2d``, ``AvgPool2d`` | ``MaxPool``, ``AveragePool`` |
| ``AdaptiveAvgPool2d`` | ``GlobalAveragePool``, or ``AveragePool`` for equal bins |
| ``ReLU``, ``LeakyReLU``, ``Sigmoid``, ``Tanh`` | ``Relu``, ``LeakyRelu``, ``Sigmoid``, ``Tanh`` |
| ``Softmax`` | ``Softmax`` |
| ``Flatten``, ``Unflatten`` | ``Reshape`` |
| ``Dropout`` | nothing (identity in eval mode) |
| ``Sequential`` | its layers, in order |

Any other layer raises :class:`OnnxExportError` naming it; teach the exporter
a new one with :func:`register_onnx_converter`.

The ``onnx`` package is needed only here and is imported on first use:
``pip install "ml-classroom[onnx]"``.

Examples
--------
>>> from classroom.models.registry import build_model              # doctest: +SKIP
>>> export_model_file("mnist_mlp.npz", "mnist_mlp.onnx", build_model=build_model)  # doctest: +SKIP
PosixPath('mnist_mlp.onnx')

Or from the command line: ``classroom export-onnx mnist_mlp.npz mnist_mlp.onnx``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from classroom.io.atomic import atomic_write
from classroom.io.model_files import file_sha256, load_model_state, state_mismatches
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
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
    Unflatten,
)

__all__ = [
    "DEFAULT_OPSET",
    "OnnxExportError",
    "export_model_file",
    "register_onnx_converter",
    "save_onnx",
    "supported_layers",
    "to_onnx",
]

DEFAULT_OPSET = 17
"""ONNX operator set written by default: old enough for every current runtime (ONNX Runtime 1.12+, onnxruntime-web)."""

IR_VERSION = 8
"""ONNX file-format version that goes with opset 17."""

METADATA_PROP = "classroom.metadata"
"""Key of the ONNX metadata entry holding the model file's JSON metadata (classes, preprocessing, ...)."""

INSTALL_HINT = 'pip install "ml-classroom[onnx]"'


class OnnxExportError(ValueError):
    """A model, or one of its layers, that cannot be written as ONNX.

    The message names the layer (its path in the model, such as ``"3"`` or
    ``"decoder.2"``, and its class) and what to do about it.
    """


def _import_onnx():
    """Return the ``onnx`` module, or raise ImportError with the command that installs it."""
    try:
        import onnx
    except ImportError:
        raise ImportError(
            f"exporting to ONNX needs the 'onnx' package, which is not installed; run: {INSTALL_HINT}"
        ) from None
    return onnx


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


def _is_sequence(layer: Module) -> bool:
    return isinstance(layer, Sequential) and type(layer).forward is Sequential.forward


def _parameter_dtype(model: Module):
    parameters = model.parameters()
    return parameters[0].data.dtype if parameters else np.dtype(np.float32)


def _emit(layer: Module, graph: _Graph, x: str, shape: tuple, where: str, dtype) -> tuple[str, tuple]:
    """Add ``layer``'s nodes after tensor ``x`` of shape ``(batch, *shape)``; return the output and its shape."""
    if _is_sequence(layer):
        for name, child in layer.named_children():
            x, shape = _emit(child, graph, x, shape, f"{where}.{name}" if where else name, dtype)
        return x, shape
    converter = _converter_for(layer)
    if converter is None:
        raise OnnxExportError(
            f"{_describe(layer, where)} has no ONNX mapping; the exporter knows {', '.join(supported_layers())}. "
            "Replace the layer with one of those, or add a mapping with "
            "classroom.io.onnx_export.register_onnx_converter"
        )
    try:  # one sample through the layer gives its output shape and checks the input fits
        out_shape = tuple(int(size) for size in np.shape(layer(np.zeros((1, *shape), dtype=dtype)))[1:])
    except (ValueError, TypeError) as error:
        raise OnnxExportError(
            f"{_describe(layer, where)} does not accept an input of shape (batch, {', '.join(map(str, shape))}): "
            f"{error}; export with the input shape the model was trained on"
        ) from None
    return converter(layer, graph, x, shape, out_shape, where), out_shape


def to_onnx(
    model: Module,
    input_shape: Sequence[int],
    *,
    input_name: str = "input",
    output_name: str = "output",
    opset: int = DEFAULT_OPSET,
    graph_name: str | None = None,
    metadata: Mapping | None = None,
    doc_string: str = "",
):
    """Convert ``model`` (in eval mode) into an ONNX model.

    Parameters
    ----------
    model : classroom.nn.Module
        A ``Sequential`` (an ``MLP``, the CIFAR CNN, a VAE's decoder) or one
        layer. It is switched to eval mode.
    input_shape : sequence of int
        Shape of one input, without the batch axis: ``(784,)`` for the MLP,
        ``(3, 32, 32)`` for the CNN, ``(latent_dim,)`` for a decoder.
    input_name, output_name : str, default "input", "output"
        Names of the graph's input and output tensors.
    opset : int, default 17
        ONNX operator set version (at least 13, whose ``Softmax`` works on
        one axis as here).
    graph_name : str, optional
        Name of the graph (default: the model's class name).
    metadata : mapping, optional
        JSON-serialisable facts stored in the file's metadata under
        ``"classroom.metadata"`` (classes, preprocessing, metrics).
    doc_string : str, optional
        Free text stored with the model.

    Returns
    -------
    onnx.ModelProto
        Input ``input_name`` of shape ``(batch, *input_shape)``, float32;
        output ``output_name`` of shape ``(batch, *output_shape)``, float32.
        It passes ``onnx.checker.check_model``.

    Raises
    ------
    OnnxExportError
        If a layer has no ONNX mapping, or the input shape does not fit the
        model; the message names the layer.
    ImportError
        If the ``onnx`` package is not installed.
    """
    onnx = _import_onnx()
    from onnx import helper, numpy_helper

    if int(opset) < 13:
        raise OnnxExportError(f"opset {opset} is too old: the exporter needs opset 13 or newer (default {DEFAULT_OPSET})")
    shape = tuple(int(size) for size in input_shape)
    if not shape or min(shape) < 1:
        raise OnnxExportError(f"input_shape must be positive sizes without the batch axis, such as (784,), got {list(input_shape)}")
    model.eval()
    dtype = _parameter_dtype(model)
    graph = _Graph(helper, numpy_helper)
    graph.unique(input_name)
    output, output_shape = _emit(model, graph, input_name, shape, "", dtype)
    # The output gets its public name through an Identity (a graph input may also be its output).
    graph.nodes.append(helper.make_node("Identity", [output], [output_name], name=graph.unique(f"{output_name}/Identity")))

    def tensor(name, sizes):
        return helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, ["batch", *sizes])

    onnx_graph = helper.make_graph(
        graph.nodes,
        graph_name or type(model).__name__,
        [tensor(input_name, shape)],
        [tensor(output_name, output_shape)],
        initializer=graph.initializers,
    )
    proto = helper.make_model(
        onnx_graph,
        opset_imports=[helper.make_opsetid("", int(opset))],
        producer_name="classroom",
        doc_string=doc_string,
    )
    proto.ir_version = IR_VERSION
    if metadata:
        helper.set_model_props(proto, {METADATA_PROP: json.dumps(dict(metadata), sort_keys=True)})
    onnx.checker.check_model(proto, full_check=True)
    return proto


def save_onnx(model: Module, path, input_shape: Sequence[int], **options) -> Path:
    """Convert ``model`` with :func:`to_onnx` and write it to ``path`` atomically.

    Parameters
    ----------
    model : classroom.nn.Module
        As :func:`to_onnx`.
    path : str or os.PathLike
        Destination, conventionally ending in ``.onnx``; its folder must exist.
    input_shape : sequence of int
        Shape of one input without the batch axis.
    **options
        Passed to :func:`to_onnx` (``input_name``, ``output_name``,
        ``opset``, ``metadata``, ...).

    Returns
    -------
    pathlib.Path
        The file written. A failure leaves an existing file untouched.
    """
    proto = to_onnx(model, input_shape, **options)
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot write {path}: the folder {folder} does not exist; create it first")
    with atomic_write(path) as stream:
        stream.write(proto.SerializeToString())
    return path


def _check_sidecar(path: Path) -> str:
    """Return the file's SHA-256, after comparing it with ``<path>.sha256`` when that file exists."""
    digest = file_sha256(path)
    sidecar = path.with_name(path.name + ".sha256")
    if sidecar.exists():
        fields = sidecar.read_text(encoding="utf-8", errors="replace").split()
        recorded = fields[0].lower() if fields else ""
        if recorded != digest:
            raise OnnxExportError(
                f"{path}: checksum mismatch: the file's SHA-256 is {digest[:12]}..., but {sidecar.name} "
                f"records {recorded[:12] or 'nothing'}...; the file changed after it was saved - save or "
                "export it again, or restore the original"
            )
    return digest


def export_model_file(
    model_path,
    out_path,
    *,
    build_model: Callable[[Mapping], Module],
    part: str | None = None,
    opset: int = DEFAULT_OPSET,
) -> Path:
    """Export a saved model file (``.npz``) to ONNX.

    The file is read as the server reads it: its ``.sha256`` sidecar is
    checked when there is one, the archive is opened without pickle, the
    weights must fit the saved architecture and be finite. A variational
    autoencoder exports its decoder (latent vector in, mean image out); any
    other model exports whole (input in, logits out).

    Parameters
    ----------
    model_path : str or os.PathLike
        A file written by :func:`classroom.io.save_model` (or
        :func:`classroom.serve.model_file.export_model`) whose metadata holds
        ``architecture`` and, for a whole model, ``input_shape``.
    out_path : str or os.PathLike
        The ``.onnx`` file to write (atomically); its folder must exist.
    build_model : callable
        Builds the empty model from ``metadata["architecture"]``: pass
        :func:`classroom.models.registry.build_model`.
    part : {None, "decoder", "encoder"}, optional
        Export one part of a model that has it (default: a VAE's decoder,
        the whole model otherwise).
    opset : int, default 17
        ONNX operator set version.

    Returns
    -------
    pathlib.Path
        ``out_path``. The graph's input is ``"input"`` of shape
        ``(batch, *input_shape)`` (``"z"`` of shape ``(batch, latent_dim)``
        for a decoder) and its output ``"output"``; the model file's metadata
        and SHA-256 are stored in the ONNX metadata (``"classroom.metadata"``,
        ``"classroom.source_sha256"``).

    Raises
    ------
    FileNotFoundError, ValueError
        If the model file is missing, damaged or not a model file.
    OnnxExportError
        If the metadata lacks what the export needs, the weights do not fit,
        or a layer has no ONNX mapping (the message names it).
    """
    model_path = Path(model_path)
    if not model_path.is_file():
        raise FileNotFoundError(f"no such model file: {model_path}")
    digest = _check_sidecar(model_path)
    state, metadata = load_model_state(model_path)
    if "architecture" not in metadata:
        raise OnnxExportError(
            f"{model_path}: the metadata has no 'architecture', so the model cannot be rebuilt; save it with "
            "classroom.io.save_model(..., metadata={'architecture': ..., 'input_shape': ...})"
        )
    model = build_model(metadata["architecture"])
    problems = state_mismatches(model, state)
    if problems:
        raise OnnxExportError(
            f"{model_path}: the weights do not fit the architecture {metadata['architecture']}: " + "; ".join(problems)
        )
    not_finite = sorted(name for name, array in state.items() if not np.all(np.isfinite(array)))
    if not_finite:
        raise OnnxExportError(f"{model_path}: the weights contain NaN or infinity: {not_finite}; retrain the model")
    model.load_state_dict(state)
    model.eval()

    if part is None and hasattr(model, "decoder") and hasattr(model, "latent_dim"):
        part = "decoder"
    if part is None:
        if "input_shape" not in metadata:
            raise OnnxExportError(
                f"{model_path}: the metadata has no 'input_shape' (one input without the batch axis, "
                "such as [784]); add it when saving the model"
            )
        module, input_shape, input_name = model, metadata["input_shape"], "input"
    elif part == "decoder" and hasattr(model, "decoder") and hasattr(model, "latent_dim"):
        module, input_shape, input_name = model.decoder, (model.latent_dim,), "z"
    elif part == "encoder" and hasattr(model, "encoder") and hasattr(model, "image_shape"):
        module, input_shape, input_name = model.encoder, model.image_shape, "input"
    else:
        raise OnnxExportError(
            f"{model_path}: cannot export part {part!r} of {type(model).__name__}; a VAE has "
            "'decoder' and 'encoder', other models export whole (part=None)"
        )
    proto = to_onnx(
        module,
        input_shape,
        input_name=input_name,
        output_name="output",
        opset=opset,
        graph_name=str(metadata.get("name", type(model).__name__)) + (f".{part}" if part else ""),
        metadata=metadata,
        doc_string=f"exported by classroom from {model_path.name}" + (f" ({part})" if part else ""),
    )
    onnx = _import_onnx()
    onnx.helper.set_model_props(
        proto,
        {
            METADATA_PROP: json.dumps(metadata, sort_keys=True),
            "classroom.source_sha256": digest,
            "classroom.part": part or "model",
        },
    )
    out_path = Path(out_path)
    folder = out_path.parent if str(out_path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot write {out_path}: the folder {folder} does not exist; create it first")
    with atomic_write(out_path) as stream:
        stream.write(proto.SerializeToString())
    return out_path
