#!/usr/bin/env python3
"""Time one training step of the same MLP with the autograd engine, the hand-written layers and PyTorch.

One step = forward, cross-entropy loss, backward, and a plain SGD update, on a
batch of real MNIST digits. The three implementations run in the same process
with the same number of threads, in interleaved rounds so that a busy machine
slows them all alike; the table shows the median over rounds and the ratio to
the hand-written ``classroom.nn`` layers (the reference).

Usage::

    python scripts/bench_autograd.py                      # 784-256-10, batch 128, float32, 1 thread
    python scripts/bench_autograd.py --threads 2 --rounds 9 --dtype float64

Needs MNIST in the data directory (``$CLASSROOM_DATA``); PyTorch is optional
(its row is skipped when it is not installed).
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def parse_arguments(argv=None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[784, 256, 10], help="layer widths")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--threads", type=int, default=1, help="BLAS / PyTorch threads (default 1)")
    parser.add_argument("--steps", type=int, default=100, help="training steps per round")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved timing rounds (median reported)")
    return parser.parse_args(argv)


ARGUMENTS = parse_arguments()
# The BLAS thread count must be fixed before NumPy is imported.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = str(ARGUMENTS.threads)

import numpy as np  # noqa: E402

import classroom.nn as handwritten  # noqa: E402
from classroom.autograd.nn import MLP, cross_entropy  # noqa: E402
from classroom.data import load_mnist, mnist_as_float  # noqa: E402

LEARNING_RATE = 0.01


def mnist_batches(batch_size: int, count: int, dtype) -> list[tuple[np.ndarray, np.ndarray]]:
    """The first ``count`` batches of the MNIST training set, as float rows and integer labels."""
    images, labels = load_mnist("train")
    needed = batch_size * count
    x = mnist_as_float(images[:needed]).astype(dtype)
    return [(x[i : i + batch_size], labels[i : i + batch_size]) for i in range(0, needed, batch_size)]


def engine_step_function(sizes, dtype, rng):
    """Return ``step(x, labels)`` training an engine ``MLP``."""
    model = MLP(sizes, rng=rng, dtype=dtype)

    def step(x, labels):
        model.zero_grad()
        loss = cross_entropy(model(x), labels)
        loss.backward()
        for parameter in model.parameters():
            parameter.data -= LEARNING_RATE * parameter.grad

    return step


def handwritten_step_function(sizes, dtype, rng):
    """Return ``step(x, labels)`` training the same MLP built from ``classroom.nn`` layers."""
    layers = []
    for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(handwritten.Linear(fan_in, fan_out, rng=rng, dtype=dtype))
        if index < len(sizes) - 2:
            layers.append(handwritten.ReLU())
    model = handwritten.Sequential(*layers)
    loss_fn = handwritten.CrossEntropyLoss()

    def step(x, labels):
        model.zero_grad()
        loss_fn(model(x), labels)
        model.backward(loss_fn.backward())
        for parameter in model.parameters():
            parameter.data -= LEARNING_RATE * parameter.grad

    return step


def torch_step_function(sizes, dtype, threads):
    """Return ``step(x, labels)`` training the same MLP in PyTorch on the CPU, or None without PyTorch."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    torch_dtype = torch.float32 if dtype == np.float32 else torch.float64
    layers = []
    for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(fan_in, fan_out, dtype=torch_dtype))
        if index < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)

    def step(x, labels):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(labels))
        loss.backward()
        optimizer.step()

    return step


def time_round(step, batches, steps: int) -> float:
    """Run ``steps`` training steps cycling through ``batches``; return milliseconds per step."""
    start = time.perf_counter()
    for index in range(steps):
        x, labels = batches[index % len(batches)]
        step(x, labels)
    return 1000 * (time.perf_counter() - start) / steps


def main() -> int:
    """Measure and print the table."""
    args = ARGUMENTS
    dtype = np.dtype(args.dtype).type
    batches = mnist_batches(args.batch_size, 20, dtype)
    steps = {
        "hand-written classroom.nn": handwritten_step_function(args.sizes, dtype, np.random.default_rng(0)),
        "autograd engine": engine_step_function(args.sizes, dtype, np.random.default_rng(0)),
    }
    torch_step = torch_step_function(args.sizes, dtype, args.threads)
    if torch_step is not None:
        steps["PyTorch (CPU)"] = torch_step
    timings = {name: [] for name in steps}
    for step in steps.values():  # warm-up: first calls allocate and load code
        time_round(step, batches, 10)
    for _ in range(args.rounds):
        for name, step in steps.items():
            timings[name].append(time_round(step, batches, args.steps))

    sizes = "-".join(str(size) for size in args.sizes)
    print(f"MLP {sizes}, batch {args.batch_size}, {args.dtype}, {args.threads} thread(s), "
          f"{args.rounds} rounds of {args.steps} steps; median ms per training step")
    reference = float(np.median(timings["hand-written classroom.nn"]))
    print(f"{'implementation':<28}{'ms/step':>10}{'vs hand-written':>18}")
    for name, values in timings.items():
        median = float(np.median(values))
        print(f"{name:<28}{median:>10.3f}{median / reference:>17.2f}x")
    if torch_step is None:
        print("(PyTorch is not installed: its row is skipped)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
