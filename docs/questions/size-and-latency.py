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
# # How big are models, how long does inference take, does it grow with size?
#
# > *"How large is the network I trained, in parameters and in megabytes?
# > How long does one prediction take, and if I make the network wider or
# > deeper, does it get slower in proportion?"*
#
# **Short answer.** This page counts, for the weekend-1 MLP at several
# hidden widths and the weekend-4 CNN at several widths and depths, the
# parameters (4 bytes each in float32), the multiply-adds of one forward
# pass (`classroom.nn.flops`), and measures the inference time per image at
# batch 1 and at batch 32. The plots show two regimes. Once the batch is
# big enough, time per image follows the multiply-adds, not the parameter
# count: roughly `time = 2 x multiply-adds / (achieved GFLOP/s)`, with the
# achieved rate printed below. At batch 1, a fixed cost per call dominates
# for small models (Python and NumPy overheads, one call per layer), so
# making a small model smaller barely makes it faster. A CNN has few
# parameters but reuses each weight at every pixel, so it costs far more
# time per parameter than an MLP.
#
# **Quick mode.** When the site is built with `CLASSROOM_QUICK=1`, fewer
# sizes are measured (5 MLP widths, 5 CNN variants) with fewer repeats.
# Timing does not need trained weights: every model here is **untrained**
# (seeded random weights), which computes exactly as much as a trained one.
# Everything runs on one thread. The recorded full run at the end covers
# more sizes with more repeats.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from classroom.config import quick_mode
from classroom.evaluation import markdown_table
from classroom.evaluation.throughput import fit_time_model
from classroom.evaluation.timing import time_call
from classroom.io import save_model
from classroom.models.cnn import cifar_cnn
from classroom.models.mlp import MLP
from classroom.nn.flops import layer_costs, total_macs, total_parameters
from classroom.nn.parallel import use_threads
from classroom.train.runs import describe_run, read_run

QUICK = quick_mode()
MLP_WIDTHS = [16, 128, 512, 2048, 4096] if QUICK else [16, 32, 64, 128, 256, 512, 1024, 2048, 4096]
CNN_VARIANTS = ([(8, 1), (16, 1), (32, 1), (16, 2), (32, 2)] if QUICK else
                [(8, 1), (16, 1), (32, 1), (64, 1), (8, 2), (16, 2), (32, 2), (64, 2), (32, 3)])
BATCHES = [1, 32]
blas = use_threads(1)
print(f"{'quick' if QUICK else 'full'} mode: MLP widths {MLP_WIDTHS}; CNN (first width, convs per stage) "
      f"{CNN_VARIANTS}; batches {BATCHES}; one thread ({blas})")

# %% [markdown]
# ## Counting: parameters and multiply-adds
#
# `layer_costs` runs one input through the model and reports, per layer,
# its parameters and its **multiply-adds** (MACs): for `Linear(in, out)`
# `in x out`, for a 3 x 3 convolution `c_out x c_in x 9` *at every output
# pixel*. The weekend-4 CNN at its default widths, per layer:

# %%
cnn = cifar_cnn(widths=(32, 64, 128, 256), rng=0)
rows = [[cost.name, cost.kind, "x".join(map(str, cost.output_shape)), f"{cost.parameters:,}", f"{cost.macs:,}"]
        for cost in layer_costs(cnn, (3, 32, 32)) if cost.parameters or cost.macs]
rows.append(["", "total", "", f"{total_parameters(cnn):,}", f"{total_macs(cnn, (3, 32, 32)):,}"])
markdown_table(["layer", "kind", "output", "parameters", "multiply-adds"], rows)

# %% [markdown]
# In a `Linear` layer each weight is used once per input, so MACs equal
# weights. In a convolution each weight is used at every output position:
# the first layer's 864 weights do 884,736 multiply-adds on a 32 x 32
# image. That is why the CNN, with fewer parameters than the weekend-1
# MLP, needs far more arithmetic.

# %% [markdown]
# ## Measuring: time per image at batch 1 and batch 32
#
# Each model in eval mode, on random inputs of the right shape (**synthetic
# data**: the time of a forward pass does not depend on the pixel values).
# The median of several calls after a warm-up, divided by the batch size.

# %%
rng = np.random.default_rng(0)


