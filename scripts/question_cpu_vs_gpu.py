"""Full run of the question "How do GPUs differ from CPUs?", measured on this CPU.

Measures what the roofline model of a processor needs, on every thread
count of ``--threads`` (default 1 and 2):

* the GFLOP/s of a float32 matrix product ``a @ b`` of square matrices of
  each size in ``--sizes`` (``classroom.evaluation.throughput.measure_matmul``
  on one thread; on more, the rows split between worker threads with
  ``classroom.nn.parallel.use_threads``, each thread a single-threaded BLAS
  call on its slice, the way the course's layers use several cores);
* the GB/s of an element-wise float32 ``a + b`` on arrays of each length in
  ``--add-elements`` (``measure_add``; split the same way on more threads);
  the longest arrays are far larger than the last-level cache, so they
  measure main memory;
* from those, the roofline: the fastest matrix product as the peak, the
  add on the longest arrays as the bandwidth, their ratio as the ridge
  point, and a fit of ``seconds = overhead + FLOPs / rate`` over the
  matrix products (``fit_time_model``);
* on one thread, where two layers of the course's models sit on that
  roofline: the second convolution of the weekend-4 CNN (``cifar_cnn``,
  32 -> 64 channels, 3 x 3, at 16 x 16) and the first ``Linear`` of the
  weekend-1 MLP (784 -> 512), at each batch size of ``--layer-batches``;
  one Adam step over the MLP's parameters (element-wise, the work of
  weekend 6's optimizers); and the whole MLP at batch 1, against the time
  its arithmetic alone would take at the measured peak.

The layers are untrained (seeded random weights) and the inputs are random
numbers (synthetic data): the time of a forward pass does not depend on the
values. Bytes are the minimum traffic (each input, weight and output once).

Writes ``runs/questions/cpu-vs-gpu.json``, which ``docs/questions/cpu-vs-gpu.py`` reads.

Usage::

    python scripts/question_cpu_vs_gpu.py                     # a few minutes
    python scripts/question_cpu_vs_gpu.py --sizes 32 64 --add-elements 4096 65536 --layer-batches 1 4 --repeats 3 --out /tmp/q
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from classroom.evaluation.throughput import (
    elementwise_cost,
    fit_time_model,
    matmul_cost,
    measure_add,
    measure_call,
    measure_matmul,
    roofline,
)
from classroom.evaluation.timing import time_call
from classroom.models.cnn import cifar_cnn
from classroom.models.mlp import MLP
from classroom.nn.flops import layer_costs, total_macs
from classroom.nn.parallel import run_chunks, use_threads
from classroom.optim import Adam
from classroom.train.runs import add_run_options, finish_run, start_run

ROOT = Path(__file__).resolve().parents[1]
SLUG = "cpu-vs-gpu"
#: Each measurement repeats its call until about this much work has been timed (at least ``--repeats`` calls).
FLOP_BUDGET = 2e9
BYTE_BUDGET = 4e8
MAX_REPEATS = 2000
#: Operations per parameter of one Adam step as ``classroom.optim.Adam`` writes it (13 element-wise NumPy calls),
#: and the arrays it must at least read (weights, gradient, two moments) and write (weights, two moments).
ADAM_FLOPS, ADAM_READS, ADAM_WRITES = 13, 4, 3


def parse_arguments(argv=None) -> argparse.Namespace:
    """Read the command-line options (see ``--help``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+",
                        default=[32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096],
                        help="n of the (n x n) @ (n x n) float32 matrix products")
    parser.add_argument("--add-elements", type=int, nargs="+", default=[4 ** power for power in range(6, 14)],
                        help="numbers per array of the element-wise add (default 4**6 to 4**13 = 67,108,864: "
                             "three arrays of 256 MiB each, far beyond the cache)")
    parser.add_argument("--layer-batches", type=int, nargs="+", default=[1, 256],
                        help="batch sizes at which the CNN convolution and the MLP Linear layer are timed")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                        help="thread counts of the matrix products and the add (default 1 2)")
    parser.add_argument("--repeats", type=int, default=15,
                        help="timed calls at least, per measurement (more for small calls, up to 2,000)")
    add_run_options(parser, out=ROOT / "runs" / "questions", seed=0, data_dir=False)
    return parser.parse_args(argv)


