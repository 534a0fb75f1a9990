"""The package's answer to the stub of weekend 8 (``classroom.serve.app.create_app``), and the upload limit.

:func:`reference_solutions` maps ``create_app`` to the package's server;
:data:`MAX_UPLOAD_BYTES` is the limit every check passes to the learner's ``create_app``.
"""

from __future__ import annotations

WEEKEND = "weekend-08"
PIECE = "create_app"
MAX_UPLOAD_BYTES = 100_000
"""The limit the checks pass to ``create_app``; the oversized upload is a valid PNG above it."""

__all__ = ["MAX_UPLOAD_BYTES", "reference_solutions"]


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
