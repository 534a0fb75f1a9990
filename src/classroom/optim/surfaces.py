"""Two-dimensional loss surfaces, and the path an optimizer takes across them.

A network's loss lives in millions of dimensions, so nobody can look at it.
A function of two numbers ``f(x, y)`` can be drawn as a contour map, and the
path of an optimizer drawn on top of it shows *how* the optimizer moves:
zig-zagging across a narrow valley, overshooting, or gliding along it.

This module gives

* test surfaces with their exact gradients: :class:`Rosenbrock` (a curved,
  narrow valley), :class:`Quadratic` (an elongated bowl whose curvature you
  choose) and :class:`Himmelblau` (four minima);
* :func:`run_optimizer_on_surface`, which puts the point ``(x, y)`` in a
  ``Parameter`` and lets any ``classroom.optim`` optimizer walk it downhill,
  recording every position in a :class:`Trajectory`.

Plots of surfaces and trajectories are in ``classroom.plots.plane``.

Examples
--------
>>> from classroom.optim import Adam
>>> surface = Rosenbrock()
>>> path = run_optimizer_on_surface(lambda params: Adam(params, lr=0.05), (-1.5, 2.0), 300, surface=surface)
>>> path.points.shape
(301, 2)
>>> bool(path.values[-1] < path.values[0])
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..nn import Parameter

__all__ = [
    "Himmelblau",
    "Quadratic",
    "Rosenbrock",
    "Surface",
    "Trajectory",
    "run_optimizer_on_surface",
]


class Surface:
    """Base class of a 2-D test function ``f(x, y)`` with its gradient.

    Subclasses implement ``value`` and ``gradient``; both work element-wise on
    arrays of any (matching) shape, so one call evaluates a whole grid.

    Attributes
    ----------
    name : str
        A short human-readable name (used in plot titles).
    minima : list of tuple of float
        The global minima ``(x, y)``.
    x_range, y_range : tuple of float
        A window ``(low, high)`` that shows the interesting part of the surface.
    """

    name = "surface"
    minima: list = []
    x_range = (-2.0, 2.0)
    y_range = (-2.0, 2.0)

    def value(self, x, y):
        """Return ``f(x, y)``.

        Parameters
        ----------
        x, y : float or ndarray of shape (...)
            Coordinates (same shape, or broadcastable).

        Returns
        -------
        float or ndarray of shape (...)
        """
        raise NotImplementedError(f"{type(self).__name__} must implement value(x, y)")

    def gradient(self, x, y):
        """Return ``(df/dx, df/dy)`` at ``(x, y)``.

        Parameters
        ----------
        x, y : float or ndarray of shape (...)
            Coordinates.

        Returns
        -------
        tuple of (float or ndarray of shape (...))
            The two partial derivatives.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement gradient(x, y)")

    def __call__(self, x, y):
        """Same as ``value(x, y)``."""
        return self.value(x, y)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Rosenbrock(Surface):
    """Rosenbrock's banana-shaped valley: ``f = (a - x)**2 + b * (y - x**2)**2``.

    The minimum ``f = 0`` is at ``(a, a**2)``, at the bottom of a long, curved,
    flat-bottomed valley with steep walls. Finding the valley is easy; moving
    along it is what separates optimizers.

    Parameters
    ----------
    a : float, default 1.0
        Position of the minimum, ``(a, a**2)``.
    b : float, default 100.0
        Steepness of the valley walls (larger is harder).

    Examples
    --------
    >>> surface = Rosenbrock()
    >>> float(surface(1.0, 1.0)), surface.gradient(1.0, 1.0)
    (0.0, (0.0, 0.0))
    """

    name = "Rosenbrock"
    x_range = (-2.0, 2.0)
    y_range = (-1.0, 3.0)

    def __init__(self, a: float = 1.0, b: float = 100.0):
        if b <= 0:
            raise ValueError(f"Rosenbrock needs b > 0 (the valley steepness), got b={b}")
        self.a = float(a)
        self.b = float(b)
        self.minima = [(self.a, self.a**2)]

    def value(self, x, y):
        """Return ``(a - x)**2 + b * (y - x**2)**2``."""
        return (self.a - x) ** 2 + self.b * (y - x**2) ** 2

    def gradient(self, x, y):
        """Return ``(2 (x - a) - 4 b x (y - x**2), 2 b (y - x**2))``."""
        valley_offset = y - x**2
        df_dx = 2.0 * (x - self.a) - 4.0 * self.b * x * valley_offset
        df_dy = 2.0 * self.b * valley_offset
        return df_dx, df_dy

    def __repr__(self) -> str:
        return f"Rosenbrock(a={self.a:g}, b={self.b:g})"


class Quadratic(Surface):
    """An axis-aligned elongated bowl: ``f = (x**2 + condition * y**2) / 2``.

    The curvature is 1 along ``x`` and ``condition`` along ``y``, so one
    learning rate cannot suit both directions: plain gradient descent
    diverges for ``lr > 2 / condition`` and crawls along ``x`` for smaller
    rates. The minimum ``f = 0`` is at the origin.

    Parameters
    ----------
    condition : float, default 25.0
        Ratio of the largest to the smallest curvature (the condition number).

    Examples
    --------
    >>> Quadratic(condition=25.0).gradient(1.0, 1.0)
    (1.0, 25.0)
    """

    name = "Elongated quadratic"
    minima = [(0.0, 0.0)]
    x_range = (-2.5, 2.5)
    y_range = (-1.5, 1.5)

    def __init__(self, condition: float = 25.0):
        if condition <= 0:
            raise ValueError(f"Quadratic needs a positive condition number, got condition={condition}")
        self.condition = float(condition)

    def value(self, x, y):
        """Return ``(x**2 + condition * y**2) / 2``."""
        return 0.5 * (x**2 + self.condition * y**2)

    def gradient(self, x, y):
        """Return ``(x, condition * y)``."""
        return 1.0 * x, self.condition * y

    def __repr__(self) -> str:
        return f"Quadratic(condition={self.condition:g})"


