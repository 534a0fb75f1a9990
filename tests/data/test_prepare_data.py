"""scripts/prepare_data.py and classroom.data.prepare on SYNTHETIC stand-ins for the dataset files.

The files only need the right names for the linking rules; where a loader then
reads them, they hold small synthetic data in the real format.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import load_script
from synthetic_datasets import SyntheticMnist, image_bytes, write_tar_gz

from classroom.data import load_celeba, load_fashion_mnist
from classroom.data.prepare import prepare_data_dir

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


prepare_script = load_script("prepare_data")


def synthetic_celeba_zip(count: int = 2) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(1, count + 1):
            archive.writestr(f"img_align_celeba/{index:06d}.png", image_bytes(np.full((109, 89, 3), 40, np.uint8)))
    return buffer.getvalue()


def test_official_files_lying_flat_in_source_go_to_their_dataset_folders(tmp_path):
    source = tmp_path / "Downloads"
    source.mkdir()
    for name in ("cifar-10-python.tar.gz", "train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte"):
        (source / name).write_bytes(b"synthetic " + name.encode())
    (source / "img_align_celeba.zip").write_bytes(synthetic_celeba_zip())
    (source / "holiday.jpg").write_bytes(b"not a dataset file")

    prepared = prepare_data_dir(source, tmp_path / "data")

    data = tmp_path / "data"
    assert sorted(path.relative_to(data).as_posix() for path in data.rglob("*") if path.is_file()) == [
        "celeba/img_align_celeba.zip",
        "cifar10/cifar-10-python.tar.gz",
        "mnist/t10k-labels-idx1-ubyte",
        "mnist/train-images-idx3-ubyte.gz",
    ]
    assert {item.action for item in prepared} == {"linked"}
    assert (data / "cifar10" / "cifar-10-python.tar.gz").read_bytes() == b"synthetic cifar-10-python.tar.gz"
    assert load_celeba(size=8, data_dir=data).shape == (2, 8, 8, 3)  # the official zip, read as it is


def test_offline_layout_with_sub_folders_and_extracted_folders(tmp_path):
    source = tmp_path / "shared"
    (source / "cifar10").mkdir(parents=True)
    write_tar_gz(source / "cifar10" / "cifar10-jpg.tar.gz", {})
    (source / "cifar10" / "cifar-10-batches-bin").mkdir()
    (source / "cifar10" / "cifar-10-batches-bin" / "data_batch_1.bin").write_bytes(b"synthetic")
    (source / "celeba").mkdir()
    write_tar_gz(source / "celeba" / "celeba-10k-89x109-jpg.tar.gz", {})
    (source / "celeba" / "README.txt").write_text("ignored")

    prepare_data_dir(source, tmp_path / "data")

    data = tmp_path / "data"
    assert (data / "cifar10" / "cifar10-jpg.tar.gz").is_file()
    assert (data / "cifar10" / "cifar-10-batches-bin" / "data_batch_1.bin").read_bytes() == b"synthetic"
    assert (data / "celeba" / "celeba-10k-89x109-jpg.tar.gz").is_file()
    assert not (data / "celeba" / "README.txt").exists()


def test_running_twice_or_on_the_data_directory_itself_keeps_the_files(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "cifar-10-binary.tar.gz").write_bytes(b"synthetic archive")
    data = tmp_path / "data"
    prepare_data_dir(source, data)
    again = prepare_data_dir(source, data)
    assert [item.action for item in again] == ["already there"]
    itself = prepare_data_dir(data, data)  # SOURCE is the data directory: nothing may be unlinked
    assert [item.action for item in itself] == ["already there"]
    assert (data / "cifar10" / "cifar-10-binary.tar.gz").read_bytes() == b"synthetic archive"
    assert sorted(path.name for path in (data / "cifar10").iterdir()) == ["cifar-10-binary.tar.gz"]


def test_copy_makes_real_files(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "img_align_celeba.zip").write_bytes(b"synthetic zip")
    prepared = prepare_data_dir(source, tmp_path / "data", copy=True)
    target = tmp_path / "data" / "celeba" / "img_align_celeba.zip"
    assert [item.action for item in prepared] == ["copied"]
    assert not target.is_symlink() and target.read_bytes() == b"synthetic zip"


def test_script_lists_the_accepted_files_when_source_has_none(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert prepare_script.main([str(tmp_path / "empty"), "--data-dir", str(tmp_path / "data")]) == 2
    error = capsys.readouterr().err
    for name in ("cifar-10-python.tar.gz", "cifar-10-binary.tar.gz", "img_align_celeba.zip", "cifar10-jpg.tar.gz"):
        assert name in error
    assert not (tmp_path / "data").exists()


def test_script_help_names_the_official_forms(capsys):
    with pytest.raises(SystemExit):
        prepare_script.main(["--help"])
    help_text = capsys.readouterr().out
    for name in ("cifar-10-python.tar.gz", "cifar-10-binary.tar.gz", "img_align_celeba.zip", "train-images-idx3-ubyte.gz"):
        assert name in help_text
    assert "Fashion-MNIST" in help_text and "fashion-mnist/" in help_text


@pytest.fixture
def synthetic_fashion(tmp_path, rng, monkeypatch):
    """SYNTHETIC Fashion-MNIST files in tmp_path/made/fashion_mnist, known to the checksum check as Fashion-MNIST's."""
    import classroom.data.fashion_mnist as fashion_module

    made = SyntheticMnist(tmp_path / "made", rng, sizes=(("train", 4), ("t10k", 2)), folder="fashion_mnist")
    monkeypatch.setattr(fashion_module.FASHION_MNIST, "sha256", made.sha256)
    monkeypatch.setattr(fashion_module.FASHION_MNIST, "split_sizes", {"train": 4, "test": 2})
    return made


