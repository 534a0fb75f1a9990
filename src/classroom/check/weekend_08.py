"""Checks for weekend 8: the learner's FastAPI ``/predict`` endpoint, called over real HTTP.

The learner writes ``create_app(model_path, max_upload_bytes=1_000_000)`` in
``workbooks/weekend-08.py``: a FastAPI application with ``POST /predict``
that takes an image in the multipart form field ``file`` and answers

* ``200`` with ``{"predictions": [{"label": str, "probability": float}, ...]}``,
  most likely first, for a PNG or JPEG;
* a ``4xx`` status with a JSON body ``{"detail": "..."}`` for an upload that is
  not an image or is empty;
* ``413`` when the upload is larger than ``max_upload_bytes``.

Each check saves a small package model (an MLP with **seeded, untrained
weights**: its labels mean nothing, the check only compares your server with
the same model run offline by :mod:`classroom.serve`), builds the learner's
app, starts it under a real uvicorn server on ``127.0.0.1`` (a free port, in a
thread, shut down afterwards) and sends one request with httpx.

FastAPI, uvicorn and httpx are the package's ``serve`` extra; they are
imported only when a check runs.

Each ``check_*`` function below is a registered check body, ``check(ns) -> str``
(see :func:`classroom.check.core.register`).
"""

from __future__ import annotations

import io
import socket
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from classroom.check.core import CheckFailed, register

WEEKEND = "weekend-08"
PIECE = "create_app"
MAX_UPLOAD_BYTES = 100_000
"""The limit the checks pass to ``create_app``; the oversized upload is a valid PNG above it."""
PROBABILITY_TOLERANCE = 1e-4

__all__ = ["MAX_UPLOAD_BYTES", "reference_solutions", "serving"]

_MNIST_PREPROCESS = {"mode": "L", "size": [28, 28], "mean": [0.1307], "std": [0.3081], "invert": "auto"}


# --------------------------------------------------------------------------
# The reference
# --------------------------------------------------------------------------
def _reference_create_app(model_path, max_upload_bytes: int = 1_000_000):
    """The package's server for one model file (``classroom.serve.app.create_app``).

    Parameters
    ----------
    model_path : str or path-like
        A file written by :func:`classroom.serve.model_file.export_model`.
    max_upload_bytes : int, default 1_000_000
        Largest accepted ``/predict`` request body.

    Returns
    -------
    fastapi.FastAPI
    """
    from classroom.serve.app import create_app

    return create_app([model_path], max_upload_bytes=max_upload_bytes)


def reference_solutions() -> dict[str, object]:
    """Map the stub name of the weekend-8 workbook to the package's server.

    Returns
    -------
    dict of str to callable
        ``create_app``.
    """
    return {"create_app": _reference_create_app}