class Himmelblau(Surface):
    """Himmelblau's function: ``f = (x**2 + y - 11)**2 + (x + y**2 - 7)**2``.

    Four global minima with ``f = 0``, one of them at ``(3, 2)``: where an
    optimizer ends up depends on where it starts.
    """

    name = "Himmelblau"
    minima = [
        (3.0, 2.0),
        (-2.805118, 3.131312),
        (-3.779310, -3.283186),
        (3.584428, -1.848126),
    ]
    x_range = (-5.0, 5.0)
    y_range = (-5.0, 5.0)

    def value(self, x, y):
        """Return ``(x**2 + y - 11)**2 + (x + y**2 - 7)**2``."""
        return (x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2

    def gradient(self, x, y):
        """Return ``(4 x u + 2 w, 2 u + 4 y w)`` with ``u = x**2 + y - 11`` and ``w = x + y**2 - 7``."""
        first = x**2 + y - 11.0
        second = x + y**2 - 7.0
        df_dx = 4.0 * x * first + 2.0 * second
        df_dy = 2.0 * first + 4.0 * y * second
        return df_dx, df_dy


@dataclass
class Trajectory:
    """The path of one optimizer run on a surface.

    Attributes
    ----------
    points : ndarray of shape (n_points, 2)
        Positions ``(x, y)``: the start, then one row per step taken.
    values : ndarray of shape (n_points,)
        ``f`` at each position.
    diverged : bool
        True when the run stopped early because the position or the value
        became infinite or NaN (the learning rate was too large).
    """

    points: np.ndarray
    values: np.ndarray
    diverged: bool = False

    @property
    def final_point(self) -> np.ndarray:
        """ndarray of shape (2,): the last position reached."""
        return self.points[-1]

    def distance_to(self, point) -> np.ndarray:
        """Return the distance of every position to ``point``.

        Parameters
        ----------
        point : sequence of 2 floats
            E.g. ``surface.minima[0]``.

        Returns
        -------
        ndarray of shape (n_points,)
        """
        return np.linalg.norm(self.points - np.asarray(point, dtype=np.float64), axis=1)


def run_optimizer_on_surface(
    optimizer_factory: Callable,
    start,
    steps: int,
    *,
    surface: Surface | None = None,
) -> Trajectory:
    """Let an optimizer walk a point downhill on a 2-D surface and record the path.

    The point ``(x, y)`` is one ``Parameter`` of shape (2,) (float64). Each
    step sets its ``grad`` to the surface's exact gradient and calls
    ``optimizer.step()``, exactly as in a training loop.

    Parameters
    ----------
    optimizer_factory : callable
        Called once with the list of parameters, returns an optimizer, e.g.
        ``lambda params: SGD(params, lr=1e-3, momentum=0.9)``.
    start : sequence of 2 floats
        The starting point ``(x, y)``.
    steps : int
        Number of optimizer steps (non-negative).
    surface : Surface, optional
        The function to minimise. Default ``Rosenbrock()``.

    Returns
    -------
    Trajectory
        ``steps + 1`` points (fewer, with ``diverged=True``, if the run blew up).

    Raises
    ------
    ValueError
        If ``start`` is not two finite numbers or ``steps`` is negative.
    TypeError
        If ``optimizer_factory`` is not callable or does not return an
        object with a ``step()`` method.

    Examples
    --------
    >>> from classroom.optim import SGD
    >>> path = run_optimizer_on_surface(lambda p: SGD(p, lr=0.1), (2.0, 1.0), 100, surface=Quadratic(4.0))
    >>> bool(np.allclose(path.final_point, 0.0, atol=1e-2))
    True
    """
    surface = Rosenbrock() if surface is None else surface
    try:
        start_array = np.asarray(start, dtype=np.float64)
    except (TypeError, ValueError):
        start_array = np.full(1, np.nan)
    if start_array.shape != (2,) or not np.all(np.isfinite(start_array)):
        raise ValueError(f"start must be two finite numbers (x, y), got {start!r}")
    if isinstance(steps, bool) or int(steps) != steps or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    if not callable(optimizer_factory):
        raise TypeError(
            "optimizer_factory must be a function of the parameter list, e.g. "
            f"lambda params: Adam(params, lr=0.01); got {type(optimizer_factory).__name__}"
        )

    point = Parameter(start_array)
    optimizer = optimizer_factory([point])
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(
            f"optimizer_factory returned {type(optimizer).__name__}, which has no step() method; "
            "return an optimizer such as SGD(params, lr=0.01)"
        )

    points = [point.data.copy()]
    values = [float(surface.value(*point.data))]
    diverged = False
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(int(steps)):
            df_dx, df_dy = surface.gradient(*point.data)
            point.grad[...] = (df_dx, df_dy)
            optimizer.step()
            value = float(surface.value(*point.data))
            if not (np.all(np.isfinite(point.data)) and np.isfinite(value)):
                diverged = True
                break
            points.append(point.data.copy())
            values.append(value)
    return Trajectory(points=np.array(points), values=np.array(values), diverged=diverged)
