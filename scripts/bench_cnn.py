"""Benchmark the NumPy CIFAR-10 CNN against the same network in PyTorch (CPU).

Everything is measured in one run, on the same machine, with the same number
of threads, and printed as a Markdown table of *ratios* (NumPy time divided
by PyTorch time; lower is better, 1.0 means as fast as PyTorch):

* forward+backward time per layer type (each layer timed on its own, with
  the input shape it sees inside the network, summed over layers of a type);
* one full training step (forward, loss, backward, SGD update), against
  PyTorch in its default (NCHW-contiguous) layout and again in
  ``channels_last`` memory, and the *epoch* time extrapolated from the
  first: ``step time * ceil(50000 / batch)``;
* achieved GFLOP/s of the convolutions (forward + both backward products)
  next to a plain float32 ``np.matmul`` of the same sizes, timed in the same
  run, so the ratio says how close the layers get to the BLAS library.

Usage::

    python scripts/bench_cnn.py                    # defaults: batch 128, 2 threads
    python scripts/bench_cnn.py --threads 1 --repeats 7

PyTorch is only the reference here; the package never imports it.
Timings on a shared machine are noisy, so NumPy and PyTorch are timed in
alternating blocks (three rounds of ``--repeats`` calls each) and each ratio
is the median of the per-round ratios.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from classroom.models.cnn import cifar_cnn  # noqa: E402
from classroom.nn.parallel import use_threads  # noqa: E402
from classroom.nn import CrossEntropyLoss  # noqa: E402
from classroom.optim import SGD  # noqa: E402


CLOCK = time.perf_counter


def median_time(function, repeats: int, warmup: int = 1) -> float:
    """Return the median time of ``function()`` in seconds, measured with ``CLOCK``."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeats):
        start = CLOCK()
        function()
        times.append(CLOCK() - start)
    return statistics.median(times)


def alternating_block_times(first, second, repeats: int, rounds: int = 3, warmup: int = 1):
    """Time two functions in alternating blocks; return both median times and the median ratio.

    On a shared machine the speed drifts over seconds. Each of ``rounds``
    rounds times ``first`` ``repeats`` times, then ``second`` ``repeats``
    times (after ``warmup`` untimed calls each, which also lets the other
    library's worker threads go idle). The ratio of a round compares two
    blocks measured seconds apart, and the median over rounds is much
    steadier than one ratio of two medians taken a minute apart. (Strict
    step-by-step alternation is worse: each library's idle threads still
    spin on the CPU while the other one works.)

    Returns
    -------
    tuple of float
        ``(median seconds of first, median seconds of second, median of the
        per-round ratios first / second)``.
    """
    first_times, second_times, ratios = [], [], []
    for _ in range(rounds):
        first_block = median_time(first, repeats, warmup)
        second_block = median_time(second, repeats, warmup)
        first_times.append(first_block)
        second_times.append(second_block)
        ratios.append(first_block / second_block)
    return statistics.median(first_times), statistics.median(second_times), statistics.median(ratios)


def torch_model_like(torch, model):
    """Build the PyTorch twin of a ``classroom`` Sequential, with the same weights."""
    import classroom.nn as cnn

    layers = []
    for layer in model.layers:
        if isinstance(layer, cnn.Conv2d):
            twin = torch.nn.Conv2d(
                layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride,
                layer.padding, bias=layer.bias is not None,
            )
        elif isinstance(layer, cnn.BatchNorm2d):
            twin = torch.nn.BatchNorm2d(layer.num_features)
        elif isinstance(layer, cnn.ReLU):
            twin = torch.nn.ReLU()
        elif isinstance(layer, cnn.MaxPool2d):
            twin = torch.nn.MaxPool2d(layer.kernel_size, layer.stride, layer.padding)
        elif isinstance(layer, cnn.AdaptiveAvgPool2d):
            twin = torch.nn.AdaptiveAvgPool2d(layer.output_size)
        elif isinstance(layer, cnn.Flatten):
            twin = torch.nn.Flatten()
        elif isinstance(layer, cnn.Linear):
            twin = torch.nn.Linear(layer.in_features, layer.out_features)
        else:
            raise TypeError(f"no PyTorch twin for {type(layer).__name__}")
        with torch.no_grad():
            for name, parameter in layer.named_parameters():
                getattr(twin, name).copy_(torch.from_numpy(parameter.data))
        layers.append(twin)
    return torch.nn.Sequential(*layers)