def repeats_for(work: float, budget: float, minimum: int) -> int:
    """Enough calls to time about ``budget`` of work, at least ``minimum``, at most ``MAX_REPEATS``."""
    return int(max(minimum, min(MAX_REPEATS, budget // max(work, 1))))


def split_matmul(n: int, threads: int, repeats: int, rng) -> object:
    """``a @ b`` for random (n, n) float32 matrices: ``measure_matmul`` on one thread, rows split over more."""
    if threads == 1:
        return measure_matmul(n, repeats=repeats, warmup=2, rng=rng)
    generator = np.random.default_rng(rng)
    a = generator.standard_normal((n, n)).astype(np.float32)
    b = generator.standard_normal((n, n)).astype(np.float32)
    out = np.empty((n, n), dtype=np.float32)
    flops, moved = matmul_cost(n, n, n)
    return measure_call(lambda: run_chunks(lambda part: np.matmul(a[part], b, out=out[part]), n),
                        flops, moved, repeats=repeats, warmup=2)


def split_add(elements: int, threads: int, repeats: int) -> object:
    """``np.add(a, b, out=c)`` on float32 arrays: ``measure_add`` on one thread, the range split over more."""
    if threads == 1:
        return measure_add(elements, repeats=repeats, warmup=2)
    a = np.full(elements, 1.0, dtype=np.float32)
    b = np.full(elements, 2.0, dtype=np.float32)
    c = np.zeros(elements, dtype=np.float32)  # written once here: no page faults in the timed calls
    flops, moved = elementwise_cost(elements)
    return measure_call(lambda: run_chunks(lambda part: np.add(a[part], b[part], out=c[part]), elements),
                        flops, moved, repeats=repeats, warmup=2)


def entry_of(result, repeats: int, **extra) -> dict:
    """The JSON entry of one ``Throughput``: work, median time and rates."""
    return {**extra, "flops": result.flops, "bytes": result.bytes, "intensity": round(result.intensity, 4),
            "ms": round(result.seconds * 1e3, 6), "gflops": round(result.gflops, 3),
            "gb_per_s": round(result.gb_per_s, 3), "repeats": repeats}


def cache_sizes() -> dict:
    """Data and unified cache sizes in bytes by level (``{"L1d": 32768, ...}``), from Linux's sysfs; {} elsewhere."""
    caches = {}
    for folder in sorted(Path("/sys/devices/system/cpu/cpu0/cache").glob("index*")):
        try:
            level = (folder / "level").read_text().strip()
            kind = (folder / "type").read_text().strip()
            size = (folder / "size").read_text().strip()
        except OSError:
            continue
        if kind == "Instruction":
            continue
        scale = {"K": 1024, "M": 1024 ** 2}.get(size[-1:], 1)
        caches[f"L{level}{'d' if kind == 'Data' else ''}"] = int(size.rstrip("KM")) * scale
    return caches


def layer_entry(layer, input_shape, batch: int, repeats: int, rng) -> dict:
    """Time one layer's forward pass (eval mode) at ``batch``: FLOPs, minimum bytes, GFLOP/s."""
    cost = layer_costs(layer, input_shape)[0]
    layer.eval()
    x = rng.standard_normal((batch, *input_shape)).astype(np.float32)
    flops = 2 * batch * cost.macs
    moved = 4 * (batch * int(np.prod(input_shape)) + cost.parameters + batch * int(np.prod(cost.output_shape)))
    count = repeats_for(flops, FLOP_BUDGET, repeats)
    return entry_of(measure_call(lambda: layer(x), flops, moved, repeats=count, warmup=2), count,
                    kind=cost.kind, batch=batch, input_shape=list(input_shape),
                    output_shape=list(cost.output_shape), parameters=cost.parameters)


def adam_entry(model, repeats: int, rng) -> dict:
    """Time one ``Adam.step()`` over ``model``'s parameters with random gradients: an element-wise operation."""
    parameters = list(model.parameters())
    for parameter in parameters:
        parameter.grad = (0.01 * rng.standard_normal(parameter.data.shape)).astype(parameter.data.dtype)
    optimizer = Adam(parameters, lr=1e-3)
    elements = sum(int(parameter.data.size) for parameter in parameters)
    flops, moved = elementwise_cost(elements, inputs=ADAM_READS, outputs=ADAM_WRITES, flops_per_element=ADAM_FLOPS)
    count = repeats_for(moved, BYTE_BUDGET, repeats)
    return entry_of(measure_call(optimizer.step, flops, moved, repeats=count, warmup=2), count,
                    kind="Adam.step", batch=None, parameters=elements)


def main(argv=None) -> int:
    """Measure the matrix products, the adds and the layers; write the JSON record."""
    arguments = parse_arguments(argv)
    start = start_run()
    matmul, add, rooflines, fits = {}, {}, {}, {}
    blas = None
    for threads in arguments.threads:
        blas = use_threads(threads)  # worker threads for the split, the BLAS library on one thread
        rows = []
        for n in arguments.sizes:
            count = repeats_for(2 * n ** 3, FLOP_BUDGET, arguments.repeats)
            rows.append(entry_of(split_matmul(n, threads, count, arguments.seed), count, n=n))
            print(f"{threads} thread(s), matmul n={n}: {rows[-1]['gflops']:.1f} GFLOP/s", flush=True)
        matmul[str(threads)] = rows
        rows = []
        for elements in arguments.add_elements:
            count = repeats_for(12 * elements, BYTE_BUDGET, arguments.repeats)
            rows.append(entry_of(split_add(elements, threads, count), count, elements=elements))
            print(f"{threads} thread(s), add of {elements:,} numbers: {rows[-1]['gb_per_s']:.1f} GB/s", flush=True)
        add[str(threads)] = rows
        fastest = max(matmul[str(threads)], key=lambda row: row["gflops"])
        longest = max(add[str(threads)], key=lambda row: row["elements"])
        rooflines[str(threads)] = {
            "peak_gflops": fastest["gflops"], "peak_at_n": fastest["n"],
            "bandwidth_gb_per_s": longest["gb_per_s"], "bandwidth_at_elements": longest["elements"],
            "ridge_flops_per_byte": round(fastest["gflops"] / longest["gb_per_s"], 3),
        }
        if len(arguments.sizes) > 1:
            overhead, rate = fit_time_model([row["flops"] for row in matmul[str(threads)]],
                                            [row["ms"] / 1e3 for row in matmul[str(threads)]])
            fits[str(threads)] = {"overhead_us": round(overhead * 1e6, 3),
                                  "gflops": None if rate == float("inf") else round(rate / 1e9, 2)}

    use_threads(1)
    rng = np.random.default_rng(arguments.seed)
    cnn = cifar_cnn(widths=(32, 64, 128, 256), rng=arguments.seed)
    mlp = MLP(784, [512], 10, rng=arguments.seed).eval()
    roof = rooflines.get("1") or next(iter(rooflines.values()))
    points = []
    for name, layer, shape in (("CNN layer 4: Conv2d(32, 64, 3) at 16 x 16", cnn[4], (32, 16, 16)),
                               ("MLP layer 0: Linear(784, 512)", mlp[0], (784,))):
        for batch in arguments.layer_batches:
            entry = layer_entry(layer, shape, batch, arguments.repeats, rng)
            entry = {"name": name, **entry, "attainable_gflops": round(float(
                roofline(entry["intensity"], roof["peak_gflops"], roof["bandwidth_gb_per_s"])), 3)}
            points.append(entry)
            print(f"{name}, batch {batch}: {entry['intensity']:.1f} FLOP/byte, {entry['gflops']:.1f} GFLOP/s "
                  f"(roofline {entry['attainable_gflops']:.1f})", flush=True)
    adam = {"name": "Adam step over the MLP's parameters", **adam_entry(MLP(784, [512], 10, rng=arguments.seed),
                                                                          arguments.repeats, rng)}
    adam["attainable_gflops"] = round(float(roofline(adam["intensity"], roof["peak_gflops"],
                                                     roof["bandwidth_gb_per_s"])), 3)
    points.append(adam)
    print(f"{adam['name']}: {adam['intensity']:.2f} FLOP/byte, {adam['gflops']:.1f} GFLOP/s, "
          f"{adam['gb_per_s']:.1f} GB/s", flush=True)
    x = rng.standard_normal((1, 784)).astype(np.float32)
    flops = 2 * total_macs(mlp, (784,))
    timing = time_call(lambda: mlp(x), repeats=MAX_REPEATS, warmup=20)
    mlp_batch_1 = {"model": "MLP(784, [512], 10)", "flops": flops, "us": round(timing.median * 1e6, 3),
                   "us_at_peak": round(flops / (roof["peak_gflops"] * 1e9) * 1e6, 3), "repeats": MAX_REPEATS}
    print(f"MLP at batch 1: {mlp_batch_1['us']:.1f} µs per call, {mlp_batch_1['us_at_peak']:.1f} µs of arithmetic "
          "at the peak rate", flush=True)

    finish_run(
        start,
        script="scripts/question_cpu_vs_gpu.py",
        argv=argv,
        arguments=arguments,
        results={
            "results": {"caches": cache_sizes(), "matmul": matmul, "add": add, "rooflines": rooflines,
                        "matmul_fits": fits, "model_points": points, "mlp_batch_1": mlp_batch_1},
            "note": "float32 throughout; median time per call after 2 warm-ups; bytes are the minimum traffic (each "
                    "input, weight and output once); on more than one thread the rows of a product, or the range of "
                    "an add, are split between worker threads (use_threads), each calling a single-threaded BLAS; "
                    "the layers are untrained (seeded random weights) in eval mode on synthetic inputs, on one thread. "
                    "No GPU was measured.",
        },
        out=arguments.out,
        name=SLUG,
        threads=" and ".join(map(str, arguments.threads)),
        blas=blas,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
