"""CIFAR-10 loader on SYNTHETIC data in every supported format (binary tar.gz/folder, image tree/archive)."""

from __future__ import annotations

import hashlib
import io
import tarfile

import numpy as np
import pytest
from synthetic_datasets import FakeResponse, image_bytes, write_tar_gz, write_tree

import classroom.data.cifar10 as cifar10_module
import classroom.data.download as download_module
from classroom.data import CIFAR10_CLASSES, CorruptDataError, MissingDataError, load_cifar10


@pytest.fixture(autouse=True)
def no_download_from_the_environment(monkeypatch):
    """CLASSROOM_DOWNLOAD=1 in a developer's shell must not make these tests reach for the network."""
    monkeypatch.delenv("CLASSROOM_DOWNLOAD", raising=False)


def synthetic_batch(rng, count: int) -> tuple[np.ndarray, np.ndarray, bytes]:
    """Random NHWC images and labels, and their CIFAR-10 binary encoding."""
    images = rng.integers(0, 256, size=(count, 32, 32, 3), dtype=np.uint8)
    labels = rng.integers(0, 10, size=count).astype(np.uint8)
    planes = images.transpose(0, 3, 1, 2).reshape(count, -1)  # R plane, G plane, B plane
    records = np.concatenate([labels[:, None], planes], axis=1)
    return images, labels.astype(np.int64), records.tobytes()


@pytest.fixture
def binary_files(rng):
    """Synthetic batch files: 5 training batches of 4 records, a test batch of 3."""
    files, expected = {}, {"train": ([], []), "test": ([], [])}
    layout = [(f"data_batch_{n}.bin", "train", 4) for n in range(1, 6)] + [("test_batch.bin", "test", 3)]
    for name, split, count in layout:
        images, labels, data = synthetic_batch(rng, count)
        files[f"cifar-10-batches-bin/{name}"] = data
        expected[split][0].append(images)
        expected[split][1].append(labels)
    files["cifar-10-batches-bin/batches.meta.txt"] = "\n".join(CIFAR10_CLASSES).encode()
    expected = {split: (np.concatenate(images), np.concatenate(labels)) for split, (images, labels) in expected.items()}
    return files, expected


@pytest.mark.parametrize("container", ["tar.gz", "folder"])
@pytest.mark.parametrize("split", ["train", "test"])
def test_binary_version_decodes_planes_to_nhwc(tmp_path, binary_files, container, split):
    files, expected = binary_files
    folder = tmp_path / "cifar10"
    folder.mkdir()
    if container == "tar.gz":
        write_tar_gz(folder / "cifar-10-binary.tar.gz", files)
    else:
        write_tree(folder, files)
    images, labels = load_cifar10(split, data_dir=tmp_path)
    assert images.dtype == np.uint8 and images.shape[1:] == (32, 32, 3) and labels.dtype == np.int64
    np.testing.assert_array_equal(images, expected[split][0])
    np.testing.assert_array_equal(labels, expected[split][1])


def test_truncated_batch_file_is_named(tmp_path, binary_files):
    files, _ = binary_files
    files["cifar-10-batches-bin/data_batch_3.bin"] = files["cifar-10-batches-bin/data_batch_3.bin"][:-7]
    (tmp_path / "cifar10").mkdir()
    write_tar_gz(tmp_path / "cifar10" / "cifar-10-binary.tar.gz", files)
    with pytest.raises(CorruptDataError, match="data_batch_3.bin") as caught:
        load_cifar10("train", data_dir=tmp_path)
    assert "truncated" in str(caught.value)


def image_tree_files(rng, per_class: int) -> tuple[dict[str, bytes], dict[str, np.ndarray]]:
    """Synthetic random-pixel PNGs in train|test/<cifar class>/ folders."""
    files, pixels = {}, {}
    for split in ("train", "test"):
        for class_name in reversed(CIFAR10_CLASSES):  # written unsorted on purpose
            for index in range(per_class):
                image = rng.integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
                name = f"{split}/{class_name}/{index:04d}.png"
                files[name] = image_bytes(image)
                pixels[name] = image
    return files, pixels


@pytest.mark.parametrize("container", ["tar.gz", "tree"])
def test_image_folder_version_gives_official_label_order(tmp_path, rng, container):
    files, pixels = image_tree_files(rng, per_class=2)
    folder = tmp_path / "cifar10"
    folder.mkdir()
    if container == "tar.gz":
        write_tar_gz(folder / "cifar10-jpg.tar.gz", files)
    else:
        write_tree(folder, files)
    images, labels = load_cifar10("test", data_dir=tmp_path)
    assert images.shape == (20, 32, 32, 3)
    np.testing.assert_array_equal(labels, np.repeat(np.arange(10), 2))
    np.testing.assert_array_equal(images[2], pixels["test/automobile/0000.png"])  # label 1, first file


def test_image_folder_with_wrong_classes_is_rejected(tmp_path):
    files = {f"train/{name}/0.png": image_bytes(np.zeros((32, 32, 3), dtype=np.uint8)) for name in ("cats", "dogs")}
    (tmp_path / "cifar10").mkdir()
    write_tar_gz(tmp_path / "cifar10" / "cifar10-jpg.tar.gz", files)
    with pytest.raises(CorruptDataError, match="differ from the CIFAR-10 classes"):
        load_cifar10("train", data_dir=tmp_path)


