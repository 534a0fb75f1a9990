"""Cache decoded arrays as ``.npy`` files so the second load is instant.

Decoding 60,000 JPEG files takes seconds; reading the same pixels back from
a ``.npy`` file takes a fraction of a second (and ``np.load(...,
mmap_mode="r")`` can map it without reading at all).

A cache entry is named ``<name>-<key>`` where ``key`` is a hash of

* every source file's path, size and modification time (nanoseconds), so
  replacing or editing the source invalidates the entry, and
* the loader's parameters (image size, split, ...).

Each entry is a few ``.npy`` files plus a small JSON manifest written last.
Every file is written to a temporary name and renamed into place, so a
crash leaves either a complete entry or none.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np

from classroom.io.atomic import atomic_write

# Temporary files are created private (0600); finished files are readable by all.


def source_fingerprint(paths: Iterable[str | os.PathLike]) -> list[list]:
    """Describe source files by path, size and modification time.

    Folders are walked recursively (hidden files skipped). Symbolic links are
    followed, so re-pointing a link at another file changes the fingerprint.

    Parameters
    ----------
    paths : iterable of str or path-like
        Files or folders the cached arrays were decoded from.

    Returns
    -------
    list of [str, int, int]
        ``[path, size_bytes, mtime_ns]`` for every file, in sorted order.
    """
    entries = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for folder, subfolders, files in os.walk(path):
                subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        entries.append(_stat_entry(Path(folder) / name))
        else:
            entries.append(_stat_entry(path))
    return sorted(entries)


def _stat_entry(path: Path) -> list:
    status = path.stat()
    return [str(path.absolute()), status.st_size, status.st_mtime_ns]


def cache_key(sources: Iterable[str | os.PathLike], params: Mapping[str, object]) -> str:
    """Return a 16-hex-digit key for ``sources`` (by fingerprint) and ``params``.

    Parameters
    ----------
    sources : iterable of str or path-like
        Source files or folders (see :func:`source_fingerprint`).
    params : mapping of str to JSON-serialisable values
        Loader parameters that change the decoded arrays.

    Returns
    -------
    str
        The key; it changes when any source or parameter changes.
    """
    description = json.dumps({"sources": source_fingerprint(sources), "params": dict(params)}, sort_keys=True)
    return hashlib.sha256(description.encode()).hexdigest()[:16]


def _atomic_save(path: Path, array: np.ndarray) -> None:
    with atomic_write(path) as stream:
        np.save(stream, array, allow_pickle=False)


def _atomic_write_text(path: Path, text: str) -> None:
    with atomic_write(path, "w") as stream:
        stream.write(text)


def read_cache(cache_folder: str | os.PathLike, name: str, key: str, *, mmap_mode: str | None = None):
    """Return the cached arrays for ``name``/``key``, or None when absent or damaged.

    Parameters
    ----------
    cache_folder : str or path-like
        The cache folder.
    name : str
        Entry name (e.g. ``"mnist-train"``).
    key : str
        From :func:`cache_key`.
    mmap_mode : {None, "r"}, default None
        Passed to :func:`numpy.load`; ``"r"`` maps the files read-only.

    Returns
    -------
    dict of str to ndarray, or None
    """
    folder = Path(cache_folder)
    manifest_path = folder / f"{name}-{key}.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        return {
            array_name: np.load(folder / f"{name}-{key}.{array_name}.npy", mmap_mode=mmap_mode, allow_pickle=False)
            for array_name in manifest["arrays"]
        }
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_cache(cache_folder: str | os.PathLike, name: str, key: str, arrays: Mapping[str, np.ndarray]) -> None:
    """Write ``arrays`` as a cache entry, atomically, and delete stale entries of ``name``.

    Parameters
    ----------
    cache_folder : str or path-like
        The cache folder (created if needed).
    name : str
        Entry name; older entries with the same name and another key are removed.
    key : str
        From :func:`cache_key`.
    arrays : mapping of str to ndarray
        Arrays to store (no object dtype).
    """
    folder = Path(cache_folder)
    folder.mkdir(parents=True, exist_ok=True)
    for array_name, array in arrays.items():
        _atomic_save(folder / f"{name}-{key}.{array_name}.npy", np.asarray(array))
    manifest = {"name": name, "key": key, "arrays": list(arrays)}
    _atomic_write_text(folder / f"{name}-{key}.json", json.dumps(manifest))
    stale = re.compile(re.escape(name) + r"-(?!" + key + r")[0-9a-f]{16}\.")
    for path in folder.iterdir():
        if stale.match(path.name):
            path.unlink(missing_ok=True)


def cached(
    name: str,
    *,
    sources: Iterable[str | os.PathLike],
    params: Mapping[str, object],
    build: Callable[[], Mapping[str, np.ndarray]],
    cache_folder: str | os.PathLike | None,
    mmap_mode: str | None = None,
) -> dict[str, np.ndarray]:
    """Return arrays from the cache, or build, cache and return them.

    Parameters
    ----------
    name : str
        Entry name, e.g. ``"cifar10-train"``.
    sources : iterable of str or path-like
        Files or folders the arrays are decoded from (part of the key).
    params : mapping of str to JSON-serialisable values
        Loader parameters (part of the key).
    build : callable returning a mapping of str to ndarray
        Decodes the sources; called only on a cache miss.
    cache_folder : str or path-like or None
        Where to cache; ``None`` disables caching.
    mmap_mode : {None, "r"}, default None
        Passed to :func:`numpy.load` when reading the cache.

    Returns
    -------
    dict of str to ndarray
        The arrays, with the names ``build`` gave them.

    Notes
    -----
    If the cache folder is not writable the arrays are still returned and a
    warning says caching was skipped.
    """
    sources = list(sources)
    if cache_folder is None:
        return dict(build())
    key = cache_key(sources, params)
    hit = read_cache(cache_folder, name, key, mmap_mode=mmap_mode)
    if hit is not None:
        return hit
    arrays = dict(build())
    try:
        write_cache(cache_folder, name, key, arrays)
    except OSError as error:
        warnings.warn(
            f"could not write the cache in {cache_folder} ({error}); the next load decodes again", stacklevel=2
        )
    return arrays
