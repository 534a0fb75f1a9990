"""The model server end to end: a real ``classroom serve`` process on 127.0.0.1, real HTTP.

The models are trained here, in seconds, on real data: an MLP on 12,000 MNIST
training digits (about 92% test accuracy) and, when the CNN and CIFAR-10
are available, a tiny CNN on 2,000 CIFAR-10 training images (weak, but the
test only sends images it classifies right offline). The server must agree
with the same model run offline.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import io
from contextlib import nullcontext

import httpx
import numpy as np
import pytest
from PIL import Image

from conftest import require_dataset
from serve_helpers import (
    MNIST_PREPROCESS,
    encode,
    mnist_inputs,
    mnist_metadata,
    multipart_body,
    png_bomb,
    running_server,
    train_classifier,
)

pytestmark = [pytest.mark.data, pytest.mark.slow]
pytest.importorskip("classroom.models.mlp", reason="classroom.models.mlp is not available")

MAX_UPLOAD_BYTES = 300_000
MAX_IMAGE_PIXELS = 4_000_000


def _one_blas_thread():
    """Single-threaded BLAS for the small matrix products here (much faster on a busy machine)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return nullcontext()
    return threadpool_limits(1, user_api="blas")


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


@pytest.fixture(scope="module")
def mnist(tmp_path_factory):
    """Train an MLP on real MNIST, export it, and pick confidently right test digits."""
    require_dataset("mnist")
    from classroom.data import load_mnist
    from classroom.models.mlp import MLP
    from classroom.serve.model_file import export_model

    train_images, train_labels = load_mnist("train")
    test_images, test_labels = load_mnist("test")
    architecture = {"name": "mlp", "in_features": 784, "hidden_sizes": [64], "out_features": 10}
    model = MLP(784, [64], 10, rng=np.random.default_rng(0))
    with _one_blas_thread():
        train_classifier(model, mnist_inputs(train_images[:12000]), train_labels[:12000], epochs=2, lr=0.1)
        probabilities = _softmax(model(mnist_inputs(test_images)).astype(np.float64))
    predicted = probabilities.argmax(axis=1)
    accuracy = float(np.mean(predicted == test_labels))
    assert accuracy > 0.85, f"the fixture model should learn MNIST, got {accuracy:.3f}"

    confident = np.flatnonzero((predicted == test_labels) & (probabilities.max(axis=1) > 0.95))
    chosen = np.random.default_rng(1).choice(confident, size=20, replace=False)
    path = export_model(
        tmp_path_factory.mktemp("models") / "mnist-mlp.npz",
        model,
        metadata=mnist_metadata(architecture, metrics={"test_accuracy": accuracy}),
    )
    return {
        "path": path,
        "images": test_images[chosen],
        "labels": test_labels[chosen],
        "probabilities": probabilities[chosen],
        "accuracy": accuracy,
    }


@pytest.fixture(scope="module")
def cifar(tmp_path_factory):
    """A tiny CNN trained briefly on real CIFAR-10, or None when the CNN or data are missing."""
    try:
        from classroom.models.cnn import cifar_cnn  # noqa: F401
    except ImportError:
        return None
    from classroom.config import data_dir

    if not (data_dir() / "cifar10").exists():
        return None
    from classroom.data import CIFAR10_CLASSES, CIFAR10_MEAN, CIFAR10_STD, load_cifar10
    from classroom.models.registry import build_model
    from classroom.serve.model_file import export_model

    train_images, train_labels = load_cifar10("train")
    test_images, test_labels = load_cifar10("test")
    mean = np.asarray(CIFAR10_MEAN, np.float32)
    std = np.asarray(CIFAR10_STD, np.float32)

    def inputs(images):
        return np.ascontiguousarray(((images / np.float32(255.0) - mean) / std).transpose(0, 3, 1, 2))

    architecture = {"name": "cifar_cnn", "widths": [8, 16, 32], "seed": 0}
    model = build_model(architecture)
    train_subset = np.random.default_rng(0).permutation(len(train_images))[:2000]
    test_subset = np.random.default_rng(1).permutation(len(test_images))[:300]
    with _one_blas_thread():
        train_classifier(
            model, inputs(train_images[train_subset]), train_labels[train_subset], epochs=1, lr=0.05
        )
        probabilities = _softmax(model(inputs(test_images[test_subset])).astype(np.float64))
    ordered = np.sort(probabilities, axis=1)
    right = probabilities.argmax(axis=1) == test_labels[test_subset]
    clear = ordered[:, -1] - ordered[:, -2] > 0.02  # no near-ties that rounding could flip
    chosen = test_subset[right & clear][:10]
    if len(chosen) < 3:
        pytest.fail(f"the fixture CNN classified only {len(chosen)} test images clearly right")
    path = export_model(
        tmp_path_factory.mktemp("models") / "cifar-cnn.npz",
        model,
        metadata={
            "name": "cifar-cnn",
            "version": "test",
            "architecture": architecture,
            "input_shape": [3, 32, 32],
            "classes": list(CIFAR10_CLASSES),
            "preprocess": {"mode": "RGB", "size": [32, 32], "mean": mean.tolist(), "std": std.tolist()},
            "metrics": {},
        },
    )
    return {"path": path, "images": test_images[chosen], "labels": test_labels[chosen]}


