"""MNIST loader on SYNTHETIC IDX files (random pixels, checksums patched to match)."""

from __future__ import annotations

import gzip
import hashlib
import os

import numpy as np
import pytest
from synthetic_datasets import SyntheticMnist, idx_bytes

import classroom.data.cache as cache_module
import classroom.data.idx_datasets as idx_datasets_module
import classroom.data.mnist as mnist_module
from classroom.data import ChecksumError, CorruptDataError, MissingDataError, load_mnist, mnist_as_float


@pytest.fixture(autouse=True)
def no_download_from_the_environment(monkeypatch):
    """CLASSROOM_DOWNLOAD=1 in a developer's shell must not make these tests reach for the network."""
    monkeypatch.delenv("CLASSROOM_DOWNLOAD", raising=False)


@pytest.fixture
def synthetic_mnist(tmp_path, rng, monkeypatch):
    """A data directory with synthetic MNIST files (60 train, 20 test) whose checksums the loader accepts."""
    dataset = SyntheticMnist(tmp_path / "data", rng)
    monkeypatch.setattr(mnist_module.MNIST, "sha256", dataset.sha256)
    monkeypatch.setattr(mnist_module.MNIST, "split_sizes", {"train": 60, "test": 20})
    return dataset


@pytest.fixture
def decode_counter(monkeypatch):
    """Counts calls of the MNIST decoder."""
    calls = []
    original = idx_datasets_module._decode

    def counting_decoder(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(idx_datasets_module, "_decode", counting_decoder)
    return calls


@pytest.mark.parametrize("split, prefix, count", [("train", "train", 60), ("test", "t10k", 20)])
def test_load_mnist_returns_uint8_images_and_int64_labels(synthetic_mnist, split, prefix, count):
    images, labels = load_mnist(split, data_dir=synthetic_mnist.data_dir)
    assert images.shape == (count, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (count,) and labels.dtype == np.int64
    np.testing.assert_array_equal(images, synthetic_mnist.arrays[f"{prefix}-images-idx3-ubyte"])
    np.testing.assert_array_equal(labels, synthetic_mnist.arrays[f"{prefix}-labels-idx1-ubyte"])


def test_load_mnist_reads_already_decompressed_files(synthetic_mnist):
    for gz_path in synthetic_mnist.folder.glob("train-*.gz"):
        gz_path.with_suffix("").write_bytes(gzip.decompress(gz_path.read_bytes()))
        gz_path.unlink()
    images, _ = load_mnist("train", data_dir=synthetic_mnist.data_dir)
    np.testing.assert_array_equal(images, synthetic_mnist.arrays["train-images-idx3-ubyte"])


def test_missing_files_error_names_files_folder_and_env_var(tmp_path):
    with pytest.raises(MissingDataError) as caught:
        load_mnist("train", data_dir=tmp_path)
    message = str(caught.value)
    assert "train-images-idx3-ubyte.gz" in message and "train-labels-idx1-ubyte.gz" in message
    assert str(tmp_path / "mnist") in message
    assert "CLASSROOM_DATA" in message and "download=True" in message


def test_missing_error_lists_only_the_absent_file(synthetic_mnist):
    (synthetic_mnist.folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(MissingDataError) as caught:
        load_mnist("test", data_dir=synthetic_mnist.data_dir)
    assert "t10k-labels-idx1-ubyte.gz" in str(caught.value)
    assert "t10k-images" not in str(caught.value)


def test_invalid_split_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="'train' or 'test'"):
        load_mnist("validation", data_dir=tmp_path)


def test_wrong_checksum_names_the_file_and_writes_no_cache(synthetic_mnist, monkeypatch):
    wrong = dict(synthetic_mnist.sha256, **{"train-labels-idx1-ubyte": "f" * 64})
    monkeypatch.setattr(mnist_module.MNIST, "sha256", wrong)
    with pytest.raises(ChecksumError) as caught:
        load_mnist("train", data_dir=synthetic_mnist.data_dir)
    assert "train-labels-idx1-ubyte.gz" in str(caught.value)
    assert not (synthetic_mnist.data_dir / "cache").exists()


def test_wrong_magic_number_names_the_file(synthetic_mnist, monkeypatch):
    swapped = idx_bytes(np.zeros(60, dtype=np.uint8))  # a label file where images belong
    path = synthetic_mnist.folder / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(swapped))
    monkeypatch.setitem(mnist_module.MNIST.sha256, "train-images-idx3-ubyte", hashlib.sha256(swapped).hexdigest())
    with pytest.raises(CorruptDataError, match="wrong magic number") as caught:
        load_mnist("train", data_dir=synthetic_mnist.data_dir)
    assert str(path) in str(caught.value)


def test_second_load_is_served_from_cache(synthetic_mnist, decode_counter):
    first_images, first_labels = load_mnist("train", data_dir=synthetic_mnist.data_dir)
    second_images, second_labels = load_mnist("train", data_dir=synthetic_mnist.data_dir)
    assert len(decode_counter) == 1
    np.testing.assert_array_equal(first_images, second_images)
    np.testing.assert_array_equal(first_labels, second_labels)
    cached_files = sorted(path.name for path in (synthetic_mnist.data_dir / "cache").iterdir())
    assert any(name.endswith(".images.npy") for name in cached_files)
    images_cache = next(name for name in cached_files if name.endswith(".images.npy"))
    memory_mapped = np.load(synthetic_mnist.data_dir / "cache" / images_cache, mmap_mode="r")
    np.testing.assert_array_equal(memory_mapped, first_images)


def test_cache_is_invalidated_when_source_changes(synthetic_mnist, decode_counter, rng):
    load_mnist("train", data_dir=synthetic_mnist.data_dir)
    new_labels = rng.integers(0, 10, size=60).astype(np.uint8)
    raw = idx_bytes(new_labels)
    path = synthetic_mnist.folder / "train-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(raw))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    mnist_module.MNIST.sha256["train-labels-idx1-ubyte"] = hashlib.sha256(raw).hexdigest()
    _, labels = load_mnist("train", data_dir=synthetic_mnist.data_dir)
    assert len(decode_counter) == 2
    np.testing.assert_array_equal(labels, new_labels)
    label_caches = list((synthetic_mnist.data_dir / "cache").glob("mnist-train-*.labels.npy"))
    assert len(label_caches) == 1, "the stale cache entry should be removed"


def test_failed_cache_write_leaves_no_partial_file(synthetic_mnist, monkeypatch):
    original_save = np.save

    def save_then_crash(stream, array, **kwargs):
        original_save(stream, array[: len(array) // 2], **kwargs)  # half the bytes, then a crash
        raise OSError("synthetic disk full")

    monkeypatch.setattr(cache_module.np, "save", save_then_crash)
    with pytest.warns(UserWarning, match="could not write the cache"):
        images, _ = load_mnist("train", data_dir=synthetic_mnist.data_dir)
    assert images.shape == (60, 28, 28)
    assert list((synthetic_mnist.data_dir / "cache").iterdir()) == []
    monkeypatch.setattr(cache_module.np, "save", original_save)
    images_again, _ = load_mnist("train", data_dir=synthetic_mnist.data_dir)
    np.testing.assert_array_equal(images_again, images)


def test_mnist_as_float_flattens_and_scales():
    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8).repeat(3, axis=0)
    flat = mnist_as_float(np.pad(images, ((0, 0), (0, 26), (0, 26))))
    assert flat.shape == (3, 784) and flat.dtype == np.float32
    np.testing.assert_allclose(flat[0, [0, 1, 28, 29]], [0.0, 1.0, 0.2, 0.4], rtol=1e-6)
