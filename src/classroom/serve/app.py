"""The HTTP API: a FastAPI application that serves saved models.

Endpoints
---------
``GET /``
    A small upload page (plain HTML and ``fetch``).
``GET /health``
    ``{"status": "ok", "models": [...]}`` once the models are loaded.
``GET /models``
    Name, version, input shape, classes, test metrics and file SHA-256 of
    every served model.
``POST /predict?model=NAME&top_k=5``
    Multipart form with the image in the field ``file``; answers the
    ``top_k`` most likely labels with probabilities.
``GET /docs``
    The interactive OpenAPI documentation FastAPI generates.

Errors are JSON ``{"detail": "..."}`` with a 4xx status, and the server
keeps running: 400 empty, truncated or corrupt upload (see
:mod:`classroom.serve.integrity`), 404 unknown model, 413 upload or
image too large, 415 not a multipart form or not PNG/JPEG, 422 missing
field or invalid parameter.

Two protections run *before* FastAPI parses the form, in
:class:`UploadLimitMiddleware`: the request must be ``multipart/form-data``,
and its body may not exceed ``max_upload_bytes`` - checked against the
``Content-Length`` header and again while the body streams in, so a client
that lies about (or omits) the length still cannot make the server hold more
than the limit in memory.

Run it with ``classroom serve --model runs/models/mnist_mlp.npz``, or build
the app in Python with :func:`create_app`.
"""

from __future__ import annotations

import io
import os
import time
from importlib import resources
from typing import Sequence

import anyio
from fastapi import FastAPI, File, HTTPException, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from PIL import Image
from pydantic import BaseModel, Field

from classroom import __version__
from classroom.serve.images import (
    DEFAULT_MAX_IMAGE_PIXELS,
    DEFAULT_MAX_UPLOAD_BYTES,
    LARGE_DECODE_BYTES,
    UploadError,
    damaged,
    decode_upload,
    decoded_size,
    release_freed_memory,
)
from classroom.serve.limits import (
    DEFAULT_BODY_TIMEOUT_SECONDS,
    DEFAULT_MAX_CONCURRENT_DECODES,
    DEFAULT_MAX_DECODED_BYTES,
    DEFAULT_MAX_WAITING_DECODES,
)
from classroom.serve.cache import PredictionCache
from classroom.serve.model_file import ServedModel, load_served_model
from classroom.serve.uploads import UploadLimitMiddleware, multipart_problem  # noqa: F401 (public here too)

__all__ = ["DEFAULT_MAX_UPLOAD_BYTES", "UploadLimitMiddleware", "create_app", "create_app_from_env", "multipart_problem"]

_CONVERSION_ERRORS = (OSError, ValueError, SyntaxError, EOFError)

MAX_TOP_K = 100
"""Largest ``top_k`` a client may ask for."""


# ---------------------------------------------------------------------------
# Response schemas (they also document the API at /docs)
# ---------------------------------------------------------------------------
class Prediction(BaseModel):
    """One label and its probability."""

    label: str = Field(description="Class name.")
    index: int = Field(description="Output unit of the model (the class number).")
    probability: float = Field(description="Softmax probability, between 0 and 1.")


class ImageInfo(BaseModel):
    """What the server decoded from the upload."""

    format: str = Field(description="PNG or JPEG.")
    width: int
    height: int
    mode: str = Field(description="Pillow colour mode of the upload, e.g. L, RGB, RGBA, P.")


class PredictResponse(BaseModel):
    """The answer of ``POST /predict``."""

    model: str = Field(description="Name of the model that answered.")
    version: str = Field(description="Version of that model.")
    predictions: list[Prediction] = Field(description="The top_k labels, most likely first.")
    image: ImageInfo
    inference_ms: float = Field(description="Time spent decoding, preprocessing and running the model.")


class ModelInfo(BaseModel):
    """Public description of one served model."""

    name: str
    version: str
    file: str = Field(description="File name the model was loaded from.")
    sha256: str = Field(description="SHA-256 of that file.")
    architecture: dict
    input_shape: list[int]
    classes: list[str]
    metrics: dict = Field(description="Test metrics recorded when the model was exported.")
    preprocess: dict = Field(description="How uploads are converted before the model sees them.")
    created: str | None = None


class Health(BaseModel):
    """The answer of ``GET /health``."""

    status: str
    models: list[str]
    version: str = Field(description="Version of the classroom package.")


