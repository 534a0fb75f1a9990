"""The safetensors file format, read and written with NumPy alone.

safetensors is a simple interchange format for named arrays that many
libraries read (it is the usual format of model weights shared online).
Like this package's ``.npz`` files, and unlike pickle, loading one can
never run code: the file is a description of arrays followed by their
bytes. The layout is:

1. 8 bytes: ``N``, the header's length, an unsigned little-endian 64-bit integer;
2. ``N`` bytes: a JSON object (UTF-8, possibly padded with trailing spaces)
   mapping each array's name to ``{"dtype": "F32", "shape": [128, 784],
   "data_offsets": [begin, end]}``, plus an optional ``"__metadata__"``
   object of string keys and string values;
3. the arrays' raw bytes, little-endian, C order, one after another; each
   array's ``data_offsets`` count bytes from the start of this part.

This module writes and reads that layout; it does not need the
``safetensors`` package.

Examples
--------
>>> import numpy as np
>>> save_safetensors("mlp.safetensors", {"0.weight": np.ones((2, 3), np.float32)},
...                  metadata={"name": "mlp"})                      # doctest: +SKIP
>>> arrays, metadata = load_safetensors("mlp.safetensors")          # doctest: +SKIP
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Mapping

import numpy as np

from classroom.io.atomic import atomic_write

__all__ = ["DTYPES", "MAX_HEADER_BYTES", "load_safetensors", "save_safetensors", "safetensors_bytes", "parse_safetensors"]

DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U64": np.dtype("<u8"),
    "U32": np.dtype("<u4"),
    "U16": np.dtype("<u2"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
"""safetensors dtype names and the little-endian NumPy dtypes they stand for."""

MAX_HEADER_BYTES = 100_000_000
"""Largest header accepted when reading (a guard against a damaged length field)."""

def _dtype_name(name: str, array: np.ndarray) -> str:
    """The safetensors name of ``array``'s dtype (either byte order), or TypeError."""
    key = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
    for candidate, dtype in DTYPES.items():
        if dtype == key:
            return candidate
    raise TypeError(
        f"cannot store '{name}' as safetensors: dtype {array.dtype} has no safetensors name "
        f"(supported: {', '.join(DTYPES)})"
    )


def safetensors_bytes(arrays: Mapping[str, np.ndarray], metadata: Mapping[str, str] | None = None) -> bytes:
    """Encode named arrays (and string metadata) as the bytes of a safetensors file.

    Parameters
    ----------
    arrays : mapping of str to array_like
        E.g. ``model.state_dict()``. Every array must have one of the
        :data:`DTYPES` (float32 weights, int64 counters, ...).
    metadata : mapping of str to str, optional
        Stored under ``"__metadata__"``; the format allows string values
        only (JSON-encode anything else).

    Returns
    -------
    bytes
        Header length, header padded with spaces to a multiple of 8 bytes, data.

    Raises
    ------
    TypeError
        If an array's dtype has no safetensors name, or a metadata value is not a string.
    ValueError
        If a name is ``"__metadata__"``.
    """
    header: dict = {}
    if metadata:
        bad = {key: type(value).__name__ for key, value in metadata.items() if not isinstance(value, str)}
        if bad:
            raise TypeError(f"safetensors metadata values must be strings; JSON-encode these first: {bad}")
        header["__metadata__"] = {str(key): value for key, value in metadata.items()}
    chunks = []
    offset = 0
    for name, value in arrays.items():
        name = str(name)
        if name == "__metadata__":
            raise ValueError("the array name '__metadata__' is reserved for the file's metadata")
        array = np.asarray(value)
        dtype_name = _dtype_name(name, array)
        data = np.ascontiguousarray(array, dtype=DTYPES[dtype_name]).tobytes()
        header[name] = {"dtype": dtype_name, "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the data start 8-byte aligned
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def parse_safetensors(data: bytes) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Decode the bytes of a safetensors file.

    Parameters
    ----------
    data : bytes
        The whole file.

    Returns
    -------
    arrays : dict of str to ndarray
        Each array with its stored dtype and shape (a copy, writable).
    metadata : dict of str to str
        The ``"__metadata__"`` object, empty when there is none.

    Raises
    ------
    ValueError
        If the file is too short, its header is not valid JSON, names an
        unknown dtype, or its offsets do not match the shapes and the data
        (overlapping, out of bounds or leaving bytes unused).
    """
    if len(data) < 8:
        raise ValueError(f"not a safetensors file: {len(data)} bytes, fewer than the 8-byte header length")
    (length,) = struct.unpack("<Q", data[:8])
    if length > MAX_HEADER_BYTES or 8 + length > len(data):
        raise ValueError(
            f"not a safetensors file (or truncated): the header claims {length} bytes but the file has {len(data) - 8} after the length"
        )
    try:
        header = json.loads(data[8 : 8 + length].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"the safetensors header is not valid JSON: {error}") from None
    if not isinstance(header, dict):
        raise ValueError("the safetensors header must be a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(value, str) for value in metadata.values()):
        raise ValueError("the safetensors '__metadata__' must map strings to strings")
    body = memoryview(data)[8 + length :]
    arrays: dict[str, np.ndarray] = {}
    spans = []
    for name, entry in header.items():
        try:
            dtype = DTYPES[entry["dtype"]]
            shape = tuple(int(size) for size in entry["shape"])
            begin, end = (int(offset) for offset in entry["data_offsets"])
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"safetensors entry '{name}' is malformed or has an unknown dtype: {entry!r} ({error!r})") from None
        expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if min(shape, default=0) < 0 or not 0 <= begin <= end <= len(body) or end - begin != expected:
            raise ValueError(
                f"safetensors entry '{name}': offsets [{begin}, {end}] do not hold a {entry['dtype']} array of "
                f"shape {list(shape)} ({expected} bytes) inside the {len(body)} data bytes"
            )
        arrays[name] = np.frombuffer(body[begin:end], dtype=dtype).reshape(shape).copy()
        spans.append((begin, end))
    position = 0
    for begin, end in sorted(spans):
        if begin != position:
            raise ValueError(f"safetensors data bytes overlap or leave a gap at byte {position}")
        position = end
    if position != len(body):
        raise ValueError(f"safetensors file has {len(body) - position} data bytes that no array uses")
    return arrays, dict(metadata)


def save_safetensors(path, arrays: Mapping[str, np.ndarray], metadata: Mapping[str, str] | None = None) -> Path:
    """Write named arrays to a safetensors file, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Destination, conventionally ending in ``.safetensors``; its folder must exist.
    arrays : mapping of str to array_like
        E.g. ``model.state_dict()``.
    metadata : mapping of str to str, optional
        String facts stored with the arrays.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    payload = safetensors_bytes(arrays, metadata)
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot write {path}: the folder {folder} does not exist; create it first")
    with atomic_write(path) as stream:
        stream.write(payload)
    return path


def load_safetensors(path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Read a safetensors file: ``(arrays, metadata)`` as :func:`parse_safetensors` returns them."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    return parse_safetensors(path.read_bytes())
