"""Datasets for the course: loading, splitting, batching, augmenting.

Loaders read the real datasets from the data directory
(``$CLASSROOM_DATA``, default ``~/.cache/classroom``) and cache the decoded
arrays in its ``cache/`` folder:

* :func:`load_mnist` — MNIST digits (official IDX files);
* :func:`load_fashion_mnist` — Fashion-MNIST article images (official IDX files, same interface);
* :func:`load_iris` — Iris flowers (shipped with the package);
* :func:`load_cifar10` — CIFAR-10 (official binary version or image folders);
* :func:`load_celeba` — CelebA faces (centre-cropped squares; non-commercial research and education only);
* :func:`load_image_folder` — any ``[split/]class/image`` folder or archive;
* :func:`make_image_folder_subset` — a few CIFAR-10 classes as an image folder.

Downloads happen with ``download=True``, or with ``CLASSROOM_DOWNLOAD=1`` in
the environment (:func:`download_celeba` fetches CelebA explicitly). A dataset
that is not there raises :class:`MissingDataError`, whose message starts with
``"<Dataset> is not in the data directory <dir>."`` and gives the commands
that fix it.

Helpers: :func:`stratified_split`, :func:`batches`, :func:`random_crop_flip`,
:func:`to_float_nchw`, :func:`normalize`, :func:`resize_images`, :func:`mnist_as_float`.
"""

from .augment import random_crop_flip
from .batches import batches
from .celeba import download_celeba, load_celeba
from .cifar10 import CIFAR10_CLASSES, CIFAR10_MEAN, CIFAR10_STD, load_cifar10
from .download import download_file, file_digest, verify_digest
from .errors import ChecksumError, CorruptDataError, MissingDataError
from .fashion_mnist import FASHION_MNIST_CLASSES, FASHION_MNIST_SHA256, load_fashion_mnist
from .idx import parse_idx, read_idx
from .image_decoding import decode_image
from .image_folder import ImageFolder, load_image_folder
from .iris import Iris, load_iris
from .mnist import MNIST_CLASSES, MNIST_MEAN, MNIST_SHA256, MNIST_STD, load_mnist
from .paths import cache_dir, resolve_data_dir
from .splits import stratified_split
from .synthetic import make_moons
from .subset import make_image_folder_subset
from .transforms import mnist_as_float, normalize, resize_images, to_float_nchw

__all__ = [
    "CIFAR10_CLASSES",
    "CIFAR10_MEAN",
    "CIFAR10_STD",
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_SHA256",
    "MNIST_CLASSES",
    "MNIST_MEAN",
    "MNIST_SHA256",
    "MNIST_STD",
    "ChecksumError",
    "CorruptDataError",
    "ImageFolder",
    "Iris",
    "MissingDataError",
    "batches",
    "cache_dir",
    "decode_image",
    "download_celeba",
    "download_file",
    "file_digest",
    "load_celeba",
    "load_cifar10",
    "load_fashion_mnist",
    "load_image_folder",
    "load_iris",
    "make_moons",
    "load_mnist",
    "make_image_folder_subset",
    "mnist_as_float",
    "normalize",
    "parse_idx",
    "random_crop_flip",
    "read_idx",
    "resize_images",
    "resolve_data_dir",
    "stratified_split",
    "to_float_nchw",
    "verify_digest",
]
