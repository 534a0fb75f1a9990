# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # How do GPUs differ from CPUs?
#
# > *"Everyone says deep learning needs a GPU, and this course runs on a
# > laptop CPU. What does a GPU do differently, how much faster would it be,
# > and would it make the networks of this course faster?"*
#
# **Short answer.** A CPU has a few large cores, each built to finish one
# stream of instructions as soon as possible; a GPU has thousands of
# simpler arithmetic units that apply the same operation to many numbers at
# once, fed by a much faster memory. Which of the two limits a computation
# depends on its **arithmetic intensity**, the operations it does per byte
# it moves. This page measures both limits of *this* CPU: the GFLOP/s of
# float32 matrix products from 32 x 32 to 2048 x 2048 (4096 in the
# recorded run), on one core and on two, and the GB/s of an element-wise add on arrays larger than the
# cache. Together they draw the CPU's **roofline**, on which a convolution
# of the weekend-4 CNN, a `Linear` layer of the weekend-1 MLP (at batch 1
# and 256) and an Adam step are placed. Then the published figures of one
# well-known GPU, NVIDIA's A100, are set beside the measured ones, and the
# ratios computed: the GPU is far ahead on both limits. It helps most
# where there is a lot of work per call; a small model at batch 1 spends
# its time on fixed costs per call, which a GPU does not remove and adds
# to (copying the input over PCIe, launching every operation). Those GPU
# costs are **not measured** here: there is no GPU on this machine.
#
# **Quick mode.** When the site is built with `CLASSROOM_QUICK=1`, four
# matrix sizes (32 to 2048) and four array lengths (up to 64 MiB per
# array) are measured, with fewer repeats. Nothing is trained: the layers
# have seeded random weights, which compute exactly as much as trained
# ones, and their inputs are random numbers. The recorded full run at the
# end measures fifteen matrix sizes up to 4096 and arrays up to 256 MiB.

# %%
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from classroom.config import quick_mode
from classroom.evaluation import markdown_table
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
from classroom.train.runs import describe_run, machine_record, read_run

QUICK = quick_mode()
SIZES = [32, 128, 512, 2048] if QUICK else [32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096]
ADD_ELEMENTS = [4 ** 6, 4 ** 8, 4 ** 10, 4 ** 12] if QUICK else [4 ** power for power in range(6, 14)]
LAYER_BATCHES = [1, 256]
THREADS = [1, 2]
REPEATS = 5 if QUICK else 15
FLOP_BUDGET, BYTE_BUDGET, MAX_REPEATS = 2e9, 4e8, 2000  # small calls are repeated until this much work is timed
started = time.perf_counter()


def cache_sizes():
    """Data and unified cache sizes in bytes by level, from Linux's sysfs ({} elsewhere)."""
    caches = {}
    for folder in sorted(Path("/sys/devices/system/cpu/cpu0/cache").glob("index*")):
        try:
            level, kind, size = ((folder / name).read_text().strip() for name in ("level", "type", "size"))
        except OSError:
            continue
        if kind != "Instruction":
            scale = {"K": 1024, "M": 1024 ** 2}.get(size[-1:], 1)
            caches[f"L{level}{'d' if kind == 'Data' else ''}"] = int(size.rstrip("KM")) * scale
    return caches


machine = machine_record()
caches = cache_sizes()
print(f"{'quick' if QUICK else 'full'} mode: matrix sizes {SIZES}; add lengths {ADD_ELEMENTS}; "
      f"threads {THREADS}; at least {REPEATS} timed calls per measurement")
print(f"this machine: {machine['cpu']}, {machine['cpu_count']} cores; NumPy {machine['numpy']}")
print("caches (per core except the last level): "
      + ", ".join(f"{level} {size / 1024:,.0f} KiB" for level, size in caches.items()))

# %% [markdown]
# ## Work and bytes: arithmetic intensity
#
# Two numbers describe a computation: the floating-point operations it does
# (FLOPs; a multiply-add counts as 2) and the bytes it must at least move
# between memory and the processor (every input read once, every output
# written once). `matmul_cost(m, k, n)` and `elementwise_cost(elements)`
# count them. Their ratio, FLOPs per byte, is the **arithmetic intensity**.
# A square matrix product does $2n^3$ operations on $3n^2$ numbers, so its
# intensity grows with $n$; an add does one operation per 12 bytes
# (two float32 read, one written), however long the arrays.

