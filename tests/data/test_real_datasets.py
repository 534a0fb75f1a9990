"""The loaders on the REAL datasets in the data directory (skipped when absent, failing in CI).

The first run decodes and caches (CIFAR-10 train takes about 10 s); later runs
read the cache and take well under a second each.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import require_dataset
from PIL import Image

from classroom.config import data_dir
from classroom.data import CIFAR10_MEAN, MNIST_SHA256, file_digest, load_celeba, load_cifar10, load_mnist

pytestmark = pytest.mark.data

CELEBA_ARCHIVE = "celeba/celeba-10k-89x109-jpg.tar.gz"


@pytest.mark.parametrize("split, count", [("train", 60000), ("test", 10000)])
def test_mnist_shapes_and_label_counts(split, count):
    require_dataset("mnist")
    images, labels = load_mnist(split)
    assert images.shape == (count, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (count,) and labels.dtype == np.int64
    per_class = np.bincount(labels, minlength=10)
    assert len(per_class) == 10 and per_class.min() > 0.08 * count and per_class.max() < 0.12 * count
    assert images.max() == 255 and 30 < images.mean() < 36  # ink covers ~13% of pixels


def test_mnist_files_match_published_checksums():
    require_dataset("mnist", form="gzip")  # the published checksums are of the decompressed .gz files
    for name, expected in MNIST_SHA256.items():
        assert file_digest(data_dir() / "mnist" / f"{name}.gz", decompress=True) == expected


def test_mnist_first_test_labels_are_the_official_ones():
    require_dataset("mnist")
    _, labels = load_mnist("test")
    np.testing.assert_array_equal(labels[:10], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])


def test_cifar10_counts_and_channel_means():
    require_dataset("cifar10")  # any form: the official binary or Python archive, or the image folder
    train_images, train_labels = load_cifar10("train")
    test_images, test_labels = load_cifar10("test")
    assert train_images.shape == (50000, 32, 32, 3) and test_images.shape == (10000, 32, 32, 3)
    assert train_images.dtype == np.uint8 and train_labels.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(train_labels), [5000] * 10)
    np.testing.assert_array_equal(np.bincount(test_labels), [1000] * 10)
    channel_means = train_images.reshape(-1, 3).mean(axis=0) / 255.0
    np.testing.assert_allclose(channel_means, CIFAR10_MEAN, atol=2e-3)


def test_celeba_first_faces_are_centre_crops():
    require_dataset("celeba", form="celeba-10k-89x109-jpg.tar.gz")  # opens one file of the offline archive
    faces = load_celeba(size=64, limit=500)
    assert faces.shape == (500, 64, 64, 3) and faces.dtype == np.uint8
    import tarfile

    with tarfile.open(data_dir() / CELEBA_ARCHIVE) as archive:
        first = Image.open(archive.extractfile("img_align_celeba/000001.jpg")).convert("RGB")
    assert first.size == (89, 109)
    expected = np.asarray(first.crop((0, 10, 89, 99)).resize((64, 64), Image.Resampling.BICUBIC))
    np.testing.assert_array_equal(faces[0], expected)


def test_celeba_all_ten_thousand_faces():
    require_dataset("celeba", form="celeba-10k-89x109-jpg.tar.gz")  # the official zip has 202,599
    faces = load_celeba(size=64)
    assert faces.shape == (10000, 64, 64, 3)
    sample = faces[::100].astype(np.float32)  # 100 faces keep the check fast
    assert 60 < sample.mean() < 200 and sample.std() > 30
