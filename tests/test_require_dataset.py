"""The data guard of the test suite: a fork's CI is green with the official downloads.

The workflow fetches MNIST's gzipped IDX files, CIFAR-10's official binary archive
and (when Google Drive allows) CelebA's official zip, never the offline archives.
These tests build tiny data directories (empty or zero-byte files: only the
names matter to the finders) and check what ``require_dataset`` makes of them.
"""

from __future__ import annotations

import pytest
from _pytest.outcomes import Failed, Skipped
from conftest import dataset_form, require_dataset

import conftest


@pytest.fixture
def data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CLASSROOM_DATA", str(tmp_path))
    monkeypatch.delenv("CLASSROOM_DATA_UNAVAILABLE", raising=False)
    return tmp_path


def touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")


def test_the_official_download_forms_are_found(data_folder):
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        touch(data_folder / "mnist" / f"{name}.gz")
    touch(data_folder / "cifar10" / "cifar-10-binary.tar.gz")
    touch(data_folder / "celeba" / "img_align_celeba.zip")
    assert dataset_form("mnist") == "gzip"
    assert dataset_form("cifar10") == "binary"
    assert dataset_form("celeba") == "img_align_celeba.zip"
    require_dataset("cifar10")  # returns: present in a form the loader reads


def test_three_of_four_mnist_files_is_not_the_dataset(data_folder):
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"):
        touch(data_folder / "mnist" / name)
    assert dataset_form("mnist") is None


def test_a_test_of_another_form_is_skipped_not_failed(data_folder, monkeypatch):
    monkeypatch.setattr(conftest, "IN_CI", True)
    touch(data_folder / "celeba" / "img_align_celeba.zip")
    with pytest.raises(Skipped, match="reads celeba in the 'celeba-10k-89x109-jpg.tar.gz' form"):
        require_dataset("celeba", form="celeba-10k-89x109-jpg.tar.gz")


def test_a_missing_dataset_fails_in_ci_and_skips_elsewhere(data_folder, monkeypatch):
    monkeypatch.setattr(conftest, "IN_CI", True)
    with pytest.raises(Failed, match="cifar10 is not in the data directory"):
        require_dataset("cifar10")
    monkeypatch.setattr(conftest, "IN_CI", False)
    with pytest.raises(Skipped, match="prepare_data.py"):
        require_dataset("cifar10")


def test_a_dataset_the_host_refused_is_skipped_in_ci_with_the_reason(data_folder, monkeypatch):
    monkeypatch.setattr(conftest, "IN_CI", True)
    monkeypatch.setenv("CLASSROOM_DATA_UNAVAILABLE", "celeba")
    with pytest.raises(Skipped, match="CI could not fetch it"):
        require_dataset("celeba")
    with pytest.raises(Failed):  # only the named dataset is excused
        require_dataset("mnist")


def test_an_unknown_dataset_name_is_a_mistake_in_the_test(data_folder):
    with pytest.raises(ValueError, match="unknown dataset 'svhn'"):
        dataset_form("svhn")
