"""CIFAR-10: 60,000 colour images of 32x32 pixels in 10 classes.

Sources accepted in ``<data_dir>/cifar10/``, first found wins:

1. ``cifar-10-batches-bin/`` — the official binary version, extracted;
2. ``cifar-10-binary.tar.gz`` — the official binary archive (read without extracting);
3. ``cifar-10-batches-py/`` — the official Python version, extracted;
4. ``cifar-10-python.tar.gz`` — the official Python archive (what most
   frameworks download; read without extracting);
5. ``train/<class>/*.png|jpg`` and ``test/...`` — an extracted image-folder tree;
6. ``cifar10-jpg.tar.gz`` — the same tree as an archive.

With ``download=True`` (or ``CLASSROOM_DOWNLOAD=1``) and no source, the
official binary archive is fetched and its MD5 checked. Decoded arrays are
cached in ``<data_dir>/cache/``.

How the official batch files are read (binary records, and pickles
read with an unpickler that builds nothing but NumPy arrays) is in
:mod:`classroom.data.cifar10_batches`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .cache import cached
from .cifar10_batches import _decode_binary, _decode_python, cifar10_batch_names
from .download import download_file
from .errors import CorruptDataError, MissingDataError
from .image_folder import load_image_folder
from .paths import cache_dir, dataset_dir, download_allowed, missing_data_error, resolve_data_dir

#: Class names in label order 0-9 (also the sorted folder names of the image version).
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

#: Per-channel mean of the official training images, scaled to [0, 1] (R, G, B).
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
#: Per-channel standard deviation of the official training images, scaled to [0, 1] (R, G, B).
CIFAR10_STD = (0.2470, 0.2435, 0.2616)

#: The dataset's home page.
CIFAR10_HOME = "https://www.cs.toronto.edu/~kriz/cifar.html"
#: The official binary version, fetched by ``download=True``.
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
#: MD5 of ``cifar-10-binary.tar.gz`` as published on the dataset's site.
CIFAR10_MD5 = "c32a1d4ab5d03f1284b67883e8d87530"
#: MD5 of the official Python version ``cifar-10-python.tar.gz`` (read when present).
CIFAR10_PYTHON_MD5 = "c58f30108f718f92721af3b95e59a42e"

_BINARY_ARCHIVE = "cifar-10-binary.tar.gz"
_BINARY_FOLDER = "cifar-10-batches-bin"
_PYTHON_ARCHIVE = "cifar-10-python.tar.gz"
_PYTHON_FOLDER = "cifar-10-batches-py"
_IMAGE_ARCHIVE = "cifar10-jpg.tar.gz"
#: File names a CIFAR-10 folder may hold, in the order the loader tries them.
CIFAR10_FILES = (_BINARY_ARCHIVE, _PYTHON_ARCHIVE, _IMAGE_ARCHIVE)
#: Extracted folders a CIFAR-10 folder may hold.
CIFAR10_FOLDERS = (_BINARY_FOLDER, _PYTHON_FOLDER)


def classify_cifar10_source(path: str | os.PathLike) -> tuple[str, Path] | None:
    """Say which CIFAR-10 form ``path`` is.

    Parameters
    ----------
    path : str or path-like
        A CIFAR-10 folder of the data directory, an extracted official
        folder, an official archive, or an image-folder tree or archive.

    Returns
    -------
    (kind, path) or None
        ``kind`` is ``"binary"``, ``"python"`` or ``"image_folder"``; None
        when ``path`` does not exist or holds none of the known forms.
    """
    path = Path(path)
    if path.is_dir():
        if (path / "data_batch_1.bin").is_file():
            return "binary", path
        if (path / "data_batch_1").is_file():
            return "python", path
        return find_cifar10_source(path)
    if not path.is_file():
        return None
    if path.name == _BINARY_ARCHIVE:
        return "binary", path
    if path.name == _PYTHON_ARCHIVE:
        return "python", path
    return "image_folder", path


def find_cifar10_source(folder: Path) -> tuple[str, Path] | None:
    """Return ``(kind, path)`` of the first CIFAR-10 source found in ``folder``, else None.

    Parameters
    ----------
    folder : pathlib.Path
        The ``cifar10`` folder of the data directory.

    Returns
    -------
    ("binary", path) or ("python", path) or ("image_folder", path) or None
        In the order of the module docstring.
    """
    candidates = [
        ("binary", folder / _BINARY_FOLDER, Path.is_dir),
        ("binary", folder / _BINARY_ARCHIVE, Path.is_file),
        ("python", folder / _PYTHON_FOLDER, Path.is_dir),
        ("python", folder / _PYTHON_ARCHIVE, Path.is_file),
        ("image_folder", folder, lambda path: (path / "train").is_dir() and (path / "test").is_dir()),
        ("image_folder", folder / _IMAGE_ARCHIVE, Path.is_file),
    ]
    for kind, path, exists in candidates:
        if exists(path):
            return kind, path
    return None


def missing_cifar10_error(data_dir: str | os.PathLike | None, *, reason: str | None = None) -> MissingDataError:
    """Build the :class:`MissingDataError` for a data directory without CIFAR-10.

    Parameters
    ----------
    data_dir : str or path-like or None
        The data directory.
    reason : str, optional
        Why a download did not help, when one was tried.

    Returns
    -------
    MissingDataError
    """
    directory = resolve_data_dir(data_dir).absolute()
    code = f"from classroom.data import load_cifar10; load_cifar10('train', data_dir={str(directory)!r}, download=True)"
    return missing_data_error(
        "CIFAR-10",
        directory,
        download_code=code,
        download_what=f"the official binary version {_BINARY_ARCHIVE} (170 MB, MD5-checked)",
        offline_files=f"{_BINARY_ARCHIVE} or {_PYTHON_ARCHIVE} (official) or {_IMAGE_ARCHIVE} (image folders)",
        offline_folder="cifar10",
        looked_for=(
            f"{_BINARY_ARCHIVE} or its extracted {_BINARY_FOLDER}/ (data_batch_1.bin ... data_batch_5.bin, "
            f"test_batch.bin), {_PYTHON_ARCHIVE} or its extracted {_PYTHON_FOLDER}/, "
            f"{_IMAGE_ARCHIVE} or train/<class>/*.png|jpg and test/<class>/*.png|jpg (image folders)"
        ),
        source=f"{CIFAR10_HOME} (CIFAR-10 by A. Krizhevsky)",
        reason=reason,
    )


def cifar10_source(data_dir: str | os.PathLike | None = None, *, download: bool | None = None) -> tuple[str, Path]:
    """Find CIFAR-10 in the data directory, downloading the official binary version if allowed.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Data directory; default ``$CLASSROOM_DATA`` or ``~/.cache/classroom``.
    download : bool, optional
        Fetch ``cifar-10-binary.tar.gz`` when no form is present. Default
        None downloads only when ``CLASSROOM_DOWNLOAD=1``.

    Returns
    -------
    (kind, path)
        See :func:`find_cifar10_source`.

    Raises
    ------
    MissingDataError
        No form present and the download was not allowed or failed (offline).
    ChecksumError
        The downloaded file's MD5 differs; nothing was saved.
    """
    folder = dataset_dir("cifar10", data_dir)
    found = find_cifar10_source(folder)
    if found is None and download_allowed(download):
        try:
            download_file(CIFAR10_URL, folder / _BINARY_ARCHIVE, md5=CIFAR10_MD5)
        except OSError as error:
            raise missing_cifar10_error(data_dir, reason=f"The download from {CIFAR10_URL} failed: {error}") from None
        found = find_cifar10_source(folder)
    if found is None:
        raise missing_cifar10_error(data_dir)
    return found


def read_cifar10_source(
    kind: str, source: Path, split: str, *, cache_folder: str | os.PathLike | None
) -> tuple[np.ndarray, np.ndarray]:
    """Decode one split of a CIFAR-10 source (cached).

    Parameters
    ----------
    kind : {"binary", "python", "image_folder"}
        As returned by :func:`find_cifar10_source`.
    source : pathlib.Path
        The folder or archive.
    split : {"train", "test"}
    cache_folder : str or path-like or None
        Where the decoded arrays are cached (None: no cache).

    Returns
    -------
    images : ndarray of shape (n_images, 32, 32, 3), dtype uint8
    labels : ndarray of shape (n_images,), dtype int64
    """
    if kind in ("binary", "python"):
        decode = _decode_binary if kind == "binary" else _decode_python
        arrays = cached(
            f"cifar10-{kind}-{split}",
            sources=[source],
            params={"split": split, "loader": f"cifar10-{kind}-1"},
            build=lambda: decode(source, split),
            cache_folder=cache_folder,
        )
        return arrays["images"], arrays["labels"]
    dataset = load_image_folder(source, split=split, size=(32, 32), cache_dir=cache_folder)
    if tuple(dataset.classes) != CIFAR10_CLASSES:
        raise CorruptDataError(
            f"{source}: class folders {dataset.classes} differ from the CIFAR-10 classes {list(CIFAR10_CLASSES)}"
        )
    return dataset.images, dataset.labels


def load_cifar10(
    split: str = "train",
    *,
    data_dir: str | os.PathLike | None = None,
    download: bool | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Load CIFAR-10 images and labels.

    Parameters
    ----------
    split : {"train", "test"}, default "train"
        50,000 training or 10,000 test images.
    data_dir : str or path-like, optional
        Data directory; default ``$CLASSROOM_DATA`` or ``~/.cache/classroom``.
        The files live in its ``cifar10/`` folder (see the module docstring).
    download : bool, optional
        Fetch the official binary archive when no source is found (needs
        internet). Default None downloads only when ``CLASSROOM_DOWNLOAD=1``.

    Returns
    -------
    images : ndarray of shape (n_images, 32, 32, 3), dtype uint8
        RGB pixels, NHWC.
    labels : ndarray of shape (n_images,), dtype int64
        Class 0-9; ``CIFAR10_CLASSES[label]`` names it.

    Raises
    ------
    MissingDataError
        No source found and not downloaded (downloads not allowed, or
        offline); the message gives the commands that fix it.
    ChecksumError
        The downloaded archive's MD5 differs (nothing was saved).
    CorruptDataError
        A file is truncated or an image cannot be decoded (the message names it).

    Examples
    --------
    >>> images, labels = load_cifar10("test")   # doctest: +SKIP
    >>> images.shape, CIFAR10_CLASSES[labels[0]]  # doctest: +SKIP
    ((10000, 32, 32, 3), 'cat')
    """
    cifar10_batch_names(split)  # validates split
    kind, source = cifar10_source(data_dir, download=download)
    return read_cifar10_source(kind, source, split, cache_folder=cache_dir(data_dir))
