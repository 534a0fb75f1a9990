"""Download a file safely: progress bar, checksum, atomic rename.

The bytes go to a temporary file in the destination folder; only when the
download is complete and its digest matches is the temporary file renamed
to the final name (:func:`os.replace` is atomic). A failed or interrupted
download therefore never leaves a half-written dataset file behind.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from pathlib import Path
from urllib.request import urlopen

from tqdm import tqdm

from classroom.io.atomic import atomic_write

from .errors import ChecksumError, CorruptDataError

_CHUNK_BYTES = 1 << 16
# Temporary files are created private (0600); finished files are readable by all.


def file_digest(path: str | os.PathLike, *, algorithm: str = "sha256", decompress: bool = False) -> str:
    """Return the hex digest of a file, read in chunks.

    Parameters
    ----------
    path : str or path-like
        The file.
    algorithm : str, default "sha256"
        Any name :func:`hashlib.new` accepts (``"sha256"``, ``"md5"``).
    decompress : bool, default False
        Hash the gunzipped contents of a ``.gz`` file instead of its bytes.

    Returns
    -------
    str
        Lower-case hex digest.

    Raises
    ------
    CorruptDataError
        ``decompress=True`` and the gzip stream is truncated or invalid.
    """
    digest = hashlib.new(algorithm)
    opener = gzip.open if decompress else open
    try:
        with opener(path, "rb") as stream:
            for chunk in iter(lambda: stream.read(_CHUNK_BYTES), b""):
                digest.update(chunk)
    except (EOFError, OSError, zlib.error) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise CorruptDataError(f"{path} is not a complete gzip file ({error}); delete it and fetch it again") from None
    return digest.hexdigest()


def verify_digest(
    path: str | os.PathLike, expected: str, *, algorithm: str = "sha256", decompress: bool = False
) -> None:
    """Raise :class:`ChecksumError` unless the file's digest equals ``expected``.

    Parameters
    ----------
    path : str or path-like
        The file to check.
    expected : str
        The published hex digest.
    algorithm : str, default "sha256"
        Hash algorithm name.
    decompress : bool, default False
        Hash the gunzipped contents (see :func:`file_digest`).

    Raises
    ------
    ChecksumError
        The digests differ; the message names the file and both digests.
    """
    actual = file_digest(path, algorithm=algorithm, decompress=decompress)
    if actual != expected.lower():
        what = "decompressed contents" if decompress else "contents"
        raise ChecksumError(
            f"{path}: {algorithm} of the {what} is {actual}, expected {expected}. "
            "The file is truncated, corrupted or not the official release; delete it and download it again.",
            path=path,
            actual=actual,
            expected=expected.lower(),
        )


def download_file(
    url: str,
    destination: str | os.PathLike,
    *,
    sha256: str | None = None,
    md5: str | None = None,
    decompressed_sha256: str | None = None,
    progress: bool = True,
) -> Path:
    """Download ``url`` to ``destination`` with a progress bar, verified and atomic.

    Parameters
    ----------
    url : str
        The address to fetch.
    destination : str or path-like
        Final file path. Its folder is created if needed.
    sha256, md5 : str, optional
        Expected digest of the downloaded bytes.
    decompressed_sha256 : str, optional
        Expected SHA-256 of the gunzipped contents (for ``.gz`` files whose
        published checksum is that of the decompressed file, like MNIST).
    progress : bool, default True
        Show a tqdm progress bar (bytes, with the total when the server
        sends ``Content-Length``).

    Returns
    -------
    pathlib.Path
        ``destination``, now complete and verified.

    Raises
    ------
    ChecksumError
        A digest differs; nothing is left at ``destination``.
    CorruptDataError
        Fewer bytes arrived than the server announced.
    OSError
        The network or the disk failed; nothing is left at ``destination``.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    sha256_digest = hashlib.sha256()
    md5_digest = hashlib.md5()
    received = 0
    with atomic_write(destination) as output:
        with urlopen(url, timeout=60) as response:
            length_header = response.headers.get("Content-Length") if response.headers else None
            total = int(length_header) if length_header else None
            with tqdm(total=total, unit="B", unit_scale=True, desc=destination.name, disable=not progress) as bar:
                for chunk in iter(lambda: response.read(_CHUNK_BYTES), b""):
                    output.write(chunk)
                    sha256_digest.update(chunk)
                    md5_digest.update(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
        if total is not None and received != total:
            raise CorruptDataError(f"download of {url} stopped after {received} of {total} bytes; try again")
        for name, expected, actual in (("sha256", sha256, sha256_digest), ("md5", md5, md5_digest)):
            if expected is not None and actual.hexdigest() != expected.lower():
                raise ChecksumError(
                    f"{url} (saving to {destination}): {name} is {actual.hexdigest()}, expected {expected}. "
                    "The download is corrupted or the file changed on the server; nothing was saved."
                )
        if decompressed_sha256 is not None:
            output.flush()
            temporary = Path(output.name)
            try:
                verify_digest(temporary, decompressed_sha256, decompress=True)
            except (ChecksumError, CorruptDataError) as error:
                message = str(error).replace(str(temporary), f"{url} (saving to {destination})")
                raise type(error)(message + " Nothing was saved.") from None
    return destination