def test_missing_cifar10_lists_accepted_files_and_folder(tmp_path):
    with pytest.raises(MissingDataError) as caught:
        load_cifar10("train", data_dir=tmp_path)
    message = str(caught.value)
    for expected in ("cifar-10-binary.tar.gz", "cifar10-jpg.tar.gz", str(tmp_path / "cifar10"), "CLASSROOM_DATA"):
        assert expected in message


def test_download_fetches_binary_archive_and_checks_md5(tmp_path, monkeypatch, binary_files):
    files, expected = binary_files
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    archive_bytes = buffer.getvalue()
    served = []

    def fake_urlopen(url, timeout=None):
        served.append(url)
        return FakeResponse(archive_bytes)

    monkeypatch.setattr(download_module, "urlopen", fake_urlopen)
    monkeypatch.setattr(cifar10_module, "CIFAR10_MD5", hashlib.md5(archive_bytes).hexdigest())
    images, labels = load_cifar10("test", data_dir=tmp_path, download=True)
    assert served == [cifar10_module.CIFAR10_URL]
    np.testing.assert_array_equal(images, expected["test"][0])
    assert (tmp_path / "cifar10" / "cifar-10-binary.tar.gz").read_bytes() == archive_bytes


def test_cached_binary_load_skips_decoding(tmp_path, monkeypatch, binary_files):
    files, _ = binary_files
    write_tree(tmp_path / "cifar10", files)
    calls = []
    original = cifar10_module._decode_binary

    def counting_decoder(*args):
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(cifar10_module, "_decode_binary", counting_decoder)
    first, _ = load_cifar10("train", data_dir=tmp_path)
    second, _ = load_cifar10("train", data_dir=tmp_path)
    assert len(calls) == 1
    np.testing.assert_array_equal(first, second)


def test_invalid_split_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="'train' or 'test'"):
        load_cifar10("valid", data_dir=tmp_path)


# --- the official Python version (cifar-10-python.tar.gz), SYNTHETIC pickles ---------------------------------


def python_version_files(binary_files, *, legacy_numpy_name: bool = True) -> dict[str, bytes]:
    """The synthetic batches of ``binary_files`` re-encoded as the Python version's pickles."""
    from synthetic_datasets import cifar10_python_batch

    files, _ = binary_files
    out = {}
    for name, data in files.items():
        if not name.endswith(".bin"):
            continue
        records = np.frombuffer(data, dtype=np.uint8).reshape(-1, 3073)
        images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        base = name.split("/")[-1].removesuffix(".bin")
        out[f"cifar-10-batches-py/{base}"] = cifar10_python_batch(
            images, records[:, 0], legacy_numpy_name=legacy_numpy_name
        )
    out["cifar-10-batches-py/batches.meta"] = b"synthetic meta"
    return out


@pytest.mark.parametrize("container", ["tar.gz", "folder"])
@pytest.mark.parametrize("legacy_numpy_name", [True, False])
def test_python_version_decodes_like_the_binary_version(tmp_path, binary_files, container, legacy_numpy_name):
    _, expected = binary_files
    files = python_version_files(binary_files, legacy_numpy_name=legacy_numpy_name)
    folder = tmp_path / "cifar10"
    folder.mkdir()
    if container == "tar.gz":
        write_tar_gz(folder / "cifar-10-python.tar.gz", files)
    else:
        write_tree(folder, files)
    for split in ("train", "test"):
        images, labels = load_cifar10(split, data_dir=tmp_path)
        assert images.dtype == np.uint8 and labels.dtype == np.int64
        np.testing.assert_array_equal(images, expected[split][0])
        np.testing.assert_array_equal(labels, expected[split][1])


def test_python_version_refuses_pickles_that_run_code(tmp_path, binary_files):
    import pickle

    class Exploit:
        def __reduce__(self):
            return (print, ("synthetic: this pickle would have run code",))

    files = python_version_files(binary_files)
    files["cifar-10-batches-py/test_batch"] = pickle.dumps({"data": Exploit(), "labels": [0]}, protocol=2)
    (tmp_path / "cifar10").mkdir()
    write_tar_gz(tmp_path / "cifar10" / "cifar-10-python.tar.gz", files)
    with pytest.raises(CorruptDataError, match=r"test_batch.*refusing to load __builtin__\.print"):
        load_cifar10("test", data_dir=tmp_path)


def test_binary_version_wins_over_python_and_image_versions(tmp_path, binary_files, rng):
    files, expected = binary_files
    folder = tmp_path / "cifar10"
    folder.mkdir()
    write_tar_gz(folder / "cifar-10-python.tar.gz", {"cifar-10-batches-py/test_batch": b"not read"})
    write_tar_gz(folder / "cifar10-jpg.tar.gz", image_tree_files(rng, per_class=1)[0])
    write_tar_gz(folder / "cifar-10-binary.tar.gz", files)
    images, _ = load_cifar10("test", data_dir=tmp_path)
    np.testing.assert_array_equal(images, expected["test"][0])


def test_missing_cifar10_names_every_official_form(tmp_path):
    with pytest.raises(MissingDataError) as caught:
        load_cifar10("train", data_dir=tmp_path)
    message = str(caught.value)
    assert message.splitlines()[0] == f"CIFAR-10 is not in the data directory {tmp_path}."
    for name in ("cifar-10-python.tar.gz", "cifar-10-batches-py/", "cifar-10-batches-bin/"):
        assert name in message
