"""Fill the data directory from a folder of dataset files you already have.

:func:`prepare_data_dir` looks in ``SOURCE`` (and in its ``mnist/``,
``cifar10/`` and ``celeba/`` sub-folders) for the files the loaders read, in
their official forms or as the course's offline copies, and links (or copies)
each into ``<data_dir>/<dataset>/``. ``scripts/prepare_data.py`` is its
command line.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .celeba import CELEBA_ZIP
from .cifar10 import CIFAR10_FILES, CIFAR10_FOLDERS
from .mnist import MNIST_SHA256
from .paths import resolve_data_dir

#: The files each dataset folder may receive, official forms first.
KNOWN_FILES = {
    "mnist": tuple(f"{name}.gz" for name in MNIST_SHA256) + tuple(MNIST_SHA256),
    "cifar10": CIFAR10_FILES,
    "celeba": (CELEBA_ZIP, "celeba-10k-89x109-jpg.tar.gz"),
}
#: Extracted folders each dataset folder may receive.
KNOWN_FOLDERS = {"mnist": (), "cifar10": CIFAR10_FOLDERS, "celeba": ("img_align_celeba",)}
_ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")


@dataclass
class Prepared:
    """One file or folder put into the data directory.

    Attributes
    ----------
    dataset : str
        ``"mnist"``, ``"cifar10"`` or ``"celeba"``.
    source : pathlib.Path
        The original.
    target : pathlib.Path
        Its place in the data directory.
    action : str
        ``"linked"``, ``"copied"`` or ``"already there"``.
    """

    dataset: str
    source: Path
    target: Path
    action: str


def accepted_files_text() -> str:
    """Describe, one line per dataset, what ``SOURCE`` may hold.

    Returns
    -------
    str
    """
    lines = []
    for dataset, names in KNOWN_FILES.items():
        folders = [f"{name}/" for name in KNOWN_FOLDERS[dataset]]
        if dataset == "mnist":
            listed = "the four official IDX files train|t10k-images|labels-idx?-ubyte, gzip-compressed (.gz) or not"
        else:
            listed = ", ".join([*names, *folders])
        extra = " or any one archive of img_align_celeba/*.jpg in SOURCE/celeba/" if dataset == "celeba" else ""
        lines.append(f"  {dataset}: {listed}{extra}")
    return "\n".join(lines)


def find_dataset_files(source: str | os.PathLike) -> list[tuple[str, Path]]:
    """Return ``(dataset, path)`` for every known dataset file or folder in ``source``.

    Parameters
    ----------
    source : str or path-like
        A folder holding the files directly or in ``mnist/``, ``cifar10/``
        and ``celeba/`` sub-folders (the sub-folder wins when both have a name).

    Returns
    -------
    list of (str, pathlib.Path)
        Sorted by dataset folder order, then name.
    """
    source = Path(source)
    found: dict[tuple[str, str], Path] = {}
    for dataset in KNOWN_FILES:
        for folder in (source, source / dataset):  # the sub-folder overrides the top level
            for name in KNOWN_FILES[dataset]:
                if (folder / name).is_file():
                    found[dataset, name] = folder / name
            for name in KNOWN_FOLDERS[dataset]:
                if (folder / name).is_dir():
                    found[dataset, name] = folder / name
        if dataset == "celeba" and (source / dataset).is_dir():
            for path in sorted((source / dataset).iterdir()):
                if path.is_file() and path.name.lower().endswith(_ARCHIVE_SUFFIXES):
                    found.setdefault((dataset, path.name), path)
    order = list(KNOWN_FILES)
    return [
        (dataset, path) for (dataset, _), path in sorted(found.items(), key=lambda item: (order.index(item[0][0]), item[0][1]))
    ]


def _place(original: Path, target: Path, copy: bool) -> str:
    """Link or copy ``original`` to ``target`` through a temporary name, so ``target`` is never half-written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)) / target.name
    try:
        action = "copied"
        if not copy:
            try:
                os.symlink(original.resolve(), temporary, target_is_directory=original.is_dir())
                action = "linked"
            except OSError:  # no symlinks here (some Windows set-ups, some file systems)
                pass
        if action == "copied":
            if original.is_dir():
                shutil.copytree(original, temporary, symlinks=False)
            else:
                shutil.copy2(original, temporary)
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif temporary.is_dir() and not temporary.is_symlink() and (target.is_symlink() or target.exists()):
            target.unlink()  # a folder cannot replace a file in one step
        os.replace(temporary, target)
    finally:
        shutil.rmtree(temporary.parent, ignore_errors=True)
    return action


def prepare_data_dir(
    source: str | os.PathLike, data_dir: str | os.PathLike | None = None, *, copy: bool = False
) -> list[Prepared]:
    """Link (or copy) every known dataset file of ``source`` into the data directory.

    Parameters
    ----------
    source : str or path-like
        A folder of dataset files; see :func:`find_dataset_files` and
        :func:`accepted_files_text`.
    data_dir : str or path-like, optional
        Data directory; default ``$CLASSROOM_DATA`` or ``~/.cache/classroom``.
    copy : bool, default False
        Copy instead of making symbolic links (links are used where possible,
        so the originals may be read-only and nothing is duplicated).

    Returns
    -------
    list of Prepared
        One entry per file or folder; files already in place are left alone.

    Raises
    ------
    FileNotFoundError
        ``source`` is not a folder, or it holds none of the known files (the
        message lists them).
    """
    source = Path(source)
    if not source.is_dir():
        raise FileNotFoundError(f"{source} is not a folder of dataset files")
    files = find_dataset_files(source)
    if not files:
        raise FileNotFoundError(
            f"{source} holds none of the dataset files the loaders read. Expected, directly in it or in "
            f"its mnist/, cifar10/ and celeba/ sub-folders:\n{accepted_files_text()}"
        )
    root = resolve_data_dir(data_dir)
    prepared = []
    for dataset, original in files:
        target = root / dataset / original.name
        if target.exists() and target.resolve() == original.resolve():
            action = "already there"
        else:
            action = _place(original, target, copy)
        prepared.append(Prepared(dataset, original, target, action))
    return prepared
