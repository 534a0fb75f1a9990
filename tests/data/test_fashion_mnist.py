"""Fashion-MNIST loader and the checksum error that recognises the other dataset, on SYNTHETIC IDX files.

MNIST and Fashion-MNIST have the same file names. Here each dataset's file
table gets the checksums of its own synthetic files, so a file of one placed
where the other's belongs is "a known file of another dataset", as the real
files are.
"""

from __future__ import annotations

import gzip
import hashlib
import pickle
import shlex

import numpy as np
import pytest
from conftest import forbid_network
from synthetic_datasets import FakeResponse, SyntheticMnist, idx_bytes

import classroom.data.download as download_module
import classroom.data.fashion_mnist as fashion_module
import classroom.data.mnist as mnist_module
from classroom.data import (
    FASHION_MNIST_CLASSES,
    ChecksumError,
    MissingDataError,
    load_fashion_mnist,
    load_mnist,
)
from classroom.data.idx_datasets import KNOWN_IDX_DATASETS, identify_idx_file


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """No real network, and no CLASSROOM_DOWNLOAD from the environment."""
    forbid_network(monkeypatch)


@pytest.fixture
def both(tmp_path, rng, monkeypatch):
    """A data directory with synthetic MNIST (60 + 20) and Fashion-MNIST (40 + 10) files, checksums patched."""
    data = tmp_path / "data"
    mnist = SyntheticMnist(data, rng)
    fashion = SyntheticMnist(data, rng, sizes=(("train", 40), ("t10k", 10)), folder="fashion_mnist")
    monkeypatch.setattr(mnist_module.MNIST, "sha256", mnist.sha256)
    monkeypatch.setattr(mnist_module.MNIST, "split_sizes", {"train": 60, "test": 20})
    monkeypatch.setattr(fashion_module.FASHION_MNIST, "sha256", fashion.sha256)
    monkeypatch.setattr(fashion_module.FASHION_MNIST, "split_sizes", {"train": 40, "test": 10})
    return mnist, fashion


def test_class_names_are_the_official_ones():
    assert FASHION_MNIST_CLASSES == (
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    )
    assert fashion_module.FASHION_MNIST.classes == FASHION_MNIST_CLASSES
    assert mnist_module.MNIST.classes == tuple("0123456789")


def test_both_datasets_are_read_by_one_loader_from_their_own_folders(both):
    mnist, fashion = both
    assert fashion_module.FASHION_MNIST.sha256 is not mnist_module.MNIST.sha256
    for split, prefix in (("train", "train"), ("test", "t10k")):
        images, labels = load_fashion_mnist(split, data_dir=fashion.data_dir)
        assert images.dtype == np.uint8 and labels.dtype == np.int64
        np.testing.assert_array_equal(images, fashion.arrays[f"{prefix}-images-idx3-ubyte"])
        np.testing.assert_array_equal(labels, fashion.arrays[f"{prefix}-labels-idx1-ubyte"])
        digits, _ = load_mnist(split, data_dir=mnist.data_dir)
        np.testing.assert_array_equal(digits, mnist.arrays[f"{prefix}-images-idx3-ubyte"])
    cached = sorted(path.name.split("-")[0] for path in (fashion.data_dir / "cache").glob("*.json"))
    assert cached == ["fashion_mnist", "fashion_mnist", "mnist", "mnist"]  # separate cache entries


def test_the_real_checksum_tables_are_known_to_the_checksum_check():
    assert set(KNOWN_IDX_DATASETS) >= {"mnist", "fashion_mnist"}
    table, name = identify_idx_file(fashion_module.FASHION_MNIST_SHA256["train-images-idx3-ubyte"])
    assert (table.name, name) == ("Fashion-MNIST", "train-images-idx3-ubyte")
    table, name = identify_idx_file(mnist_module.MNIST_SHA256["t10k-labels-idx1-ubyte"].upper())
    assert (table.name, name) == ("MNIST", "t10k-labels-idx1-ubyte")
    assert identify_idx_file("0" * 64) is None
    assert not set(fashion_module.FASHION_MNIST_SHA256.values()) & set(mnist_module.MNIST_SHA256.values())


def test_fashion_files_in_the_mnist_folder_are_named_not_called_corrupted(both):
    mnist, fashion = both
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        (mnist.folder / name).write_bytes((fashion.folder / name).read_bytes())
    with pytest.raises(ChecksumError) as caught:
        load_mnist("train", data_dir=mnist.data_dir)
    message = str(caught.value)
    assert message.startswith(f"{mnist.folder / 'train-images-idx3-ubyte.gz'}: ")
    assert "this is Fashion-MNIST's train-images-idx3-ubyte file, not MNIST's" in message
    assert f"put it in {fashion.data_dir / 'fashion_mnist'}/" in message and "load_fashion_mnist()" in message
    assert "corrupted" not in message and "download it again" not in message
    identified_table, identified_name = caught.value.identified
    assert (identified_table.folder, identified_name) == ("fashion_mnist", "train-images-idx3-ubyte")
    assert caught.value.actual == fashion.sha256["train-images-idx3-ubyte"]
    assert not (mnist.data_dir / "cache").exists() or not list((mnist.data_dir / "cache").glob("mnist-train-*"))


def test_mnist_files_in_the_fashion_folder_are_named_too(both):
    mnist, fashion = both
    (fashion.folder / "t10k-labels-idx1-ubyte.gz").unlink()
    (fashion.folder / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(mnist.arrays["t10k-labels-idx1-ubyte"]))
    with pytest.raises(ChecksumError) as caught:
        load_fashion_mnist("test", data_dir=fashion.data_dir)
    message = str(caught.value)
    assert "this is MNIST's t10k-labels-idx1-ubyte file, not Fashion-MNIST's" in message
    assert f"put it in {mnist.data_dir / 'mnist'}/" in message and "load_mnist()" in message
    assert "corrupted" not in message


