"""Where datasets and their caches live.

Every loader takes ``data_dir=None``; ``None`` means
:func:`classroom.config.data_dir` (the ``CLASSROOM_DATA`` environment
variable, else ``~/.cache/classroom``). Each dataset has its own sub-folder
(``mnist/``, ``cifar10/``, ``celeba/``), and decoded arrays are cached in the
``cache/`` sub-folder, so the dataset files themselves may be read-only.
"""

from __future__ import annotations

import os
from pathlib import Path

from classroom.config import data_dir as default_data_dir

from .errors import MissingDataError

#: Name of the environment variable that points at the data directory.
DATA_ENV_VAR = "CLASSROOM_DATA"


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """Return the data directory to use.

    Parameters
    ----------
    data_dir : str or path-like, optional
        An explicit folder. Default ``None`` uses
        :func:`classroom.config.data_dir` (``$CLASSROOM_DATA`` or
        ``~/.cache/classroom``).

    Returns
    -------
    pathlib.Path
        The folder (it may not exist yet).
    """
    if data_dir is None:
        return default_data_dir()
    return Path(data_dir).expanduser()


def dataset_dir(name: str, data_dir: str | os.PathLike | None = None) -> Path:
    """Return the sub-folder of the data directory that holds one dataset.

    Parameters
    ----------
    name : str
        Dataset folder name, e.g. ``"mnist"``.
    data_dir : str or path-like, optional
        See :func:`resolve_data_dir`.

    Returns
    -------
    pathlib.Path
        ``<data_dir>/<name>`` (not created here).
    """
    return resolve_data_dir(data_dir) / name


def cache_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """Return the folder where decoded arrays are cached: ``<data_dir>/cache``.

    Parameters
    ----------
    data_dir : str or path-like, optional
        See :func:`resolve_data_dir`.

    Returns
    -------
    pathlib.Path
        The cache folder (created by the cache on first write).
    """
    return resolve_data_dir(data_dir) / "cache"


def missing_data_error(
    dataset: str,
    folder: Path,
    expected: list[str],
    *,
    source: str,
    download_hint: bool,
) -> MissingDataError:
    """Build the error raised when a dataset is not on disk.

    Parameters
    ----------
    dataset : str
        Human-readable dataset name, e.g. ``"MNIST"``.
    folder : pathlib.Path
        The folder where the files belong.
    expected : list of str
        What to put there: file names, or alternatives described in words.
    source : str
        Where to get the files (URL and, where relevant, licence).
    download_hint : bool
        True when the loader can download the files itself with
        ``download=True``.

    Returns
    -------
    MissingDataError
        The exception, ready to ``raise``.
    """
    lines = [f"{dataset} is not in the data directory. Put these files in {folder}:"]
    lines += [f"  - {item}" for item in expected]
    lines.append(f"Get them from {source}.")
    lines.append(
        f"Data directory: {folder.parent}. To use another folder, set the {DATA_ENV_VAR} environment "
        "variable or pass data_dir=... (the default is ~/.cache/classroom)."
    )
    if download_hint:
        lines.append("With internet access, pass download=True to fetch and verify them automatically.")
    return MissingDataError("\n".join(lines))
