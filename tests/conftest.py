"""Shared test helpers.

* ``torch`` fixture: PyTorch if installed, else the test is skipped with a reason.
* ``require_data(*relative_paths)``: skip (outside CI) or fail (in CI) when a
  dataset file is not in the data directory.
* ``rng`` fixture: a seeded ``numpy.random.Generator``.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from classroom.config import data_dir

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded random generator, so every test reproduces."""
    return np.random.default_rng(0)


@pytest.fixture
def torch():
    """PyTorch, or a clean skip where it is not installed."""
    return pytest.importorskip("torch", reason="PyTorch is not installed (it is only a test oracle)")


def require_data(*relative_paths: str) -> None:
    """Skip the calling test unless the dataset files exist in the data directory.

    In CI (``CI=true``) a missing file fails instead: CI prepares the data
    directory, so a skip there would hide a broken setup.
    """
    missing = [path for path in relative_paths if not (data_dir() / path).exists()]
    if not missing:
        return
    message = (
        f"dataset files missing from the data directory {data_dir()}: {missing}; "
        "run scripts/prepare_data.py or set CLASSROOM_DATA"
    )
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)
