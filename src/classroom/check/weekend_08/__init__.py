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

Each ``check_*`` function of the modules below is a registered check body,
``check(ns) -> str`` (see :func:`classroom.check.core.register`).

The workbook has one piece, ``create_app``; its checks and what they share,
in the order the checks run:

* ``reference.py``: the package's server (``reference_solutions``) and the upload limit the checks pass;
* ``uploads.py``: what the checks send, a drawn 7 as a PNG and a PNG above the limit;
* ``server.py``: the model file, the real server (``serving``), one POST and how a refusal is judged;
* ``good_image.py``: a good image gets 200 and the offline model's probabilities;
* ``refusals.py``: not an image, an empty upload, an oversized upload.
"""

from __future__ import annotations

# The order of these imports is the order of the checks (each module registers its own).
from . import good_image, refusals  # noqa: F401
from .reference import MAX_UPLOAD_BYTES, reference_solutions
from .server import serving

# Still importable from classroom.check.weekend_08, as when the checks were one module.
from .good_image import PROBABILITY_TOLERANCE, check_good_image  # noqa: F401
from .reference import PIECE, WEEKEND  # noqa: F401
from .refusals import check_empty_upload, check_not_an_image, check_oversized_upload  # noqa: F401

__all__ = ["MAX_UPLOAD_BYTES", "reference_solutions", "serving"]
