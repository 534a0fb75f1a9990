"""CelebA download from Google Drive, tested offline: a FAKE gdown module serves a tiny SYNTHETIC zip.

Nothing here touches the network or the real CelebA files: the "faces" are
solid-grey synthetic portraits, and the published MD5 is patched to the fake
zip's digest where a test needs it to match.
"""

from __future__ import annotations

import hashlib
import io
import sys
import types
import zipfile

import numpy as np
import pytest
from conftest import forbid_network
from synthetic_datasets import image_bytes

import classroom.data.celeba as celeba_module
from classroom.data import ChecksumError, MissingDataError, download_celeba, load_celeba
from classroom.data.paths import DOWNLOAD_ENV_VAR


def synthetic_celeba_zip(count: int = 3) -> bytes:
    """A tiny zip laid out like img_align_celeba.zip: synthetic 89x109 grey portraits 10, 20, 30, ..."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(1, count + 1):
            pixels = np.full((109, 89, 3), 10 * index, dtype=np.uint8)
            archive.writestr(f"img_align_celeba/{index:06d}.png", image_bytes(pixels))
    return buffer.getvalue()


class QuotaExceeded(Exception):
    """Stands in for gdown's FileURLRetrievalError."""


class FakeGdown(types.ModuleType):
    """A fake ``gdown``: ``download(id=..., output=<file>, quiet=..., progress=...)`` writes ``payload``.

    ``refuse`` makes it raise like gdown does when Google Drive's quota is used
    up; ``web_page`` makes it write Drive's HTML warning page instead of the file.
    """

    def __init__(self, payload: bytes = b"", *, refuse: bool = False, network_error: bool = False, web_page=False):
        super().__init__("gdown")
        self.payload = payload
        self.refuse = refuse
        self.network_error = network_error
        self.web_page = web_page
        self.calls = []
        self.exceptions = types.SimpleNamespace(FileURLRetrievalError=QuotaExceeded, DownloadError=QuotaExceeded)
        self.FileURLRetrievalError = QuotaExceeded

    def download(self, url=None, output=None, quiet=False, id=None, progress=None):
        self.calls.append({"id": id, "quiet": quiet, "progress": progress is not None})
        if self.refuse:
            raise QuotaExceeded(
                "Too many users have viewed or downloaded this file recently. Please try accessing the file again later."
            )
        if self.network_error:
            raise ConnectionError("synthetic: name or service not known")
        data = b"<!DOCTYPE html><html><body>Google Drive - Quota exceeded</body></html>" if self.web_page else self.payload
        half = len(data) // 2
        output.write(data[:half])
        if progress is not None:
            progress(half, len(data))
        output.write(data[half:])
        if progress is not None:
            progress(len(data), len(data))
        return output


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """No real network, and no CLASSROOM_DOWNLOAD from the environment."""
    forbid_network(monkeypatch)


def install(monkeypatch, fake) -> FakeGdown:
    monkeypatch.setitem(sys.modules, "gdown", fake)
    return fake