# --------------------------------------------------------------------------
# What the checks send
# --------------------------------------------------------------------------
def _png(pixels: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(pixels, dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def _drawn_seven() -> np.ndarray:
    """A 28x28 grayscale "7" drawn with NumPy: white strokes on black, like MNIST.

    Returns
    -------
    ndarray of shape (28, 28), uint8
    """
    pixels = np.zeros((28, 28), dtype=np.uint8)
    pixels[6:9, 6:22] = 255
    for row in range(9, 24):
        column = 21 - (row - 9) * 9 // 15
        pixels[row, column - 1 : column + 2] = 255
    return pixels


def _oversized_png() -> bytes:
    """A valid RGB PNG of seeded noise, larger than :data:`MAX_UPLOAD_BYTES`."""
    noise = np.random.default_rng(0).integers(0, 256, size=(256, 256, 3), dtype=np.uint8)
    data = _png(noise)
    assert len(data) > MAX_UPLOAD_BYTES
    return data


# --------------------------------------------------------------------------
# A model file and a real server
# --------------------------------------------------------------------------
_MODEL_FOLDER: list = []


def _model_file() -> Path:
    """Export (once per process) an MLP 784 -> 16 -> 10 with seeded weights; return its path.

    Returns
    -------
    pathlib.Path
        ``check-mlp.npz`` in a temporary folder (``tempfile.TemporaryDirectory``) removed when Python exits.
    """
    if _MODEL_FOLDER:
        return Path(_MODEL_FOLDER[0].name) / "check-mlp.npz"
    from classroom.models.registry import build_model
    from classroom.serve.model_file import export_model

    folder = tempfile.TemporaryDirectory(prefix="classroom-check-")
    architecture = {"name": "mlp", "in_features": 784, "hidden_sizes": [16], "out_features": 10}
    model = build_model(architecture)
    rng = np.random.default_rng(8)
    for parameter in model.parameters():
        parameter.data[...] = rng.normal(0.0, 0.3, parameter.data.shape)
    metadata = {
        "name": "check-mlp",
        "version": "seeded-untrained",
        "architecture": architecture,
        "input_shape": [784],
        "classes": [str(digit) for digit in range(10)],
        "preprocess": dict(_MNIST_PREPROCESS),
        "metrics": {},
    }
    path = export_model(Path(folder.name) / "check-mlp.npz", model, metadata=metadata)
    _MODEL_FOLDER.append(folder)
    return path


def _import_serving():
    """Import fastapi, uvicorn and httpx, or fail with the install command."""
    try:
        import fastapi  # noqa: F401
        import httpx
        import uvicorn
    except ImportError as error:
        raise CheckFailed(
            "serve-extra-missing",
            f"cannot import the serving libraries ({error})",
            "install them with pip install 'ml-classroom[serve]' (FastAPI, uvicorn, python-multipart) "
            "plus httpx, then check again.",
        ) from None
    return httpx, uvicorn


@contextmanager
def serving(app, *, startup_timeout: float = 20.0):
    """Run an ASGI app under a real uvicorn server on 127.0.0.1 in a thread.

    Parameters
    ----------
    app : ASGI application
        For example the ``FastAPI`` object of ``create_app``.
    startup_timeout : float, default 20
        Seconds to wait for the server to accept connections.

    Yields
    ------
    base_url : str
        ``http://127.0.0.1:PORT`` (a free port chosen by the OS).
    errors : list of Exception
        Exceptions the app raised while serving (filled in as requests run).
    """
    _, uvicorn = _import_serving()
    errors: list[BaseException] = []

    async def recording_app(scope, receive, send):
        try:
            await app(scope, receive, send)
        except Exception as error:  # noqa: BLE001 - recorded for the check's message, then re-raised
            errors.append(error)
            raise

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        recording_app, log_level="critical", access_log=False, loop="asyncio", http="h11", lifespan="auto"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="classroom-check-uvicorn", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + startup_timeout
        while not server.started:
            if not thread.is_alive():
                detail = f": {errors[-1]!r}" if errors else ""
                raise RuntimeError(f"the uvicorn server stopped before it started{detail}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the uvicorn server did not start within {startup_timeout:.0f} s")
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}", errors
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _post(ns, filename: str, data: bytes, content_type: str):
    """Build the learner's app, serve it, POST one upload to /predict; return (response, errors)."""
    httpx, _ = _import_serving()
    app = ns["create_app"](str(_model_file()), max_upload_bytes=MAX_UPLOAD_BYTES)
    with serving(app) as (base_url, errors):
        response = httpx.post(
            f"{base_url}/predict", files={"file": (filename, data, content_type)}, timeout=30.0
        )
        response.read()
    return response, errors


def _server_error(response, errors) -> str:
    if errors:
        error = errors[-1]
        return f"status {response.status_code}; your endpoint raised {type(error).__name__}: {error}"
    return f"status {response.status_code}: {response.text[:120]!r}"


def _json_detail(response):
    """Return the JSON body's ``detail`` if the response is JSON with a string detail, else None."""
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and isinstance(body.get("detail"), str) and body["detail"]:
        return body["detail"]
    return None


def _require_json_error(response, what: str) -> str:
    detail = _json_detail(response)
    if detail is None:
        raise CheckFailed(
            "error-not-json",
            f"{what}: status {response.status_code} with body {response.text[:120]!r}, expected JSON {{\"detail\": \"...\"}}",
            "raise fastapi.HTTPException(status_code=..., detail='what is wrong and how to fix it'): "
            "FastAPI turns it into a JSON body the client can read.",
        )
    return detail


def _require_refusal(response, errors, what: str, *, crash, accepted, wrong_status) -> str:
    """Fail unless a bad upload was refused with status 400, 415 or 422 and a JSON ``detail``.

    Parameters
    ----------
    response : httpx.Response
        The answer to the upload.
    errors : list of Exception
        What the learner's endpoint raised while serving it (from :func:`serving`).
    what : str
        The upload, for the messages: ``"a 0-byte upload"``.
    crash, accepted, wrong_status : tuple of (str, str)
        The ``(hint_id, hint)`` of each way to get it wrong: a 5xx answer (the
        endpoint crashed), a 2xx or 3xx answer (the upload was accepted), and
        a 4xx status other than 400, 415 and 422.

    Returns
    -------
    str
        What was measured: ``"status 400, detail 'the file is empty'"``.

    Raises
    ------
    CheckFailed
        With one of the three hints, or ``error-not-json`` for a 4xx answer
        without a JSON ``detail``.
    """
    status = response.status_code
    if status >= 500:
        hint_id, hint = crash
        raise CheckFailed(hint_id, f"{what} got {_server_error(response, errors)}", hint)
    if status < 400:
        hint_id, hint = accepted
        raise CheckFailed(hint_id, f"{what} got status {status}: {response.text[:120]!r}", hint)
    detail = _require_json_error(response, what)
    if status not in (400, 415, 422):
        hint_id, hint = wrong_status
        raise CheckFailed(hint_id, f"{what} got status {status} ({detail!r})", hint)
    return f"status {status}, detail {detail[:80]!r}"


# --------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------
@register(
    WEEKEND,
    PIECE,
    "predict: a good image",
    needs=["create_app"],
    compared=(
        "POST /predict with a 28x28 PNG: status 200, the response shape, and each probability against the same "
        "model run offline by classroom.serve (seeded untrained MLP)"
    ),
    timeout=60.0,
)
def check_good_image(ns) -> str:
    """A 28x28 PNG must get 200, a predictions list, and the offline model's probabilities."""
    from PIL import Image

    from classroom.serve.model_file import load_served_model

    data = _png(_drawn_seven())
    response, errors = _post(ns, "seven.png", data, "image/png")
    if response.status_code != 200:
        raise CheckFailed(
            "good-image-refused",
            f"a valid 28x28 PNG got {_server_error(response, errors)}",
            "a PNG or JPEG in the form field 'file' must be answered with 200: open it with PIL.Image.open, "
            "prepare it with the model's preprocessing and return the predictions.",
        )
    shape_hint = (
        'return {"predictions": [{"label": "7", "probability": 0.93}, ...]}: a list of dicts with a string label '
        "and a float probability, most likely first."
    )
    try:
        body = response.json()
    except ValueError:
        raise CheckFailed("response-shape", f"the 200 answer is not JSON: {response.text[:120]!r}", shape_hint) from None
    predictions = body.get("predictions") if isinstance(body, dict) else None
    if (
        not isinstance(predictions, list)
        or not predictions
        or not all(
            isinstance(item, dict)
            and isinstance(item.get("label"), str)
            and isinstance(item.get("probability"), (int, float))
            and not isinstance(item.get("probability"), bool)
            for item in predictions
        )
    ):
        raise CheckFailed("response-shape", f"the 200 answer was {str(body)[:160]}", shape_hint)
    probabilities = [float(item["probability"]) for item in predictions]
    if any(later > earlier for earlier, later in zip(probabilities, probabilities[1:])):
        raise CheckFailed(
            "response-shape",
            f"probabilities {np.round(probabilities, 4).tolist()} are not sorted, most likely first",
            shape_hint,
        )

    served = load_served_model(_model_file())
    offline = served.predict(served.preprocessing(Image.open(io.BytesIO(data)))[None])[0]
    by_label = {label: float(p) for label, p in zip(served.classes, offline)}
    unknown = [item["label"] for item in predictions if item["label"] not in by_label]
    if unknown:
        raise CheckFailed(
            "response-shape",
            f"labels {unknown} are not classes of the model ({served.classes})",
            "take the labels from the model file's classes (served.classes), indexed by output unit.",
        )
    error = max(abs(float(item["probability"]) - by_label[item["label"]]) for item in predictions)
    best = served.classes[int(np.argmax(offline))]
    measured = (
        f"200 with {len(predictions)} predictions, top '{predictions[0]['label']}' (offline: '{best}'); "
        f"max probability error {error:.1e} (tolerance {PROBABILITY_TOLERANCE:g})"
    )
    if error > PROBABILITY_TOLERANCE or predictions[0]["label"] != best:
        raise CheckFailed(
            "wrong-probabilities",
            measured,
            "prepare the upload exactly as in training: use the preprocessing stored in the model file "
            "(served.preprocessing(image)), then served.predict.",
        )
    return measured


@register(
    WEEKEND,
    PIECE,
    "predict: not an image",
    needs=["create_app"],
    compared="POST /predict with text bytes declared as image/png: a 4xx status (400, 415 or 422) with a JSON detail",
    timeout=60.0,
)
def check_not_an_image(ns) -> str:
    """Bytes that are not an image must get a 4xx JSON error, not a crash (500) or a prediction."""
    response, errors = _post(ns, "digit.png", b"this is not an image, just some text\n" * 4, "image/png")
    return _require_refusal(
        response,
        errors,
        "text bytes named digit.png",
        crash=(
            "non-image-500",
            "catch the decoder's error (PIL.UnidentifiedImageError, OSError) around Image.open and raise "
            "HTTPException(status_code=400, detail='not a PNG or JPEG image') instead.",
        ),
        accepted=(
            "non-image-accepted",
            "do not guess: when the upload cannot be decoded as an image, answer 400 with a JSON detail.",
        ),
        wrong_status=(
            "non-image-wrong-status",
            "answer a file that is not an image with 400 (bad data) or 415 (unsupported type).",
        ),
    )


@register(
    WEEKEND,
    PIECE,
    "predict: empty upload",
    needs=["create_app"],
    compared="POST /predict with a 0-byte file: a 4xx status (400 or 422) with a JSON detail",
    timeout=60.0,
)
def check_empty_upload(ns) -> str:
    """A 0-byte file must be refused with a JSON 4xx error."""
    response, errors = _post(ns, "empty.png", b"", "image/png")
    return _require_refusal(
        response,
        errors,
        "a 0-byte upload",
        crash=(
            "empty-upload-500",
            "check for an empty upload first (if not data: raise HTTPException(400, 'the file is empty')).",
        ),
        accepted=(
            "empty-upload-accepted",
            "an empty file holds no image: refuse it with HTTPException(status_code=400, detail=...) "
            "instead of predicting on a blank.",
        ),
        wrong_status=(
            "empty-upload-wrong-status",
            "answer an empty upload with 400 (bad request) and say that the file is empty.",
        ),
    )


@register(
    WEEKEND,
    PIECE,
    "predict: oversized upload",
    needs=["create_app"],
    compared=f"POST /predict with a valid PNG larger than max_upload_bytes={MAX_UPLOAD_BYTES:,}: status 413 with a JSON detail",
    timeout=60.0,
)
def check_oversized_upload(ns) -> str:
    """A PNG larger than ``max_upload_bytes`` must get 413, even though it is a valid image."""
    data = _oversized_png()
    response, errors = _post(ns, "noise.png", data, "image/png")
    what = f"a {len(data):,}-byte PNG with max_upload_bytes={MAX_UPLOAD_BYTES:,}"
    if response.status_code == 200:
        raise CheckFailed(
            "no-upload-limit",
            f"{what} was accepted (status 200)",
            "enforce the limit: if len(data) > max_upload_bytes, raise HTTPException(413, ...); without it anyone "
            "can make your server hold gigabytes in memory.",
        )
    if response.status_code != 413:
        raise CheckFailed(
            "oversized-wrong-status",
            f"{what} got {_server_error(response, errors)}, expected 413",
            "answer an upload over the limit with 413 (Content Too Large) and say what the limit is.",
        )
    detail = _require_json_error(response, what)
    return f"status 413, detail {detail[:80]!r}"
