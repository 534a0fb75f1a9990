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
# # Can caching speed up inference? What does batching buy?
#
# > *"My server answers the same picture again and again. Could it remember
# > the answers? And models are faster per image on a batch: should the
# > server batch requests?"*
#
# **Short answer.** This page starts the real weekend-8 server
# (`classroom serve`) on this machine and measures requests per second and
# latency percentiles with its prediction cache off and on
# (`--cache-size`), for a stream of one repeated image and a stream of all
# different images, for the MNIST MLP and a CIFAR-10 CNN. The cache can
# only skip the model's forward pass: the upload still travels over HTTP,
# is decoded and preprocessed, and its pixels are hashed to find the
# entry. So it pays off in proportion to the model's share of a request:
# little for the MLP, whose forward pass is a small part of a request,
# more for the CNN, as the breakdown and the load test show. With all-different inputs it can
# only add its small hashing cost. Batching is measured in-process: time
# per image at batch 1, 8 and 32. The server answers one image per
# request, so it cannot use that saving; a batching server would need a
# queue and a short wait to collect requests, which adds latency to buy
# throughput.
#
# **Quick mode.** When the site is built with `CLASSROOM_QUICK=1`, each
# measurement sends 20 requests in each of 8 rounds (the recorded full
# run: 50 in each of 20 rounds, and also 4 connections at once). The MLP is trained
# for one epoch on 10,000 MNIST images; the CNN (the demo's widths 16, 32,
# 64, 128) is **untrained** (seeded random weights) in both modes: its
# answers are meaningless, but it computes exactly as much as a trained
# one. The client runs on the same 2 cores as the server, so the numbers
# are a lower bound of what the server alone could do.

# %%
import io
import os
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

from classroom.config import quick_mode
from classroom.data import (
    CIFAR10_CLASSES,
    CIFAR10_MEAN,
    CIFAR10_STD,
    MNIST_MEAN,
    MNIST_STD,
    load_cifar10,
    load_mnist,
    mnist_as_float,
    stratified_split,
)
from classroom.evaluation import markdown_table
from classroom.evaluation.timing import time_call
from classroom.models.registry import build_model
from classroom.nn import CrossEntropyLoss
from classroom.nn.parallel import use_threads
from classroom.optim import Adam
from classroom.serve.cache import PredictionCache
from classroom.serve.images import decode_upload
from classroom.serve.loadgen import local_server, send_requests
from classroom.serve.model_file import export_model, load_served_model
from classroom.train import Trainer
from classroom.train.runs import describe_run, read_run

QUICK = quick_mode()
REQUESTS, ROUNDS = (20, 8) if QUICK else (50, 20)
use_threads(1)
print(f"{'quick' if QUICK else 'full'} mode: {REQUESTS} requests per measurement and round, {ROUNDS} rounds, "
      "one connection at a time")

# %% [markdown]
# ## Two model files, exported as the demo models are
#
# `classroom.serve.model_file.export_model` writes the `.npz` file, its
# metadata (architecture, classes, the preprocessing the server repeats)
# and the `.sha256` file the server checks, as
# `scripts/export_demo_models.py` does. The uploads are real test images
# encoded as PNG, as a browser would send them.

# %%
workspace = tempfile.TemporaryDirectory(prefix="caching-")  # removed at the end of the batching cell
folder = Path(workspace.name)
train_images, train_labels = load_mnist("train")
mnist_test, _ = load_mnist("test")
fraction = 10_000 / len(train_labels)
index = stratified_split(train_labels, (fraction, 1 - fraction), seed=0)[0]
mlp_architecture = {"name": "mlp", "in_features": 784, "hidden_sizes": [256], "out_features": 10}
mlp = build_model(mlp_architecture)
Trainer(mlp, CrossEntropyLoss(), Adam(mlp.parameters(), lr=1e-3), progress=False).fit(
    (mnist_as_float(train_images[index]), train_labels[index]), epochs=1, batch_size=128, rng=np.random.default_rng(0))
mlp_path = export_model(folder / "mnist_mlp.npz", mlp.eval(), metadata={
    "name": "mnist-mlp", "version": "1", "architecture": mlp_architecture, "input_shape": [784],
    "classes": [str(digit) for digit in range(10)],
    "preprocess": {"mode": "L", "size": [28, 28], "mean": [MNIST_MEAN], "std": [MNIST_STD], "invert": "auto"}})

