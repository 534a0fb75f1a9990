"""Every missing-dataset path raises MissingDataError with the fixed, parseable message (SYNTHETIC data only).

The site build turns the message into a page admonition, so its shape is part
of the interface: the first line is exactly ``"<Dataset> is not in the data
directory <dir>."``, and every command that fixes the problem sits on its own
line, indented by four spaces, and in ``error.commands``.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import re
import shlex
import tarfile
from pathlib import Path

import numpy as np
import pytest
from conftest import forbid_network, load_script
from synthetic_datasets import FakeResponse, idx_bytes, write_tar_gz

import classroom.data.cifar10 as cifar10_module
import classroom.data.download as download_module
import classroom.data.mnist as mnist_module
from classroom.data import MissingDataError, load_celeba, load_cifar10, load_fashion_mnist, load_image_folder, load_mnist
from classroom.data.paths import DOWNLOAD_ENV_VAR, download_allowed

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
FIRST_LINE = re.compile(r"^(?P<dataset>.+) is not in the data directory (?P<directory>.+)\.$")

LOADERS = {
    "MNIST": lambda data_dir: load_mnist("train", data_dir=data_dir),
    "Fashion-MNIST": lambda data_dir: load_fashion_mnist("train", data_dir=data_dir),
    "CIFAR-10": lambda data_dir: load_cifar10("test", data_dir=data_dir),
    "CelebA": lambda data_dir: load_celeba(size=8, data_dir=data_dir),
}


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """No real network, and no CLASSROOM_DOWNLOAD from the environment."""
    forbid_network(monkeypatch)


@pytest.mark.parametrize("dataset", list(LOADERS))
def test_missing_dataset_message_has_the_fixed_shape(tmp_path, dataset):
    with pytest.raises(MissingDataError) as caught:
        LOADERS[dataset](tmp_path)
    error = caught.value
    assert type(error).__name__ == "MissingDataError"  # what the site build looks for
    assert isinstance(error, FileNotFoundError)
    lines = str(error).splitlines()
    first = FIRST_LINE.match(lines[0])
    assert first is not None, lines[0]
    assert first["dataset"] == dataset == error.dataset
    assert Path(first["directory"]) == tmp_path == error.directory
    # the commands: in the message, each on its own indented line, in order
    command_lines = [line[4:] for line in lines if line.startswith("    ")]
    assert command_lines == list(error.commands)
    download, prepare = error.commands[-2:]
    assert download.startswith("python3 -c ") and "download" in download
    assert shlex.split(prepare) == ["python3", "scripts/prepare_data.py", "SOURCE", "--data-dir", str(tmp_path)]
    # the download command is one valid line of Python aimed at this data directory
    code = shlex.split(download)[2]
    compile(code, "<download command>", "exec")
    assert repr(str(tmp_path)) in code


def test_offline_line_names_the_files_source_must_hold(tmp_path):
    messages = {}
    for dataset, loader in LOADERS.items():
        with pytest.raises(MissingDataError) as caught:
            loader(tmp_path)
        messages[dataset] = next(line for line in str(caught.value).splitlines() if line.startswith("Offline"))
    assert "train-images-idx3-ubyte.gz" in messages["MNIST"] and "SOURCE/mnist/" in messages["MNIST"]
    assert "train-images-idx3-ubyte.gz" in messages["Fashion-MNIST"] and "SOURCE/fashion_mnist/" in messages["Fashion-MNIST"]
    for name in ("cifar-10-binary.tar.gz", "cifar-10-python.tar.gz", "cifar10-jpg.tar.gz"):
        assert name in messages["CIFAR-10"]
    for name in ("img_align_celeba.zip", "celeba-10k-89x109-jpg.tar.gz"):
        assert name in messages["CelebA"]


def test_missing_data_error_survives_pickling_with_its_attributes(tmp_path):
    with pytest.raises(MissingDataError) as caught:
        load_cifar10("train", data_dir=tmp_path)
    copy = pickle.loads(pickle.dumps(caught.value))
    assert str(copy) == str(caught.value)
    assert (copy.dataset, copy.directory, copy.commands) == (
        caught.value.dataset,
        caught.value.directory,
        caught.value.commands,
    )


def test_missing_image_folder_is_a_missing_data_error(tmp_path):
    with pytest.raises(MissingDataError) as caught:
        load_image_folder(tmp_path / "my_photos")
    lines = str(caught.value).splitlines()
    assert lines[0] == f"Image folder my_photos is not in the data directory {tmp_path}."
    assert "does not exist" in lines[1] and "my_photos/<class>/<image>.jpg" in lines[1]


def test_download_env_var_decides_the_default(monkeypatch):
    assert download_allowed(None) is False
    for word in ("1", "true", "YES", "on"):
        monkeypatch.setenv(DOWNLOAD_ENV_VAR, word)
        assert download_allowed(None) is True
        assert download_allowed(False) is False  # an explicit argument wins
    monkeypatch.setenv(DOWNLOAD_ENV_VAR, "0")
    assert download_allowed(None) is False and download_allowed(True) is True


def synthetic_cifar10_binary_archive(rng) -> bytes:
    """A SYNTHETIC cifar-10-binary.tar.gz: 2 records per batch."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name in [f"data_batch_{number}.bin" for number in range(1, 6)] + ["test_batch.bin"]:
            records = np.concatenate(
                [rng.integers(0, 10, size=(2, 1)), rng.integers(0, 256, size=(2, 3072))], axis=1
            ).astype(np.uint8)
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.size = records.nbytes
            archive.addfile(info, io.BytesIO(records.tobytes()))
    return buffer.getvalue()