# %%
rows = []
for n in SIZES:
    flops, moved = matmul_cost(n, n, n)
    rows.append([f"({n} x {n}) @ ({n} x {n})", f"{flops:,}", f"{moved:,}", f"{flops / moved:,.2f}"])
flops, moved = elementwise_cost(ADD_ELEMENTS[-1])
rows.append([f"a + b, {ADD_ELEMENTS[-1]:,} numbers each", f"{flops:,}", f"{moved:,}", f"{flops / moved:.3f}"])
markdown_table(["float32 computation", "FLOPs", "bytes (at least)", "FLOP per byte"], rows)

# %% [markdown]
# ## Matrix products: GFLOP/s on one core and on two
#
# `measure_matmul(n)` times `np.matmul(a, b, out=out)` for two random
# float32 matrices (NumPy's BLAS library does the work) and returns a
# `Throughput`: the median time of the repeats and the GFLOP/s it implies.
# On one thread (`use_threads(1)`) that is the whole story. On two,
# the rows of `a` are split between two worker threads with
# `classroom.nn.parallel.run_chunks`, each computing its half of the
# product with a single-threaded BLAS call: exactly how the course's
# layers use a second core after `use_threads(2)`. Small products are
# repeated many times (until about 2 GFLOP have been timed, at most 2,000
# calls), so their median is not just timer noise.

