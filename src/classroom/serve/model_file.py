"""Load a saved model for serving, refusing any file that is not exactly right.

A served model is a file written by :func:`classroom.io.save_model`: an
``.npz`` archive of weights plus JSON metadata. The server reads it once at
start and checks, in order:

1. the whole file's SHA-256 equals the one in the sidecar file
   ``<model>.npz.sha256`` when there is one (the ``sha256sum`` format), so a
   changed byte is caught before the file is even parsed;
2. the archive opens without pickle and is not damaged (``.npz`` files are
   zip archives, and zip stores a CRC-32 checksum of every entry, so changed
   bytes inside an array are caught when it is read, even without a sidecar);
3. the weights' SHA-256 equals ``metadata["weights_sha256"]`` when recorded
   (see :func:`weights_sha256`);
4. the metadata has what serving needs: ``name``, ``architecture``,
   ``input_shape``, ``classes``, and how inputs were prepared: either a
   ``preprocess`` dict (see :class:`classroom.serve.images.Preprocessing`)
   or a ``normalization`` dict ``{"mean": [...], "std": [...]}``, which
   with an image ``input_shape`` ``(channels, height, width)`` means
   "resize to height x width, RGB for 3 channels or grayscale for 1,
   scale to [0, 1], normalise" (the layout ``scripts/train_cifar10.py``
   writes);
5. the weights fit the architecture (every name and shape), are finite, and
   a forward pass on a zero image gives one score per class.

Any failure raises :class:`ModelFileError` naming the file and the problem,
so the server refuses to start instead of answering with a broken model.

:func:`export_model` writes a file that passes all five checks.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np

from classroom import io as model_io
from classroom.io.atomic import atomic_write
from classroom.models.registry import build_model
from classroom.serve.images import Preprocessing

__all__ = [
    "ModelFileError",
    "ServedModel",
    "export_model",
    "load_served_model",
    "sidecar_path",
    "weights_sha256",
]

REQUIRED_METADATA = ("name", "architecture", "input_shape", "classes")
"""Metadata keys a model file must have to be served (plus ``preprocess`` or ``normalization``)."""


class ModelFileError(Exception):
    """A model file that cannot be served; ``str(error)`` is one line naming file and problem.

    Parameters
    ----------
    path : str or os.PathLike
        The model file.
    problem : str
        What is wrong (newlines are folded into ``"; "``).
    """

    def __init__(self, path, problem: str):
        self.path = Path(path)
        self.problem = "; ".join(line.strip() for line in str(problem).splitlines() if line.strip())
        super().__init__(f"{self.path}: {self.problem}")


def sidecar_path(path) -> Path:
    """Return the checksum file that belongs to ``path``: ``<path>.sha256``."""
    path = Path(path)
    return path.with_name(path.name + ".sha256")


def weights_sha256(state_dict: Mapping[str, np.ndarray]) -> str:
    """Return a SHA-256 digest of the weights themselves (not of the file).

    Every array is hashed in name order together with its name, dtype and
    shape, so the digest changes when any value, name, shape or type changes,
    but not when the metadata (for example the creation time) does.

    Parameters
    ----------
    state_dict : mapping of str to ndarray
        The model's weights.

    Returns
    -------
    str
        64 lowercase hexadecimal characters.
    """
    digest = hashlib.sha256()
    for name in sorted(state_dict):
        array = np.ascontiguousarray(state_dict[name])
        digest.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def export_model(path, model, *, metadata: Mapping) -> Path:
    """Save ``model`` for serving: the ``.npz`` file plus its ``.sha256`` sidecar.

    Adds ``metadata["weights_sha256"]`` (see :func:`weights_sha256`), saves
    with :func:`classroom.io.save_model` (atomic), then writes the file's
    SHA-256 to ``<path>.sha256`` in ``sha256sum`` format, also atomically, so
    ``sha256sum -c model.npz.sha256`` verifies it.

    Parameters
    ----------
    path : str or os.PathLike
        Destination ``.npz`` file; its folder must exist.
    model : classroom.nn.Module
        The trained model.
    metadata : mapping
        At least the keys in :data:`REQUIRED_METADATA` and ``preprocess``.

    Returns
    -------
    pathlib.Path
        The model file written.

    Raises
    ------
    ValueError
        If a required metadata key is missing.
    """
    missing = [key for key in REQUIRED_METADATA if key not in metadata]
    if "preprocess" not in metadata:
        missing.append("preprocess")
    if missing:
        raise ValueError(
            f"metadata is missing {missing}; a served model needs "
            f"{list(REQUIRED_METADATA) + ['preprocess']}"
        )
    metadata = dict(metadata)
    metadata["weights_sha256"] = weights_sha256(model.state_dict())
    path = model_io.save_model(path, model, metadata=metadata)
    line = f"{model_io.file_sha256(path)}  {path.name}\n"
    sidecar = sidecar_path(path)
    with atomic_write(sidecar, "w") as stream:
        stream.write(line)
    return path


@dataclass
class ServedModel:
    """A checked, ready-to-run model with everything the API reports about it.

    Build it with :func:`load_served_model`. :meth:`predict` is safe to call
    from many threads at once: the layers cache activations for a backward
    pass during ``forward``, so a lock lets one forward pass run at a time
    per model.

    Attributes
    ----------
    name, version : str
        From the metadata; ``name`` selects the model in ``/predict?model=``.
    path : pathlib.Path
        The file it was loaded from.
    sha256 : str
        SHA-256 of that file.
    model : classroom.nn.Module
        The network, in eval mode.
    preprocessing : Preprocessing
        How uploads are turned into inputs.
    classes : list of str
        Label of each output unit.
    input_shape : tuple of int
        Shape of one input, without the batch axis (``(784,)`` or ``(3, 32, 32)``).
    metadata : dict
        Everything stored in the file.
    """

    name: str
    version: str
    path: Path
    sha256: str
    model: object
    preprocessing: Preprocessing
    classes: list[str]
    input_shape: tuple[int, ...]
    metadata: dict
    dtype: np.dtype = np.dtype(np.float32)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def predict(self, inputs: np.ndarray) -> np.ndarray:
        """Return class probabilities for a batch of preprocessed inputs.

        Parameters
        ----------
        inputs : ndarray of shape (batch, *preprocessing.output_shape)
            Outputs of :attr:`preprocessing`, stacked.

        Returns
        -------
        ndarray of shape (batch, len(classes)), float64
            Softmax probabilities; each row sums to 1.
        """
        batch = np.asarray(inputs, dtype=self.dtype).reshape((-1, *self.input_shape))
        with self._lock:
            logits = np.array(self.model(batch), dtype=np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        return probabilities

    def top_k(self, probabilities: np.ndarray, k: int) -> list[dict]:
        """Return the ``k`` most likely classes of one probability row, best first.

        Parameters
        ----------
        probabilities : ndarray of shape (len(classes),)
            One row of :meth:`predict`.
        k : int
            How many; capped at the number of classes.

        Returns
        -------
        list of dict
            ``{"label": str, "index": int, "probability": float}`` each.
        """
        k = min(int(k), len(self.classes))
        order = np.argsort(-probabilities, kind="stable")[:k]
        return [
            {
                "label": self.classes[index],
                "index": int(index),
                "probability": float(probabilities[index]),
            }
            for index in order
        ]

    def info(self) -> dict:
        """Return the public description served by ``GET /models``."""
        return {
            "name": self.name,
            "version": self.version,
            "file": self.path.name,
            "sha256": self.sha256,
            "architecture": self.metadata.get("architecture"),
            "input_shape": list(self.input_shape),
            "classes": list(self.classes),
            "metrics": self.metadata.get("metrics", {}),
            "preprocess": self.preprocessing.to_dict(),
            "created": self.metadata.get("created"),
        }


def _read_sidecar(path: Path) -> str | None:
    """Return the digest recorded in ``<path>.sha256``, or None when there is no sidecar."""
    sidecar = sidecar_path(path)
    if not sidecar.exists():
        return None
    fields = sidecar.read_text(encoding="utf-8", errors="replace").split()
    digest = fields[0].lower() if fields else ""
    if len(digest) != 64 or any(char not in "0123456789abcdef" for char in digest):
        raise ModelFileError(path, f"the checksum file {sidecar.name} does not hold a SHA-256 digest")
    return digest


def _preprocessing_from(metadata: Mapping, input_shape: tuple[int, ...]) -> Preprocessing:
    """Read ``metadata["preprocess"]``, or derive it from ``normalization`` and an image input shape."""
    if "preprocess" in metadata:
        return Preprocessing.from_dict(metadata["preprocess"])
    normalization = metadata["normalization"]
    if len(input_shape) != 3 or input_shape[0] not in (1, 3):
        raise ValueError(
            f"'normalization' without 'preprocess' needs an image input_shape (1 or 3, height, "
            f"width), got {list(input_shape)}; add a 'preprocess' dict"
        )
    channels, height, width = input_shape
    if not isinstance(normalization, Mapping) or not {"mean", "std"} <= set(normalization):
        raise ValueError(f"'normalization' must be a dict with 'mean' and 'std', got {normalization!r}")
    return Preprocessing.from_dict(
        {
            "mode": "RGB" if channels == 3 else "L",
            "size": [height, width],
            "mean": list(normalization["mean"]),
            "std": list(normalization["std"]),
            "invert": False,
        }
    )


def load_served_model(path) -> ServedModel:
    """Load and check a model file for serving.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`export_model` (or by
        :func:`classroom.io.save_model` with the metadata keys in
        :data:`REQUIRED_METADATA` and ``preprocess`` or ``normalization``).

    Returns
    -------
    ServedModel
        In eval mode, warmed up with one forward pass.

    Raises
    ------
    ModelFileError
        If any check in the module description fails; the message names the
        file and the problem.
    """
    path = Path(path)
    if path.is_dir():
        raise ModelFileError(path, "is a folder, expected an .npz file")
    if not path.exists():
        raise ModelFileError(path, "no such file")

    # Integrity first: check the bytes against the recorded checksum before parsing them.
    file_digest = model_io.file_sha256(path)
    recorded = _read_sidecar(path)
    if recorded is not None and recorded != file_digest:
        raise ModelFileError(
            path,
            f"checksum mismatch: the file's SHA-256 is {file_digest[:12]}..., but "
            f"{sidecar_path(path).name} records {recorded[:12]}...; the file changed after "
            "it was exported - export it again or restore the original",
        )
    try:
        state, metadata = model_io.load_model_state(path)
    except (OSError, ValueError) as error:
        # classroom.io messages already name the file; keep only the problem.
        message = str(error).replace(f"{path}: ", "").replace(str(path), "the file")
        raise ModelFileError(path, message) from None

    if "weights_sha256" in metadata and metadata["weights_sha256"] != weights_sha256(state):
        raise ModelFileError(
            path,
            "checksum mismatch: the weights do not match metadata['weights_sha256']; "
            "the arrays changed after export - export the model again",
        )

    missing = [key for key in REQUIRED_METADATA if key not in metadata]
    if "preprocess" not in metadata and "normalization" not in metadata:
        missing.append("preprocess")
    if missing:
        raise ModelFileError(
            path,
            f"metadata is missing {missing}; serving needs {list(REQUIRED_METADATA)} and "
            "'preprocess' (save with classroom.serve.model_file.export_model)",
        )
    try:
        input_shape = tuple(int(size) for size in metadata["input_shape"])
    except (TypeError, ValueError):
        raise ModelFileError(
            path, f"input_shape must be a list of ints, got {metadata['input_shape']!r}"
        ) from None
    try:
        preprocessing = _preprocessing_from(metadata, input_shape)
    except (TypeError, ValueError) as error:
        raise ModelFileError(path, f"invalid preprocessing metadata: {error}") from None
    if int(np.prod(input_shape)) != int(np.prod(preprocessing.output_shape)):
        raise ModelFileError(
            path,
            f"input_shape {list(input_shape)} does not fit the preprocessing output "
            f"{list(preprocessing.output_shape)} (mode {preprocessing.mode!r})",
        )
    classes = [str(label) for label in metadata["classes"]]

    try:
        model = build_model(metadata["architecture"])
    except ValueError as error:
        raise ModelFileError(path, str(error)) from None
    problems = model_io.state_mismatches(model, state)
    if problems:
        raise ModelFileError(
            path,
            f"the arrays do not match the architecture {metadata['architecture']}: "
            + "; ".join(problems),
        )
    not_finite = [name for name, array in state.items() if not np.all(np.isfinite(array))]
    if not_finite:
        raise ModelFileError(path, f"weights contain NaN or infinity: {not_finite}")
    model.load_state_dict(state)
    model.eval()
    parameters = model.parameters()
    dtype = parameters[0].data.dtype if parameters else np.dtype(np.float32)

    served = ServedModel(
        name=str(metadata["name"]),
        version=str(metadata.get("version", "unversioned")),
        path=path,
        sha256=file_digest,
        model=model,
        preprocessing=preprocessing,
        classes=classes,
        input_shape=input_shape,
        metadata=metadata,
        dtype=np.dtype(dtype),
    )
    try:
        probabilities = served.predict(np.zeros((1, *preprocessing.output_shape), np.float32))
    except Exception as error:  # a model that cannot run must not be served
        raise ModelFileError(
            path, f"a test forward pass failed ({type(error).__name__}: {error})"
        ) from None
    if probabilities.shape != (1, len(classes)):
        raise ModelFileError(
            path,
            f"the model gives {probabilities.shape[1]} outputs but the metadata lists "
            f"{len(classes)} classes",
        )
    return served
