"""The one place the plotting modules import matplotlib from."""

from __future__ import annotations


def pyplot():
    """Import and return ``matplotlib.pyplot``, or explain how to install it.

    Importing on first use keeps ``import classroom`` free of matplotlib.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:  # pragma: no cover - matplotlib is installed wherever plots are drawn
        raise ImportError(
            "classroom.plots needs matplotlib; install it with `pip install matplotlib` "
            "(it is part of the docs extra: `pip install -e .[docs]`)"
        ) from error
    return plt