# %%
def repeats_for(work, budget):
    return int(max(REPEATS, min(MAX_REPEATS, budget // max(work, 1))))


def entry_of(result, repeats, **extra):
    """The same entry as the full-run script records: work, median time, rates."""
    return {**extra, "flops": result.flops, "bytes": result.bytes, "intensity": result.intensity,
            "ms": result.seconds * 1e3, "gflops": result.gflops, "gb_per_s": result.gb_per_s, "repeats": repeats}


def split_matmul(n, threads, repeats):
    if threads == 1:
        return measure_matmul(n, repeats=repeats, warmup=2)
    generator = np.random.default_rng(0)
    a = generator.standard_normal((n, n)).astype(np.float32)
    b = generator.standard_normal((n, n)).astype(np.float32)
    out = np.empty((n, n), dtype=np.float32)
    flops, moved = matmul_cost(n, n, n)
    return measure_call(lambda: run_chunks(lambda part: np.matmul(a[part], b, out=out[part]), n),
                        flops, moved, repeats=repeats, warmup=2)


def split_add(elements, threads, repeats):
    if threads == 1:
        return measure_add(elements, repeats=repeats, warmup=2)
    a, b = np.full(elements, 1.0, np.float32), np.full(elements, 2.0, np.float32)
    c = np.zeros(elements, np.float32)
    flops, moved = elementwise_cost(elements)
    return measure_call(lambda: run_chunks(lambda part: np.add(a[part], b[part], out=c[part]), elements),
                        flops, moved, repeats=repeats, warmup=2)


results = {"caches": caches, "matmul": {}, "add": {}}
for threads in THREADS:
    use_threads(threads)
    results["matmul"][str(threads)] = [
        entry_of(split_matmul(n, threads, repeats_for(2 * n ** 3, FLOP_BUDGET)), repeats_for(2 * n ** 3, FLOP_BUDGET),
                 n=n) for n in SIZES]
    results["add"][str(threads)] = [
        entry_of(split_add(elements, threads, repeats_for(12 * elements, BYTE_BUDGET)),
                 repeats_for(12 * elements, BYTE_BUDGET), elements=elements) for elements in ADD_ELEMENTS]
use_threads(1)


def matmul_table(results):
    one, two = results["matmul"]["1"], results["matmul"]["2"]
    return markdown_table(
        ["n", "FLOP per byte", "ms, 1 thread", "GFLOP/s, 1 thread", "ms, 2 threads", "GFLOP/s, 2 threads",
         "2 threads / 1"],
        [[row["n"], f"{row['intensity']:.1f}", f"{row['ms']:.4f}", f"{row['gflops']:.1f}", f"{other['ms']:.4f}",
          f"{other['gflops']:.1f}", f"{other['gflops'] / row['gflops']:.2f}"] for row, other in zip(one, two)])


matmul_table(results)

# %% [markdown]
# ## Memory: GB/s of an element-wise add
#
# `measure_add(elements)` times `np.add(a, b, out=c)` on float32 arrays and
# counts 12 bytes per element. While the three arrays fit in a cache, the
# numbers come from there; once they are several times larger than the
# last-level cache, every byte comes from main memory and the rate is the
# **memory bandwidth**. The "fits in" column compares the three arrays'
# size with this CPU's caches as Linux reports them (the L1 and L2
# caches belong to one core; the last level is shared).

# %%
def fits_in(nbytes, caches):
    for level, size in caches.items():
        if nbytes <= size:
            return level
    return "main memory"


def add_table(results):
    one, two = results["add"]["1"], results["add"]["2"]
    return markdown_table(
        ["numbers per array", "MiB, three arrays", "fits in", "GB/s, 1 thread", "GB/s, 2 threads"],
        [[f"{row['elements']:,}", f"{row['bytes'] / 2 ** 20:,.2f}", fits_in(row["bytes"], results["caches"]),
          f"{row['gb_per_s']:.1f}", f"{other['gb_per_s']:.1f}"] for row, other in zip(one, two)])


add_table(results)

# %%
def plot_measurements(results, title):
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for threads, colour in (("1", "tab:blue"), ("2", "tab:orange")):
        rows = results["matmul"][threads]
        left.semilogx([row["n"] for row in rows], [row["gflops"] for row in rows], "o-", color=colour,
                      label=f"{threads} thread(s)")
        rows = results["add"][threads]
        right.loglog([row["bytes"] for row in rows], [row["gb_per_s"] for row in rows], "o-", color=colour,
                     label=f"{threads} thread(s)")
    for level, size in results["caches"].items():
        right.axvline(size, color="grey", linestyle=":")
        right.annotate(level, (size, right.get_ylim()[0]), textcoords="offset points", xytext=(3, 5), fontsize=8)
    left.set(xlabel="n of the (n x n) float32 matrices", ylabel="GFLOP/s", title="matrix product a @ b", ylim=(0, None))
    right.set(xlabel="bytes moved by one add (three arrays)", ylabel="GB/s", title="element-wise a + b")
    for axis in (left, right):
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle(title)
    plt.show()


plot_measurements(results, "This CPU, measured: arithmetic (left) and memory traffic (right)")

# %% [markdown]
# Left: a small product is slow per FLOP, because a fixed cost per call
# (Python, NumPy's dispatch and, on two threads, handing the halves to the
# workers and waiting for both) is paid for very little arithmetic. Large
# products settle at the rate of the arithmetic units, and only there can a
# second core pay for itself; on a shared machine it also has to be free.
# Right: the add is fast while its three arrays fit in the caches (the
# dotted lines mark their sizes) and falls to the speed of main memory
# once they are larger than the last-level cache; the shortest arrays are
# again dominated by the cost of the call. The fixed cost per call is read off
# the matrix products with `fit_time_model`, which fits
# `seconds = overhead + FLOPs / rate` to them:

# %%
def print_fits(fits):
    for threads, fit in fits.items():
        rate = "no growth" if fit["gflops"] is None else f"{fit['gflops']:.1f} GFLOP/s"
        print(f"{threads} thread(s): overhead {fit['overhead_us']:.2f} µs per call, then {rate}")


def fits_of(results):
    fits = {}
    for threads, rows in results["matmul"].items():
        overhead, rate = fit_time_model([row["flops"] for row in rows], [row["ms"] / 1e3 for row in rows])
        fits[threads] = {"overhead_us": overhead * 1e6, "gflops": None if rate == float("inf") else rate / 1e9}
    return fits


results["matmul_fits"] = fits_of(results)
print_fits(results["matmul_fits"])

# %% [markdown]
# ## The roofline of this CPU
#
# The **roofline** model bounds what a computation of intensity $I$ can
# reach: `roofline(I, peak, bandwidth) = min(peak, I x bandwidth)`. Here the
# peak is the fastest matrix product measured above and the bandwidth is
# the add on the longest arrays, so both are what this CPU actually
# delivers, not its data sheet. The two lines meet at the **ridge point**,
# `peak / bandwidth` FLOPs per byte: a computation left of it waits for
# memory, one right of it for arithmetic.

# %%
def rooflines_of(results):
    rooflines = {}
    for threads in results["matmul"]:
        fastest = max(results["matmul"][threads], key=lambda row: row["gflops"])
        longest = max(results["add"][threads], key=lambda row: row["elements"])
        rooflines[threads] = {"peak_gflops": fastest["gflops"], "peak_at_n": fastest["n"],
                              "bandwidth_gb_per_s": longest["gb_per_s"], "bandwidth_at_elements": longest["elements"],
                              "ridge_flops_per_byte": fastest["gflops"] / longest["gb_per_s"]}
    return rooflines


def print_rooflines(rooflines):
    for threads, roof in rooflines.items():
        print(f"{threads} thread(s): peak {roof['peak_gflops']:.1f} GFLOP/s (n = {roof['peak_at_n']}), "
              f"bandwidth {roof['bandwidth_gb_per_s']:.1f} GB/s ({roof['bandwidth_at_elements']:,} numbers per array), "
              f"ridge point {roof['ridge_flops_per_byte']:.1f} FLOP/byte")


results["rooflines"] = rooflines_of(results)
print_rooflines(results["rooflines"])

# %% [markdown]
# Where do the course's models sit? Three pieces of work, timed on one
# thread in eval mode:
#
# * the second convolution of the weekend-4 CNN (`cifar_cnn`, layer 4:
#   `Conv2d(32, 64, 3)` on 16 x 16 feature maps), at batch 1 and 256;
# * the first `Linear(784, 512)` of the weekend-1 MLP, at batch 1 and 256;
# * one `Adam.step()` over all the MLP's parameters (weekend 6). As
#   `classroom.optim.Adam` writes it, the step is 13 element-wise operations
#   per parameter and must at least read the weights, the gradient and two
#   moment arrays and write back three of them: 28 bytes.
#
# FLOPs are `2 x multiply-adds` from `classroom.nn.flops.layer_costs`;
# bytes are the minimum traffic, every input, weight and output once. (A
# convolution here also writes and reads its im2col copy, real traffic
# that this count leaves out.)

# %%
rng = np.random.default_rng(0)
cnn = cifar_cnn(widths=(32, 64, 128, 256), rng=0)
mlp = MLP(784, [512], 10, rng=0).eval()
roof = results["rooflines"]["1"]


def layer_point(name, layer, input_shape, batch):
    cost = layer_costs(layer, input_shape)[0]
    layer.eval()
    x = rng.standard_normal((batch, *input_shape)).astype(np.float32)
    flops = 2 * batch * cost.macs
    moved = 4 * (batch * int(np.prod(input_shape)) + cost.parameters + batch * int(np.prod(cost.output_shape)))
    count = repeats_for(flops, FLOP_BUDGET)
    return entry_of(measure_call(lambda: layer(x), flops, moved, repeats=count, warmup=2), count,
                    name=name, kind=cost.kind, batch=batch, parameters=cost.parameters)


def adam_point(model):
    parameters = list(model.parameters())
    for parameter in parameters:
        parameter.grad = (0.01 * rng.standard_normal(parameter.data.shape)).astype(np.float32)
    optimizer = Adam(parameters, lr=1e-3)
    elements = sum(parameter.data.size for parameter in parameters)
    flops, moved = elementwise_cost(elements, inputs=4, outputs=3, flops_per_element=13)
    count = repeats_for(moved, BYTE_BUDGET)
    return entry_of(measure_call(optimizer.step, flops, moved, repeats=count, warmup=2), count,
                    name="Adam step over the MLP's parameters", kind="Adam.step", batch=None, parameters=elements)


points = [layer_point("CNN layer 4: Conv2d(32, 64, 3) at 16 x 16", cnn[4], (32, 16, 16), batch)
          for batch in LAYER_BATCHES]
points += [layer_point("MLP layer 0: Linear(784, 512)", mlp[0], (784,), batch) for batch in LAYER_BATCHES]
points.append(adam_point(MLP(784, [512], 10, rng=0)))
for point in points:
    point["attainable_gflops"] = float(roofline(point["intensity"], roof["peak_gflops"], roof["bandwidth_gb_per_s"]))
results["model_points"] = points


def points_table(results):
    rows = []
    for point in results["model_points"]:
        batch = "" if point["batch"] is None else point["batch"]
        where = "memory" if point["intensity"] < results["rooflines"]["1"]["ridge_flops_per_byte"] else "arithmetic"
        rows.append([point["name"], batch, f"{point['flops']:,}", f"{point['bytes']:,}", f"{point['intensity']:.2f}",
                     where, f"{point['ms']:.4f}", f"{point['gflops']:.1f}", f"{point['attainable_gflops']:.1f}",
                     f"{point['gflops'] / point['attainable_gflops']:.0%}"])
    return markdown_table(["work", "batch", "FLOPs", "bytes (at least)", "FLOP per byte", "bound by", "ms",
                           "GFLOP/s", "roofline, 1 thread", "of the roofline"], rows)


points_table(results)

# %%
def plot_roofline(results, title):
    figure, axis = plt.subplots(figsize=(9, 5.2))
    grid = np.geomspace(0.02, 1000, 200)
    for threads, style in (("1", "-"), ("2", "--")):
        roof = results["rooflines"][threads]
        axis.loglog(grid, roofline(grid, roof["peak_gflops"], roof["bandwidth_gb_per_s"]), style, color="black",
                    label=f"roofline, {threads} thread(s): min({roof['peak_gflops']:.0f} GFLOP/s, "
                          f"I x {roof['bandwidth_gb_per_s']:.1f} GB/s)")
        axis.plot(roof["ridge_flops_per_byte"], roof["peak_gflops"], "|", color="black", markersize=14)
    for threads, colour in (("1", "tab:blue"), ("2", "tab:orange")):
        rows = results["matmul"][threads]
        axis.loglog([row["intensity"] for row in rows], [row["gflops"] for row in rows], "o", color=colour, alpha=0.7,
                    label=f"a @ b, n = {rows[0]['n']} to {rows[-1]['n']}, {threads} thread(s)")
        longest = max(results["add"][threads], key=lambda row: row["elements"])
        axis.loglog(longest["intensity"], longest["gflops"], "s", color=colour, markersize=8,
                    label=f"a + b, {longest['bytes'] / 2 ** 20:,.0f} MiB, {threads} thread(s)")
    markers = {"Conv2d": "^", "Linear": "D", "Adam.step": "*"}
    for point in results["model_points"]:
        label = point["name"].split(":")[0] + ("" if point["batch"] is None else f", batch {point['batch']}")
        axis.loglog(point["intensity"], point["gflops"], markers[point["kind"]], color="tab:red", markersize=9)
        offset, align = (6, -12), "left"
        if point["batch"] == 1:  # batch 1 labels above; the convolution's to the left, clear of the MLP's
            offset, align = ((-8, 4), "right") if point["kind"] == "Conv2d" else ((6, 4), "left")
        axis.annotate(label, (point["intensity"], point["gflops"]), textcoords="offset points", xytext=offset,
                      ha=align, fontsize=8, color="tab:red")
    axis.set(xlabel="arithmetic intensity (FLOPs per byte, minimum traffic)", ylabel="GFLOP/s", title=title)
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=7, loc="lower right")
    plt.show()


plot_roofline(results, "Roofline of this CPU, measured (red: the course's models, 1 thread)")

# %% [markdown]
# How to read it. The slanted part of each roof is the memory limit, the
# flat part the arithmetic limit, and the tick on it the ridge point. Each
# matrix product sits further right the larger it is ($n/6$ FLOPs per
# byte); the small ones fall far below the roof, held back by the fixed
# cost per call, not by either limit. The add sits on the slanted roof by
# construction: it *is* the bandwidth measurement.
#
# The course's work spreads across both regimes. The `Linear` layer at
# batch 1 uses each weight once, for a single multiply-add: its intensity
# is about 0.5 FLOP per byte, left of the ridge, so it is limited by
# moving its weights. At batch 256 every weight is reused for 256 inputs
# and the same layer moves to the right of the ridge. The convolution
# reuses each of its weights at every one of the 256 pixels, so even a
# single image is right of the ridge. An Adam step is element-wise,
# memory-bound at any model size. A point can sit *above* the slanted roof
# when its arrays fit in a cache and stay there between the timed calls
# (the MLP's first layer has 1.6 MB of weights; compare the cache sizes
# printed at the top): the roof is drawn with the bandwidth of main memory.

# %% [markdown]
# ## Where the time of a small model goes
#
# The whole weekend-1 MLP at batch 1 does under a million FLOPs. At the
# peak rate measured above, how long would that arithmetic take, and how
# long does the call take?

# %%
def print_small_model(entry):
    print(f"{entry['model']} at batch 1: {entry['flops']:,} FLOPs; {entry['us']:.1f} µs per call measured, "
          f"{entry['us_at_peak']:.1f} µs of arithmetic at the peak rate "
          f"({entry['us_at_peak'] / entry['us']:.0%} of the call)")


x = rng.standard_normal((1, 784)).astype(np.float32)
flops = 2 * total_macs(mlp, (784,))
timing = time_call(lambda: mlp(x), repeats=MAX_REPEATS, warmup=20)
results["mlp_batch_1"] = {"model": "MLP(784, [512], 10)", "flops": flops, "us": timing.median * 1e6,
                          "us_at_peak": flops / (roof["peak_gflops"] * 1e9) * 1e6}
print_small_model(results["mlp_batch_1"])

# %% [markdown]
# The rest is fixed cost: Python calling three layers, NumPy checking
# shapes and allocating outputs, a matrix library that has too little work
# to get up to speed, and the first layer's weights read for one image.
# The page [How big are models, how long does inference take?](size-and-latency.py)
# measures that floor across many model sizes. A faster arithmetic unit
# shrinks only the arithmetic part. A GPU would also add costs this CPU
# does not have: the input must be copied to the GPU's memory and the
# answer back, and every operation is a separate program ("kernel") that the
# CPU launches. For a small model at batch 1 those fixed costs are the
# latency, on either processor, and a GPU would not help it much; batching
# many inputs into one call is what makes the arithmetic the larger part,
# on a CPU and even more so on a GPU.

# %% [markdown]
# ## A GPU, by its published figures
#
# **None of the GPU numbers below were measured**: there is no GPU on this
# machine. They are published figures for one well-known data-centre GPU,
# the NVIDIA A100 (40 GB, SXM): 19.5 TFLOP/s FP32 and 156 TFLOP/s TF32 on
# its Tensor Cores (the dense figure, without sparsity), 1,555 GB/s of HBM2
# memory bandwidth and 64 GB/s over PCIe Gen4 (both directions together),
# all from NVIDIA's *A100 Tensor Core GPU* datasheet; and 108 streaming
# multiprocessors of 64 FP32 units each, 6,912 in all, from NVIDIA's
# *Ampere GA100 architecture* whitepaper. They are peaks of the hardware;
# real kernels reach a fraction of them, as the CPU's own matrix products
# above reach only the rate the BLAS library gets out of it. The CPU
# columns are this page's measurements, on this machine's
# processor (its name as the operating system reports it is in the header
# of the table).

# %%
A100_PUBLISHED = {"fp32_gflops": 19_500, "tf32_tensor_gflops": 156_000, "hbm_gb_per_s": 1_555,
                  "pcie_gb_per_s": 64, "fp32_units": 6_912}


def gpu_table(results, machine):
    one, two = results["rooflines"]["1"], results["rooflines"]["2"]
    best = max(one["peak_gflops"], two["peak_gflops"])
    best_bandwidth = max(one["bandwidth_gb_per_s"], two["bandwidth_gb_per_s"])
    a100_ridge = A100_PUBLISHED["fp32_gflops"] / A100_PUBLISHED["hbm_gb_per_s"]
    cpu = f"{machine['cpu']}, measured"
    return markdown_table(
        ["", f"{cpu}, 1 thread", f"{cpu}, 2 threads", "A100, published", "A100 / best of this CPU"],
        [["FP32 GFLOP/s (matrix product)", f"{one['peak_gflops']:.0f}", f"{two['peak_gflops']:.0f}",
          f"{A100_PUBLISHED['fp32_gflops']:,}", f"{A100_PUBLISHED['fp32_gflops'] / best:,.0f}x"],
         ["TF32 Tensor Core GFLOP/s", "", "", f"{A100_PUBLISHED['tf32_tensor_gflops']:,}",
          f"{A100_PUBLISHED['tf32_tensor_gflops'] / best:,.0f}x"],
         ["memory bandwidth, GB/s", f"{one['bandwidth_gb_per_s']:.1f}", f"{two['bandwidth_gb_per_s']:.1f}",
          f"{A100_PUBLISHED['hbm_gb_per_s']:,}", f"{A100_PUBLISHED['hbm_gb_per_s'] / best_bandwidth:,.0f}x"],
         ["ridge point, FLOP per byte (FP32)", f"{one['ridge_flops_per_byte']:.1f}",
          f"{two['ridge_flops_per_byte']:.1f}", f"{a100_ridge:.1f}", ""],
         ["cores / FP32 units", "1 core", f"2 cores (of {machine['cpu_count']})",
          f"{A100_PUBLISHED['fp32_units']:,} FP32 units", ""]])


gpu_table(results, machine)

# %%
def plot_cpu_and_gpu(results, title):
    figure, axis = plt.subplots(figsize=(9, 5))
    grid = np.geomspace(0.02, 1000, 200)
    for threads, style in (("1", "-"), ("2", "--")):
        roof = results["rooflines"][threads]
        axis.loglog(grid, roofline(grid, roof["peak_gflops"], roof["bandwidth_gb_per_s"]), style, color="tab:blue",
                    label=f"this CPU, {threads} thread(s), measured")
    axis.loglog(grid, roofline(grid, A100_PUBLISHED["fp32_gflops"], A100_PUBLISHED["hbm_gb_per_s"]), "-",
                color="tab:green", label="A100 FP32, published peak (not measured)")
    axis.loglog(grid, roofline(grid, A100_PUBLISHED["tf32_tensor_gflops"], A100_PUBLISHED["hbm_gb_per_s"]), ":",
                color="tab:green", label="A100 TF32 Tensor Cores, published peak (not measured)")
    for point in results["model_points"]:
        axis.loglog(point["intensity"], point["gflops"], "o", color="tab:red", markersize=5)
    axis.plot([], [], "o", color="tab:red", markersize=5, label="the course's work on this CPU, measured")
    axis.set(xlabel="arithmetic intensity (FLOPs per byte)", ylabel="GFLOP/s", title=title)
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=8, loc="lower right")
    plt.show()


plot_cpu_and_gpu(results, "Rooflines: this CPU measured, an A100 as published")

# %% [markdown]
# Why the gap is so large on both axes:
#
# * **Many simple units instead of a few clever cores.** A CPU core spends
#   much of its chip area and power on making *one* instruction stream
#   fast: large caches, branch prediction, running instructions out of
#   order. A GPU spends it on arithmetic units, grouped so that dozens of
#   them execute the same instruction on different numbers, and keeps
#   thousands of threads in flight; while some wait for memory, others
#   compute. Neural networks are made of exactly that kind of work: the
#   same multiply-add over millions of numbers.
# * **Much faster memory.** HBM sits next to the GPU chip on a very wide
#   bus; the table gives the ratio of its published bandwidth to what this
#   CPU's add achieves. Element-wise work (activations, batch norm, an
#   optimizer step) can gain at most that ratio, not the FLOP ratio.
# * **Special units for matrix products.** Tensor Cores multiply small
#   matrix tiles in lower precision (TF32 keeps float32's range with fewer
#   mantissa bits); on the published figures, eight times the FP32 rate.
#   Their ridge point is far to the right: only big, well-batched matrix
#   products get near that roof.
#
# Compare also the ridge points in the table: the further right the ridge,
# the more operations per byte a computation needs before the arithmetic,
# not the memory, limits it. The `Linear` layer at batch 1, at about 0.5
# FLOP per byte, is left of the ridge on either processor: what a GPU
# would speed up there is the reading of its weights, by at most the
# bandwidth ratio.
#
# What this page did **not** measure: any time on a GPU; the copy of
# inputs and results across PCIe (published at 64 GB/s for both
# directions together, a small fraction of the GPU's own memory
# bandwidth, and paid before the first operation can start); the cost of
# launching each kernel; what share of the published peaks a real
# framework reaches on these layers. The GPU's advantage for the course's
# models is therefore an upper bound from a datasheet, not a speed-up
# anyone timed here.

# %%
print(f"this page's measurements took {time.perf_counter() - started:.0f} s")

# %% [markdown]
# ## The recorded full run
#
# `scripts/question_cpu_vs_gpu.py` measures fifteen matrix sizes from 32 to
# 4096 and eight array lengths up to 67,108,864 numbers (three arrays of
# 256 MiB each), with more repeats. The machine is shared: the load
# averages printed below say how busy it was when the run started and
# ended. Two threads only help while the second core is free, so where
# the two-thread curve falls back to the one-thread one for some sizes,
# another program most likely had that core.

# %%
record = read_run("runs/questions/cpu-vs-gpu.json")
recorded = None
if record is not None:
    print(describe_run(record))
    print(record["note"])
    print(f"load average (1, 5, 15 minutes) at the start {record['machine']['load_average_at_start']}, "
          f"at the end {record['machine']['load_average_at_end']}")
    recorded = record["results"]
    print_rooflines(recorded["rooflines"])
    print_fits(recorded["matmul_fits"])
    print_small_model(recorded["mlp_batch_1"])
    plot_measurements(recorded, "Recorded full run: arithmetic (left) and memory traffic (right)")
    plot_roofline(recorded, "Recorded full run: roofline of this CPU (red: the course's models, 1 thread)")
matmul_table(recorded) if recorded else None

# %%
add_table(recorded) if recorded else None

# %%
points_table(recorded) if recorded else None

# %%
gpu_table(recorded, record["machine"]) if recorded else None

# %% [markdown]
# ## What to take away
#
# * A processor has two limits, arithmetic (GFLOP/s) and memory
#   (GB/s); a computation's **arithmetic intensity**, FLOPs per byte, says
#   which one it meets. The **roofline**, `min(peak, intensity x bandwidth)`,
#   draws both; on this CPU both were measured, not looked up.
# * Large matrix products are arithmetic-bound and run near the fastest
#   rate measured; small ones and single-image layers are held back by
#   fixed costs per call. Element-wise work (an add, an Adam step) is
#   memory-bound at any size. A second core can only pay off where the
#   work per call outweighs handing half of it to another thread (large
#   products, long arrays), and only when that core is not busy with
#   something else.
# * A GPU is built for the work of neural networks: thousands of simple
#   arithmetic units and a memory many times faster. Its published peaks
#   are far above this CPU's measured ones on both limits, so batched
#   training and inference of large models gain the most.
# * A small model at batch 1 is mostly overhead, and a GPU adds overheads
#   of its own (transfers, kernel launches) that this page did not
#   measure: batch first, and measure before buying.
#
# Where this comes up: [Weekend 4: convolutions](../weekends/04-convolutions/index.md)
# (the CNN whose convolution is on the roofline),
# [Weekend 6: optimizers](../weekends/06-optimizers/index.md) (an optimizer
# step is element-wise), [Weekend 1: a network in NumPy](../weekends/01-numpy-network/index.md)
# (the MLP), [Weekend 8: deploy](../weekends/08-deploy/index.md) (latency at batch 1),
# and [How big are models, how long does inference take?](size-and-latency.py).
# The code used here: [`matmul_cost`, `elementwise_cost`, `roofline`, `measure_matmul`, `measure_add`,
# `measure_call`, `fit_time_model`](../reference/classroom/evaluation/throughput.md),
# [`time_call`](../reference/classroom/evaluation/timing.md),
# [`use_threads`, `run_chunks`](../reference/classroom/nn/parallel.md),
# [`layer_costs`, `total_macs`](../reference/classroom/nn/flops.md),
# [`cifar_cnn`](../reference/classroom/models/cnn.md),
# [`MLP`](../reference/classroom/models/mlp.md),
# [`Adam`](../reference/classroom/optim/adam.md),
# [`read_run`, `describe_run`, `machine_record`](../reference/classroom/train/runs.md).
