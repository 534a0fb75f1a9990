"""Write a file all at once or not at all.

Saving straight into the final path has a failure mode learners meet sooner
or later: the program crashes (or the disk fills up) half-way through, and the
previous good file has already been overwritten by half a new one. The cure
is simple: write to a temporary file in the same folder, flush it to disk,
then rename it over the target. A rename within one folder is atomic, so the
target is always either the old complete file or the new complete file.

Every part of the package that writes data (downloads, dataset caches,
checkpoints, saved models) goes through :func:`atomic_write`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator


def _current_umask() -> int:
    """Return the process umask without changing it for longer than a call."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb", *, encoding: str | None = None) -> Iterator[IO]:
    """Open a temporary file that replaces ``path`` only when the block succeeds.

    Parameters
    ----------
    path : str or os.PathLike
        The final file. Its folder must exist.
    mode : {"wb", "w"}, default "wb"
        Binary or text mode.
    encoding : str, optional
        Text encoding for ``mode="w"`` (default UTF-8).

    Yields
    ------
    file object
        Write the whole content to it. When the ``with`` block ends without an
        exception the data is flushed to disk, given the usual file
        permissions (``0o666`` minus the umask, where a plain ``open`` would
        give the same), and renamed over ``path``. Its ``name`` is the
        temporary file's path, for checks that read the file back before it
        replaces ``path``. When the block raises, the
        temporary file is deleted and ``path`` is left untouched.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
    >>> with atomic_write(target, "w") as stream:
    ...     _ = stream.write("all or nothing")
    >>> target.read_text()
    'all or nothing'
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_write supports mode 'wb' or 'w', got {mode!r}")
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    handle, temporary_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".part")
    temporary = Path(temporary_name)
    try:
        text_encoding = (encoding or "utf-8") if mode == "w" else None
        os.close(handle)
        with open(temporary, mode, encoding=text_encoding) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~_current_umask())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: Path) -> None:
    """Flush the folder entry so the rename itself survives a power cut (POSIX only)."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems do not support fsync on folders
    finally:
        os.close(descriptor)


def write_json(path, data, *, indent: int = 2) -> None:
    """Write ``data`` as JSON to ``path`` all at once (see :func:`atomic_write`).

    Parameters
    ----------
    path : str or os.PathLike
        The JSON file; its folder must exist.
    data : JSON-serialisable object
        Usually a dict of run settings and results.
    indent : int, default 2
        Indentation, so that results files read well in a diff.
    """
    import json

    with atomic_write(path, "w") as stream:
        json.dump(data, stream, indent=indent)
        stream.write("\n")
