"""Plot an ablation: every variant's mean score with its confidence interval.

:func:`plot_ablation` draws the table returned by
:func:`classroom.evaluation.experiments.run_ablation`: one column per variant, a dot for
each seed's score, and the mean with its confidence interval as an error
bar. Two variants whose intervals overlap a lot are not shown to differ by
these runs; one seed per variant would hide that completely.

matplotlib is only imported when the function is called, so ``import
classroom`` works without it.

Examples
--------
>>> from classroom.evaluation.experiments import run_ablation                        # doctest: +SKIP
>>> result = run_ablation({"baseline": train_a, "+ aug": train_b}, [0, 1, 2])  # doctest: +SKIP
>>> figure = plot_ablation(result, ylabel="validation accuracy")          # doctest: +SKIP
>>> figure.savefig("ablation.png")                                        # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from ._matplotlib import pyplot as _pyplot

__all__ = ["plot_ablation"]




def plot_ablation(
    result,
    *,
    ylabel: str = "score",
    title: str | None = None,
    highlight: str | None = None,
    ax=None,
):
    """Draw each variant's per-seed scores and mean ± confidence interval.

    Parameters
    ----------
    result : classroom.evaluation.experiments.AblationResult
        As returned by ``run_ablation``: ``rows`` with ``name``, ``scores``,
        ``mean``, ``low`` and ``high``, and ``confidence``.
    ylabel : str, default "score"
        Label of the vertical axis (say what was measured, e.g.
        ``"validation accuracy"``).
    title : str, optional
        Axis title.
    highlight : str, optional
        Name of a variant to draw in a second colour (e.g. the one chosen).
    ax : matplotlib.axes.Axes, optional
        Draw here instead of on a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``result`` has no rows or ``highlight`` names no variant.
    """
    rows = list(getattr(result, "rows", []))
    if not rows:
        raise ValueError("plot_ablation needs an AblationResult with at least one variant (from run_ablation)")
    names = [row.name for row in rows]
    if highlight is not None and highlight not in names:
        raise ValueError(f"highlight={highlight!r} is not a variant; variants are {names}")
    plt = _pyplot()
    if ax is None:
        figure, ax = plt.subplots(figsize=(max(4.0, 1.6 * len(rows) + 1.5), 3.8))
    else:
        figure = ax.figure

    positions = np.arange(len(rows))
    for position, row in zip(positions, rows):
        colour = "tab:orange" if row.name == highlight else "tab:blue"
        scores = np.asarray(row.scores, dtype=np.float64)
        # Spread the seeds sideways a little so equal scores stay visible.
        offsets = np.linspace(-0.12, 0.12, len(scores)) if len(scores) > 1 else np.zeros(1)
        ax.scatter(position + offsets, scores, s=18, color=colour, alpha=0.45, zorder=2)
        ax.errorbar(
            position,
            row.mean,
            yerr=[[row.mean - row.low], [row.high - row.mean]],
            fmt="o",
            markersize=7,
            capsize=6,
            linewidth=2,
            color=colour,
            zorder=3,
        )
    ax.set_xticks(positions)
    ax.set_xticklabels(names)
    ax.set_xlim(-0.6, len(rows) - 0.4)
    confidence = getattr(result, "confidence", 0.95)
    seeds = len(rows[0].scores)
    ax.set_ylabel(ylabel)
    ax.set_title(title if title is not None else f"mean ± {confidence:.0%} CI over {seeds} seeds (dots: seeds)")
    ax.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    return figure
