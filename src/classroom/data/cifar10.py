"""CIFAR-10: 60,000 colour images of 32x32 pixels in 10 classes.

Sources accepted in ``<data_dir>/cifar10/``, first found wins:

1. ``cifar-10-batches-bin/`` — the official binary version, extracted;
2. ``cifar-10-binary.tar.gz`` — the official binary archive (read without extracting);
3. ``train/<class>/*.png|jpg`` and ``test/...`` — an extracted image-folder tree;
4. ``cifar10-jpg.tar.gz`` — the same tree as an archive.

With ``download=True`` the official binary archive is fetched and its MD5
checked. Decoded arrays are cached in ``<data_dir>/cache/``.

The binary format: each record is 1 label byte followed by 3,072 pixel bytes
(1,024 red, then 1,024 green, then 1,024 blue, each a 32x32 row-major plane).
"""

from __future__ import annotations

import os
import tarfile
from pathlib import Path, PurePosixPath

import numpy as np

from .cache import cached
from .download import download_file
from .errors import CorruptDataError
from .image_folder import load_image_folder
from .paths import cache_dir, dataset_dir, missing_data_error

#: Class names in label order 0-9 (also the sorted folder names of the image version).
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

#: Per-channel mean of the official training images, scaled to [0, 1] (R, G, B).
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
#: Per-channel standard deviation of the official training images, scaled to [0, 1] (R, G, B).
CIFAR10_STD = (0.2470, 0.2435, 0.2616)

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
#: MD5 of ``cifar-10-binary.tar.gz`` as published on the dataset's site.
CIFAR10_MD5 = "c32a1d4ab5d03f1284b67883e8d87530"

_BINARY_ARCHIVE = "cifar-10-binary.tar.gz"
_BINARY_FOLDER = "cifar-10-batches-bin"
_IMAGE_ARCHIVE = "cifar10-jpg.tar.gz"
_RECORD_BYTES = 1 + 3 * 32 * 32
_SPLIT_SIZE = {"train": 50000, "test": 10000}


def cifar10_batch_names(split: str) -> list[str]:
    """Return the binary batch file names of a split.

    Parameters
    ----------
    split : {"train", "test"}

    Returns
    -------
    list of str
        ``data_batch_1.bin`` ... ``data_batch_5.bin``, or ``test_batch.bin``.
    """
    if split not in _SPLIT_SIZE:
        raise ValueError(f"CIFAR-10 split must be 'train' or 'test', got {split!r}")
    if split == "train":
        return [f"data_batch_{number}.bin" for number in range(1, 6)]
    return ["test_batch.bin"]


