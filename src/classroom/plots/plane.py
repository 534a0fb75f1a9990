"""Plots in the plane: decision regions of a classifier, loss contours and optimizer paths.

Like ``classroom.plots``, every plot function returns the matplotlib
``Figure``; pass ``ax=`` to draw into an existing panel.

Two kinds of pictures need a 2-D grid of points:

* :func:`plot_decision_boundary` colours every point of the plane by the
  class a model predicts there (weekend 2), with the data on top;
* :func:`plot_surface_contours` and :func:`plot_trajectories` draw the
  contour map of a :class:`classroom.optim.surfaces.Surface` and the paths that
  optimizers take across it (weekend 6).

The grids are built by :func:`decision_grid` and :func:`surface_grid`, which
use NumPy only. Matplotlib is imported when a plot is drawn, so the rest of
the package works without it.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

from ._matplotlib import pyplot as _pyplot

__all__ = [
    "decision_grid",
    "plot_decision_boundary",
    "plot_surface_contours",
    "plot_trajectories",
    "surface_grid",
]




def _check_resolution(resolution: int) -> int:
    if isinstance(resolution, bool) or int(resolution) != resolution or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2 (grid points per axis), got {resolution!r}")
    return int(resolution)


def decision_grid(
    predict: Callable[[np.ndarray], np.ndarray],
    X,
    *,
    resolution: int = 200,
    margin: float = 0.5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluate a classifier on a regular grid that covers the data.

    Parameters
    ----------
    predict : callable
        Maps an ndarray of shape (n_points, 2) to class labels of shape
        (n_points,), e.g. ``model.predict``.
    X : ndarray of shape (n_samples, 2)
        The data the grid must cover.
    resolution : int, default 200
        Grid points along each axis.
    margin : float, default 0.5
        Extra room around the data, in the units of ``X``.

    Returns
    -------
    xx, yy : ndarray of shape (resolution, resolution)
        Grid coordinates (as ``numpy.meshgrid``).
    labels : ndarray of shape (resolution, resolution)
        The predicted class at every grid point.

    Raises
    ------
    ValueError
        If ``X`` is not of shape (n_samples, 2) or ``predict`` returns the
        wrong number of labels.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [1.0, 1.0]])
    >>> xx, yy, labels = decision_grid(lambda points: (points[:, 0] > 0.5).astype(int), X, resolution=3, margin=0)
    >>> labels
    array([[0, 0, 1],
           [0, 0, 1],
           [0, 0, 1]])
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        raise ValueError(
            f"decision boundaries are drawn for two features: X must have shape (n_samples, 2), "
            f"got {X.shape}; select two columns, e.g. X[:, [2, 3]]"
        )
    resolution = _check_resolution(resolution)
    low = X.min(axis=0) - margin
    high = X.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution))
    grid_points = np.column_stack([xx.ravel(), yy.ravel()])
    labels = np.asarray(predict(grid_points))
    if labels.shape != (len(grid_points),):
        raise ValueError(
            f"predict must return one label per point: expected shape ({len(grid_points)},), "
            f"got {labels.shape}; pass model.predict, not model.predict_proba"
        )
    return xx, yy, labels.reshape(xx.shape)


def plot_decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray],
    X,
    y,
    *,
    ax=None,
    resolution: int = 200,
    margin: float = 0.5,
    feature_names: Sequence[str] | None = None,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
    cmap: str = "viridis",
):
    """Colour the plane by predicted class and scatter the labelled data on top.

    The boundary between two colours is the decision boundary; for a linear
    model (logistic or softmax regression) it is made of straight lines.

    Parameters
    ----------
    predict : callable
        Maps an ndarray of shape (n_points, 2) to labels of shape (n_points,).
    X : ndarray of shape (n_samples, 2)
        Two features per sample.
    y : ndarray of shape (n_samples,)
        Integer class labels ``0 .. n_classes - 1``.
    ax : matplotlib Axes, optional
        Where to draw; default a new figure.
    resolution : int, default 200
        Grid points per axis.
    margin : float, default 0.5
        Extra room around the data.
    feature_names : sequence of 2 str, optional
        Axis labels.
    class_names : sequence of str, optional
        Legend entries, ``class_names[label]``.
    title : str, optional
        Axes title.
    cmap : str, default "viridis"
        Colormap shared by the regions and the points.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes (``figure.axes[0]`` when it was new).

    Raises
    ------
    ValueError
        If ``X`` and ``y`` do not match, or ``X`` does not have two columns.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(f"y must have one label per row of X: X has shape {X.shape}, y has shape {y.shape}")
    xx, yy, labels = decision_grid(predict, X, resolution=resolution, margin=margin)
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.5))
    n_classes = int(max(labels.max(), y.max())) + 1
    colormap = plt.get_cmap(cmap, n_classes)
    # One colour band per class: boundaries halfway between integer labels.
    levels = np.arange(-0.5, n_classes, 1.0)
    ax.contourf(xx, yy, labels, levels=levels, cmap=colormap, alpha=0.25)
    ax.contour(xx, yy, labels, levels=levels[1:-1], colors="k", linewidths=0.8)
    for label in range(n_classes):
        members = y == label
        if not np.any(members):
            continue
        name = class_names[label] if class_names is not None else f"class {label}"
        ax.scatter(
            X[members, 0],
            X[members, 1],
            color=colormap(label),
            edgecolor="k",
            linewidth=0.5,
            s=30,
            label=name,
        )
    if feature_names is not None:
        ax.set_xlabel(feature_names[0])
        ax.set_ylabel(feature_names[1])
    if title is not None:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    return ax.figure


