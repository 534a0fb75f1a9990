"""Reading CIFAR-10's official batch files: the binary records and the Python version's pickles.

Both official versions split the 60,000 images into five training batches
and one test batch of 10,000 images each, as files in an extracted
``cifar-10-batches-bin/`` or ``cifar-10-batches-py/`` folder or inside the
official ``.tar.gz`` (read without extracting).

* The binary version: each record is 1 label byte followed by 3,072 pixel
  bytes (1,024 red, then 1,024 green, then 1,024 blue, each a 32x32
  row-major plane): :func:`parse_cifar10_batch`.
* The Python version: the same planes as pickled dictionaries (``data``:
  uint8 array of shape (10000, 3072), ``labels``: list of 10,000 ints),
  read with an unpickler that builds nothing but those NumPy arrays, so a
  hostile file cannot run code: :func:`parse_cifar10_python_batch`.

Which of the forms a data directory holds, and the loader, are in
:mod:`classroom.data.cifar10`.
"""

from __future__ import annotations

import io
import pickle
import tarfile
from pathlib import Path, PurePosixPath

import numpy as np

from .errors import CorruptDataError

_RECORD_BYTES = 1 + 3 * 32 * 32
_SPLIT_SIZE = {"train": 50000, "test": 10000}


def cifar10_batch_names(split: str) -> list[str]:
    """Return the binary batch file names of a split.

    Parameters
    ----------
    split : {"train", "test"}

    Returns
    -------
    list of str
        ``data_batch_1.bin`` ... ``data_batch_5.bin``, or ``test_batch.bin``.
    """
    if split not in _SPLIT_SIZE:
        raise ValueError(f"CIFAR-10 split must be 'train' or 'test', got {split!r}")
    if split == "train":
        return [f"data_batch_{number}.bin" for number in range(1, 6)]
    return ["test_batch.bin"]


