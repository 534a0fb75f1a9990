"""Weekend 8 checks: real uvicorn servers on 127.0.0.1, real sockets, one mutation per hint.

Every test here starts the learner-style app (or the package's) under uvicorn
in a thread through the check itself, and the check talks to it with httpx.
"""

from __future__ import annotations

import io
import socket
import sys

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the serve extra (FastAPI) is not installed")
pytest.importorskip("uvicorn", reason="the serve extra (uvicorn) is not installed")
pytest.importorskip("httpx", reason="httpx is not installed")

from fastapi import FastAPI, File, HTTPException, UploadFile  # noqa: E402
from fastapi.responses import PlainTextResponse  # noqa: E402
from PIL import Image, UnidentifiedImageError  # noqa: E402

from classroom.check import FAIL, registered_checks, run_check, run_checks  # noqa: E402
from classroom.check.weekend_08 import reference_solutions, serving  # noqa: E402
from classroom.serve.model_file import load_served_model  # noqa: E402
from check_helpers import assert_unwritten_stubs_report_not_written, stub_names, workbook_path  # noqa: E402

WEEKEND = "weekend-08"
WORKBOOK = workbook_path(WEEKEND)
CHECK_NAMES = {
    "good": "predict: a good image",
    "not-image": "predict: not an image",
    "empty": "predict: empty upload",
    "oversized": "predict: oversized upload",
}


def run_named(name: str, namespace: dict):
    (check,) = [check for check in registered_checks(WEEKEND) if check.name == CHECK_NAMES[name]]
    return run_check(check, namespace)


def make_create_app(mistake: str | None = None):
    """A learner's create_app, with one switchable mistake."""

    def create_app(model_path, max_upload_bytes=1_000_000):
        served = load_served_model(model_path)
        app = FastAPI()

        @app.post("/predict")
        async def predict(file: UploadFile = File(...)):
            if mistake == "png-refused" and file.content_type != "image/jpeg":
                raise HTTPException(415, "only JPEG please")
            data = await file.read()
            if len(data) > max_upload_bytes:
                if mistake == "oversized-400":
                    raise HTTPException(400, "too large")
                if mistake != "no-limit":
                    raise HTTPException(413, f"the upload is larger than {max_upload_bytes} bytes")
            if not data and mistake not in ("uncaught-decode", "blank-on-failure", "plain-text-errors"):
                raise HTTPException(400, "the file is empty")
            try:
                image = Image.open(io.BytesIO(data))
                image.load()
            except (UnidentifiedImageError, OSError):
                if mistake == "uncaught-decode":
                    raise
                if mistake == "blank-on-failure":
                    image = Image.new("L", (28, 28))
                elif mistake == "plain-text-errors":
                    return PlainTextResponse("bad image", status_code=400)
                else:
                    raise HTTPException(400, "not a PNG or JPEG image")
            if mistake == "no-normalisation":
                pixels = np.asarray(image.convert("L").resize((28, 28)), dtype=np.float32) / 255.0
                inputs = pixels[None, None]
            else:
                inputs = served.preprocessing(image)[None]
            probabilities = served.predict(inputs)[0]
            order = np.argsort(-probabilities)[:5]
            if mistake == "bare-label":
                return {"label": served.classes[order[0]], "probability": float(probabilities[order[0]])}
            if mistake == "unsorted":
                order = order[::-1]
            return {
                "predictions": [
                    {"label": served.classes[i], "probability": float(probabilities[i])} for i in order
                ]
            }

        return app

    return create_app


# ----------------------------------------------------------------- references
def test_reference_passes_every_check():
    report = run_checks(WEEKEND, reference_solutions())
    assert report.passed, report
    assert len(report) == 4


def test_learner_style_app_passes():
    report = run_checks(WEEKEND, {"create_app": make_create_app()})
    assert report.passed, report


def test_reference_covers_every_stub():
    assert stub_names(WORKBOOK) == set(reference_solutions())


def test_unwritten_stub_reports_not_written(monkeypatch):
    assert_unwritten_stubs_report_not_written(WEEKEND, monkeypatch)


# ----------------------------------------------------------------- mutations: every hint_id
@pytest.mark.parametrize(
    "mistake, check, hint_id",
    [
        ("no-limit", "oversized", "no-upload-limit"),
        ("oversized-400", "oversized", "oversized-wrong-status"),
        ("uncaught-decode", "not-image", "non-image-500"),
        ("blank-on-failure", "not-image", "non-image-accepted"),
        ("plain-text-errors", "not-image", "error-not-json"),
        ("blank-on-failure", "empty", "empty-upload-accepted"),
        ("uncaught-decode", "empty", "empty-upload-500"),
        ("bare-label", "good", "response-shape"),
        ("unsorted", "good", "response-shape"),
        ("no-normalisation", "good", "wrong-probabilities"),
        ("png-refused", "good", "good-image-refused"),
    ],
)
def test_mutations(mistake, check, hint_id):
    result = run_named(check, {"create_app": make_create_app(mistake)})
    assert result.status == FAIL and result.hint_id == hint_id, result
    assert result.measured and result.hint


def test_server_side_exception_is_named_in_the_message():
    result = run_named("not-image", {"create_app": make_create_app("uncaught-decode")})
    assert "UnidentifiedImageError" in result.measured, result


def test_wrong_status_codes_for_not_image_and_empty():
    def create_app(model_path, max_upload_bytes=1_000_000):
        app = FastAPI()

        @app.post("/predict")
        async def predict(file: UploadFile = File(...)):
            raise HTTPException(404, "nothing here")

        return app

    assert run_named("not-image", {"create_app": create_app}).hint_id == "non-image-wrong-status"
    assert run_named("empty", {"create_app": create_app}).hint_id == "empty-upload-wrong-status"


def test_missing_serve_extra_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn now raises ImportError
    result = run_named("good", reference_solutions())
    assert result.status == FAIL and result.hint_id == "serve-extra-missing", result
    assert "ml-classroom[serve]" in result.hint


# ----------------------------------------------------------------- the server harness itself
def test_serving_shuts_down_and_frees_the_port():
    import httpx

    app = FastAPI()

    @app.get("/ping")
    async def ping():
        return {"ok": True}

    with serving(app) as (base_url, errors):
        assert httpx.get(f"{base_url}/ping", timeout=5).json() == {"ok": True}
        port = int(base_url.rsplit(":", 1)[1])
    assert errors == []
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{base_url}/ping", timeout=2)
    with socket.socket() as sock:  # the port can be bound again
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))


def test_learner_error_while_building_the_app_is_an_error_row():
    def create_app(model_path, max_upload_bytes=1_000_000):
        return load_served_model(model_path + ".missing")

    result = run_named("good", {"create_app": create_app})
    assert result.status == "error in your code", result
