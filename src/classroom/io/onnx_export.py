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
a new one with :func:`register_onnx_converter` (the converters live in
:mod:`classroom.io.onnx_layers`; both names are importable from here).

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
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from classroom.io.atomic import atomic_write
from classroom.io.model_files import file_sha256, load_model_state, state_mismatches
from classroom.io.onnx_layers import (
    OnnxExportError,
    _converter_for,
    _describe,
    _Graph,
    register_onnx_converter,
    supported_layers,
)
from classroom.nn import Module, Sequential

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


def _import_onnx():
    """Return the ``onnx`` module, or raise ImportError with the command that installs it."""
    try:
        import onnx
    except ImportError:
        raise ImportError(
            f"exporting to ONNX needs the 'onnx' package, which is not installed; run: {INSTALL_HINT}"
        ) from None
    return onnx


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
