"""Downloads, tested offline: the URL opener is replaced by one serving SYNTHETIC bytes from memory."""

from __future__ import annotations

import gzip
import hashlib
import socket

import numpy as np
import pytest
from synthetic_datasets import FakeResponse, idx_bytes

import classroom.data.download as download_module
import classroom.data.mnist as mnist_module
from classroom.data import ChecksumError, CorruptDataError, download_file, load_mnist


class FakeInternet:
    """Serves ``{url: bytes}``; unknown URLs fail like an unreachable host. Records requests."""

    def __init__(self, pages: dict[str, bytes], **response_options):
        self.pages = pages
        self.requested = []
        self.response_options = response_options

    def __call__(self, url, timeout=None):
        self.requested.append(url)
        if url not in self.pages:
            raise OSError(f"synthetic: cannot reach {url}")
        return FakeResponse(self.pages[url], **self.response_options)


@pytest.fixture(autouse=True)
def no_real_network(monkeypatch):
    """Any real connection attempt fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to open a real network connection")

    monkeypatch.setattr(socket, "create_connection", refuse)


PAYLOAD = bytes(range(256)) * 40  # synthetic 10,240-byte file
URL = "https://example.invalid/file.bin"


def test_download_writes_verified_file_and_shows_progress(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(download_module, "urlopen", FakeInternet({URL: PAYLOAD}))
    destination = download_file(URL, tmp_path / "file.bin", sha256=hashlib.sha256(PAYLOAD).hexdigest())
    assert destination.read_bytes() == PAYLOAD
    assert [path.name for path in tmp_path.iterdir()] == ["file.bin"]
    progress_output = capsys.readouterr().err
    assert "file.bin" in progress_output and "100%" in progress_output and "10.2k" in progress_output


def test_download_accepts_published_md5(tmp_path, monkeypatch):
    monkeypatch.setattr(download_module, "urlopen", FakeInternet({URL: PAYLOAD}))
    download_file(URL, tmp_path / "file.bin", md5=hashlib.md5(PAYLOAD).hexdigest(), progress=False)
    assert (tmp_path / "file.bin").read_bytes() == PAYLOAD


@pytest.mark.parametrize("algorithm", ["sha256", "md5"])
def test_corrupted_download_raises_and_leaves_no_file(tmp_path, monkeypatch, algorithm):
    corrupted = PAYLOAD[:-1] + b"\x00"
    monkeypatch.setattr(download_module, "urlopen", FakeInternet({URL: corrupted}))
    expected = {algorithm: hashlib.new(algorithm, PAYLOAD).hexdigest()}
    with pytest.raises(ChecksumError, match=algorithm) as caught:
        download_file(URL, tmp_path / "file.bin", progress=False, **expected)
    assert URL in str(caught.value) and "file.bin" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_download_shorter_than_announced_raises_and_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(download_module, "urlopen", FakeInternet({URL: PAYLOAD}, announced_length=len(PAYLOAD) + 5))
    with pytest.raises(CorruptDataError, match="stopped after"):
        download_file(URL, tmp_path / "file.bin", progress=False)
    assert list(tmp_path.iterdir()) == []


def test_network_failure_midway_leaves_no_file_and_keeps_old_one(tmp_path, monkeypatch):
    (tmp_path / "file.bin").write_bytes(b"previous complete file")
    monkeypatch.setattr(download_module, "urlopen", FakeInternet({URL: PAYLOAD}, fail_after=3000))
    with pytest.raises(ConnectionResetError):
        download_file(URL, tmp_path / "file.bin", progress=False)
    assert [path.name for path in tmp_path.iterdir()] == ["file.bin"]
    assert (tmp_path / "file.bin").read_bytes() == b"previous complete file"


def test_decompressed_checksum_is_checked_on_gunzipped_bytes(tmp_path, monkeypatch):
    raw = idx_bytes(np.arange(60, dtype=np.uint8))
    monkeypatch.setattr(download_module, "urlopen", FakeInternet({URL: gzip.compress(raw)}))
    download_file(URL, tmp_path / "ok.gz", decompressed_sha256=hashlib.sha256(raw).hexdigest(), progress=False)
    assert gzip.decompress((tmp_path / "ok.gz").read_bytes()) == raw
    with pytest.raises(ChecksumError, match="decompressed") as caught:
        download_file(URL, tmp_path / "bad.gz", decompressed_sha256="0" * 64, progress=False)
    assert URL in str(caught.value)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ok.gz"]


def synthetic_mnist_pages(mirror: str, rng) -> tuple[dict[str, bytes], dict[str, str], dict[str, np.ndarray]]:
    """Gzip IDX files for a synthetic 30-image MNIST training split, served at ``mirror``."""
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, size=(30, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, size=30).astype(np.uint8),
    }
    pages = {f"{mirror}{name}.gz": gzip.compress(idx_bytes(array)) for name, array in arrays.items()}
    checksums = {name: hashlib.sha256(idx_bytes(array)).hexdigest() for name, array in arrays.items()}
    return pages, checksums, arrays


def test_load_mnist_download_falls_back_to_second_mirror(tmp_path, monkeypatch, rng):
    mirrors = ("https://first.invalid/", "https://second.invalid/")
    pages, checksums, arrays = synthetic_mnist_pages(mirrors[1], rng)
    internet = FakeInternet(pages)
    monkeypatch.setattr(download_module, "urlopen", internet)
    monkeypatch.setattr(mnist_module.MNIST, "mirrors", mirrors)
    monkeypatch.setattr(mnist_module.MNIST, "sha256", checksums)
    monkeypatch.setattr(mnist_module.MNIST, "split_sizes", {"train": 30, "test": 10})
    images, labels = load_mnist("train", data_dir=tmp_path, download=True)
    np.testing.assert_array_equal(images, arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(labels, arrays["train-labels-idx1-ubyte"])
    assert sorted(path.name for path in (tmp_path / "mnist").iterdir()) == [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
    ]
    assert internet.requested[0].startswith(mirrors[0])


def test_load_mnist_download_of_corrupted_files_fails_without_leaving_files(tmp_path, monkeypatch, rng):
    mirror = "https://only.invalid/"
    pages, checksums, _ = synthetic_mnist_pages(mirror, rng)
    corrupted = {url: gzip.compress(gzip.decompress(data)[:-1] + b"\x01") for url, data in pages.items()}
    monkeypatch.setattr(download_module, "urlopen", FakeInternet(corrupted))
    monkeypatch.setattr(mnist_module.MNIST, "mirrors", (mirror,))
    monkeypatch.setattr(mnist_module.MNIST, "sha256", checksums)
    with pytest.raises(OSError, match="train-images-idx3-ubyte.gz") as caught:
        load_mnist("train", data_dir=tmp_path, download=True)
    assert "sha256" in str(caught.value)
    assert list((tmp_path / "mnist").iterdir()) == []