cnn_architecture = {"name": "cifar_cnn", "widths": [16, 32, 64, 128], "convs_per_stage": 1, "seed": 0}
cnn_path = export_model(folder / "cifar_cnn_untrained.npz", build_model(cnn_architecture).eval(), metadata={
    "name": "cifar-cnn-untrained", "version": "1", "architecture": cnn_architecture, "input_shape": [3, 32, 32],
    "classes": list(CIFAR10_CLASSES),
    "preprocess": {"mode": "RGB", "size": [32, 32], "mean": list(CIFAR10_MEAN), "std": list(CIFAR10_STD)}})


def png(pixels):
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


cifar_test, _ = load_cifar10("test")
needed = REQUESTS * ROUNDS
order = np.random.default_rng(1).permutation(10_000)[:needed]  # CIFAR-10's test file is sorted by class
uploads = {"mnist-mlp": [png(mnist_test[i]) for i in order], "cifar-cnn-untrained": [png(cifar_test[i]) for i in order]}
print(f"{needed} distinct PNG uploads per model; a MNIST upload is about {np.mean([len(u) for u in uploads['mnist-mlp']]):.0f} "
      f"bytes, a CIFAR-10 one {np.mean([len(u) for u in uploads['cifar-cnn-untrained']]):.0f}")

# %% [markdown]
# ## Where a request's time goes, inside the server
#
# The server handles an upload in three steps: decode the PNG
# (`decode_upload`), turn it into the model's input (the file's
# `preprocess` settings), run the model. With the cache on, the third step
# becomes a SHA-256 of the input and a table lookup when the input was
# seen before. Each step timed on its own, in this process, with the same
# code the server runs:

# %%
breakdown = {}
for path in (mlp_path, cnn_path):
    served = load_served_model(path)
    data = uploads[served.name][0]
    image = decode_upload(data)
    x = served.preprocessing(image)[None]
    cached = PredictionCache(served.predict, max_entries=16)
    cached(x)  # now it is in the cache
    breakdown[served.name] = {
        "decode": time_call(lambda: decode_upload(data), repeats=50).median_ms,
        "preprocess": time_call(lambda: served.preprocessing(image), repeats=50).median_ms,
        "model forward": time_call(lambda: served.predict(x), repeats=50).median_ms,
        "cache hit instead": time_call(lambda: cached(x), repeats=50).median_ms,
    }
steps = list(next(iter(breakdown.values())))
markdown_table(["model"] + [f"{step} (ms)" for step in steps],
               [[name] + [f"{values[step]:.3f}" for step in steps] for name, values in breakdown.items()])

# %% [markdown]
# Everything else in a request (the HTTP exchange, FastAPI parsing the
# multipart form, handing the work to a thread) is the same with and
# without the cache, and the load test below shows how big it is.

# %% [markdown]
# ## Cache off against cache on, measured over HTTP
#
# Two servers run at the same time, one with `--cache-size 0` (the
# default) and one with `--cache-size 1024`, each on a free port of
# 127.0.0.1 (`local_server` in `classroom.serve.loadgen`, the bounded
# load generator), and stopped in its `finally` block however the `with`
# block ends, by an error included. Each round runs all eight
# measurements in a new random order, and the latencies are pooled over
# the rounds, so a change in the machine's load (other programs share
# these 2 cores) hits every measurement alike. Each
# measurement sends its requests one at a time over a keep-alive
# connection:
#
# * **repeated**: the same image every time: after the first request, a
#   cache hit;
# * **distinct**: a different image every time, never sent before: every
#   request a miss.