IDX_NAMES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")


def test_debian_layout_fashion_mnist_goes_to_its_own_folder(tmp_path, synthetic_fashion):
    source = tmp_path / "datasets"  # like Debian's /usr/share/datasets, with fashion-mnist/ inside
    (source / "fashion-mnist").mkdir(parents=True)
    for name in IDX_NAMES:
        (source / "fashion-mnist" / name).symlink_to(synthetic_fashion.folder / name)
    data = tmp_path / "data"
    prepared = prepare_data_dir(source, data)
    assert [(item.dataset, item.target.name) for item in prepared] == [("fashion_mnist", name) for name in IDX_NAMES]
    assert sorted(path.name for path in (data / "fashion_mnist").iterdir()) == list(IDX_NAMES)
    assert not (data / "mnist").exists()
    images, _ = load_fashion_mnist("train", data_dir=data)
    np.testing.assert_array_equal(images, synthetic_fashion.arrays["train-images-idx3-ubyte"])
    assert prepare_data_dir(source / "fashion-mnist", tmp_path / "data2")[0].dataset == "fashion_mnist"  # the folder itself


def test_flat_idx_files_are_told_apart_by_checksum(tmp_path, synthetic_fashion, rng):
    source = tmp_path / "flat"
    source.mkdir()
    (source / "train-images-idx3-ubyte.gz").write_bytes((synthetic_fashion.folder / "train-images-idx3-ubyte.gz").read_bytes())
    unknown = SyntheticMnist(tmp_path / "other", rng, sizes=(("t10k", 2),))
    (source / "t10k-labels-idx1-ubyte.gz").write_bytes((unknown.folder / "t10k-labels-idx1-ubyte.gz").read_bytes())
    data = tmp_path / "data"
    prepared = prepare_data_dir(source, data)
    assert sorted((item.dataset, item.target.name) for item in prepared) == [
        ("fashion_mnist", "train-images-idx3-ubyte.gz"),  # its checksum is Fashion-MNIST's
        ("mnist", "t10k-labels-idx1-ubyte.gz"),  # neither dataset's: MNIST's folder, as before
    ]


def test_the_canonical_sub_folder_wins_and_the_script_lists_fashion(tmp_path, capsys):
    source = tmp_path / "source"
    for folder, text in (("fashion-mnist", b"debian"), ("fashion_mnist", b"canonical")):
        (source / folder).mkdir(parents=True)
        (source / folder / "t10k-labels-idx1-ubyte").write_bytes(text)
    assert prepare_script.main([str(source), "--data-dir", str(tmp_path / "data")]) == 0
    assert (tmp_path / "data" / "fashion_mnist" / "t10k-labels-idx1-ubyte").read_bytes() == b"canonical"
    assert "fashion_mnist/t10k-labels-idx1-ubyte: linked" in capsys.readouterr().out
    (tmp_path / "empty").mkdir()
    assert prepare_script.main([str(tmp_path / "empty"), "--data-dir", str(tmp_path / "data")]) == 2
    error = capsys.readouterr().err
    assert "fashion_mnist/" in error and "fashion-mnist" in error and "dataset-fashion-mnist" in error
