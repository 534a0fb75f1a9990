"""MNIST handwritten digits from the official IDX files.

The loader looks in ``<data_dir>/mnist/`` for the four official files,
gzip-compressed (``train-images-idx3-ubyte.gz``) or already decompressed
(``train-images-idx3-ubyte``). With ``download=True`` (or
``CLASSROOM_DOWNLOAD=1``) and internet access, missing files are fetched
from a public mirror of the official files. Every file's **decompressed**
contents are checked against the published SHA-256 when the cache is built;
later loads read the cached ``.npy`` arrays from ``<data_dir>/cache/``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .cache import cached
from .download import download_file, verify_digest
from .errors import ChecksumError, CorruptDataError, MissingDataError
from .idx import read_idx
from .paths import cache_dir, dataset_dir, download_allowed, join_words, missing_data_error, resolve_data_dir

#: SHA-256 of the decompressed official MNIST files.
MNIST_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

#: Mirrors tried in order by ``download=True`` (``<mirror><file>.gz``).
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

#: Pixel mean and standard deviation of the training images, scaled to [0, 1].
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081

_SPLIT_PREFIX = {"train": "train", "test": "t10k"}
_SPLIT_SIZE = {"train": 60000, "test": 10000}


def mnist_file_names(split: str) -> tuple[str, str]:
    """Return the (images, labels) file names of a split, without ``.gz``.

    Parameters
    ----------
    split : {"train", "test"}

    Returns
    -------
    (str, str)
        E.g. ``("train-images-idx3-ubyte", "train-labels-idx1-ubyte")``.
    """
    if split not in _SPLIT_PREFIX:
        raise ValueError(f"MNIST split must be 'train' or 'test', got {split!r}")
    prefix = _SPLIT_PREFIX[split]
    return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"


def find_mnist_file(folder: Path, name: str) -> Path | None:
    """Return ``folder/name`` or ``folder/name.gz``, whichever exists, else None.

    Parameters
    ----------
    folder : pathlib.Path
        The MNIST folder.
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


def download_mnist_file(folder: Path, name: str, *, progress: bool = True) -> Path:
    """Download ``<name>.gz`` into ``folder``, trying each mirror, verified by SHA-256.

    Parameters
    ----------
    folder : pathlib.Path
        Destination folder (created if needed).
    name : str
        File name without ``.gz``, a key of ``MNIST_SHA256``.
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
    for mirror in MNIST_MIRRORS:
        try:
            return download_file(
                f"{mirror}{name}.gz", folder / f"{name}.gz", decompressed_sha256=MNIST_SHA256[name], progress=progress
            )
        except (OSError, ChecksumError, CorruptDataError) as error:
            failures.append(f"{mirror}: {error}")
    raise OSError(f"could not download MNIST file {name}.gz:\n  " + "\n  ".join(failures))


def missing_mnist_error(
    data_dir: str | os.PathLike | None, missing: list[str], *, reason: str | None = None
) -> MissingDataError:
    """Build the :class:`MissingDataError` for absent MNIST files.

    Parameters
    ----------
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
        "from classroom.data import load_mnist; "
        f"[load_mnist(split, data_dir={str(directory)!r}, download=True) for split in ('train', 'test')]"
    )
    return missing_data_error(
        "MNIST",
        directory,
        download_code=code,
        download_what="the four official IDX files (12 MB, SHA-256-checked)",
        offline_files=join_words([f"{name}.gz" for name in missing], "and"),
        offline_folder="mnist",
        looked_for=join_words([f"{name}.gz (or the decompressed {name})" for name in missing], "and"),
        source=f"the official IDX files by Y. LeCun and C. Cortes (CC BY-SA 3.0), mirrored at {MNIST_MIRRORS[0]}",
        reason=reason,
    )


def _decode_mnist(images_path: Path, labels_path: Path, split: str) -> dict[str, np.ndarray]:
    """Verify checksums and decode an image file and a label file."""
    for path in (images_path, labels_path):
        name = path.name.removesuffix(".gz")
        verify_digest(path, MNIST_SHA256[name], decompress=path.suffix == ".gz")
    images = read_idx(images_path, expected_ndim=3)
    labels = read_idx(labels_path, expected_ndim=1)
    if images.shape != (_SPLIT_SIZE[split], 28, 28) or labels.shape != (_SPLIT_SIZE[split],):
        raise CorruptDataError(
            f"MNIST {split}: got images {images.shape} from {images_path} and labels {labels.shape} "
            f"from {labels_path}, expected ({_SPLIT_SIZE[split]}, 28, 28) and ({_SPLIT_SIZE[split]},)"
        )
    return {"images": images.astype(np.uint8), "labels": labels.astype(np.int64)}


def load_mnist(
    split: str = "train",
    *,
    data_dir: str | os.PathLike | None = None,
    download: bool | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Load MNIST digits as raw pixels and labels.

    Parameters
    ----------
    split : {"train", "test"}, default "train"
        60,000 training or 10,000 test images.
    data_dir : str or path-like, optional
        Data directory; default ``$CLASSROOM_DATA`` or ``~/.cache/classroom``.
        The files live in its ``mnist/`` folder.
    download : bool, optional
        Fetch missing files from a public mirror (needs internet). Default
        None downloads only when the environment sets ``CLASSROOM_DOWNLOAD=1``.

    Returns
    -------
    images : ndarray of shape (n_images, 28, 28), dtype uint8
        Grey levels 0 (background) to 255 (ink).
    labels : ndarray of shape (n_images,), dtype int64
        Digits 0-9.

    Raises
    ------
    MissingDataError
        Files absent and not downloaded (downloads not allowed, or every
        mirror failed); the message names them and gives the commands that fix it.
    ChecksumError
        A file is not the official one (the message names it).
    CorruptDataError
        A file is truncated or has a wrong magic number (the message names it).

    Examples
    --------
    >>> images, labels = load_mnist("test")    # doctest: +SKIP
    >>> images.shape, labels[:5]                # doctest: +SKIP
    ((10000, 28, 28), array([7, 2, 1, 0, 4]))
    """
    names = mnist_file_names(split)
    folder = dataset_dir("mnist", data_dir)
    paths = [find_mnist_file(folder, name) for name in names]
    missing = [name for name, path in zip(names, paths) if path is None]
    if missing and download_allowed(download):
        for name in missing:
            try:
                download_mnist_file(folder, name)
            except OSError as error:
                absent = [name for name in MNIST_SHA256 if find_mnist_file(folder, name) is None]
                raise missing_mnist_error(data_dir, absent, reason=f"The download failed: {error}") from None
        paths = [find_mnist_file(folder, name) for name in names]
    elif missing:
        absent = [name for name in MNIST_SHA256 if find_mnist_file(folder, name) is None]  # both splits
        raise missing_mnist_error(data_dir, absent)
    images_path, labels_path = paths
    arrays = cached(
        f"mnist-{split}",
        sources=[images_path, labels_path],
        params={"loader": "mnist-1"},
        build=lambda: _decode_mnist(images_path, labels_path, split),
        cache_folder=cache_dir(data_dir),
    )
    return arrays["images"], arrays["labels"]
