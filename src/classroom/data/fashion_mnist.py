"""Fashion-MNIST: Zalando's article images in MNIST's format, from the official IDX files.

Fashion-MNIST (H. Xiao, K. Rasul and R. Vollgraf, 2017) is a drop-in
replacement for MNIST: 60,000 training and 10,000 test images of 28x28 grey
levels, ten classes, the same four file names. It is much harder: the
weekend-1 network that reads 98% of the digits gets about 90% of the
clothes right.

The loader looks in ``<data_dir>/fashion_mnist/`` for the four official files,
gzip-compressed or decompressed, and checks the SHA-256 of their decompressed
contents. With ``download=True`` (or ``CLASSROOM_DOWNLOAD=1``) missing files
are fetched from the official host listed in the project's README, then from
the project's GitHub repository. Offline, Debian's package
``dataset-fashion-mnist`` installs the files in
``/usr/share/datasets/fashion-mnist/``; ``scripts/prepare_data.py
/usr/share/datasets`` links them into the data directory.

About the checksums: the project publishes the MD5 of its ``.gz`` files
(:data:`FASHION_MNIST_PUBLISHED_MD5`). The loader checks the SHA-256 of the
decompressed contents instead (:data:`FASHION_MNIST_SHA256`), as for MNIST,
so that a decompressed copy, or a copy whose gzip header differs,
passes when its contents are the official ones. Debian's copies are such
copies: their gzip headers lack the original file name and time (removed for
reproducible builds), so their MD5 differs from the published one; with that
name and time restored they give the published MD5, and their decompressed
contents are byte for byte the official ones.
"""

from __future__ import annotations

import os

import numpy as np

from .idx_datasets import IdxDataset, load_idx_dataset, register_idx_dataset

#: SHA-256 of the decompressed official Fashion-MNIST files.
FASHION_MNIST_SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}

#: MD5 of the official ``.gz`` downloads, as the project's README publishes them.
FASHION_MNIST_PUBLISHED_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}

#: Tried in order by ``download=True`` (``<mirror><file>.gz``): the official host, then the project's repository.
FASHION_MNIST_MIRRORS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
)

#: Class names, indexed by label (the project's README).
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

#: Where Debian's package ``dataset-fashion-mnist`` installs the four files.
DEBIAN_FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"

#: Fashion-MNIST's file table (see :class:`~classroom.data.idx_datasets.IdxDataset`).
FASHION_MNIST = register_idx_dataset(
    IdxDataset(
        name="Fashion-MNIST",
        folder="fashion_mnist",
        loader="load_fashion_mnist",
        sha256=FASHION_MNIST_SHA256,
        mirrors=FASHION_MNIST_MIRRORS,
        classes=FASHION_MNIST_CLASSES,
        source="the official IDX files by H. Xiao, K. Rasul and R. Vollgraf, Zalando Research (MIT licence), "
        "https://github.com/zalandoresearch/fashion-mnist",
        download_size="30 MB",
        notes=(
            (
                f"On Debian, the package dataset-fashion-mnist installs the four files in "
                f"{DEBIAN_FASHION_MNIST_DIR}/ (apt-get install dataset-fashion-mnist); use "
                f"{DEBIAN_FASHION_MNIST_DIR.rsplit('/', 1)[0]} as SOURCE."
            ),
        ),
    )
)


def load_fashion_mnist(
    split: str = "train",
    *,
    data_dir: str | os.PathLike | None = None,
    download: bool | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Load Fashion-MNIST article images as raw pixels and labels.

    Same interface as :func:`~classroom.data.load_mnist`; the files live in
    the data directory's ``fashion_mnist/`` folder.

    Parameters
    ----------
    split : {"train", "test"}, default "train"
        60,000 training or 10,000 test images.
    data_dir : str or path-like, optional
        Data directory; default ``$CLASSROOM_DATA`` or ``~/.cache/classroom``.
    download : bool, optional
        Fetch missing files from the official host (needs internet). Default
        None downloads only when the environment sets ``CLASSROOM_DOWNLOAD=1``.

    Returns
    -------
    images : ndarray of shape (n_images, 28, 28), dtype uint8
        Grey levels 0 (background) to 255.
    labels : ndarray of shape (n_images,), dtype int64
        Classes 0-9; ``FASHION_MNIST_CLASSES[label]`` is the name.

    Raises
    ------
    MissingDataError
        Files absent and not downloaded; the message names them and gives the
        commands that fix it (download, or copy from a folder or the Debian package).
    ChecksumError
        A file is not the official one. An MNIST file is recognised: the
        message says so and where it belongs.
    CorruptDataError
        A file is truncated or has a wrong magic number (the message names it).

    Examples
    --------
    >>> images, labels = load_fashion_mnist("test")          # doctest: +SKIP
    >>> [FASHION_MNIST_CLASSES[label] for label in labels[:3]]  # doctest: +SKIP
    ['Ankle boot', 'Pullover', 'Trouser']
    """
    return load_idx_dataset(FASHION_MNIST, split, data_dir=data_dir, download=download)
