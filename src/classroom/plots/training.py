"""Training curves: how loss and accuracy moved, epoch by epoch (matplotlib, imported lazily).

* :func:`plot_history`: training and validation curves of one run;
* :func:`compare_histories`: the same curve for several runs on one axis.

Both take a ``Trainer.history`` (a list of per-epoch dicts) and return the
matplotlib ``Figure``, so a notebook can show it, save it
(``figure.savefig("curves.png")``) or tweak it. matplotlib is only imported
when a function is called, so ``import classroom`` works without it
(``pip install matplotlib`` to plot).

Examples
--------
>>> from classroom.plots import plot_history          # doctest: +SKIP
>>> figure = plot_history(trainer.history)            # doctest: +SKIP
>>> figure.savefig("history.png")                     # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ._matplotlib import pyplot as _pyplot

__all__ = ["compare_histories", "plot_history"]


def _history_columns(history) -> tuple[list[int], dict[str, list]]:
    """Return ``(epochs, {name: values})`` from a ``History`` or its ``to_dict()`` form."""
    if hasattr(history, "to_dict"):
        history = history.to_dict()
    if not isinstance(history, Mapping):
        raise TypeError(
            "history must be a classroom.train.History or a dict like "
            f"{{'epoch': [...], 'loss': [...]}}, got {type(history).__name__}"
        )
    columns = {name: list(values) for name, values in history.items() if name != "epoch"}
    if not columns:
        raise ValueError("history has no recorded quantities (train for at least one epoch first)")
    length = len(next(iter(columns.values())))
    epochs = list(history.get("epoch", range(1, length + 1)))
    return epochs, columns


def _integer_ticks(axis) -> None:
    """Label the x axis with whole numbers only (epochs are counted, not measured)."""
    from matplotlib.ticker import MaxNLocator

    axis.xaxis.set_major_locator(MaxNLocator(integer=True))


def _as_float_array(values: list) -> np.ndarray:
    """Turn a history column (numbers or None) into floats with NaN for None."""
    return np.array([np.nan if value is None else float(value) for value in values], dtype=np.float64)


def plot_history(history, metrics: Sequence[str] = ("loss", "accuracy"), *, title: str | None = None):
    """Plot training and validation curves, one panel per metric.

    For each name in ``metrics`` the training curve (``name``) is drawn as
    a dashed line and the validation curve (``val_<name>``) as a solid line,
    when recorded. The best validation epoch is marked with a dot.

    Parameters
    ----------
    history : classroom.train.History or dict
        A history, or its ``to_dict()`` form ``{"epoch": [...], "loss": [...], ...}``
        (for example read back from a ``metrics.json``).
    metrics : sequence of str, default ("loss", "accuracy")
        Quantities to draw. Names missing from the history are skipped.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per metric found.

    Raises
    ------
    ValueError
        If none of ``metrics`` (nor ``val_<metric>``) was recorded.
    """
    plt = _pyplot()
    epochs, columns = _history_columns(history)
    present = [name for name in metrics if name in columns or f"val_{name}" in columns]
    if not present:
        raise ValueError(f"history has none of {list(metrics)} (it has {sorted(columns)})")
    figure, axes = plt.subplots(1, len(present), figsize=(5 * len(present), 3.5), squeeze=False)
    for axis, name in zip(axes[0], present):
        if name in columns:
            axis.plot(epochs, _as_float_array(columns[name]), "--", color="C0", label=f"training {name}")
        validation_name = f"val_{name}"
        if validation_name in columns:
            values = _as_float_array(columns[validation_name])
            axis.plot(epochs, values, "-", color="C1", label=f"validation {name}")
            if np.any(np.isfinite(values)):
                best = int(np.nanargmax(values) if "acc" in name else np.nanargmin(values))
                axis.plot(epochs[best], values[best], "o", color="C1")
        axis.set(xlabel="epoch", ylabel=name)
        _integer_ticks(axis)
        axis.grid(alpha=0.3)
        axis.legend()
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def compare_histories(histories: Mapping, metric: str = "loss", *, title: str | None = None, ax=None):
    """Draw one metric of several runs on one axis: training dashed, validation solid.

    Each run gets one colour; its training curve (``metric``) is dashed and
    its validation curve (``val_<metric>``) solid, so the gap between them
    (overfitting) is visible for every run at once.

    Parameters
    ----------
    histories : mapping of str to History or dict
        Run name -> its history (as for :func:`plot_history`).
    metric : str, default "loss"
        The quantity to compare, e.g. ``"loss"`` or ``"accuracy"``.
    title : str, optional
        Axis title.
    ax : matplotlib.axes.Axes, optional
        Draw here instead of on a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axis.

    Raises
    ------
    ValueError
        If ``histories`` is empty or a run recorded neither ``metric`` nor ``val_<metric>``.
    """
    plt = _pyplot()
    if not histories:
        raise ValueError("compare_histories needs at least one run, got an empty mapping")
    if ax is None:
        figure, ax = plt.subplots(figsize=(7, 4))
    else:
        figure = ax.figure
    for index, (run_name, history) in enumerate(histories.items()):
        epochs, columns = _history_columns(history)
        colour = f"C{index % 10}"
        if metric not in columns and f"val_{metric}" not in columns:
            raise ValueError(f"run {run_name!r} has no '{metric}' or 'val_{metric}' (it has {sorted(columns)})")
        if metric in columns:
            ax.plot(epochs, _as_float_array(columns[metric]), "--", color=colour, alpha=0.7)
        if f"val_{metric}" in columns:
            ax.plot(epochs, _as_float_array(columns[f"val_{metric}"]), "-", color=colour, label=run_name)
    ax.set(xlabel="epoch", ylabel=metric, title=title or f"{metric}: training (dashed) and validation (solid)")
    _integer_ticks(ax)
    ax.grid(alpha=0.3)
    ax.legend()
    return figure