def parse_cifar10_batch(data: bytes, *, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Decode one binary batch file.

    Parameters
    ----------
    data : bytes
        The file contents: records of 1 label byte + 3,072 pixel bytes.
    source : str
        File name for error messages.

    Returns
    -------
    images : ndarray of shape (n_records, 32, 32, 3), dtype uint8
    labels : ndarray of shape (n_records,), dtype int64

    Raises
    ------
    CorruptDataError
        The length is not a whole number of records, or a label is above 9.
    """
    if len(data) == 0 or len(data) % _RECORD_BYTES:
        raise CorruptDataError(
            f"{source}: {len(data)} bytes is not a whole number of {_RECORD_BYTES}-byte records (truncated file?)"
        )
    records = np.frombuffer(data, dtype=np.uint8).reshape(-1, _RECORD_BYTES)
    labels = records[:, 0].astype(np.int64)
    if labels.max() > 9:
        raise CorruptDataError(f"{source}: label {labels.max()} found, CIFAR-10 labels are 0-9 (not a CIFAR-10 file?)")
    images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def _decode_binary(source: Path, split: str) -> dict[str, np.ndarray]:
    """Read the binary batches of a split from the extracted folder or the archive."""
    wanted = cifar10_batch_names(split)
    contents = {}
    if source.is_dir():
        for name in wanted:
            path = source / name
            if not path.is_file():
                raise CorruptDataError(f"{source}: {name} is missing; the folder should hold {wanted}")
            contents[name] = (str(path), path.read_bytes())
    else:
        try:
            with tarfile.open(source, mode="r|*") as archive:
                for member in archive:
                    base = PurePosixPath(member.name).name
                    if member.isfile() and base in wanted:
                        contents[base] = (f"{member.name} in {source}", archive.extractfile(member).read())
        except (tarfile.TarError, EOFError, OSError) as error:
            raise CorruptDataError(f"{source}: unreadable or truncated archive ({error}); fetch it again") from None
        absent = [name for name in wanted if name not in contents]
        if absent:
            raise CorruptDataError(f"{source}: the archive lacks {absent}; is it the CIFAR-10 binary version?")
    parts = [parse_cifar10_batch(data, source=name) for name, data in (contents[batch] for batch in wanted)]
    return {
        "images": np.concatenate([images for images, _ in parts]),
        "labels": np.concatenate([labels for _, labels in parts]),
    }


def find_cifar10_source(folder: Path) -> tuple[str, Path] | None:
    """Return ``(kind, path)`` of the first CIFAR-10 source found in ``folder``, else None.

    Parameters
    ----------
    folder : pathlib.Path
        The ``cifar10`` folder of the data directory.

    Returns
    -------
    ("binary", path) or ("image_folder", path) or None
    """
    candidates = [
        ("binary", folder / _BINARY_FOLDER, Path.is_dir),
        ("binary", folder / _BINARY_ARCHIVE, Path.is_file),
        ("image_folder", folder, lambda path: (path / "train").is_dir() and (path / "test").is_dir()),
        ("image_folder", folder / _IMAGE_ARCHIVE, Path.is_file),
    ]
    for kind, path, exists in candidates:
        if exists(path):
            return kind, path
    return None


def load_cifar10(
    split: str = "train",
    *,
    data_dir: str | os.PathLike | None = None,
    download: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Load CIFAR-10 images and labels.

    Parameters
    ----------
    split : {"train", "test"}, default "train"
        50,000 training or 10,000 test images.
    data_dir : str or path-like, optional
        Data directory; default ``$CLASSROOM_DATA`` or ``~/.cache/classroom``.
        The files live in its ``cifar10/`` folder (see the module docstring).
    download : bool, default False
        Fetch the official binary archive when no source is found (needs internet).

    Returns
    -------
    images : ndarray of shape (n_images, 32, 32, 3), dtype uint8
        RGB pixels, NHWC.
    labels : ndarray of shape (n_images,), dtype int64
        Class 0-9; ``CIFAR10_CLASSES[label]`` names it.

    Raises
    ------
    MissingDataError
        No source found and ``download=False``.
    CorruptDataError
        A file is truncated or an image cannot be decoded (the message names it).

    Examples
    --------
    >>> images, labels = load_cifar10("test")   # doctest: +SKIP
    >>> images.shape, CIFAR10_CLASSES[labels[0]]  # doctest: +SKIP
    ((10000, 32, 32, 3), 'cat')
    """
    cifar10_batch_names(split)  # validates split
    folder = dataset_dir("cifar10", data_dir)
    found = find_cifar10_source(folder)
    if found is None and download:
        download_file(CIFAR10_URL, folder / _BINARY_ARCHIVE, md5=CIFAR10_MD5)
        found = find_cifar10_source(folder)
    if found is None:
        raise missing_data_error(
            "CIFAR-10",
            folder,
            [
                f"{_BINARY_ARCHIVE} (the official binary version), or",
                f"{_BINARY_FOLDER}/ with data_batch_1.bin ... data_batch_5.bin and test_batch.bin, or",
                f"{_IMAGE_ARCHIVE} or train/<class>/*.png|jpg and test/<class>/*.png|jpg (image folders)",
            ],
            source=f"{CIFAR10_URL} (CIFAR-10 by A. Krizhevsky)",
            download_hint=True,
        )
    kind, source = found
    if kind == "binary":
        arrays = cached(
            f"cifar10-binary-{split}",
            sources=[source],
            params={"split": split, "loader": "cifar10-binary-1"},
            build=lambda: _decode_binary(source, split),
            cache_folder=cache_dir(data_dir),
        )
        images, labels = arrays["images"], arrays["labels"]
    else:
        dataset = load_image_folder(source, split=split, size=(32, 32), cache_dir=cache_dir(data_dir))
        if tuple(dataset.classes) != CIFAR10_CLASSES:
            raise CorruptDataError(
                f"{source}: class folders {dataset.classes} differ from the CIFAR-10 classes {list(CIFAR10_CLASSES)}"
            )
        images, labels = dataset.images, dataset.labels
    return images, labels