def test_a_file_of_the_same_dataset_under_another_name_is_called_swapped(both):
    mnist, _ = both
    images = mnist.folder / "train-images-idx3-ubyte.gz"
    images.write_bytes((mnist.folder / "t10k-images-idx3-ubyte.gz").read_bytes())
    with pytest.raises(ChecksumError, match="this is MNIST's t10k-images-idx3-ubyte file, not its train-images"):
        load_mnist("train", data_dir=mnist.data_dir)


def test_an_unknown_file_still_gets_the_fetch_it_again_advice(both):
    _, fashion = both
    raw = idx_bytes(np.zeros(40, dtype=np.uint8))
    (fashion.folder / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(raw))
    with pytest.raises(ChecksumError) as caught:
        load_fashion_mnist("train", data_dir=fashion.data_dir)
    assert "train-labels-idx1-ubyte.gz" in str(caught.value) and "download it again" in str(caught.value)
    assert caught.value.identified is None


def test_the_checksum_error_survives_pickling(both):
    mnist, fashion = both
    (mnist.folder / "train-images-idx3-ubyte.gz").write_bytes((fashion.folder / "train-images-idx3-ubyte.gz").read_bytes())
    with pytest.raises(ChecksumError) as caught:
        load_mnist("train", data_dir=mnist.data_dir)
    copy = pickle.loads(pickle.dumps(caught.value))
    assert str(copy) == str(caught.value) and copy.actual == caught.value.actual and copy.path == caught.value.path


def test_missing_message_names_the_folder_the_loader_and_the_debian_package(tmp_path):
    with pytest.raises(MissingDataError) as caught:
        load_fashion_mnist("test", data_dir=tmp_path)
    error = caught.value
    lines = str(error).splitlines()
    assert lines[0] == f"Fashion-MNIST is not in the data directory {tmp_path}."
    assert error.dataset == "Fashion-MNIST"
    assert "SOURCE/fashion_mnist/" in str(error) and str(tmp_path / "fashion_mnist") in str(error)
    assert "import load_fashion_mnist; [load_fashion_mnist(split" in error.commands[0]
    assert any("dataset-fashion-mnist" in line and not line.startswith("    ") for line in lines)
    assert "github.com/zalandoresearch/fashion-mnist" in str(error)


def test_download_fetches_the_official_files_with_progress_and_checksums(tmp_path, rng, monkeypatch, capsys):
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, size=(6, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, size=6).astype(np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, size=(2, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, size=2).astype(np.uint8),
    }
    official = fashion_module.FASHION_MNIST_MIRRORS[0]
    pages = {f"{official}{name}.gz": gzip.compress(idx_bytes(array)) for name, array in arrays.items()}
    requested = []

    def serve(url, timeout=None):
        requested.append(url)
        if url not in pages:
            raise OSError(f"synthetic: cannot reach {url}")
        return FakeResponse(pages[url])

    monkeypatch.setattr(download_module, "urlopen", serve)
    table = fashion_module.FASHION_MNIST
    monkeypatch.setattr(table, "sha256", {name: hashlib.sha256(idx_bytes(array)).hexdigest() for name, array in arrays.items()})
    monkeypatch.setattr(table, "split_sizes", {"train": 6, "test": 2})
    with pytest.raises(MissingDataError) as caught:
        load_fashion_mnist("test", data_dir=tmp_path)
    assert requested == []  # nothing is fetched unless asked
    exec(shlex.split(caught.value.commands[0])[2], {})  # the message's download command
    assert sorted(requested) == sorted(pages)
    assert sorted(path.name for path in (tmp_path / "fashion_mnist").iterdir()) == sorted(f"{name}.gz" for name in arrays)
    assert not (tmp_path / "mnist").exists()
    assert "100%" in capsys.readouterr().err  # the progress bar
    _, labels = load_fashion_mnist("train", data_dir=tmp_path)
    np.testing.assert_array_equal(labels, arrays["train-labels-idx1-ubyte"])


def test_download_falls_back_to_the_repository_and_rejects_a_wrong_file(tmp_path, rng, monkeypatch):
    images = rng.integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=3).astype(np.uint8)
    official, repository = fashion_module.FASHION_MNIST_MIRRORS
    pages = {
        f"{repository}train-images-idx3-ubyte.gz": gzip.compress(idx_bytes(images)),
        f"{official}train-labels-idx1-ubyte.gz": gzip.compress(idx_bytes(labels[::-1])),  # wrong contents
        f"{repository}train-labels-idx1-ubyte.gz": gzip.compress(idx_bytes(labels)),
    }

    def serve(url, timeout=None):
        if url not in pages:
            raise OSError(f"synthetic: cannot reach {url}")
        return FakeResponse(pages[url])

    monkeypatch.setattr(download_module, "urlopen", serve)
    table = fashion_module.FASHION_MNIST
    monkeypatch.setattr(
        table,
        "sha256",
        dict(table.sha256, **{
            "train-images-idx3-ubyte": hashlib.sha256(idx_bytes(images)).hexdigest(),
            "train-labels-idx1-ubyte": hashlib.sha256(idx_bytes(labels)).hexdigest(),
        }),
    )
    monkeypatch.setattr(table, "split_sizes", {"train": 3, "test": 1})
    got_images, got_labels = load_fashion_mnist("train", data_dir=tmp_path, download=True)
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)
