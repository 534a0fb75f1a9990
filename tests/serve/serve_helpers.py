"""Helpers shared by the serving tests: image encoders, a real server process, tiny models.

Not a conftest (a second conftest.py would shadow ``from conftest import
require_dataset`` for every test folder), so fixtures live in the test modules.
"""

from __future__ import annotations

import io
import struct
import sys
import zlib
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image

from classroom.serve.loadgen import free_port, local_server  # noqa: F401  (free_port: for the tests that build a command)

MNIST_PREPROCESS = {"mode": "L", "size": [28, 28], "mean": [0.1307], "std": [0.3081], "invert": "auto"}
MNIST_CLASSES = [str(digit) for digit in range(10)]


# --------------------------------------------------------------------------- images
def encode(pixels: np.ndarray, image_format: str = "PNG", mode: str | None = None, **options) -> bytes:
    """Encode a uint8 array (H, W) or (H, W, C) as PNG/JPEG bytes."""
    image = Image.fromarray(np.asarray(pixels, dtype=np.uint8))
    if mode is not None:
        image = image.convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def photo_like(rng: np.random.Generator, height: int = 96, width: int = 128) -> np.ndarray:
    """A SYNTHETIC photo-like RGB image (uint8): smooth colour gradients, a few flat discs, mild noise.

    Made in the tests so they run without datasets; unlike random pixels it
    compresses like a photo (smooth areas, some edges), so JPEG tables and
    image data have realistic sizes.
    """
    y, x = np.mgrid[0:height, 0:width] / max(height, width)
    pixels = np.stack([120 + 80 * x, 90 + 100 * y, 160 - 60 * x * y], axis=-1)
    for _ in range(4):
        centre_y, centre_x, radius = rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8), rng.uniform(0.08, 0.2)
        pixels[(y - centre_y) ** 2 + (x - centre_x) ** 2 < radius**2] = rng.uniform(0, 255, 3)
    pixels += rng.normal(0.0, 6.0, pixels.shape)
    return np.clip(pixels, 0, 255).astype(np.uint8)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit black PNG of ``width x height`` pixels; all-zero rows compress ~1000:1.

    A 10,000 x 10,000 bomb is about 12 KB on disk and 100 megapixels decoded.
    """
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )


def multipart_body(field: str, filename: str, content_type: str, data: bytes, boundary: str = "classroom-boundary"):
    """Return ``(content_type_header, body_bytes)`` of a one-file multipart form."""
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", head + data + tail


# --------------------------------------------------------------------------- models
def mnist_metadata(architecture: dict, *, name: str = "mnist-mlp", metrics: dict | None = None) -> dict:
    """Serving metadata for an MNIST classifier built from ``architecture``."""
    return {
        "name": name,
        "version": "test",
        "architecture": architecture,
        "input_shape": [784] if architecture["name"] == "mlp" else [1, 28, 28],
        "classes": MNIST_CLASSES,
        "preprocess": dict(MNIST_PREPROCESS),
        "metrics": metrics or {},
    }


def seeded_mlp_file(folder: Path, *, hidden: int = 16, name: str = "seeded-mlp") -> Path:
    """Export an untrained MLP with seeded weights (for bad-input and tamper tests)."""
    from classroom.models.registry import build_model
    from classroom.serve.model_file import export_model

    architecture = {"name": "mlp", "in_features": 784, "hidden_sizes": [hidden], "out_features": 10}
    model = build_model(architecture)
    rng = np.random.default_rng(1)
    for parameter in model.parameters():
        parameter.data[...] = rng.normal(0.0, 0.05, parameter.data.shape)
    return export_model(folder / f"{name}.npz", model, metadata=mnist_metadata(architecture, name=name))


def mnist_inputs(images: np.ndarray) -> np.ndarray:
    """MNIST uint8 (N, 28, 28) -> normalised float32 rows (N, 784), as in MNIST_PREPROCESS."""
    pixels = images.reshape(len(images), -1).astype(np.float32) / np.float32(255.0)
    return (pixels - np.float32(0.1307)) / np.float32(0.3081)


def train_classifier(model, inputs: np.ndarray, labels: np.ndarray, *, epochs: int, lr: float, seed: int = 0):
    """Minibatch SGD on softmax cross-entropy, written out so the test depends only on nn layers."""
    rng = np.random.default_rng(seed)
    model.train()
    for _ in range(epochs):
        order = rng.permutation(len(inputs))
        for start in range(0, len(order), 64):
            batch = order[start : start + 64]
            logits = model(inputs[batch])
            logits = logits - logits.max(axis=1, keepdims=True)
            probabilities = np.exp(logits)
            probabilities /= probabilities.sum(axis=1, keepdims=True)
            probabilities[np.arange(len(batch)), labels[batch]] -= 1.0
            model.zero_grad()
            model.backward((probabilities / len(batch)).astype(inputs.dtype))
            for parameter in model.parameters():
                parameter.data -= lr * parameter.grad
    model.eval()
    return model


# --------------------------------------------------------------------------- server process
def serve_command(models, *extra: str, port: int | None = None) -> list[str]:
    """The ``classroom serve`` command line, run with this interpreter."""
    command = [sys.executable, "-m", "classroom.cli", "serve"]
    for path in models:
        command += ["--model", str(path)]
    if port is not None:
        command += ["--host", "127.0.0.1", "--port", str(port)]
    return command + list(extra)


@contextmanager
def running_server(models, *extra: str, startup_timeout: float = 60.0):
    """Start ``classroom serve`` on a free port, wait for /health, yield (base_url, process).

    The package's :func:`classroom.serve.loadgen.local_server` (warning-level
    log, no access log), which ``tests/serve/test_serve_loadgen.py`` tests itself.
    """
    with local_server(models, *extra, startup_timeout=startup_timeout) as server:
        yield server
