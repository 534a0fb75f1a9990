"""Datasets published as MNIST's four IDX files: one loader, one file table per dataset.

MNIST and Fashion-MNIST are distributed the same way: four IDX files with the
same names (``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``), 60,000 training
and 10,000 test images of 28x28 grey levels, labels 0-9. What differs is
written in an :class:`IdxDataset`, the dataset's *file table*: its name, its
folder in the data directory, the SHA-256 of each decompressed file, the
download mirrors, the class names and where it comes from.
:func:`load_idx_dataset` reads any of them; :func:`~classroom.data.load_mnist`
and :func:`~classroom.data.load_fashion_mnist` are that loader with their
table.

Because the file names are the same, a dataset's files can end up in the
other's folder. The checksum check then recognises them
(:func:`identify_idx_file`) and says which dataset they are and where they
belong, instead of calling a valid file corrupted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .cache import cached
from .download import download_file, verify_digest
from .errors import ChecksumError, CorruptDataError, MissingDataError
from .idx import read_idx
from .paths import cache_dir, dataset_dir, download_allowed, join_words, missing_data_error, resolve_data_dir

#: Split name -> prefix of its file names.
SPLIT_PREFIXES = {"train": "train", "test": "t10k"}


@dataclass
class IdxDataset:
    """The file table of a dataset published as MNIST's four IDX files.

    Parameters
    ----------
    name : str
        Human-readable name, used in messages (``"Fashion-MNIST"``).
    folder : str
        Its sub-folder of the data directory (``"fashion_mnist"``).
    loader : str
        The public function that loads it (``"load_fashion_mnist"``), named in messages.
    sha256 : dict of str to str
        File name without ``.gz`` -> SHA-256 of its **decompressed** contents.
    mirrors : tuple of str
        Base URLs tried in order by downloads: ``<mirror><file name>.gz``.
    classes : tuple of str
        Class names, indexed by label.
    source : str
        Where the files come from (authors, licence, URL), for the missing-data message.
    download_size : str
        Size of the four ``.gz`` files, e.g. ``"30 MB"``.
    split_sizes : dict of str to int, optional
        Images per split; default 60,000 train and 10,000 test.
    notes : tuple of str, optional
        Extra lines for the missing-data message (e.g. a system package that has the files).
    """

    name: str
    folder: str
    loader: str
    sha256: dict[str, str]
    mirrors: tuple[str, ...]
    classes: tuple[str, ...]
    source: str
    download_size: str
    split_sizes: dict[str, int] = field(default_factory=lambda: {"train": 60000, "test": 10000})
    notes: tuple[str, ...] = ()


#: Every known file table by folder name, filled by :func:`register_idx_dataset`.
KNOWN_IDX_DATASETS: dict[str, IdxDataset] = {}


def register_idx_dataset(table: IdxDataset) -> IdxDataset:
    """Add a file table to :data:`KNOWN_IDX_DATASETS`, so its files are recognised anywhere.

    Parameters
    ----------
    table : IdxDataset

    Returns
    -------
    IdxDataset
        ``table`` itself.
    """
    KNOWN_IDX_DATASETS[table.folder] = table
    return table


def idx_file_names(split: str) -> tuple[str, str]:
    """Return the (images, labels) file names of a split, without ``.gz``.

    Parameters
    ----------
    split : {"train", "test"}

    Returns
    -------
    (str, str)
        E.g. ``("train-images-idx3-ubyte", "train-labels-idx1-ubyte")``.
    """
    if split not in SPLIT_PREFIXES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    prefix = SPLIT_PREFIXES[split]
    return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"


def find_idx_file(folder: Path, name: str) -> Path | None:
    """Return ``folder/name`` or ``folder/name.gz``, whichever exists, else None.

    Parameters
    ----------
    folder : pathlib.Path
        The dataset's folder.
    name : str
        File name without ``.gz``.

    Returns
    -------
    pathlib.Path or None
    """
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def identify_idx_file(sha256: str) -> tuple[IdxDataset, str] | None:
    """Say which known dataset file has these decompressed contents.

    Parameters
    ----------
    sha256 : str
        SHA-256 of a file's decompressed contents.

    Returns
    -------
    (IdxDataset, str) or None
        The dataset's file table and the file name (without ``.gz``), or None
        when no known file has this digest.
    """
    for table in KNOWN_IDX_DATASETS.values():
        for name, digest in table.sha256.items():
            if digest == sha256.lower():
                return table, name
    return None


def verify_idx_file(table: IdxDataset, path: Path, data_dir: str | os.PathLike | None = None) -> None:
    """Check a file of ``table`` against its published SHA-256, recognising other known files.

    Parameters
    ----------
    table : IdxDataset
        The dataset the file should belong to.
    path : pathlib.Path
        ``<name>`` or ``<name>.gz``; the decompressed contents are checked.
    data_dir : str or path-like, optional
        The data directory, to say where a file of another dataset belongs.

    Raises
    ------
    ChecksumError
        The contents differ from the published ones. When they are those of
        another known file (another dataset's, or another file of this
        dataset), the message names that file and says where it belongs;
        otherwise it calls the file damaged and says to fetch it again.
    CorruptDataError
        A ``.gz`` file is not a complete gzip stream.
    """
    name = path.name.removesuffix(".gz")
    try:
        verify_digest(path, table.sha256[name], decompress=path.suffix == ".gz")
    except ChecksumError as error:
        known = identify_idx_file(error.actual) if error.actual else None
        if known is None:
            raise
        other, other_name = known
        suffix = ".gz" if path.suffix == ".gz" else ""
        if other is table:
            advice = (
                f"this is {table.name}'s {other_name} file, not its {name}: the file was renamed or two "
                f"files were swapped. Rename it to {other_name}{suffix} and put {name}{suffix} here."
            )
        else:
            home = dataset_dir(other.folder, data_dir).absolute()
            advice = (
                f"this is {other.name}'s {other_name} file, not {table.name}'s. {other.name} is another "
                f"dataset with the same file names, and the file is valid: put it in {home}/ and load it "
                f"with {other.loader}(); {table.loader}() reads {table.name}'s own {name}{suffix} from "
                f"{path.parent}/."
            )
        raise ChecksumError(
            f"{path}: {advice}", path=path, actual=error.actual, expected=error.expected, identified=known
        ) from None


def download_idx_file(table: IdxDataset, folder: Path, name: str, *, progress: bool = True) -> Path:
    """Download ``<name>.gz`` of ``table`` into ``folder``, trying each mirror, verified by SHA-256.

    Parameters
    ----------
    table : IdxDataset
        The dataset.
    folder : pathlib.Path
        Destination folder (created if needed).
    name : str
        File name without ``.gz``, a key of ``table.sha256``.
    progress : bool, default True
        Show a progress bar.

    Returns
    -------
    pathlib.Path
        The downloaded ``.gz`` file.

    Raises
    ------
    OSError
        Every mirror failed; the message lists each failure. Nothing is left
        in ``folder``.
    """
    failures = []
    for mirror in table.mirrors:
        try:
            return download_file(
                f"{mirror}{name}.gz", folder / f"{name}.gz", decompressed_sha256=table.sha256[name], progress=progress
            )
        except (OSError, ChecksumError, CorruptDataError) as error:
            failures.append(f"{mirror}: {error}")
    raise OSError(f"could not download {table.name} file {name}.gz:\n  " + "\n  ".join(failures))


def missing_idx_error(
    table: IdxDataset, data_dir: str | os.PathLike | None, missing: list[str], *, reason: str | None = None
) -> MissingDataError:
    """Build the :class:`MissingDataError` for absent files of ``table``.

    Parameters
    ----------
    table : IdxDataset
        The dataset.
    data_dir : str or path-like or None
        The data directory.
    missing : list of str
        The absent file names, without ``.gz``.
    reason : str, optional
        Why a download did not help, when one was tried.

    Returns
    -------
    MissingDataError
    """
    directory = resolve_data_dir(data_dir).absolute()
    code = (
        f"from classroom.data import {table.loader}; "
        f"[{table.loader}(split, data_dir={str(directory)!r}, download=True) for split in ('train', 'test')]"
    )
    return missing_data_error(
        table.name,
        directory,
        download_code=code,
        download_what=f"the four official IDX files ({table.download_size}, SHA-256-checked)",
        offline_files=join_words([f"{name}.gz" for name in missing], "and"),
        offline_folder=table.folder,
        looked_for=join_words([f"{name}.gz (or the decompressed {name})" for name in missing], "and"),
        source=table.source,
        reason=reason,
        notes=table.notes,
    )


def _decode(
    table: IdxDataset, images_path: Path, labels_path: Path, split: str, data_dir: str | os.PathLike | None
) -> dict[str, np.ndarray]:
    """Verify checksums and decode an image file and a label file."""
    for path in (images_path, labels_path):
        verify_idx_file(table, path, data_dir)
    images = read_idx(images_path, expected_ndim=3)
    labels = read_idx(labels_path, expected_ndim=1)
    size = table.split_sizes[split]
    if images.shape != (size, 28, 28) or labels.shape != (size,):
        raise CorruptDataError(
            f"{table.name} {split}: got images {images.shape} from {images_path} and labels {labels.shape} "
            f"from {labels_path}, expected ({size}, 28, 28) and ({size},)"
        )
    return {"images": images.astype(np.uint8), "labels": labels.astype(np.int64)}


def load_idx_dataset(
    table: IdxDataset,
    split: str = "train",
    *,
    data_dir: str | os.PathLike | None = None,
    download: bool | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Load one split of a dataset described by its file table.

    The files live in ``<data_dir>/<table.folder>/``, gzip-compressed or
    decompressed. Each file's decompressed contents are checked against
    ``table.sha256`` when the cache is built; later loads read the cached
    ``.npy`` arrays from ``<data_dir>/cache/``.

    Parameters
    ----------
    table : IdxDataset
        The dataset (e.g. ``classroom.data.mnist.MNIST``).
    split : {"train", "test"}, default "train"
    data_dir : str or path-like, optional
        Data directory; default ``$CLASSROOM_DATA`` or ``~/.cache/classroom``.
    download : bool, optional
        Fetch missing files from ``table.mirrors`` (needs internet). Default
        None downloads only when the environment sets ``CLASSROOM_DOWNLOAD=1``.

    Returns
    -------
    images : ndarray of shape (n_images, 28, 28), dtype uint8
        Grey levels 0-255.
    labels : ndarray of shape (n_images,), dtype int64
        Class indices 0-9 (names in ``table.classes``).

    Raises
    ------
    MissingDataError
        Files absent and not downloaded (downloads not allowed, or every
        mirror failed); the message names them and gives the commands that fix it.
    ChecksumError
        A file is not the official one. When it is another known dataset's
        file, the message says which one and where it belongs.
    CorruptDataError
        A file is truncated or has a wrong magic number (the message names it).
    """
    names = idx_file_names(split)
    folder = dataset_dir(table.folder, data_dir)
    paths = [find_idx_file(folder, name) for name in names]
    missing = [name for name, path in zip(names, paths) if path is None]
    if missing and download_allowed(download):
        for name in missing:
            try:
                download_idx_file(table, folder, name)
            except OSError as error:
                absent = [name for name in table.sha256 if find_idx_file(folder, name) is None]
                raise missing_idx_error(table, data_dir, absent, reason=f"The download failed: {error}") from None
        paths = [find_idx_file(folder, name) for name in names]
    elif missing:
        absent = [name for name in table.sha256 if find_idx_file(folder, name) is None]  # both splits
        raise missing_idx_error(table, data_dir, absent)
    images_path, labels_path = paths
    arrays = cached(
        f"{table.folder}-{split}",
        sources=[images_path, labels_path],
        params={"loader": f"{table.folder}-1"},
        build=lambda: _decode(table, images_path, labels_path, split, data_dir),
        cache_folder=cache_dir(data_dir),
    )
    return arrays["images"], arrays["labels"]
