"""Fill the data directory from a folder of dataset files you already have.

:func:`prepare_data_dir` looks in ``SOURCE`` (and in its ``mnist/``,
``fashion_mnist/``, ``cifar10/`` and ``celeba/`` sub-folders) for the files the
loaders read, in their official forms or as the course's offline copies, and
links (or copies) each into ``<data_dir>/<dataset>/``.
``scripts/prepare_data.py`` is its command line.

MNIST and Fashion-MNIST use the same four file names. In a dataset's own
sub-folder (``mnist/``; ``fashion_mnist/``, or ``fashion-mnist/`` as Debian's
package ``dataset-fashion-mnist`` names it) the folder says which dataset
the files are. Files lying directly in ``SOURCE`` are told apart by their
checksums; one that matches neither dataset goes to ``mnist/``, where the
loader reports what is wrong with it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .celeba import CELEBA_ZIP
from .cifar10 import CIFAR10_FILES, CIFAR10_FOLDERS
from .download import file_digest
from .errors import CorruptDataError
from .fashion_mnist import DEBIAN_FASHION_MNIST_DIR
from .idx_datasets import identify_idx_file
from .mnist import MNIST
from .paths import resolve_data_dir

_IDX_FILES = tuple(f"{name}.gz" for name in MNIST.sha256) + tuple(MNIST.sha256)
#: The files each dataset folder may receive, official forms first.
KNOWN_FILES = {
    "mnist": _IDX_FILES,
    "fashion_mnist": _IDX_FILES,
    "cifar10": CIFAR10_FILES,
    "celeba": (CELEBA_ZIP, "celeba-10k-89x109-jpg.tar.gz"),
}
#: Extracted folders each dataset folder may receive.
KNOWN_FOLDERS = {"mnist": (), "fashion_mnist": (), "cifar10": CIFAR10_FOLDERS, "celeba": ("img_align_celeba",)}
#: Other names of a dataset's sub-folder in ``SOURCE`` (Debian's package, the project's repository).
FOLDER_ALIASES = {"fashion_mnist": ("fashion-mnist", "fashion")}
#: Datasets whose files share their names; top-level files are told apart by checksum (the first is the default).
_SAME_NAMES = ("mnist", "fashion_mnist")
_ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")


@dataclass
class Prepared:
    """One file or folder put into the data directory.

    Attributes
    ----------
    dataset : str
        ``"mnist"``, ``"fashion_mnist"``, ``"cifar10"`` or ``"celeba"``.
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
        elif dataset == "fashion_mnist":
            listed = (
                f"its four IDX files, with the same names as MNIST's, in SOURCE/fashion_mnist/ or "
                f"SOURCE/fashion-mnist/ (Debian's package dataset-fashion-mnist installs them in "
                f"{DEBIAN_FASHION_MNIST_DIR}/), or directly in SOURCE (told apart from MNIST's by checksum)"
            )
        else:
            listed = ", ".join([*names, *folders])
        extra = " or any one archive of img_align_celeba/*.jpg in SOURCE/celeba/" if dataset == "celeba" else ""
        lines.append(f"  {dataset}: {listed}{extra}")
    return "\n".join(lines)


def idx_dataset_of(path: Path) -> str:
    """Say which IDX dataset a file lying directly in ``SOURCE`` belongs to, by its checksum.

    Parameters
    ----------
    path : pathlib.Path
        A file named like one of MNIST's (``train-images-idx3-ubyte[.gz]``).

    Returns
    -------
    str
        ``"fashion_mnist"`` when its decompressed contents are Fashion-MNIST's,
        else ``"mnist"`` (MNIST's own files, and any file that is neither:
        the MNIST loader then says what is wrong with it).
    """
    try:
        known = identify_idx_file(file_digest(path, decompress=path.suffix == ".gz"))
    except (OSError, CorruptDataError):
        known = None
    if known is not None and known[0].folder in _SAME_NAMES:
        return known[0].folder
    return _SAME_NAMES[0]


def find_dataset_files(source: str | os.PathLike) -> list[tuple[str, Path]]:
    """Return ``(dataset, path)`` for every known dataset file or folder in ``source``.

    Parameters
    ----------
    source : str or path-like
        A folder holding the files directly or in ``mnist/``, ``fashion_mnist/``
        (or ``fashion-mnist/``), ``cifar10/`` and ``celeba/`` sub-folders (the
        sub-folder wins when both have a name). IDX files lying directly in
        ``source`` go to MNIST or Fashion-MNIST by their checksum
        (:func:`idx_dataset_of`).

    Returns
    -------
    list of (str, pathlib.Path)
        Sorted by dataset folder order, then name.
    """
    source = Path(source)
    found: dict[tuple[str, str], Path] = {}
    owners: dict[str, str] = {}  # top-level IDX file name -> its dataset, hashed once
    for dataset in KNOWN_FILES:
        sub_folders = [source / name for name in (dataset, *FOLDER_ALIASES.get(dataset, ()))]
        for folder in (source, *reversed(sub_folders)):  # a sub-folder overrides the top level
            for name in KNOWN_FILES[dataset]:
                if not (folder / name).is_file():
                    continue
                if folder == source and dataset in _SAME_NAMES:
                    if name not in owners:
                        owners[name] = idx_dataset_of(folder / name)
                    if owners[name] != dataset:
                        continue
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
            f"its {', '.join(f'{name}/' for name in list(KNOWN_FILES)[:-1])} and {list(KNOWN_FILES)[-1]}/ "
            f"sub-folders:\n{accepted_files_text()}"
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