def test_with_the_env_var_set_a_plain_load_downloads(tmp_path, monkeypatch, rng):
    payload = synthetic_cifar10_binary_archive(rng)
    served = []

    def fake_urlopen(url, timeout=None):
        served.append(url)
        return FakeResponse(payload)

    monkeypatch.setattr(download_module, "urlopen", fake_urlopen)
    monkeypatch.setattr(cifar10_module, "CIFAR10_MD5", hashlib.md5(payload).hexdigest())
    with pytest.raises(MissingDataError):
        load_cifar10("test", data_dir=tmp_path)
    assert served == []  # without the variable nothing is fetched
    monkeypatch.setenv(DOWNLOAD_ENV_VAR, "1")
    images, labels = load_cifar10("test", data_dir=tmp_path)
    assert served == [cifar10_module.CIFAR10_URL]
    assert images.shape == (2, 32, 32, 3) and labels.shape == (2,)


def test_download_command_in_the_message_fixes_the_problem(tmp_path, monkeypatch, rng):
    with pytest.raises(MissingDataError) as caught:
        load_cifar10("train", data_dir=tmp_path)
    code = shlex.split(caught.value.commands[0])[2]
    payload = synthetic_cifar10_binary_archive(rng)
    monkeypatch.setattr(download_module, "urlopen", lambda url, timeout=None: FakeResponse(payload))
    monkeypatch.setattr(cifar10_module, "CIFAR10_MD5", hashlib.md5(payload).hexdigest())
    exec(code, {})  # what the learner pastes into a shell, minus the shell
    images, _ = load_cifar10("train", data_dir=tmp_path)
    assert images.shape == (10, 32, 32, 3)


def test_prepare_command_in_the_message_fixes_the_problem(tmp_path, rng):
    with pytest.raises(MissingDataError) as caught:
        load_cifar10("test", data_dir=tmp_path / "data")
    source = tmp_path / "downloads"
    source.mkdir()
    (source / "cifar-10-binary.tar.gz").write_bytes(synthetic_cifar10_binary_archive(rng))
    argv = shlex.split(caught.value.commands[1])[2:]
    argv[argv.index("SOURCE")] = str(source)
    assert load_script("prepare_data").main(argv) == 0
    images, _ = load_cifar10("test", data_dir=tmp_path / "data")
    assert images.shape == (2, 32, 32, 3)


@pytest.mark.parametrize("dataset", ["MNIST", "Fashion-MNIST", "CIFAR-10"])
def test_download_allowed_but_offline_is_a_missing_data_error_and_leaves_no_file(tmp_path, monkeypatch, dataset):
    def unreachable(url, timeout=None):
        raise OSError(f"synthetic: cannot reach {url}")

    monkeypatch.setattr(download_module, "urlopen", unreachable)
    monkeypatch.setenv(DOWNLOAD_ENV_VAR, "1")
    with pytest.raises(MissingDataError) as caught:
        LOADERS[dataset](tmp_path)
    lines = str(caught.value).splitlines()
    assert FIRST_LINE.match(lines[0])["dataset"] == dataset
    assert "failed" in lines[1] and "synthetic: cannot reach" in lines[1]
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


def test_mnist_message_lists_missing_files_of_both_splits(tmp_path, monkeypatch):
    folder = tmp_path / "mnist"
    folder.mkdir()
    (folder / "train-images-idx3-ubyte.gz").write_bytes(b"present (synthetic placeholder)")
    with pytest.raises(MissingDataError) as caught:
        load_mnist("train", data_dir=tmp_path)
    offline = next(line for line in str(caught.value).splitlines() if line.startswith("Offline"))
    assert "train-labels-idx1-ubyte.gz" in offline and "t10k-images-idx3-ubyte.gz" in offline
    assert "train-images-idx3-ubyte.gz" not in offline


def test_mnist_is_found_after_a_synthetic_download(tmp_path, monkeypatch, rng):
    """The MNIST download command fetches both splits (synthetic files, checksums patched)."""
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, size=(6, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, size=6).astype(np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, size=(2, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, size=2).astype(np.uint8),
    }
    import gzip

    mirror = "https://mirror.invalid/"
    pages = {f"{mirror}{name}.gz": gzip.compress(idx_bytes(array)) for name, array in arrays.items()}
    monkeypatch.setattr(download_module, "urlopen", lambda url, timeout=None: FakeResponse(pages[url]))
    monkeypatch.setattr(mnist_module.MNIST, "mirrors", (mirror,))
    monkeypatch.setattr(
        mnist_module.MNIST, "sha256", {name: hashlib.sha256(idx_bytes(array)).hexdigest() for name, array in arrays.items()}
    )
    monkeypatch.setattr(mnist_module.MNIST, "split_sizes", {"train": 6, "test": 2})
    with pytest.raises(MissingDataError) as caught:
        load_mnist("test", data_dir=tmp_path)
    exec(shlex.split(caught.value.commands[0])[2], {})
    assert sorted(path.name for path in (tmp_path / "mnist").iterdir()) == sorted(f"{name}.gz" for name in arrays)


def test_several_unknown_celeba_archives_still_fail_but_known_ones_win(tmp_path):
    folder = tmp_path / "celeba"
    folder.mkdir()
    write_tar_gz(folder / "a.tar.gz", {})
    write_tar_gz(folder / "b.tar.gz", {})
    with pytest.raises(ValueError, match="keep only one"):
        load_celeba(size=8, data_dir=tmp_path)
    from classroom.data.celeba import find_celeba_source

    write_tar_gz(folder / "celeba-10k-89x109-jpg.tar.gz", {})
    assert find_celeba_source(folder).name == "celeba-10k-89x109-jpg.tar.gz"
    (folder / "img_align_celeba.zip").write_bytes(b"synthetic")
    assert find_celeba_source(folder).name == "img_align_celeba.zip"  # the official file first