def measure(model, input_shape, repeats):
    """Parameters, MACs and median ms per image at each batch size."""
    model.eval()
    entry = {"parameters": total_parameters(model), "macs": total_macs(model, input_shape), "ms_per_image": {}}
    for batch in BATCHES:
        x = rng.standard_normal((batch, *input_shape)).astype(np.float32)
        timing = time_call(lambda: model(x), repeats=repeats if batch == 1 else max(3, repeats // 4), warmup=2)
        entry["ms_per_image"][batch] = timing.median_ms / batch
    return entry


results = {}
for width in MLP_WIDTHS:
    results[f"MLP 784-{width}-10"] = {"family": "MLP", **measure(MLP(784, [width], 10, rng=0), (784,), 40)}
for first, convs in CNN_VARIANTS:
    widths = (first, 2 * first, 4 * first, 8 * first)
    model = cifar_cnn(widths=widths, convs_per_stage=convs, rng=0)
    results[f"CNN {widths}, {convs} conv/stage"] = {"family": "CNN", **measure(model, (3, 32, 32), 12)}


def results_table(results):
    rows = []
    for name, entry in results.items():
        ms = {int(batch): value for batch, value in entry["ms_per_image"].items()}
        gflops = {batch: 2 * entry["macs"] / (ms[batch] / 1e3) / 1e9 for batch in ms}
        rows.append([name, f"{entry['parameters']:,}", f"{4 * entry['parameters'] / 1e6:.2f}", f"{entry['macs'] / 1e6:.2f}"]
                    + [f"{ms[batch]:.4f}" for batch in sorted(ms)] + [f"{gflops[batch]:.1f}" for batch in sorted(ms)])
    batches = sorted(int(batch) for batch in next(iter(results.values()))["ms_per_image"])
    return markdown_table(["model", "parameters", "MB (float32)", "M multiply-adds"]
                          + [f"ms/image, batch {batch}" for batch in batches]
                          + [f"GFLOP/s, batch {batch}" for batch in batches], rows)


results_table(results)

# %% [markdown]
# "MB (float32)" is 4 bytes per parameter, the size of the weights on
# disk in any weights-only format. A file written by `save_model` adds a
# few kilobytes of zip headers and metadata:

# %%
with tempfile.TemporaryDirectory() as folder:
    for model, name in ((MLP(784, [512], 10, rng=0), "MLP 784-512-10"), (cnn, "CNN (32, 64, 128, 256)")):
        path = save_model(Path(folder) / "model.npz", model, metadata={"name": name})
        print(f"{name}: {4 * total_parameters(model):,} bytes of float32 parameters, "
              f"{path.stat().st_size:,} bytes as .npz (batch-norm statistics included)")

# %% [markdown]
# ## Time against size
#
# Left: time per image against parameters. Right: against multiply-adds.
# Both axes logarithmic; the dotted line on the right is the rule of thumb
# fitted to all batch-32 points, `time = overhead + 2 x MACs / rate`.

# %%
def plot_time_against_size(results, title):
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    markers = {"MLP": "o", "CNN": "s"}
    colours = {1: "tab:red", 32: "tab:blue"}
    for family, marker in markers.items():
        entries = [entry for entry in results.values() if entry["family"] == family]
        for batch, colour in colours.items():
            times = [entry["ms_per_image"][batch] for entry in entries]
            axes[0].loglog([entry["parameters"] for entry in entries], times, marker, color=colour,
                           label=f"{family}, batch {batch}")
            order = np.argsort([entry["macs"] for entry in entries])
            axes[1].loglog(np.array([entry["macs"] for entry in entries])[order], np.array(times)[order],
                           marker + "-", color=colour, alpha=0.8, label=f"{family}, batch {batch}")
    macs = np.array([entry["macs"] for entry in results.values()], dtype=float)
    seconds = np.array([entry["ms_per_image"][32] for entry in results.values()]) / 1e3
    overhead, rate = fit_time_model(2 * macs, seconds)
    grid = np.geomspace(macs.min(), macs.max(), 50)
    axes[1].loglog(grid, (overhead + 2 * grid / rate) * 1e3, ":", color="black",
                   label=f"{overhead * 1e6:.1f} µs + 2 MACs / {rate / 1e9:.0f} GFLOP/s")
    axes[0].set(xlabel="parameters", ylabel="ms per image", title="against parameters")
    axes[1].set(xlabel="multiply-adds per image", title="against multiply-adds")
    for axis in axes:
        axis.grid(True, which="both", alpha=0.3)
    axes[1].legend(fontsize=8)
    figure.suptitle(title)
    plt.show()
    return overhead, rate


overhead_32, rate_32 = plot_time_against_size(results, "Inference time per image, one thread")

# %% [markdown]
# Against parameters (left) the two families lie on different lines: a
# CNN of 100,000 parameters is slower than an MLP of several million.
# Against multiply-adds (right) they come much closer together. The fitted
# rule of thumb, and the same fit for batch 1, family by family:

# %%
fit_rows = []
for family in ("MLP", "CNN"):
    entries = [entry for entry in results.values() if entry["family"] == family]
    for batch in BATCHES:
        overhead, rate = fit_time_model([2 * entry["macs"] for entry in entries],
                                        [entry["ms_per_image"][batch] / 1e3 for entry in entries])
        fit_rows.append([family, batch, f"{overhead * 1e3 * batch:.3f}", f"{overhead * 1e3:.4f}",
                         "no growth" if rate == float("inf") else f"{rate / 1e9:.1f}"])
markdown_table(["family", "batch", "overhead per call (ms)", "overhead per image (ms)", "achieved GFLOP/s"], fit_rows)

# %% [markdown]
# How to read it: the **overhead per call** is paid once per forward pass,
# whatever the batch, so at batch 32 it is shared by 32 images. For a
# small model at batch 1 the overhead *is* the latency; the arithmetic
# only starts to matter when `2 x MACs / rate` grows past it. The achieved
# rate is not a constant of the machine: it varies with the shapes of the
# matrix products (a convolution here is an im2col copy, which is memory
# traffic, followed by a matrix product; an MLP layer is a matrix product
# alone) and with whatever else the shared machine is doing, which is why
# the points scatter around the fitted line.

# %% [markdown]
# ## The recorded full run
#
# `scripts/question_size_and_latency.py` measures more widths and depths
# with more repeats, on one thread:

# %%
record = read_run("runs/questions/size-and-latency.json")
recorded_table = None
if record is not None:
    print(describe_run(record))
    print(record["note"])
    recorded = record["results"]
    for entry in recorded.values():  # JSON keys are strings
        entry["ms_per_image"] = {int(batch): value for batch, value in entry["ms_per_image"].items()}
    recorded_table = results_table(recorded)
    plot_time_against_size(recorded, "Recorded full run: inference time per image, one thread")
    for fit in record["fits"]:
        rate = "no growth" if fit["gflops"] is None else f"{fit['gflops']:.1f} GFLOP/s"
        print(f"{fit['family']}, batch {fit['batch']}: overhead {fit['overhead_ms_per_call']:.3f} ms per call, {rate}")
recorded_table

# %% [markdown]
# ## What to take away
#
# * **Size on disk** is 4 bytes per parameter in float32: the tables'
#   MB column, plus a few kilobytes for an `.npz` file.
# * **Time follows multiply-adds, not parameters**, once the batch is big
#   enough: a rule of thumb is `time per image = 2 x MACs / achieved
#   GFLOP/s`, with the achieved rate of this machine and thread in the
#   fit tables. Count MACs with `classroom.nn.flops.total_macs`.
# * **At batch 1, small models are overhead**: the fitted overhead per
#   call is the floor of the latency, so halving a small model does not
#   halve its latency. Batching spreads that overhead over the images,
#   which is why the batch-32 time per image is lower, most for the
#   smallest models.
# * Convolutions cost much more time per parameter than `Linear` layers,
#   because each weight is used at every pixel.
#
# Where this comes up: [Weekend 4: convolutions](../weekends/04-convolutions/index.md)
# (the CNN's cost), [Weekend 1: a network in NumPy](../weekends/01-numpy-network/index.md)
# (the MLP), and [Weekend 8: deploy](../weekends/08-deploy/index.md) (latency of
# one prediction against a batch).
# The code used here: [`layer_costs`, `total_macs`, `total_parameters`](../reference/classroom/nn/flops.md),
# [`fit_time_model`](../reference/classroom/evaluation/throughput.md),
# [`time_call`](../reference/classroom/evaluation/timing.md),
# [`MLP`](../reference/classroom/models/mlp.md),
# [`cifar_cnn`](../reference/classroom/models/cnn.md).