def surface_grid(surface, *, x_range=None, y_range=None, resolution: int = 200):
    """Evaluate a surface on a regular grid.

    Parameters
    ----------
    surface : classroom.optim.surfaces.Surface
        Anything with ``value(x, y)`` that works on arrays.
    x_range, y_range : tuple of float, optional
        ``(low, high)``; default the surface's own ``x_range`` / ``y_range``.
    resolution : int, default 200
        Grid points per axis.

    Returns
    -------
    xx, yy, zz : ndarray of shape (resolution, resolution)
        Coordinates and ``f(xx, yy)``.
    """
    resolution = _check_resolution(resolution)
    x_low, x_high = surface.x_range if x_range is None else x_range
    y_low, y_high = surface.y_range if y_range is None else y_range
    if not (x_low < x_high and y_low < y_high):
        raise ValueError(f"ranges must be (low, high) with low < high, got x_range={x_range}, y_range={y_range}")
    xx, yy = np.meshgrid(np.linspace(x_low, x_high, resolution), np.linspace(y_low, y_high, resolution))
    return xx, yy, surface.value(xx, yy)


def plot_surface_contours(
    surface,
    *,
    ax=None,
    x_range=None,
    y_range=None,
    resolution: int = 200,
    levels: int = 30,
    log_scale: bool = True,
):
    """Draw the contour map of a 2-D surface and mark its minima with stars.

    Parameters
    ----------
    surface : classroom.optim.surfaces.Surface
        The function to draw.
    ax : matplotlib Axes, optional
        Where to draw; default a new figure.
    x_range, y_range : tuple of float, optional
        The window; default the surface's own.
    resolution : int, default 200
        Grid points per axis.
    levels : int, default 30
        Number of contour lines.
    log_scale : bool, default True
        Space the contour levels logarithmically, so the flat bottom of a
        valley gets lines too (needs a non-negative surface).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes (``figure.axes[0]`` when it was new).
    """
    xx, yy, zz = surface_grid(surface, x_range=x_range, y_range=y_range, resolution=resolution)
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    if log_scale:
        if np.min(zz) < 0:
            raise ValueError("log_scale=True needs a non-negative surface; pass log_scale=False")
        low = max(float(np.min(zz)), 1e-3)
        contour_levels = np.geomspace(low, float(np.max(zz)), levels)
    else:
        contour_levels = np.linspace(float(np.min(zz)), float(np.max(zz)), levels)
    ax.contour(xx, yy, zz, levels=contour_levels, cmap="Greys_r", linewidths=0.6, alpha=0.8)
    for x_min, y_min in getattr(surface, "minima", []):
        ax.plot(x_min, y_min, marker="*", markersize=14, color="gold", markeredgecolor="k", linestyle="none")
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(getattr(surface, "name", type(surface).__name__))
    return ax.figure


def plot_trajectories(
    surface,
    trajectories: Mapping[str, object],
    *,
    ax=None,
    x_range=None,
    y_range=None,
    resolution: int = 200,
    levels: int = 30,
    log_scale: bool = True,
    markers_every: int = 0,
):
    """Draw optimizer paths on top of the contour map of a surface.

    Parameters
    ----------
    surface : classroom.optim.surfaces.Surface
        The surface the paths were run on.
    trajectories : mapping of str to Trajectory or ndarray of shape (n_points, 2)
        One path per label (e.g. ``{"SGD": path, "Adam": other_path}``).
    ax : matplotlib Axes, optional
        Where to draw; default a new figure.
    x_range, y_range : tuple of float, optional
        The window; default the surface's own.
    resolution, levels, log_scale
        Passed to :func:`plot_surface_contours`.
    markers_every : int, default 0
        Also mark every ``markers_every``-th position (0: no markers), which
        shows the step sizes.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes; the legend lists the trajectories in order.

    Raises
    ------
    ValueError
        If a path is not an array of shape (n_points, 2).
    """
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(6, 5))
    plot_surface_contours(
        surface,
        ax=ax,
        x_range=x_range,
        y_range=y_range,
        resolution=resolution,
        levels=levels,
        log_scale=log_scale,
    )
    for label, trajectory in trajectories.items():
        points = np.asarray(getattr(trajectory, "points", trajectory), dtype=np.float64)
        if points.ndim != 2 or points.shape[1] != 2:
            raise ValueError(f"trajectory {label!r} must have shape (n_points, 2), got {points.shape}")
        markevery = markers_every if markers_every > 0 else None
        (line,) = ax.plot(
            points[:, 0],
            points[:, 1],
            label=label,
            linewidth=1.6,
            marker="o" if markevery else None,
            markersize=3,
            markevery=markevery,
        )
        ax.plot(points[0, 0], points[0, 1], marker="o", color="k", markersize=5, linestyle="none")
        ax.plot(points[-1, 0], points[-1, 1], marker="x", color=line.get_color(), markersize=8, linestyle="none")
    ax.legend(loc="best", fontsize="small")
    return ax.figure
