"""The image files of a folder or an archive, read member by member.

A source is a folder or a ``.zip``/``.tar``/``.tar.gz`` archive; archives
are read in place, never extracted to disk. Only visible files with an image
extension (:func:`classroom.data.image_decoding.is_image_name`) are yielded,
as ``(relative_path, encoded_bytes)``, in sorted order for a folder and
archive order for an archive.
"""

from __future__ import annotations

import os
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from .errors import CorruptDataError
from .image_decoding import is_image_name

_ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")


def is_archive(path: str | os.PathLike) -> bool:
    """Return True when ``path`` names an archive file (``.zip``, ``.tar``, ``.tar.gz``, ``.tgz``).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    bool
    """
    return str(path).lower().endswith(_ARCHIVE_SUFFIXES) and Path(path).is_file()


def iter_image_files(source: str | os.PathLike) -> Iterator[tuple[str, bytes]]:
    """Yield ``(relative_path, encoded_bytes)`` for every image file in a folder or archive.

    Parameters
    ----------
    source : str or path-like
        A folder, a ``.zip``, or a ``.tar``/``.tar.gz``/``.tgz`` archive.
        Archives are read member by member; nothing is extracted to disk.

    Yields
    ------
    (str, bytes)
        Path relative to the root with ``/`` separators, and file contents.
        Folders and zip files are visited in sorted order, tar archives in
        stored order (a compressed tar can only be read front to back).

    Raises
    ------
    CorruptDataError
        The archive is truncated or unreadable.
    """
    source = Path(source)
    if source.is_dir():
        for folder, subfolders, files in os.walk(source):
            subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
            for file_name in sorted(files):
                path = Path(folder) / file_name
                if is_image_name(file_name):
                    yield path.relative_to(source).as_posix(), path.read_bytes()
    elif zipfile.is_zipfile(source):
        yield from _iter_zip(source)
    else:
        yield from _iter_tar(source)


def _iter_zip(source: Path, limit: int | None = None) -> Iterator[tuple[str, bytes]]:
    """Image members of a zip file, sorted by name (at most ``limit``)."""
    try:
        with zipfile.ZipFile(source) as archive:
            names = sorted(info.filename for info in archive.infolist() if not info.is_dir())
            for name in [name for name in names if is_image_name(name)][:limit]:
                yield name, archive.read(name)
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise CorruptDataError(f"{source}: unreadable or truncated zip file ({error}); fetch it again") from None


def _iter_tar(source: Path) -> Iterator[tuple[str, bytes]]:
    """Image members of a (compressed) tar archive, streamed in stored order."""
    try:
        with tarfile.open(source, mode="r|*") as archive:
            for member in archive:
                name = member.name.removeprefix("./")
                if member.isfile() and is_image_name(name):
                    yield name, archive.extractfile(member).read()
    except (tarfile.TarError, EOFError, OSError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise CorruptDataError(f"{source}: unreadable or truncated archive ({error}); fetch it again") from None


def first_image_files(source: str | os.PathLike, limit: int | None = None) -> list[tuple[str, bytes]]:
    """Return the first ``limit`` image files of a folder or archive, sorted by path.

    Folders and zip files read only the files returned; a tar archive has to
    be read through to know which names come first.

    Parameters
    ----------
    source : str or path-like
        A folder or an archive (see :func:`iter_image_files`).
    limit : int, optional
        How many files; default None returns all.

    Returns
    -------
    list of (str, bytes)
        ``(relative_path, encoded_bytes)`` sorted by path.
    """
    source = Path(source)
    if source.is_dir():
        paths = sorted(
            path for path in source.rglob("*") if path.is_file() and is_image_name(path.relative_to(source).as_posix())
        )[:limit]
        return [(path.relative_to(source).as_posix(), path.read_bytes()) for path in paths]
    if zipfile.is_zipfile(source):
        return list(_iter_zip(source, limit))
    return sorted(_iter_tar(source))[:limit]
