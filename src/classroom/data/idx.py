"""The IDX file format used by MNIST.

An IDX file is a tiny header followed by raw numbers:

* 2 zero bytes,
* 1 byte giving the element type (``0x08`` = unsigned byte, ...),
* 1 byte giving the number of dimensions ``d``,
* ``d`` big-endian 32-bit sizes,
* the data, row-major, big-endian.

So the MNIST training images start with ``00 00 08 03`` (magic number 2051)
then the sizes 60000, 28, 28.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from .errors import CorruptDataError

#: Element-type byte -> NumPy dtype (big-endian, as stored in the file).
IDX_DTYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def parse_idx(data: bytes, *, source: str = "<bytes>", expected_ndim: int | None = None) -> np.ndarray:
    """Decode the bytes of an (uncompressed) IDX file into an array.

    Parameters
    ----------
    data : bytes
        The whole file contents.
    source : str, default "<bytes>"
        Name of the file, used in error messages.
    expected_ndim : int, optional
        Number of dimensions the caller expects (3 for image files, 1 for
        label files). Checked against the header.

    Returns
    -------
    ndarray of shape given by the header
        Native-endian array (``uint8`` for MNIST).

    Raises
    ------
    CorruptDataError
        Wrong magic number, unknown element type, unexpected number of
        dimensions, or a length that does not match the header (truncated or
        trailing bytes). The message names ``source``.
    """
    if len(data) < 4:
        raise CorruptDataError(f"{source}: only {len(data)} bytes, too short for an IDX header (truncated file?)")
    zero_bytes, type_code, ndim = data[:2], data[2], data[3]
    magic = int.from_bytes(data[:4], "big")
    if zero_bytes != b"\x00\x00" or type_code not in IDX_DTYPES:
        raise CorruptDataError(
            f"{source}: wrong magic number 0x{magic:08x}; an IDX file starts with 00 00, a type byte "
            f"({', '.join(f'0x{code:02x}' for code in IDX_DTYPES)}) and the number of dimensions. "
            "Is this really an uncompressed IDX file?"
        )
    if expected_ndim is not None and ndim != expected_ndim:
        raise CorruptDataError(
            f"{source}: wrong magic number 0x{magic:08x}: header says {ndim} dimensions, expected {expected_ndim} "
            "(are image and label files swapped?)"
        )
    header_bytes = 4 + 4 * ndim
    if len(data) < header_bytes:
        raise CorruptDataError(f"{source}: truncated inside the header ({len(data)} of {header_bytes} bytes)")
    shape = tuple(int(size) for size in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_DTYPES[type_code]
    expected_bytes = header_bytes + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected_bytes:
        problem = "truncated" if len(data) < expected_bytes else "has trailing bytes"
        raise CorruptDataError(
            f"{source}: {problem}: the header announces shape {shape} ({expected_bytes} bytes in all), "
            f"the file has {len(data)} bytes. Delete it and fetch it again."
        )
    array = np.frombuffer(data, dtype=dtype, offset=header_bytes).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=True)


def read_idx_bytes(path: str | os.PathLike) -> bytes:
    """Read an IDX file, gunzipping it when its name ends in ``.gz``.

    Parameters
    ----------
    path : str or path-like
        ``something-idx3-ubyte`` or ``something-idx3-ubyte.gz``.

    Returns
    -------
    bytes
        The uncompressed contents.

    Raises
    ------
    CorruptDataError
        The gzip stream is truncated or invalid (the message names the file).
    """
    path = Path(path)
    if path.suffix != ".gz":
        return path.read_bytes()
    try:
        with gzip.open(path, "rb") as stream:
            return stream.read()
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise CorruptDataError(f"{path}: not a complete gzip file ({error}); delete it and fetch it again") from None


def read_idx(path: str | os.PathLike, *, expected_ndim: int | None = None) -> np.ndarray:
    """Read and decode an IDX file (plain or ``.gz``).

    Parameters
    ----------
    path : str or path-like
        The file.
    expected_ndim : int, optional
        See :func:`parse_idx`.

    Returns
    -------
    ndarray
        The decoded array.
    """
    return parse_idx(read_idx_bytes(path), source=str(path), expected_ndim=expected_ndim)