# %%
def load_test(requests, rounds, concurrency=1, seed=0):
    """Requests/s and latency percentiles for every server, model and input stream, pooled over rounds.

    Every round runs the 8 measurements (2 servers x 2 models x 2 input streams) in a new random order.
    """
    order_rng = np.random.default_rng(seed)
    pooled = {}
    with local_server([mlp_path, cnn_path]) as (plain_url, _), \
            local_server([mlp_path, cnn_path], "--cache-size", "1024") as (cached_url, _):
        cells = [(server, url, model, stream) for server, url in (("cache off", plain_url), ("cache on", cached_url))
                 for model in uploads for stream in ("repeated", "distinct")]
        for round_number in range(rounds):
            for position in order_rng.permutation(len(cells)):
                server, url, model, stream = cells[position]
                files = (uploads[model][:1] if stream == "repeated" else  # never-seen images for "distinct"
                         uploads[model][round_number * requests:(round_number + 1) * requests])
                result = send_requests(url, files, requests=requests, concurrency=concurrency,
                                       path=f"/predict?model={model}&top_k=1", time_limit=60)
                if result.errors:
                    raise RuntimeError(f"{server}, {model}, {stream}: {result.errors[:3]}")
                entry = pooled.setdefault((model, stream, server), {"latencies": [], "elapsed": 0.0})
                entry["latencies"].extend(result.latencies.tolist())
                entry["elapsed"] += result.elapsed
    summary = {}
    for key, entry in pooled.items():
        latencies = np.array(entry["latencies"]) * 1e3
        summary[key] = {"requests": len(latencies), "rps": len(latencies) / entry["elapsed"],
                        "p50_ms": float(np.percentile(latencies, 50)), "p90_ms": float(np.percentile(latencies, 90)),
                        "p99_ms": float(np.percentile(latencies, 99))}
    return summary


started = time.perf_counter()
summary = load_test(REQUESTS, ROUNDS)
print(f"{sum(entry['requests'] for entry in summary.values()):,} requests in {time.perf_counter() - started:.1f} s, "
      f"both servers stopped; load average of the machine (2 cores) over the last minute: {os.getloadavg()[0]:.1f}")


def summary_table(summary):
    rows = []
    for (model, stream, server), entry in summary.items():
        rows.append([model, stream, server, entry["requests"], f"{entry['rps']:.0f}", f"{entry['p50_ms']:.2f}",
                     f"{entry['p90_ms']:.2f}", f"{entry['p99_ms']:.2f}"])
    rows.sort(key=lambda row: (row[0], row[1], row[2] != "cache off"))
    return markdown_table(["model", "inputs", "server", "requests", "requests/s", "p50 (ms)", "p90 (ms)", "p99 (ms)"],
                          rows)


summary_table(summary)

# %%
def plot_summary(summary, title):
    models = sorted({model for model, _, _ in summary})
    figure, axes = plt.subplots(1, len(models), figsize=(5 * len(models), 3.4), sharey=True)
    for axis, model in zip(np.atleast_1d(axes), models):
        labels, values, colours = [], [], []
        for stream in ("repeated", "distinct"):
            for server, colour in (("cache off", "tab:grey"), ("cache on", "tab:green")):
                labels.append(f"{stream}\n{server}")
                values.append(summary[(model, stream, server)]["p50_ms"])
                colours.append(colour)
        axis.bar(range(len(values)), values, color=colours)
        axis.set_xticks(range(len(values)), labels, fontsize=8)
        axis.set(title=model, ylabel="median latency (ms)")
    figure.suptitle(title)
    plt.show()


plot_summary(summary, "Median latency per request, one connection")
for model in uploads:
    off, on = summary[(model, "repeated", "cache off")], summary[(model, "repeated", "cache on")]
    print(f"{model}: repeated image, median latency {off['p50_ms']:.2f} ms without the cache, "
          f"{on['p50_ms']:.2f} ms with it ({on['p50_ms'] - off['p50_ms']:+.2f} ms); the model's forward pass "
          f"alone took {breakdown[model]['model forward']:.2f} ms above")

# %% [markdown]
# What a hit skips is the model's forward pass, nothing else, so the
# saving on the repeated image is of the order of the forward-pass time in
# the breakdown table: a sliver of an MLP request, a large part of a CNN
# request. (Inside a server that shares 2 busy cores with its client, the
# forward pass takes longer than in the quiet in-process measurement, so
# the saving over HTTP can come out somewhat larger.) With distinct inputs
# the cache can only cost its hashing, a few hundredths of a millisecond
# in the breakdown table, so "cache on" and "cache off" should agree
# within the noise. That noise is large here: the machine's 2 cores are
# shared with other programs (the load average printed above counts the
# processes that wanted a core), and a busy neighbour can move a median by
# milliseconds. The in-process breakdown table is the steadier
# measurement; read the HTTP table for its large differences only.
#
# When does a prediction cache pay off in practice? When identical inputs
# really do repeat (the same product photo, the same test image from a
# monitoring probe) *and* the model is expensive next to the rest of a
# request. The key is the exact decoded pixels: a photo re-encoded as JPEG,
# resized or cropped is a different key, so real camera uploads almost
# never hit.

