"""make_image_folder_subset (package function and script): SYNTHETIC CIFAR-10 forms for the rules, the real data once.

The rules are tested on small synthetic archives (grey-level JPEGs, random
binary records); the last test reads the real CIFAR-10 from the data directory.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import numpy as np
import pytest
from conftest import forbid_network, load_script, require_dataset
from PIL import Image

import classroom.data.cifar10 as cifar10_module
import classroom.data.download as download_module
from classroom.data import CIFAR10_CLASSES, MissingDataError, load_image_folder, make_image_folder_subset
from classroom.data.paths import DOWNLOAD_ENV_VAR

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


subset_script = load_script("make_image_folder_subset")


def jpeg_bytes(value: int) -> bytes:
    """A synthetic 8x8 JPEG of one grey level."""
    buffer = io.BytesIO()
    Image.fromarray(np.full((8, 8, 3), value, dtype=np.uint8)).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture
def archive(tmp_path) -> Path:
    """A synthetic CIFAR-like archive: train/<class>/000i.jpg (4 each) and test/<class>/000i.jpg (2 each)."""
    path = tmp_path / "fake-cifar.tar.gz"
    with tarfile.open(path, "w:gz") as stream:
        for split, count in (("train", 4), ("test", 2)):
            for class_index, class_name in enumerate(("bird", "cat", "dog")):
                for number in range(count):
                    data = jpeg_bytes(10 * class_index + number)
                    member = tarfile.TarInfo(f"{split}/{class_name}/{number:04d}.jpg")
                    member.size = len(data)
                    stream.addfile(member, io.BytesIO(data))
    return path


def test_make_subset_copies_the_first_files_of_each_chosen_class_unchanged(archive, tmp_path):
    out = tmp_path / "subset"
    manifest = subset_script.make_subset(out, ["dog", "cat"], train_per_class=3, test_per_class=1, archive=archive)

    assert manifest["counts"] == {"train": {"dog": 3, "cat": 3}, "test": {"dog": 1, "cat": 1}}
    assert manifest["reused"] is False
    assert sorted(path.relative_to(out).as_posix() for path in out.rglob("*.jpg")) == [
        "test/cat/0000.jpg", "test/dog/0000.jpg",
        "train/cat/0000.jpg", "train/cat/0001.jpg", "train/cat/0002.jpg",
        "train/dog/0000.jpg", "train/dog/0001.jpg", "train/dog/0002.jpg",
    ]
    assert (out / "train" / "dog" / "0002.jpg").read_bytes() == jpeg_bytes(22)
    assert json.loads((out / "subset.json").read_text())["request"]["classes"] == ["dog", "cat"]
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []  # no temporary folder left


def test_make_subset_reuses_a_folder_made_with_the_same_arguments(archive, tmp_path):
    out = tmp_path / "subset"
    subset_script.make_subset(out, ["cat"], train_per_class=2, test_per_class=1, archive=archive)
    marker = out / "train" / "cat" / "0000.jpg"
    marker.write_bytes(b"left alone")

    again = subset_script.make_subset(out, ["cat"], train_per_class=2, test_per_class=1, archive=archive)

    assert again["reused"] is True
    assert marker.read_bytes() == b"left alone"


def test_make_subset_refuses_to_replace_a_different_folder_unless_asked(archive, tmp_path):
    out = tmp_path / "subset"
    subset_script.make_subset(out, ["cat"], train_per_class=2, test_per_class=1, archive=archive)
    with pytest.raises(ValueError, match="already exists.*--overwrite"):
        subset_script.make_subset(out, ["cat"], train_per_class=4, test_per_class=1, archive=archive)

    replaced = subset_script.make_subset(out, ["bird"], train_per_class=4, test_per_class=2, archive=archive, overwrite=True)

    assert replaced["counts"]["train"] == {"bird": 4}
    assert sorted(path.name for path in (out / "train").iterdir()) == ["bird"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["fake-cifar.tar.gz", "subset"]


def test_make_subset_names_the_available_classes_and_writes_nothing_for_an_unknown_one(archive, tmp_path):
    out = tmp_path / "subset"
    with pytest.raises(ValueError, match=r"\['horse'\] are not in .*available: \['bird', 'cat', 'dog'\]"):
        subset_script.make_subset(out, ["cat", "horse"], archive=archive)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["fake-cifar.tar.gz"]


@pytest.mark.parametrize(
    "classes, train_per_class, test_per_class, message",
    [
        ([], 2, 1, "at least one class"),
        (["cat", "cat"], 2, 1, "distinct"),
        (["../cat"], 2, 1, "plain folder name"),
        (["cat"], 0, 1, "--train-per-class must be a whole number >= 1"),
        (["cat"], 2, -1, "--test-per-class must be a whole number >= 1"),
    ],
)
def test_make_subset_rejects_bad_requests(archive, tmp_path, classes, train_per_class, test_per_class, message):
    with pytest.raises(ValueError, match=message):
        subset_script.make_subset(
            tmp_path / "subset", classes, train_per_class=train_per_class, test_per_class=test_per_class, archive=archive
        )


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """No real network, and no CLASSROOM_DOWNLOAD from the environment."""
    forbid_network(monkeypatch)


def binary_archive(rng, per_batch: int = 20) -> tuple[bytes, dict]:
    """A SYNTHETIC cifar-10-binary.tar.gz (random pixels and labels) and its decoded arrays per split."""
    buffer = io.BytesIO()
    decoded = {"train": [], "test": []}
    with tarfile.open(fileobj=buffer, mode="w:gz") as stream:
        for name, split in [(f"data_batch_{n}.bin", "train") for n in range(1, 6)] + [("test_batch.bin", "test")]:
            images = rng.integers(0, 256, size=(per_batch, 32, 32, 3), dtype=np.uint8)
            labels = rng.integers(0, 10, size=per_batch).astype(np.uint8)
            records = np.concatenate([labels[:, None], images.transpose(0, 3, 1, 2).reshape(per_batch, -1)], axis=1)
            member = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            member.size = records.nbytes
            stream.addfile(member, io.BytesIO(records.tobytes()))
            decoded[split].append((images, labels))
    arrays = {
        split: (np.concatenate([i for i, _ in parts]), np.concatenate([l for _, l in parts]).astype(np.int64))
        for split, parts in decoded.items()
    }
    return buffer.getvalue(), arrays


def test_subset_from_the_official_binary_version_in_the_data_directory(tmp_path, rng):
    payload, arrays = binary_archive(rng)
    (tmp_path / "data" / "cifar10").mkdir(parents=True)
    (tmp_path / "data" / "cifar10" / "cifar-10-binary.tar.gz").write_bytes(payload)
    out = tmp_path / "subset"

    manifest = make_image_folder_subset(out, ["ship", "cat"], train_per_class=3, test_per_class=1, data_dir=tmp_path / "data")

    assert manifest["request"]["source"] == "cifar-10-binary.tar.gz" and manifest["format"] == "png"
    train = load_image_folder(out, split="train")
    assert train.classes == ["cat", "ship"]
    for class_name in ("cat", "ship"):
        images, labels = arrays["train"]
        expected = images[labels == CIFAR10_CLASSES.index(class_name)][:3]
        assert manifest["counts"]["train"][class_name] == len(expected)
        np.testing.assert_array_equal(train.images[train.labels == train.classes.index(class_name)], expected)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["data", "subset"]  # no temporary folder left


def test_without_cifar10_offline_it_raises_missing_data_error_and_writes_nothing(tmp_path):
    with pytest.raises(MissingDataError) as caught:
        make_image_folder_subset(tmp_path / "subset", ["cat"], data_dir=tmp_path / "data")
    assert str(caught.value).splitlines()[0] == f"CIFAR-10 is not in the data directory {tmp_path / 'data'}."
    assert not (tmp_path / "subset").exists()


def test_without_cifar10_and_download_allowed_it_fetches_the_official_file(tmp_path, monkeypatch, rng):
    payload, _ = binary_archive(rng, per_batch=10)
    served = []

    def fake_urlopen(url, timeout=None):
        served.append(url)
        response = io.BytesIO(payload)
        response.headers = {"Content-Length": str(len(payload))}
        return response

    monkeypatch.setattr(download_module, "urlopen", fake_urlopen)
    monkeypatch.setattr(cifar10_module, "CIFAR10_MD5", hashlib.md5(payload).hexdigest())
    monkeypatch.setenv(DOWNLOAD_ENV_VAR, "1")

    manifest = make_image_folder_subset(tmp_path / "subset", ["dog"], train_per_class=2, test_per_class=1, data_dir=tmp_path)

    assert served == [cifar10_module.CIFAR10_URL]
    assert (tmp_path / "cifar10" / "cifar-10-binary.tar.gz").read_bytes() == payload
    assert manifest["counts"]["train"]["dog"] <= 2 and (tmp_path / "subset" / "subset.json").is_file()


def test_script_reports_a_missing_data_directory_without_a_traceback(tmp_path, capsys):
    code = subset_script.main(["--classes", "cat", "--out", str(tmp_path / "x"), "--data-dir", str(tmp_path / "data")])
    assert code == 2
    error = capsys.readouterr().err
    assert error.startswith(f"make_image_folder_subset: error: CIFAR-10 is not in the data directory {tmp_path / 'data'}.")
    assert "scripts/prepare_data.py SOURCE" in error and "download=True" in error


def test_script_reports_a_missing_archive_in_one_line(tmp_path, capsys):
    code = subset_script.main(["--classes", "cat", "--out", str(tmp_path / "x"), "--archive", str(tmp_path / "none.tar.gz")])
    assert code == 2
    error = capsys.readouterr().err
    assert "archive not found" in error and "CLASSROOM_DATA" in error
    assert not (tmp_path / "x").exists()


@pytest.mark.data
def test_real_cifar10_subset_loads_as_an_image_folder(tmp_path):
    require_dataset("cifar10")
    from classroom.data import load_image_folder

    out = tmp_path / "cat-dog-ship"
    # archive=None: the CIFAR-10 source in the data directory, in whichever form it is there.
    subset_script.make_subset(out, ["ship", "cat", "dog"], train_per_class=5, test_per_class=3)
    train = load_image_folder(out, split="train")
    test = load_image_folder(out, split="test")

    assert train.classes == ["cat", "dog", "ship"]  # alphabetical, as for any image folder
    assert train.images.shape == (15, 32, 32, 3) and test.images.shape == (9, 32, 32, 3)
    assert np.bincount(train.labels).tolist() == [5, 5, 5]
    assert np.bincount(test.labels).tolist() == [3, 3, 3]
    assert train.images.std() > 20  # real photos, not blank images
