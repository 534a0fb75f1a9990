"""A model file and a real server for weekend 8's checks.

``_model_file`` exports a seeded, untrained MLP once per process; :func:`serving`
runs an app under a real uvicorn server on 127.0.0.1 in a thread; ``_post``
builds the learner's app, serves it and sends one upload; ``_require_refusal``
judges the answer to a bad upload.
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from classroom.check.core import CheckFailed

from .reference import MAX_UPLOAD_BYTES

__all__ = ["serving"]


_MNIST_PREPROCESS = {"mode": "L", "size": [28, 28], "mean": [0.1307], "std": [0.3081], "invert": "auto"}


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