# ---------------------------------------------------------------------------
# Error messages for invalid requests
# ---------------------------------------------------------------------------
def _validation_message(errors: Sequence[dict]) -> str:
    """Turn FastAPI's validation errors into one readable sentence."""
    parts = []
    for error in errors:
        location = list(error.get("loc", ()))
        where, name = (location[0], location[-1]) if location else ("request", "?")
        if where == "body" and name == "file" and error.get("type") == "missing":
            parts.append(
                "the multipart form has no field 'file'; send the image as the form field "
                "'file', e.g. curl -F file=@digit.png URL"
            )
        elif where == "body" and name == "file":
            parts.append("the form field 'file' must be a file upload, not a text value")
        else:
            parts.append(f"{where} parameter '{name}': {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


# ---------------------------------------------------------------------------
# The application
# ---------------------------------------------------------------------------
def _index_html() -> str:
    """Read the upload page shipped in ``classroom/serve/static``."""
    return resources.files("classroom.serve").joinpath("static/index.html").read_text("utf-8")


def _blank_image(preprocessing, image_format: str) -> bytes:
    """A black image of the model's size and mode, encoded as ``image_format``."""
    buffer = io.BytesIO()
    Image.new(preprocessing.mode, (preprocessing.width, preprocessing.height)).save(buffer, image_format)
    return buffer.getvalue()


def create_app(
    models: Sequence[ServedModel | str | os.PathLike],
    *,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
    body_timeout: float = DEFAULT_BODY_TIMEOUT_SECONDS,
    max_decoded_bytes: int = DEFAULT_MAX_DECODED_BYTES,
    max_concurrent_decodes: int = DEFAULT_MAX_CONCURRENT_DECODES,
    max_waiting_decodes: int = DEFAULT_MAX_WAITING_DECODES,
    cache_size: int = 0,
) -> FastAPI:
    """Build the FastAPI application that serves ``models``.

    Parameters
    ----------
    models : sequence of ServedModel or path
        Loaded models, or model files to load (see
        :func:`classroom.serve.model_file.load_served_model`). The first one
        answers ``/predict`` when no ``model=`` is given. Names must be unique.
    max_upload_bytes : int, default 5 MiB
        Largest accepted ``/predict`` request body.
    max_image_pixels : int, default 25_000_000
        Largest accepted image (width x height).
    body_timeout : float, default 10
        Seconds a client has to send the whole ``/predict`` body; slower
        clients get 408 and the connection is closed.
    max_decoded_bytes : int, default 128 MiB
        Largest decoded image (from its header, before decoding; 413 above).
    max_concurrent_decodes : int, default 2
        Uploads decoded at once, so decoded pixels stay bounded under a burst.
    max_waiting_decodes : int, default 32
        Uploads that may wait for a decode slot; a request beyond them gets
        503 with ``Retry-After: 1`` instead of joining an unbounded queue.
    cache_size : int, default 0
        Decoded inputs whose predictions each model remembers (see
        :class:`classroom.serve.cache.PredictionCache`); 0, the default,
        caches nothing.

    Returns
    -------
    fastapi.FastAPI

    Raises
    ------
    ValueError
        If no model is given, two share a name, or a limit is not positive.
    classroom.serve.model_file.ModelFileError
        If a model file fails its checks.
    """
    served = [item if isinstance(item, ServedModel) else load_served_model(item) for item in models]
    if not served:
        raise ValueError("create_app needs at least one model")
    by_name: dict[str, ServedModel] = {}
    for item in served:
        if item.name in by_name:
            raise ValueError(
                f"two models are named {item.name!r} ({by_name[item.name].path} and {item.path}); "
                "names must be unique"
            )
        by_name[item.name] = item
    if int(cache_size) < 0:
        raise ValueError(f"cache_size must be 0 (no cache) or positive, got {cache_size}")
    if max_upload_bytes < 1 or max_image_pixels < 1:
        raise ValueError(
            f"limits must be positive, got max_upload_bytes={max_upload_bytes}, "
            f"max_image_pixels={max_image_pixels}"
        )
    default_model = served[0]
    index_page = _index_html()

    app = FastAPI(
        title="ML Classroom model server",
        version=__version__,
        description=(
            "Image classifiers trained from scratch with the `classroom` NumPy package. "
            "Upload a PNG or JPEG to `/predict`."
        ),
    )
    app.add_middleware(UploadLimitMiddleware, max_bytes=max_upload_bytes, paths=("/predict",), body_timeout=body_timeout)
    app.state.models = by_name
    app.state.max_image_pixels = max_image_pixels
    # Opt-in memo of predictions by decoded input (none by default).
    predictors = {
        name: PredictionCache(item.predict, int(cache_size)) if cache_size else item.predict
        for name, item in by_name.items()
    }
    app.state.prediction_caches = {name: p for name, p in predictors.items() if isinstance(p, PredictionCache)}

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, error: RequestValidationError):
        return JSONResponse(status_code=422, content={"detail": _validation_message(error.errors())})

    @app.exception_handler(UploadError)
    async def _upload_error(request: Request, error: UploadError):
        return JSONResponse(status_code=error.status_code, content={"detail": error.message})

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse(index_page)

    @app.get("/health", response_model=Health, summary="Is the server up?")
    async def health() -> dict:
        return {"status": "ok", "models": list(by_name), "version": __version__}

    @app.get("/models", response_model=list[ModelInfo], summary="The served models")
    async def list_models() -> list[dict]:
        return [item.info() for item in served]

    decode_slots = anyio.Semaphore(max_concurrent_decodes)
    uploads_in_flight = [0]  # decoding or waiting (one event loop: no lock needed)

    def run_prediction(model: ServedModel, data: bytes, content_type: str | None, top_k: int) -> dict:
        """Decode, preprocess and classify one upload (runs in a worker thread)."""
        started = time.perf_counter()
        spec = model.preprocessing
        image = decode_upload(
            data,
            content_type=content_type,
            max_pixels=max_image_pixels,
            draft=(spec.mode, (spec.width, spec.height)),
            max_decoded_bytes=max_decoded_bytes,
        )
        width, height = image.info["original_size"]
        image_info = {
            "format": image.format or "unknown",
            "width": width,
            "height": height,
            "mode": image.info["original_mode"],
        }
        large = decoded_size(image, data) >= LARGE_DECODE_BYTES
        try:
            inputs = spec(image)
        except _CONVERSION_ERRORS as error:  # damaged data Pillow only notices while converting
            raise damaged(image_info["format"], f"it cannot be converted ({type(error).__name__}: {error})") from None
        finally:
            del image
            if large:
                release_freed_memory()  # the decoded pixels are gone: give their memory back
        probabilities = predictors[model.name](inputs[None])[0]
        return {
            "model": model.name,
            "version": model.version,
            "predictions": model.top_k(probabilities, top_k),
            "image": image_info,
            "inference_ms": round((time.perf_counter() - started) * 1000.0, 3),
        }

    # Warm up: the first decode imports Pillow's PNG/JPEG plugins and the first
    # forward pass allocates buffers; do both now rather than in a user's request.
    for item in served:
        for image_format in ("PNG", "JPEG"):
            run_prediction(item, _blank_image(item.preprocessing, image_format), None, 1)
    for cache in app.state.prediction_caches.values():
        cache.clear()  # the warm-up images are not users' requests

    @app.post(
        "/predict",
        response_model=PredictResponse,
        summary="Classify an uploaded image",
        responses={
            400: {"description": "Empty, corrupt or truncated image"},
            404: {"description": "Unknown model name"},
            413: {"description": "Upload or image too large"},
            415: {"description": "Not a multipart form, or not a PNG/JPEG image"},
            422: {"description": "Missing form field 'file' or invalid parameter"},
        },
    )
    async def predict(
        file: UploadFile = File(description="The image: PNG or JPEG, any size and colour mode."),
        model: str | None = Query(None, description="Model name (see /models); default: the first one."),
        top_k: int = Query(5, ge=1, le=MAX_TOP_K, description="How many labels to return."),
    ) -> dict:
        chosen = default_model if model is None else by_name.get(model)
        if chosen is None:
            raise HTTPException(
                status_code=404,
                detail=f"unknown model {model!r}; served models: {sorted(by_name)} (see /models)",
            )
        data = await file.read()  # bounded by UploadLimitMiddleware
        if uploads_in_flight[0] >= max_concurrent_decodes + max_waiting_decodes:
            raise HTTPException(
                status_code=503,
                detail=f"the server is busy: {max_concurrent_decodes} uploads decoding and "
                f"{max_waiting_decodes} waiting; retry in a second",
                headers={"Retry-After": "1"},
            )
        uploads_in_flight[0] += 1
        try:
            async with decode_slots:
                return await anyio.to_thread.run_sync(run_prediction, chosen, data, file.content_type, top_k)
        finally:
            uploads_in_flight[0] -= 1

    return app