@pytest.fixture(scope="module")
def server(mnist, cifar):
    """``classroom serve`` with both models, small limits, on a free port."""
    models = [mnist["path"]] + ([cifar["path"]] if cifar else [])
    with running_server(
        models,
        "--max-upload-bytes",
        str(MAX_UPLOAD_BYTES),
        "--max-image-pixels",
        str(MAX_IMAGE_PIXELS),
    ) as (base_url, process):
        yield {"url": base_url, "process": process}


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server["url"], timeout=30.0) as http:
        yield http


def post_image(client, data: bytes, *, filename="digit.png", content_type="image/png", **params):
    return client.post("/predict", params=params, files={"file": (filename, data, content_type)})


# --------------------------------------------------------------------------- happy path
def test_health_reports_ok_and_the_model_names(client, cifar):
    answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"
    assert answer.json()["models"] == ["mnist-mlp"] + (["cifar-cnn"] if cifar else [])


def test_models_lists_metadata_and_the_file_checksum(client, mnist):
    listing = client.get("/models").json()
    info = listing[0]
    assert info["name"] == "mnist-mlp"
    assert info["sha256"] == hashlib.sha256(mnist["path"].read_bytes()).hexdigest()
    assert info["input_shape"] == [784]
    assert info["classes"] == [str(digit) for digit in range(10)]
    assert info["metrics"]["test_accuracy"] == pytest.approx(mnist["accuracy"])
    assert info["preprocess"]["invert"] == MNIST_PREPROCESS["invert"]


def test_predict_agrees_with_the_offline_model_on_mnist_test_digits(client, mnist):
    for image, label, expected in zip(mnist["images"], mnist["labels"], mnist["probabilities"]):
        answer = post_image(client, encode(image), top_k=10)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["model"] == "mnist-mlp" and body["version"] == "test"
        assert body["image"] == {"format": "PNG", "width": 28, "height": 28, "mode": "L"}
        assert body["predictions"][0]["label"] == str(label)
        served = np.zeros(10)
        for prediction in body["predictions"]:
            served[prediction["index"]] = prediction["probability"]
        np.testing.assert_allclose(served, expected, rtol=1e-4, atol=1e-6)


VARIANTS = {
    "JPEG": lambda digit: encode(digit, "JPEG", quality=95),
    "dark on white paper": lambda digit: encode(255 - digit),
    "RGB": lambda digit: encode(np.stack([digit] * 3, axis=-1)),
    "RGBA": lambda digit: encode(digit, mode="RGBA"),
    "palette": lambda digit: encode(digit, mode="P"),
    "16-bit": lambda digit: _png_of(Image.fromarray(digit.astype(np.uint16) * 257)),
    "112x112": lambda digit: _png_of(Image.fromarray(digit).resize((112, 112), Image.Resampling.BILINEAR)),
}


