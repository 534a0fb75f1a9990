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
from classroom.data import (
    CIFAR10_MEAN,
    FASHION_MNIST_SHA256,
    MNIST_SHA256,
    ChecksumError,
    file_digest,
    load_celeba,
    load_cifar10,
    load_fashion_mnist,
    load_mnist,
)
from classroom.data.fashion_mnist import FASHION_MNIST_PUBLISHED_MD5

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


@pytest.mark.parametrize("split, count", [("train", 60000), ("test", 10000)])
def test_fashion_mnist_shapes_and_balanced_classes(split, count):
    require_dataset("fashion_mnist")
    images, labels = load_fashion_mnist(split)
    assert images.shape == (count, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (count,) and labels.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(labels), [count // 10] * 10)  # exactly balanced, unlike MNIST
    assert 0.285 < images.mean() / 255 < 0.288  # the published training mean is 0.2860


def test_fashion_mnist_first_test_labels_are_the_official_ones():
    require_dataset("fashion_mnist")
    _, labels = load_fashion_mnist("test")
    np.testing.assert_array_equal(labels[:10], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7])  # ankle boot, pullover, trouser, ...


#: The gzip header time of the official Fashion-MNIST downloads (2017-08-31), which copies
#: normalised for reproducible builds (Debian's) replace, together with the file name.
FASHION_MNIST_GZIP_TIMES = {"train": 1504176606, "t10k": 1504176627}


def test_fashion_mnist_files_are_the_published_release():
    """The decompressed SHA-256 the loader checks are those of the files whose MD5 the project publishes."""
    import gzip
    import hashlib

    require_dataset("fashion_mnist", form="gzip")
    for name, expected in FASHION_MNIST_SHA256.items():
        data = (data_dir() / "fashion_mnist" / f"{name}.gz").read_bytes()
        assert hashlib.sha256(gzip.decompress(data)).hexdigest() == expected
        if not data[3] & 0x08:  # no file name in the header: put back the official name and time
            time = FASHION_MNIST_GZIP_TIMES[name.split("-")[0]].to_bytes(4, "little")
            data = data[:3] + bytes([data[3] | 0x08]) + time + data[8:10] + name.encode() + b"\0" + data[10:]
        assert hashlib.md5(data).hexdigest() == FASHION_MNIST_PUBLISHED_MD5[f"{name}.gz"], name


def test_load_mnist_pointed_at_fashion_mnist_says_which_dataset_it_is(tmp_path):
    require_dataset("fashion_mnist")
    (tmp_path / "mnist").mkdir()
    for path in (data_dir() / "fashion_mnist").iterdir():
        (tmp_path / "mnist" / path.name).symlink_to(path.resolve())
    with pytest.raises(ChecksumError) as caught:
        load_mnist("test", data_dir=tmp_path)
    message = str(caught.value)
    assert "this is Fashion-MNIST's t10k-images-idx3-ubyte file, not MNIST's" in message
    assert str(tmp_path / "fashion_mnist") in message and "load_fashion_mnist()" in message
    assert "corrupted" not in message


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