# %% [markdown]
# ## What batching buys
#
# A model evaluated on a batch does one matrix product per layer for all
# images instead of one per image, which shares the per-call overhead and
# lets the BLAS library use its fastest kernels. In-process, time per
# image at three batch sizes (`served.predict`, the function the server
# calls):

# %%
batch_rows = []
for path in (mlp_path, cnn_path):
    served = load_served_model(path)
    inputs = np.stack([served.preprocessing(decode_upload(data)) for data in uploads[served.name][:32]])
    per_image = {}
    for batch in (1, 8, 32):
        per_image[batch] = time_call(lambda: served.predict(inputs[:batch]), repeats=30 if batch < 32 else 10,
                                     warmup=2).median_ms / batch
    batch_rows.append([served.name] + [f"{per_image[batch]:.3f}" for batch in (1, 8, 32)]
                      + [f"{per_image[1] / per_image[32]:.1f}x"])
workspace.cleanup()  # the model files are no longer needed
markdown_table(["model", "ms/image, batch 1", "ms/image, batch 8", "ms/image, batch 32", "batch 32 vs 1"], batch_rows)

# %% [markdown]
# The server cannot collect that saving, because each `/predict` request
# carries one image and is answered on its own. A **batching server**
# would need two more pieces:
#
# 1. a **queue**: requests put their preprocessed input in it and wait
#    for their answer instead of calling the model;
# 2. a **batcher** that takes up to *B* inputs from the queue, or whatever
#    has arrived after waiting at most *W* milliseconds, runs the model
#    once on the stack, and hands each row back to its request.
#
# The wait *W* is added to the latency of the first request in every
# batch, and the batch only fills when requests arrive faster than one
# every *W / B* milliseconds. It is worth it when the model's time
# dominates a request and the traffic is heavy. For the MLP here a whole
# forward pass is shorter than the HTTP exchange around it, so batching
# could not save much; for larger models on a GPU, where batch 1 leaves
# most of the arithmetic units idle, it is how servers reach their
# throughput.

# %% [markdown]
# ## The recorded full run
#
# `scripts/question_caching_and_batching.py` repeats the load test with
# 50 requests in each of 20 rounds and adds a run with 4 connections at once (the
# server decodes in worker threads, and the 2 cores are shared with the
# client):

# %%
record = read_run("runs/questions/caching-and-batching.json")
recorded_tables = {}
if record is not None:
    print(describe_run(record))
    print(record["note"])
    print(f"load average of the machine when the run started: {record['machine']['load_average_at_start']}")
    print(record["models"])
    for label, rows in record["load"].items():
        recorded = {(row["model"], row["inputs"], row["server"]): row for row in rows}
        recorded_tables[label] = summary_table(recorded)
    plot_summary({(row["model"], row["inputs"], row["server"]): row for row in record["load"]["1 connection"]},
                 "Recorded full run: median latency per request, one connection")
    for name, values in record["batching_ms_per_image"].items():
        print(f"{name}: ms per image " + ", ".join(f"batch {batch} {value:.3f}" for batch, value in values.items()))

# %%
recorded_tables.get("1 connection")

# %%
recorded_tables.get("4 connections")

# %% [markdown]
# ## What to take away
#
# * A prediction cache saves **only the model's forward pass**. Decoding,
#   preprocessing and the HTTP exchange remain, so the gain on a repeated
#   input is of the order of the forward-pass time in the breakdown table:
#   negligible for the MLP, a large part of a request for the CNN.
# * For inputs that never repeat, a cache cannot help; it costs a hash
#   per request, which the measurements above cannot tell apart from
#   noise. Keep it off unless identical inputs really repeat (that is why
#   `classroom serve` has it off by default).
# * Batching lowers the time per image (the batch table), but a server
#   that answers one image per request cannot use it; a batching server
#   adds a queue and a wait of a few milliseconds to every batch, trading
#   latency for throughput.
#
# Where this comes up: [Weekend 8: deploy](../weekends/08-deploy/index.md)
# (the server, exercise 2 on the latency of one prediction against a batch
# of 32). The code used here:
# [`PredictionCache`](../reference/classroom/serve/cache.md),
# [`local_server`, `send_requests`](../reference/classroom/serve/loadgen.md),
# [`export_model`, `load_served_model`](../reference/classroom/serve/model_file.md),
# [`decode_upload`](../reference/classroom/serve/images.md),
# [`time_call`](../reference/classroom/evaluation/timing.md).
