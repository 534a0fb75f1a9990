# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Weekend 8 workbook · a `/predict` endpoint for your model
#
# You will write `create_app(model_path, max_upload_bytes)`: a FastAPI
# application whose `POST /predict` takes an image in the multipart form field
# `file` and answers with the model's most likely labels, and refuses bad
# uploads with a clear JSON error instead of crashing.
#
# The checks start **your** app under a real uvicorn server on `127.0.0.1`
# (a free port, shut down afterwards) and send it four requests over HTTP: a
# good PNG, bytes that are not an image, an empty file and a file larger than
# the limit. Check it here, cell by cell, or from a terminal with
#
# ```bash
# classroom check weekend-08
# ```
#
# You need the serving libraries: `pip install "ml-classroom[serve]"` (FastAPI,
# uvicorn, python-multipart) and `httpx`. The model the checks serve is a small
# MLP with seeded, *untrained* weights saved by the package: its labels mean
# nothing, but your server must give exactly the probabilities the package's
# own server gives for it.

# %%
import io

import numpy as np
from PIL import Image, UnidentifiedImageError

from classroom.check import grade
from classroom.serve.model_file import load_served_model

try:
    from fastapi import FastAPI, File, HTTPException, UploadFile
except ImportError:  # the workbook still loads; the checks say how to install the extra
    print('FastAPI is not installed: pip install "ml-classroom[serve]"')

# %% [markdown]
# ## The contract
#
# | request | answer |
# | --- | --- |
# | a PNG or JPEG in the field `file` | `200` and `{"predictions": [{"label": "7", "probability": 0.93}, ...]}`, most likely first |
# | bytes that are not an image | `400` (or `415`) and `{"detail": "..."}` |
# | an empty file | `400` and `{"detail": "..."}` |
# | more than `max_upload_bytes` bytes | `413` and `{"detail": "..."}` |
#
# Load the model **once**, when the app is built, not in every request:
# `served = load_served_model(model_path)` checks the file and gives you
# `served.preprocessing(image)` (the exact preparation the training data had:
# colour mode, size, scaling, normalisation), `served.predict(batch)` (softmax
# probabilities, one row per input) and `served.classes` (the label of each
# output). Decode the upload yourself with `PIL.Image.open(io.BytesIO(data))`
# and `image.load()`: a decoder error is the client's mistake, not a server
# crash. `raise HTTPException(status_code=400, detail="...")` becomes a JSON
# error body.

# %% tags=["stub"]
def create_app(model_path, max_upload_bytes=1_000_000):
    """Build a FastAPI app that serves the model in ``model_path`` at ``POST /predict``.

    Parameters
    ----------
    model_path : str
        A model file written by ``classroom.serve.model_file.export_model``.
    max_upload_bytes : int, default 1_000_000
        Largest accepted upload; larger ones get 413.

    Returns
    -------
    fastapi.FastAPI
        ``POST /predict`` reads the image from the multipart field ``file``
        and returns ``{"predictions": [{"label": str, "probability": float}, ...]}``
        (at most 5, sorted, most likely first) with status 200; an empty or
        undecodable upload gets 400 and ``{"detail": str}``; an upload over
        ``max_upload_bytes`` gets 413 and ``{"detail": str}``.
    """
    raise NotImplementedError("write me: create_app with a POST /predict endpoint")


# %%
grade("weekend-08", "create_app", globals())

# %% [markdown]
# ## Try it by hand
#
# Save your own model with `classroom.serve.model_file.export_model` (the
# lesson's `scripts/export_demo_models.py` does it for MNIST), then serve it
# from a terminal, with your `create_app` in a file `my_server.py`:
#
# ```bash
# uvicorn --factory "my_server:make" --port 8000      # make() returns create_app("mnist_mlp.npz")
# curl -F file=@digit.png http://127.0.0.1:8000/predict
# ```

# %% [markdown]
# ## The reference
#
# The package's server is `classroom.serve.app` (`create_app` and its
# `UploadLimitMiddleware`, which refuses an oversized body before it is read),
# with the upload checks in `classroom.serve.images` (`decode_upload`); the
# site's API reference shows their source. **Try it yourself first**: the
# hints above say what to fix, and reading the answer before you have tried
# teaches much less.
