"""Timing a piece of code honestly: warm up first, repeat, report the median.

One measurement of a fast call is mostly noise: the first call pays for
caches, lazy imports and memory allocation, and on a shared machine any
call may be slowed by another program. :func:`time_call` runs the call a
few times untimed (the warm-up), then times ``repeats`` calls with
:func:`time.perf_counter` and reports their median, which one slow outlier
does not move.

Examples
--------
>>> timing = time_call(lambda: sum(range(1000)), repeats=5, warmup=1)
>>> len(timing.seconds), timing.median > 0
(5, True)
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Callable

__all__ = ["Timing", "time_call"]


@dataclass(frozen=True)
class Timing:
    """The timed repeats of one call, in seconds.

    Attributes
    ----------
    seconds : tuple of float
        Wall-clock time of each timed repeat, in the order they ran.
    """

    seconds: tuple

    @property
    def median(self) -> float:
        """Median of the repeats, in seconds."""
        return float(statistics.median(self.seconds))

    @property
    def best(self) -> float:
        """Fastest repeat, in seconds."""
        return float(min(self.seconds))

    @property
    def median_ms(self) -> float:
        """Median of the repeats, in milliseconds."""
        return self.median * 1000.0

    def percentile(self, q: float) -> float:
        """The ``q``-th percentile (0 to 100) of the repeats, in seconds, by linear interpolation."""
        if not 0 <= q <= 100:
            raise ValueError(f"percentile q must be between 0 and 100, got {q}")
        ordered = sorted(self.seconds)
        position = (len(ordered) - 1) * q / 100.0
        low = int(position)
        high = min(low + 1, len(ordered) - 1)
        return float(ordered[low] + (ordered[high] - ordered[low]) * (position - low))


def time_call(function: Callable[[], object], *, repeats: int = 7, warmup: int = 1) -> Timing:
    """Call ``function()`` ``warmup`` times untimed, then ``repeats`` times timed.

    Parameters
    ----------
    function : callable
        Takes no arguments (wrap arguments in a ``lambda``); its result is discarded.
    repeats : int, default 7
        Timed calls, at least 1.
    warmup : int, default 1
        Untimed calls before the timed ones, at least 0.

    Returns
    -------
    Timing
        ``timing.median`` is the number to report; ``timing.seconds`` holds every repeat.

    Raises
    ------
    ValueError
        If ``repeats < 1`` or ``warmup < 0``.
    """
    if int(repeats) < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    if int(warmup) < 0:
        raise ValueError(f"warmup must be at least 0, got {warmup}")
    for _ in range(int(warmup)):
        function()
    seconds = []
    for _ in range(int(repeats)):
        started = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - started)
    return Timing(tuple(seconds))