def create_app_from_env() -> FastAPI:
    """Build the app from environment variables (for ``uvicorn --factory``).

    ``CLASSROOM_SERVE_MODELS``
        Model files, separated by ``os.pathsep`` (``:`` on Linux/macOS).
    ``CLASSROOM_SERVE_MAX_UPLOAD_BYTES``, ``CLASSROOM_SERVE_MAX_IMAGE_PIXELS``
        Optional limits (defaults as :func:`create_app`).
    ``CLASSROOM_SERVE_CACHE_SIZE``
        Optional prediction cache size (default 0: no cache).

    Examples
    --------
    ``CLASSROOM_SERVE_MODELS=runs/models/mnist_mlp.npz uvicorn --factory
    classroom.serve.app:create_app_from_env``
    """
    paths = [part for part in os.environ.get("CLASSROOM_SERVE_MODELS", "").split(os.pathsep) if part]
    if not paths:
        raise ValueError("set CLASSROOM_SERVE_MODELS to one or more model files")
    return create_app(
        paths,
        max_upload_bytes=int(os.environ.get("CLASSROOM_SERVE_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES)),
        max_image_pixels=int(os.environ.get("CLASSROOM_SERVE_MAX_IMAGE_PIXELS", DEFAULT_MAX_IMAGE_PIXELS)),
        cache_size=int(os.environ.get("CLASSROOM_SERVE_CACHE_SIZE", 0)),
    )
