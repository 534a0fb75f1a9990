"""Builders of small SYNTHETIC dataset files for the classroom.data unit tests.

(A plain module, not a conftest: ``tests/conftest.py`` is already imported as
``conftest``.)

Nothing here is real data: the arrays are random or simple patterns, written
in the real file formats (IDX, CIFAR-10 binary, image folders, tar.gz) so the
loaders can be tested without the datasets or a network.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from pathlib import Path

import numpy as np
from PIL import Image


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 array as an IDX file (synthetic test data)."""
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(size).to_bytes(4, "big") for size in array.shape)
    return header + array.tobytes()


def image_bytes(pixels: np.ndarray, *, mode: str | None = None, fmt: str = "PNG") -> bytes:
    """Encode pixels (optionally converted to a Pillow mode) as an image file."""
    image = Image.fromarray(pixels)
    if mode == "P":
        image = image.convert("P", palette=Image.Palette.ADAPTIVE)  # exact colours, no dithering
    elif mode is not None:
        image = image.convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def write_tar_gz(path: Path, files: dict[str, bytes]) -> Path:
    """Write ``{member_name: contents}`` into a .tar.gz archive."""
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    """Write ``{relative_path: contents}`` under ``root``."""
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


class SyntheticMnist:
    """A synthetic MNIST (or Fashion-MNIST) folder: random digits written as gzip IDX files, with their SHA-256."""

    def __init__(
        self, data_dir: Path, rng: np.random.Generator, sizes=(("train", 60), ("t10k", 20)), folder: str = "mnist"
    ):
        """Write the four files into ``data_dir/<folder>`` (``fashion_mnist`` for a synthetic Fashion-MNIST)."""
        self.data_dir = data_dir
        self.folder = data_dir / folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.arrays = {}
        self.sha256 = {}
        for prefix, count in sizes:
            images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
            labels = rng.integers(0, 10, size=count).astype(np.uint8)
            for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
                name = f"{prefix}-{kind}-ubyte"
                raw = idx_bytes(array)
                (self.folder / f"{name}.gz").write_bytes(gzip.compress(raw))
                self.arrays[name] = array
                self.sha256[name] = hashlib.sha256(raw).hexdigest()


class FakeResponse:
    """Stands in for ``urlopen``'s response, serving synthetic bytes: headers + chunked ``read``."""

    def __init__(self, payload: bytes, *, announced_length: int | None = None, fail_after: int | None = None):
        self.payload = payload
        self.position = 0
        self.fail_after = fail_after
        length = len(payload) if announced_length is None else announced_length
        self.headers = {"Content-Length": str(length)}

    def read(self, size: int) -> bytes:
        if self.fail_after is not None and self.position >= self.fail_after:
            raise ConnectionResetError("synthetic network failure")
        chunk = self.payload[self.position : self.position + min(size, 1000)]
        self.position += len(chunk)
        return chunk

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False


def cifar10_python_batch(images: np.ndarray, labels: np.ndarray, *, legacy_numpy_name: bool = True) -> bytes:
    """Pickle SYNTHETIC NHWC images and labels the way the official CIFAR-10 Python version stores a batch.

    The official files were written by Python 2 with NumPy 1.x, so they name
    ``numpy.core.multiarray``; with ``legacy_numpy_name`` the pickle is
    rewritten to use that name (NumPy 2 writes ``numpy._core.multiarray``).
    """
    import pickle

    planes = np.ascontiguousarray(images.transpose(0, 3, 1, 2).reshape(len(images), -1), dtype=np.uint8)
    batch = {
        "batch_label": "synthetic batch",
        "labels": [int(label) for label in labels],
        "data": planes,
        "filenames": [f"synthetic_{index}.png" for index in range(len(images))],
    }
    data = pickle.dumps(batch, protocol=2)
    if legacy_numpy_name:
        data = data.replace(b"cnumpy._core.multiarray\n", b"cnumpy.core.multiarray\n")
    return data