def files_in(folder):
    return sorted(path.name for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def test_success_puts_the_verified_zip_in_place_and_shows_progress(tmp_path, monkeypatch, capsys):
    payload = synthetic_celeba_zip()
    monkeypatch.setattr(celeba_module, "CELEBA_ZIP_MD5", hashlib.md5(payload).hexdigest())
    fake = install(monkeypatch, FakeGdown(payload))

    path = download_celeba(data_dir=tmp_path)

    assert path == tmp_path / "celeba" / "img_align_celeba.zip"
    assert path.read_bytes() == payload
    assert files_in(tmp_path / "celeba") == ["img_align_celeba.zip"]  # no temporary file left
    assert fake.calls == [{"id": celeba_module.CELEBA_GDRIVE_ID, "quiet": True, "progress": True}]
    progress = capsys.readouterr().err
    assert "img_align_celeba.zip" in progress and "100%" in progress
    # and the loader reads the official zip as it is
    faces = load_celeba(size=8, data_dir=tmp_path)
    assert faces.shape == (3, 8, 8, 3)
    np.testing.assert_allclose(faces[:, 0, 0, 0], [10, 20, 30], atol=1.5)


def test_an_existing_zip_is_not_downloaded_again(tmp_path, monkeypatch):
    (tmp_path / "celeba").mkdir()
    (tmp_path / "celeba" / "img_align_celeba.zip").write_bytes(synthetic_celeba_zip())
    fake = install(monkeypatch, FakeGdown(b"should not be fetched"))
    download_celeba(data_dir=tmp_path)
    assert fake.calls == []


def test_checksum_mismatch_raises_and_leaves_no_file(tmp_path, monkeypatch):
    payload = synthetic_celeba_zip()
    install(monkeypatch, FakeGdown(payload))  # the real published MD5 cannot match a synthetic zip
    with pytest.raises(ChecksumError) as caught:
        download_celeba(data_dir=tmp_path, progress=False)
    message = str(caught.value)
    assert hashlib.md5(payload).hexdigest() in message and celeba_module.CELEBA_ZIP_MD5 in message
    assert "nothing was saved" in message
    assert files_in(tmp_path / "celeba") == []


@pytest.mark.parametrize("failure", ["refuse", "web_page"])
def test_quota_refusal_says_so_and_where_to_put_the_file_by_hand(tmp_path, monkeypatch, failure):
    install(monkeypatch, FakeGdown(synthetic_celeba_zip(), **{failure: True}))
    with pytest.raises(MissingDataError) as caught:
        download_celeba(data_dir=tmp_path, progress=False)
    lines = str(caught.value).splitlines()
    assert lines[0] == f"CelebA is not in the data directory {tmp_path}."
    assert "Google Drive refused the download" in lines[1] and "quota" in lines[1]
    if failure == "refuse":
        assert "Too many users" in lines[1]  # gdown's own explanation is passed on
    by_hand = next(line for line in lines if line.startswith("By hand"))
    assert str(tmp_path / "celeba" / "img_align_celeba.zip") in by_hand
    assert celeba_module.CELEBA_GDRIVE_ID in by_hand
    assert files_in(tmp_path / "celeba") == []


def test_network_failure_is_a_missing_data_error(tmp_path, monkeypatch):
    install(monkeypatch, FakeGdown(network_error=True))
    with pytest.raises(MissingDataError, match="download from Google Drive failed: ConnectionError"):
        download_celeba(data_dir=tmp_path, progress=False)
    assert files_in(tmp_path / "celeba") == []


def test_missing_gdown_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "gdown", None)  # makes "import gdown" fail
    with pytest.raises(MissingDataError) as caught:
        load_celeba(size=8, data_dir=tmp_path, download=True)
    message = str(caught.value)
    assert "pip install gdown" in message and "pip install 'ml-classroom[data]'" in message
    assert caught.value.commands[0] == "pip install gdown"
    assert "    pip install gdown" in message.splitlines()


def test_older_gdown_without_progress_callback_draws_its_own_bar(tmp_path, monkeypatch):
    payload = synthetic_celeba_zip(1)
    monkeypatch.setattr(celeba_module, "CELEBA_ZIP_MD5", hashlib.md5(payload).hexdigest())
    calls = []

    def download(url=None, output=None, quiet=False, id=None):  # gdown 5's signature, no progress=
        calls.append(quiet)
        output.write(payload)
        return output

    fake = types.ModuleType("gdown")
    fake.download = download
    install(monkeypatch, fake)
    download_celeba(data_dir=tmp_path, progress=True)
    assert calls == [False]
    assert (tmp_path / "celeba" / "img_align_celeba.zip").read_bytes() == payload


def test_load_celeba_downloads_when_the_env_var_allows(tmp_path, monkeypatch):
    payload = synthetic_celeba_zip(2)
    monkeypatch.setattr(celeba_module, "CELEBA_ZIP_MD5", hashlib.md5(payload).hexdigest())
    fake = install(monkeypatch, FakeGdown(payload))
    with pytest.raises(MissingDataError):
        load_celeba(size=8, data_dir=tmp_path)
    assert fake.calls == []
    monkeypatch.setenv(DOWNLOAD_ENV_VAR, "1")
    assert load_celeba(size=8, data_dir=tmp_path).shape == (2, 8, 8, 3)
    assert len(fake.calls) == 1


def test_licence_is_stated_in_the_loader_docstrings():
    for text in (celeba_module.__doc__, load_celeba.__doc__, download_celeba.__doc__):
        assert "non-commercial research and educational purposes only" in " ".join(text.split())
