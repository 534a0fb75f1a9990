"""How fast is the arithmetic? FLOP/s, bytes/s, arithmetic intensity and the roofline.

A computation does ``flops`` floating-point operations and moves ``bytes``
between memory and the processor. Measured over ``seconds``, it achieves
``flops / seconds`` FLOP/s and ``bytes / seconds`` of memory traffic. Its
**arithmetic intensity** ``flops / bytes`` says which of the two limits it:
the **roofline** model bounds the attainable rate by

    attainable GFLOP/s = min(peak GFLOP/s, intensity * bandwidth GB/s),

so a matrix product of large matrices (many operations per byte) can run
near the peak, while an element-wise ``a + b`` (one operation per 12 bytes
of float32) runs at the speed of memory.

* :func:`matmul_cost` and :func:`elementwise_cost`: operations and bytes of
  a product and of an element-wise operation;
* :func:`roofline`: the bound above;
* :func:`measure_call`, :func:`measure_matmul`, :func:`measure_add`: time a
  call with :func:`classroom.evaluation.timing.time_call` and turn the
  median into GFLOP/s and GB/s (a :class:`Throughput`);
* :func:`fit_time_model`: fit ``seconds ~ overhead + flops / rate`` to
  measured times, the rule of thumb for inference latency.

One multiply-add counts as 2 FLOPs here (see :mod:`classroom.nn.flops`,
which counts multiply-adds). Bytes are counted once per array read or
written (the minimum traffic); caches can make real traffic lower for
small arrays, which is why bandwidth is measured on arrays larger than
the last-level cache.

Examples
--------
>>> matmul_cost(2, 3, 4)                 # (2 x 3) @ (3 x 4) in float32
(48, 104)
>>> float(roofline(0.25, peak_gflops=100.0, bandwidth_gb_per_s=20.0))
5.0
>>> result = measure_matmul(64, repeats=3)
>>> result.flops, result.gflops > 0
(524288, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from .timing import Timing, time_call

__all__ = [
    "Throughput",
    "elementwise_cost",
    "fit_time_model",
    "matmul_cost",
    "measure_add",
    "measure_call",
    "measure_matmul",
    "roofline",
]


def _positive_int(name: str, value) -> int:
    if int(value) != value or int(value) < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def matmul_cost(m: int, k: int, n: int, itemsize: int = 4) -> tuple[int, int]:
    """Operations and minimum bytes moved by the product of an ``(m, k)`` and a ``(k, n)`` matrix.

    Parameters
    ----------
    m, k, n : int
        The shapes: ``(m, k) @ (k, n) -> (m, n)``.
    itemsize : int, default 4
        Bytes per number (4 for float32, 8 for float64).

    Returns
    -------
    flops : int
        ``2 * m * k * n`` (one multiply and one add per term).
    bytes : int
        ``itemsize * (m*k + k*n + m*n)``: each input read once, the output written once.

    Raises
    ------
    ValueError
        If a size is not a positive integer.
    """
    m, k, n = (_positive_int(name, value) for name, value in (("m", m), ("k", k), ("n", n)))
    itemsize = _positive_int("itemsize", itemsize)
    return 2 * m * k * n, itemsize * (m * k + k * n + m * n)


def elementwise_cost(elements: int, *, inputs: int = 2, outputs: int = 1, flops_per_element: int = 1,
                     itemsize: int = 4) -> tuple[int, int]:
    """Operations and minimum bytes of an element-wise operation on arrays of ``elements`` numbers.

    Parameters
    ----------
    elements : int
        Numbers in each array.
    inputs, outputs : int, default 2, 1
        Arrays read and written (``a + b``: 2 and 1; batch norm in eval
        mode, ``x * scale + shift`` with per-channel scale and shift: 1 and 1).
    flops_per_element : int, default 1
        Operations per element (``a + b``: 1; ``x * scale + shift``: 2).
    itemsize : int, default 4
        Bytes per number.

    Returns
    -------
    flops, bytes : int
        ``flops_per_element * elements`` and ``itemsize * elements * (inputs + outputs)``.
    """
    elements = _positive_int("elements", elements)
    if int(inputs) < 0 or int(outputs) < 0 or int(inputs) + int(outputs) < 1 or int(flops_per_element) < 0:
        raise ValueError(f"need inputs, outputs >= 0 (not both 0) and flops_per_element >= 0, got "
                         f"{inputs}, {outputs}, {flops_per_element}")
    return int(flops_per_element) * elements, _positive_int("itemsize", itemsize) * elements * (int(inputs) + int(outputs))


def roofline(intensity, peak_gflops: float, bandwidth_gb_per_s: float):
    """The attainable GFLOP/s at arithmetic ``intensity`` (FLOPs per byte): ``min(peak, intensity * bandwidth)``.

    Parameters
    ----------
    intensity : float or array_like
        FLOPs per byte moved, positive.
    peak_gflops : float
        The processor's arithmetic peak (measured or published), GFLOP/s.
    bandwidth_gb_per_s : float
        Its memory bandwidth, GB/s (1 GB = 10**9 bytes).

    Returns
    -------
    float or ndarray
        Same shape as ``intensity``. The two limits meet at the **ridge
        point** ``intensity = peak / bandwidth``.

    Raises
    ------
    ValueError
        If any input is not positive.
    """
    intensity = np.asarray(intensity, dtype=np.float64)
    if np.any(~(intensity > 0)) or not peak_gflops > 0 or not bandwidth_gb_per_s > 0:
        raise ValueError(f"intensity, peak and bandwidth must be positive, got {intensity}, {peak_gflops}, "
                         f"{bandwidth_gb_per_s}")
    return np.minimum(float(peak_gflops), intensity * float(bandwidth_gb_per_s))


@dataclass(frozen=True)
class Throughput:
    """A timed computation with known work: operations, bytes and the timing.

    Attributes
    ----------
    flops : int
        Floating-point operations of one call.
    bytes : int
        Bytes one call moves (at least).
    timing : Timing
        The timed repeats (see :func:`classroom.evaluation.timing.time_call`).
    """

    flops: int
    bytes: int
    timing: Timing

    @property
    def seconds(self) -> float:
        """Median seconds of one call."""
        return self.timing.median

    @property
    def gflops(self) -> float:
        """Achieved GFLOP/s: ``flops / median seconds / 1e9``."""
        return self.flops / self.seconds / 1e9

    @property
    def gb_per_s(self) -> float:
        """Achieved memory traffic in GB/s: ``bytes / median seconds / 1e9``."""
        return self.bytes / self.seconds / 1e9

    @property
    def intensity(self) -> float:
        """Arithmetic intensity, FLOPs per byte."""
        return self.flops / self.bytes


def measure_call(function: Callable[[], object], flops: int, nbytes: int, *, repeats: int = 5,
                 warmup: int = 1) -> Throughput:
    """Time ``function()`` (median of ``repeats`` after ``warmup``) and attach its work.

    Parameters
    ----------
    function : callable
        Takes no arguments.
    flops, nbytes : int
        Work of one call: operations (>= 0) and bytes moved (>= 1).
    repeats, warmup : int
        As :func:`classroom.evaluation.timing.time_call`.

    Returns
    -------
    Throughput
    """
    if int(flops) < 0 or int(nbytes) < 1:
        raise ValueError(f"flops must be >= 0 and nbytes >= 1, got {flops} and {nbytes}")
    return Throughput(int(flops), int(nbytes), time_call(function, repeats=repeats, warmup=warmup))


def measure_matmul(n: int, *, dtype=np.float32, repeats: int = 5, warmup: int = 1, rng=0) -> Throughput:
    """Time ``a @ b`` for two random ``(n, n)`` matrices (NumPy's BLAS), written into a preallocated output.

    Parameters
    ----------
    n : int
        Matrix size.
    dtype : numpy dtype, default float32
    repeats, warmup : int
        As :func:`classroom.evaluation.timing.time_call`.
    rng : int or numpy.random.Generator, default 0
        Source of the random matrices.

    Returns
    -------
    Throughput
        ``flops = 2 n**3``, ``bytes = 3 n**2 itemsize``.
    """
    n = _positive_int("n", n)
    generator = np.random.default_rng(rng)
    a = generator.standard_normal((n, n)).astype(dtype)
    b = generator.standard_normal((n, n)).astype(dtype)
    out = np.empty((n, n), dtype=dtype)
    flops, moved = matmul_cost(n, n, n, a.itemsize)
    return measure_call(lambda: np.matmul(a, b, out=out), flops, moved, repeats=repeats, warmup=warmup)


def measure_add(elements: int, *, dtype=np.float32, repeats: int = 5, warmup: int = 1) -> Throughput:
    """Time ``np.add(a, b, out=c)`` on arrays of ``elements`` numbers: the memory bandwidth when they exceed the cache.

    The output is preallocated and written once before timing, so the
    operating system's first-touch page faults are not timed.

    Parameters
    ----------
    elements : int
        Numbers per array; use arrays several times larger than the last-level
        cache to measure main memory.
    dtype : numpy dtype, default float32
    repeats, warmup : int
        As :func:`classroom.evaluation.timing.time_call`.

    Returns
    -------
    Throughput
        ``flops = elements``, ``bytes = 3 * elements * itemsize`` (two reads, one write).
    """
    elements = _positive_int("elements", elements)
    a = np.full(elements, 1.0, dtype=dtype)
    b = np.full(elements, 2.0, dtype=dtype)
    c = np.zeros(elements, dtype=dtype)
    flops, moved = elementwise_cost(elements, itemsize=a.itemsize)
    return measure_call(lambda: np.add(a, b, out=c), flops, moved, repeats=repeats, warmup=warmup)


def fit_time_model(flops: Sequence[float], seconds: Sequence[float]) -> tuple[float, float]:
    """Fit ``seconds ~ overhead + flops / rate`` to measurements, minimising the relative error.

    The rule of thumb for inference time: a fixed cost per call (Python,
    layer dispatch, memory allocation) plus the arithmetic at some achieved
    rate. Each point is weighted by ``1 / seconds``, so small and large
    models count alike.

    Parameters
    ----------
    flops : sequence of float
        Operations of each measured call, at least two distinct values.
    seconds : sequence of float
        Its measured time, positive.

    Returns
    -------
    overhead : float
        Seconds per call, clipped at 0.
    rate : float
        Achieved FLOP/s of the arithmetic part (``inf`` when the times do not grow with ``flops``).

    Raises
    ------
    ValueError
        If the lengths differ, a time is not positive, or fewer than two distinct ``flops`` are given.
    """
    flops = np.asarray(flops, dtype=np.float64)
    seconds = np.asarray(seconds, dtype=np.float64)
    if flops.shape != seconds.shape or flops.ndim != 1:
        raise ValueError(f"flops and seconds must be 1-D of the same length, got shapes {flops.shape}, {seconds.shape}")
    if np.any(~(seconds > 0)) or np.any(flops < 0):
        raise ValueError("seconds must be positive and flops non-negative")
    if len(np.unique(flops)) < 2:
        raise ValueError("need at least two different flop counts to fit an overhead and a rate")
    weights = 1.0 / seconds
    design = np.stack([np.ones_like(flops), flops], axis=1) * weights[:, None]
    (overhead, inverse_rate), *_ = np.linalg.lstsq(design, seconds * weights, rcond=None)
    if overhead < 0:  # refit through the origin
        overhead = 0.0
        inverse_rate = float(np.sum(weights**2 * flops * seconds) / np.sum((weights * flops) ** 2))
    rate = float("inf") if inverse_rate <= 0 else 1.0 / float(inverse_rate)
    return float(overhead), rate
