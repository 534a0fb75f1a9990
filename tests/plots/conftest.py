"""Shared by the plot tests: the non-interactive Agg backend, and every figure closed after its test.

The plot tests need matplotlib; each test module asks for it with
``pytest.importorskip`` so that it is skipped, not failed, without it.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def close_figures():
    """Use the Agg backend, then close every figure a test opened, so memory does not grow."""
    matplotlib = pytest.importorskip("matplotlib", reason="matplotlib is needed to draw plots")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield
    plt.close("all")
