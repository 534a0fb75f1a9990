"""MNIST handwritten digits from the official IDX files.

The loader looks in ``<data_dir>/mnist/`` for the four official files,
gzip-compressed (``train-images-idx3-ubyte.gz``) or already decompressed
(``train-images-idx3-ubyte``). With ``download=True`` (or
``CLASSROOM_DOWNLOAD=1``) and internet access, missing files are fetched
from a public mirror of the official files. Every file's **decompressed**
contents are checked against the published SHA-256 when the cache is built;
later loads read the cached ``.npy`` arrays from ``<data_dir>/cache/``.

The reading is shared with Fashion-MNIST, which uses the same four file
names: :data:`MNIST` is the file table :func:`load_idx_dataset` reads (see
:mod:`classroom.data.idx_datasets`). A Fashion-MNIST file found where an
MNIST file belongs is recognised by its checksum and the error says so.
"""

from __future__ import annotations

import os

import numpy as np

from .idx_datasets import IdxDataset, find_idx_file, idx_file_names, load_idx_dataset, register_idx_dataset

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

#: The digits, as class names: label ``k`` is the digit ``k``.
MNIST_CLASSES = tuple(str(digit) for digit in range(10))

#: Pixel mean and standard deviation of the training images, scaled to [0, 1].
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081

#: MNIST's file table (see :class:`~classroom.data.idx_datasets.IdxDataset`).
MNIST = register_idx_dataset(
    IdxDataset(
        name="MNIST",
        folder="mnist",
        loader="load_mnist",
        sha256=MNIST_SHA256,
        mirrors=MNIST_MIRRORS,
        classes=MNIST_CLASSES,
        source=f"the official IDX files by Y. LeCun and C. Cortes (CC BY-SA 3.0), mirrored at {MNIST_MIRRORS[0]}",
        download_size="12 MB",
    )
)

# The file names are the same for every IDX dataset; these are their historical names.
mnist_file_names = idx_file_names
find_mnist_file = find_idx_file


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
        A file is not the official one (the message names it). A Fashion-MNIST
        file is recognised: the message says so and where it belongs.
    CorruptDataError
        A file is truncated or has a wrong magic number (the message names it).

    Examples
    --------
    >>> images, labels = load_mnist("test")    # doctest: +SKIP
    >>> images.shape, labels[:5]                # doctest: +SKIP
    ((10000, 28, 28), array([7, 2, 1, 0, 4]))
    """
    return load_idx_dataset(MNIST, split, data_dir=data_dir, download=download)