def _png_of(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_predict_reports_the_size_of_a_large_jpeg_as_uploaded(client, mnist):
    photo = Image.fromarray(255 - mnist["images"][0]).resize((840, 840), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    photo.convert("RGB").save(buffer, "JPEG", quality=90)
    body = post_image(client, buffer.getvalue(), filename="photo.jpg", content_type="image/jpeg").json()
    assert body["image"] == {"format": "JPEG", "width": 840, "height": 840, "mode": "RGB"}
    assert body["predictions"][0]["label"] == str(mnist["labels"][0])


@pytest.mark.parametrize("variant", VARIANTS)
def test_predict_converts_other_formats_modes_and_sizes_of_a_digit(client, mnist, variant):
    for image, label in zip(mnist["images"][:5], mnist["labels"][:5]):
        answer = post_image(client, VARIANTS[variant](image), filename="digit")
        assert answer.status_code == 200, answer.text
        assert answer.json()["predictions"][0]["label"] == str(label)


def test_predict_returns_top_k_labels_most_likely_first(client, mnist):
    body = post_image(client, encode(mnist["images"][0]), top_k=3).json()
    probabilities = [prediction["probability"] for prediction in body["predictions"]]
    assert len(probabilities) == 3
    assert probabilities == sorted(probabilities, reverse=True)
    full = post_image(client, encode(mnist["images"][0]), top_k=10).json()
    assert sum(prediction["probability"] for prediction in full["predictions"]) == pytest.approx(1.0)


def test_predict_on_cifar_images_agrees_with_the_offline_cnn(client, cifar):
    if cifar is None:
        pytest.skip("classroom.models.cnn or the CIFAR-10 data is not available")
    for image, label in zip(cifar["images"], cifar["labels"]):
        answer = post_image(client, encode(image), model="cifar-cnn")
        assert answer.status_code == 200, answer.text
        assert answer.json()["model"] == "cifar-cnn"
        assert answer.json()["predictions"][0]["index"] == int(label)


def test_upload_page_and_api_docs_are_served_without_external_resources(client):
    page = client.get("/")
    assert page.status_code == 200
    assert 'type="file"' in page.text and "fetch(" in page.text
    assert "http://" not in page.text and "https://" not in page.text  # no CDN
    assert client.get("/docs").status_code == 200
    assert "/predict" in client.get("/openapi.json").json()["paths"]


# --------------------------------------------------------------------------- bad input
def _truncated_png(mnist):
    data = encode(mnist["images"][0])
    return data[: len(data) // 2]


def _gif(mnist):
    buffer = io.BytesIO()
    Image.fromarray(mnist["images"][0]).save(buffer, "GIF")
    return buffer.getvalue()


def _chunked_oversized(client):
    """A body streamed without Content-Length: only the streamed cap can stop it."""
    content_type, body = multipart_body("file", "big.png", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(400_000))

    def chunks():
        for start in range(0, len(body), 16_384):
            yield body[start : start + 16_384]

    return client.post("/predict", content=chunks(), headers={"content-type": content_type})


BAD_REQUESTS = {
    "not an image": (415, "not a PNG or JPEG", lambda c, m: post_image(c, b"hello, I am text" * 10)),
    "truncated PNG": (400, "truncated or corrupt", lambda c, m: post_image(c, _truncated_png(m))),
    "empty upload": (400, "empty", lambda c, m: post_image(c, b"")),
    "GIF image": (415, "GIF", lambda c, m: post_image(c, _gif(m), content_type="application/octet-stream")),
    "declared text/plain": (
        415,
        "text/plain",
        lambda c, m: post_image(c, encode(m["images"][0]), content_type="text/plain"),
    ),
    "oversized with Content-Length": (
        413,
        "the limit is 300,000 bytes",
        lambda c, m: post_image(c, b"\x89PNG\r\n\x1a\n" + bytes(MAX_UPLOAD_BYTES)),
    ),
    "oversized, streamed without length": (
        413,
        "more than 300,000 bytes",
        lambda c, m: _chunked_oversized(c),
    ),
    "decompression bomb": (
        413,
        "36,000,000 pixels",
        lambda c, m: post_image(c, png_bomb(6000, 6000)),
    ),
    "JSON body": (415, "multipart/form-data", lambda c, m: c.post("/predict", json={"file": "x"})),
    "raw image body": (
        415,
        "multipart/form-data",
        lambda c, m: c.post("/predict", content=encode(m["images"][0]), headers={"content-type": "image/png"}),
    ),
    "missing file field": (
        422,
        "no field 'file'",
        lambda c, m: c.post("/predict", files={"image": ("d.png", encode(m["images"][0]), "image/png")}),
    ),
    "file field sent as text": (
        422,
        "must be a file upload",
        lambda c, m: c.post("/predict", files={"file": (None, "just text")}),
    ),
    "unknown model": (
        404,
        "unknown model 'resnet'",
        lambda c, m: post_image(c, encode(m["images"][0]), model="resnet"),
    ),
    "top_k of zero": (422, "top_k", lambda c, m: post_image(c, encode(m["images"][0]), top_k=0)),
}


@pytest.mark.parametrize("case", BAD_REQUESTS)
def test_bad_requests_get_a_clear_4xx_json_error_and_the_server_stays_up(client, mnist, case):
    status, message, send = BAD_REQUESTS[case]
    answer = send(client, mnist)
    assert answer.status_code == status, answer.text
    assert message in answer.json()["detail"]
    assert client.get("/health").status_code == 200
    good = post_image(client, encode(mnist["images"][0]))
    assert good.json()["predictions"][0]["label"] == str(mnist["labels"][0])


# --------------------------------------------------------------------------- load
def test_200_requests_over_8_connections_all_succeed_and_memory_stays_flat(server, mnist):
    psutil = pytest.importorskip("psutil")
    process = psutil.Process(server["process"].pid)
    uploads = [encode(image) for image in mnist["images"]]
    labels = [str(label) for label in mnist["labels"]]

    def worker(indices):
        answers = []
        with httpx.Client(base_url=server["url"], timeout=30.0) as http:
            for index in indices:
                response = post_image(http, uploads[index % len(uploads)])
                answers.append((index, response.status_code, response.json()))
        return answers

    def run(total):
        jobs = [range(start, total, 8) for start in range(8)]
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            return [answer for answers in pool.map(worker, jobs) for answer in answers]

    run(48)  # warm-up: thread pool, allocator, caches
    rss_before = process.memory_info().rss
    answers = run(200)
    rss_after = process.memory_info().rss

    assert len(answers) == 200
    assert all(status == 200 for _, status, _ in answers)
    assert all(body["predictions"][0]["label"] == labels[index % len(labels)] for index, _, body in answers)
    assert rss_after - rss_before < 50 * 1024 * 1024, (rss_before, rss_after)