def layer_inputs(model, x):
    """Return the input each layer of ``model`` receives for the batch ``x``."""
    inputs = []
    for layer in model.layers:
        inputs.append(x)
        x = layer(x)
    return inputs


def conv_flops(layer, input_shape) -> int:
    """FLOPs of forward + backward (input and weight gradients) of one Conv2d."""
    batch, _, out_h, out_w = layer.output_shape(input_shape)
    kernel_h, kernel_w = layer.kernel_size
    forward = 2 * batch * out_h * out_w * layer.out_channels * layer.in_channels * kernel_h * kernel_w
    return 3 * forward


def conv_gemm_reference(layer, input_shape, repeats: int, rng) -> tuple[float, int]:
    """Time plain float32 matmuls with the shapes of the conv's three products."""
    batch, _, out_h, out_w = layer.output_shape(input_shape)
    rows = batch * out_h * out_w
    inner = layer.in_channels * layer.kernel_size[0] * layer.kernel_size[1]
    cols = rng.standard_normal((rows, inner), dtype=np.float32)
    weight = rng.standard_normal((inner, layer.out_channels), dtype=np.float32)
    grad = rng.standard_normal((rows, layer.out_channels), dtype=np.float32)

    def three_products():
        cols @ weight  # forward
        cols.T @ grad  # weight gradient
        grad @ weight.T  # input-side gradient

    return median_time(three_products, repeats), 3 * 2 * rows * inner * layer.out_channels


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2, help="BLAS / PyTorch threads (default 2)")
    parser.add_argument("--repeats", type=int, default=5, help="measurements per number; the median is shown")
    parser.add_argument("--widths", type=int, nargs="+", default=[32, 64, 128, 256])
    parser.add_argument("--convs-per-stage", type=int, default=1)
    parser.add_argument("--train-size", type=int, default=50_000, help="images per epoch for the extrapolation")
    parser.add_argument(
        "--clock", choices=["wall", "cpu"], default="wall",
        help="wall: elapsed time (default); cpu: CPU time of this process, all threads "
        "(less sensitive to other programs on a shared machine; best with --threads 1)",
    )
    args = parser.parse_args(argv)
    global CLOCK
    CLOCK = time.perf_counter if args.clock == "wall" else time.process_time

    import torch
    from threadpoolctl import threadpool_info, threadpool_limits

    torch.set_num_threads(args.threads)
    # classroom: --threads worker threads, each with a single-threaded BLAS
    # (classroom.nn.parallel); PyTorch: the same number of intra-op threads.
    use_threads(args.threads)
    rng = np.random.default_rng(0)

    model = cifar_cnn(args.widths, args.convs_per_stage, rng=0)
    twin = torch_model_like(torch, model)
    # Synthetic images and labels: only the timing matters here.
    x = rng.standard_normal((args.batch_size, 3, 32, 32), dtype=np.float32)
    labels = rng.integers(0, 10, size=args.batch_size)
    inputs = layer_inputs(model, x)

    # ---- per layer type: forward + backward of each layer on its own
    per_type: dict[str, list[float]] = {}
    conv_time = conv_total_flops = gemm_time = gemm_total_flops = 0.0
    for layer, layer_input, torch_layer in zip(model.layers, inputs, twin):
        name = type(layer).__name__
        out = layer(layer_input)
        grad = np.ones_like(out) / out.size

        def numpy_step(layer=layer, layer_input=layer_input, grad=grad):
            layer(layer_input)
            layer.backward(grad)

        torch_input = torch.from_numpy(np.ascontiguousarray(layer_input)).requires_grad_()
        torch_grad = torch.from_numpy(np.ascontiguousarray(grad))

        def torch_step(torch_layer=torch_layer, torch_input=torch_input, torch_grad=torch_grad):
            torch_layer(torch_input).backward(torch_grad)

        numpy_seconds, torch_seconds, _ = alternating_block_times(numpy_step, torch_step, args.repeats)
        totals = per_type.setdefault(name, [0.0, 0.0])
        totals[0] += numpy_seconds
        totals[1] += torch_seconds
        if name == "Conv2d":
            conv_time += numpy_seconds
            conv_total_flops += conv_flops(layer, layer_input.shape)
            # The reference matmul gets the BLAS library's own --threads threads.
            with threadpool_limits(args.threads):
                seconds, flops = conv_gemm_reference(layer, layer_input.shape, args.repeats, rng)
            gemm_time += seconds
            gemm_total_flops += flops

    # ---- one full training step (the images need no gradient, as in PyTorch)
    model[0].input_requires_grad = False
    loss_function = CrossEntropyLoss()
    optimizer = SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)

    def numpy_train_step():
        optimizer.zero_grad()
        logits = model(x)
        loss_function(logits, labels)
        model.backward(loss_function.backward())
        optimizer.step()

    torch_x = torch.from_numpy(x)
    torch_labels = torch.from_numpy(labels)
    torch_loss = torch.nn.CrossEntropyLoss()

    def torch_train_step_for(network, images):
        """One SGD step of ``network`` on ``images``, as a function of no arguments."""
        network_optimizer = torch.optim.SGD(network.parameters(), lr=0.01, momentum=0.9, nesterov=True)

        def step():
            network_optimizer.zero_grad()
            torch_loss(network(images), torch_labels).backward()
            network_optimizer.step()

        return step

    numpy_step_seconds, torch_step_seconds, step_ratio = alternating_block_times(
        numpy_train_step, torch_train_step_for(twin, torch_x), args.repeats, warmup=2
    )
    # ---- the same step with PyTorch in channels_last memory (its other CPU layout)
    twin_channels_last = torch_model_like(torch, model).to(memory_format=torch.channels_last)
    numpy_step_again, torch_channels_last_seconds, channels_last_ratio = alternating_block_times(
        numpy_train_step, torch_train_step_for(twin_channels_last, torch_x.contiguous(memory_format=torch.channels_last)),
        args.repeats, warmup=2,
    )
    steps_per_epoch = math.ceil(args.train_size / args.batch_size)

    # ---- report
    blas = [info for info in threadpool_info() if info.get("user_api") == "blas"]
    kernel = ", ".join(f"{info.get('internal_api')} {info.get('version')} {info.get('architecture')}" for info in blas)
    print(f"## CIFAR-10 CNN: NumPy (classroom) vs PyTorch {torch.__version__}, CPU\n")
    print(f"- model: widths={args.widths}, convs_per_stage={args.convs_per_stage}, batch={args.batch_size}")
    print(
        f"- threads: {args.threads} (PyTorch: torch.set_num_threads; classroom: "
        f"classroom.nn.parallel.use_threads, BLAS limited to 1 thread per worker); BLAS: {kernel}"
    )
    print(
        f"- OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, "
        f"OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE', '(unset)')}"
    )
    print(f"- numpy {np.__version__}, Python {platform.python_version()}, {platform.processor() or platform.machine()}")
    print(f"- clock: {args.clock} time; 3 rounds of {args.repeats} NumPy then {args.repeats} PyTorch calls; "
          f"times are medians; ratio = median of the per-round ratios NumPy / PyTorch (lower is better)")
    print("- per-layer rows: each layer timed alone on the input it gets inside the network; synthetic random data\n")
    print("| part | NumPy ms | PyTorch ms | ratio |")
    print("|---|---:|---:|---:|")
    for name, (numpy_seconds, torch_seconds) in per_type.items():
        print(f"| {name} fwd+bwd (all layers) | {numpy_seconds * 1e3:.1f} | {torch_seconds * 1e3:.1f} | {numpy_seconds / torch_seconds:.2f} |")
    print(
        f"| training step (fwd+loss+bwd+SGD) | {numpy_step_seconds * 1e3:.1f} | "
        f"{torch_step_seconds * 1e3:.1f} | {step_ratio:.2f} |"
    )
    print(
        f"| training step, PyTorch channels_last | {numpy_step_again * 1e3:.1f} | "
        f"{torch_channels_last_seconds * 1e3:.1f} | {channels_last_ratio:.2f} |"
    )
    print(
        f"| training step against the faster PyTorch layout | | | {max(step_ratio, channels_last_ratio):.2f} |"
    )
    print(
        f"| epoch, extrapolated ({steps_per_epoch} steps x step time) | "
        f"{numpy_step_seconds * steps_per_epoch * 1e3:.0f} | {torch_step_seconds * steps_per_epoch * 1e3:.0f} | "
        f"{step_ratio:.2f} |"
    )
    conv_gflops = conv_total_flops / conv_time / 1e9
    gemm_gflops = gemm_total_flops / gemm_time / 1e9
    print()
    print("| convolutions, fwd+bwd | GFLOP/s |")
    print("|---|---:|")
    print(f"| classroom Conv2d layers | {conv_gflops:.1f} |")
    print(f"| plain float32 np.matmul, same shapes, BLAS with {args.threads} threads | {gemm_gflops:.1f} |")
    print(f"| ratio (layers / matmul) | {conv_gflops / gemm_gflops:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
