"""Where datasets and their caches live, and what to say when one is missing.

Every loader takes ``data_dir=None``; ``None`` means
:func:`classroom.config.data_dir` (the ``CLASSROOM_DATA`` environment
variable, else ``~/.cache/classroom``). Each dataset has its own sub-folder
(``mnist/``, ``cifar10/``, ``celeba/``), and decoded arrays are cached in the
``cache/`` sub-folder, so the dataset files themselves may be read-only.

Downloads happen only when asked: ``download=True``, or ``download=None``
(the default) with ``CLASSROOM_DOWNLOAD=1`` in the environment. A dataset
that is still missing raises :class:`~classroom.data.errors.MissingDataError`
built by :func:`missing_data_error`, whose message gives the exact commands
that fix it.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from classroom.config import data_dir as default_data_dir

from .errors import MissingDataError

#: Name of the environment variable that points at the data directory.
DATA_ENV_VAR = "CLASSROOM_DATA"
#: Name of the environment variable that lets loaders download missing datasets
#: when they are called with ``download=None`` (the default): ``1``, ``true``, ``yes`` or ``on``.
DOWNLOAD_ENV_VAR = "CLASSROOM_DOWNLOAD"
_TRUE_WORDS = {"1", "true", "yes", "on"}


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


def download_allowed(download: bool | None) -> bool:
    """Decide whether a loader may download a missing dataset.

    Parameters
    ----------
    download : bool or None
        The loader's argument. None (the default of every loader) follows the
        ``CLASSROOM_DOWNLOAD`` environment variable: ``1``/``true``/``yes``/``on``
        allow downloads, anything else (or unset) does not.

    Returns
    -------
    bool
    """
    if download is None:
        return os.environ.get(DOWNLOAD_ENV_VAR, "").strip().lower() in _TRUE_WORDS
    return bool(download)


def python_command(code: str) -> str:
    """Return a shell command that runs ``code`` with ``python3 -c``.

    Parameters
    ----------
    code : str
        One line of Python.

    Returns
    -------
    str
        ``python3 -c "<code>"``, or single-quoted when the code holds
        characters a double-quoted shell string would interpret.
    """
    if any(character in code for character in '"$`\\!'):
        return f"python3 -c {shlex.quote(code)}"
    return f'python3 -c "{code}"'


def prepare_command(data_dir: Path) -> str:
    """Return the command that fills ``data_dir`` from a folder of offline copies.

    Parameters
    ----------
    data_dir : pathlib.Path
        The data directory.

    Returns
    -------
    str
        ``python3 scripts/prepare_data.py SOURCE --data-dir <data_dir>``.
    """
    return f"python3 scripts/prepare_data.py SOURCE --data-dir {shlex.quote(str(data_dir))}"


def join_words(items, word: str = "or") -> str:
    """Join ``["a", "b", "c"]`` as ``"a, b or c"``.

    Parameters
    ----------
    items : sequence of str
    word : str, default "or"

    Returns
    -------
    str
    """
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def missing_data_error(
    dataset: str,
    data_dir: str | os.PathLike | None,
    *,
    download_code: str,
    download_what: str,
    offline_files: str,
    offline_folder: str,
    looked_for: str,
    source: str,
    reason: str | None = None,
    notes=(),
    setup_commands=(),
    commands_dir: str | os.PathLike | None = None,
) -> MissingDataError:
    """Build the error raised when a dataset is not on disk.

    Parameters
    ----------
    dataset : str
        Human-readable dataset name, e.g. ``"CIFAR-10"``.
    data_dir : str or path-like or None
        The data directory (None: the default, see :func:`resolve_data_dir`).
    download_code : str
        One line of Python that downloads the dataset into ``data_dir``.
    download_what : str
        What that downloads, e.g. ``"the official binary version (163 MB, MD5-checked)"``.
    offline_files : str
        What the offline folder ``SOURCE`` must hold, in words.
    offline_folder : str
        The dataset's sub-folder name (``"cifar10"``): the files may also sit
        in ``SOURCE/<offline_folder>/``.
    looked_for : str
        What the loader searched for, in words.
    source : str
        Where the dataset comes from (URL, authors, licence).
    reason : str, optional
        Why a download did not help, when one was tried (put on one line).
    notes : sequence of str, optional
        More lines, placed after the commands.
    setup_commands : sequence of str, optional
        Commands to run before the download command (e.g. ``pip install gdown``).
    commands_dir : str or path-like, optional
        The data directory the commands fill, when it differs from the
        folder named in the first line (an explicit source path that is
        missing). Default: ``data_dir``.

    Returns
    -------
    MissingDataError
        The exception, ready to ``raise``; its message starts with
        ``"<dataset> is not in the data directory <dir>."``.
    """
    directory = resolve_data_dir(data_dir).absolute()
    target = Path(commands_dir).absolute() if commands_dir is not None else directory
    download = python_command(download_code)
    prepare = prepare_command(target)
    lines = [f"{dataset} is not in the data directory {directory}."]
    if reason:
        lines.append(" ".join(reason.split()))  # one line, so it never looks like a command
    lines += [
        f"With internet access, download {download_what}:",
        *(f"    {command}" for command in setup_commands),
        f"    {download}",
        f"Offline, copy it from a folder SOURCE that holds {offline_files}, directly or in "
        f"SOURCE/{offline_folder}/ (run from the project folder):",
        f"    {prepare}",
        *notes,
        f"Looked in {target / offline_folder if commands_dir is None else directory} for {looked_for}.",
        f"Source: {source}.",
        f"The data directory is ${DATA_ENV_VAR} (default ~/.cache/classroom), or pass data_dir=...; "
        f"set {DOWNLOAD_ENV_VAR}=1 to let the loaders download what is missing by themselves "
        "(download=True does it for one call).",
    ]
    return MissingDataError(
        "\n".join(lines), dataset=dataset, directory=directory, commands=(*setup_commands, download, prepare)
    )