def parse_cifar10_batch(data: bytes, *, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Decode one binary batch file.

    Parameters
    ----------
    data : bytes
        The file contents: records of 1 label byte + 3,072 pixel bytes.
    source : str
        File name for error messages.

    Returns
    -------
    images : ndarray of shape (n_records, 32, 32, 3), dtype uint8
    labels : ndarray of shape (n_records,), dtype int64

    Raises
    ------
    CorruptDataError
        The length is not a whole number of records, or a label is above 9.
    """
    if len(data) == 0 or len(data) % _RECORD_BYTES:
        raise CorruptDataError(
            f"{source}: {len(data)} bytes is not a whole number of {_RECORD_BYTES}-byte records (truncated file?)"
        )
    records = np.frombuffer(data, dtype=np.uint8).reshape(-1, _RECORD_BYTES)
    labels = records[:, 0].astype(np.int64)
    if labels.max() > 9:
        raise CorruptDataError(f"{source}: label {labels.max()} found, CIFAR-10 labels are 0-9 (not a CIFAR-10 file?)")
    images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def _read_batch_files(source: Path, wanted: list[str], version: str) -> list[tuple[str, bytes]]:
    """Read the batch files ``wanted`` from an extracted folder or an archive, in that order.

    Parameters
    ----------
    source : pathlib.Path
        The extracted ``cifar-10-batches-*`` folder, or the official ``.tar.gz``.
    wanted : list of str
        Batch file names, e.g. ``["data_batch_1.bin", ...]``.
    version : {"binary", "Python"}
        For the error message when the archive lacks a batch.

    Returns
    -------
    list of (str, bytes)
        Each batch's description (for error messages) and its bytes.

    Raises
    ------
    CorruptDataError
        A batch is missing, or the archive is unreadable or truncated.
    """
    contents = {}
    if source.is_dir():
        for name in wanted:
            path = source / name
            if not path.is_file():
                raise CorruptDataError(f"{source}: {name} is missing; the folder should hold {wanted}")
            contents[name] = (str(path), path.read_bytes())
    else:
        try:
            with tarfile.open(source, mode="r|*") as archive:
                for member in archive:
                    base = PurePosixPath(member.name).name
                    if member.isfile() and base in wanted:
                        contents[base] = (f"{member.name} in {source}", archive.extractfile(member).read())
        except (tarfile.TarError, EOFError, OSError) as error:
            raise CorruptDataError(f"{source}: unreadable or truncated archive ({error}); fetch it again") from None
        absent = [name for name in wanted if name not in contents]
        if absent:
            raise CorruptDataError(f"{source}: the archive lacks {absent}; is it the CIFAR-10 {version} version?")
    return [contents[name] for name in wanted]


def _concatenate_batches(parts: list[tuple[np.ndarray, np.ndarray]]) -> dict[str, np.ndarray]:
    """``{"images": (N, 32, 32, 3) uint8, "labels": (N,) int64}`` from per-batch ``(images, labels)``."""
    return {
        "images": np.concatenate([images for images, _ in parts]),
        "labels": np.concatenate([labels for _, labels in parts]),
    }


def _decode_binary(source: Path, split: str) -> dict[str, np.ndarray]:
    """Read the binary batches of a split from the extracted folder or the archive."""
    files = _read_batch_files(source, cifar10_batch_names(split), "binary")
    return _concatenate_batches([parse_cifar10_batch(data, source=name) for name, data in files])


_PICKLE_GLOBALS = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("_codecs", "encode"),
}


class _ArrayUnpickler(pickle.Unpickler):
    """An unpickler that builds dicts, lists, strings, numbers and NumPy arrays, and nothing else."""

    def find_class(self, module: str, name: str):
        if (module, name) not in _PICKLE_GLOBALS:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} (not part of a CIFAR-10 batch)")
        if module == "numpy":
            return getattr(np, name)
        if module == "_codecs":
            import codecs

            return codecs.encode
        try:  # NumPy 2 moved numpy.core to numpy._core; the official files name the old module
            from numpy._core import multiarray
        except ImportError:  # NumPy 1.x
            from numpy.core import multiarray
        return getattr(multiarray, name)


def parse_cifar10_python_batch(data: bytes, *, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Decode one batch file of the official Python version.

    Parameters
    ----------
    data : bytes
        The pickled dictionary: ``data`` uint8 (n, 3072), ``labels`` n ints.
    source : str
        File name for error messages.

    Returns
    -------
    images : ndarray of shape (n_records, 32, 32, 3), dtype uint8
    labels : ndarray of shape (n_records,), dtype int64

    Raises
    ------
    CorruptDataError
        The file is not such a dictionary (truncated, or a pickle that asks
        for anything beyond NumPy arrays).
    """
    try:
        batch = _ArrayUnpickler(io.BytesIO(data), encoding="latin1").load()
    except Exception as error:  # any unpickling failure means the file is not a CIFAR-10 batch
        raise CorruptDataError(f"{source}: not a CIFAR-10 Python batch ({type(error).__name__}: {error})") from None
    if isinstance(batch, dict):
        batch = {key.decode("latin1") if isinstance(key, bytes) else key: value for key, value in batch.items()}
    pixels = batch.get("data") if isinstance(batch, dict) else None
    labels = batch.get("labels") if isinstance(batch, dict) else None
    if not isinstance(pixels, np.ndarray) or pixels.ndim != 2 or pixels.shape[1] != 3 * 32 * 32 or labels is None:
        raise CorruptDataError(f"{source}: expected a dict with 'data' of shape (n, 3072) and 'labels'")
    labels = np.asarray(labels, dtype=np.int64)
    if labels.shape != (len(pixels),) or labels.min(initial=0) < 0 or labels.max(initial=0) > 9:
        raise CorruptDataError(f"{source}: {len(labels)} labels for {len(pixels)} images, or a label outside 0-9")
    images = pixels.astype(np.uint8, copy=False).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def _decode_python(source: Path, split: str) -> dict[str, np.ndarray]:
    """Read the pickled batches of a split from the extracted folder or the archive."""
    wanted = [name.removesuffix(".bin") for name in cifar10_batch_names(split)]
    files = _read_batch_files(source, wanted, "Python")
    return _concatenate_batches([parse_cifar10_python_batch(data, source=name) for name, data in files])
