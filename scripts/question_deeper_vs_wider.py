"""Full run of the question "How much slower is a deeper network?".

MLPs on MNIST with 1 to 6 hidden layers, every hidden layer ``--width``
wide ("equal width") and at the parameter budget of the one-hidden-layer
network ("equal parameters": each depth gets the width closest to it);
then the weekend-4 CNN (``cifar_cnn``) with 1, 2 and 3 convolutions per
stage and a wider one-convolution CNN with about the parameters of the
two-convolution one. For each: parameters and multiply-adds
(``classroom.nn.flops``), forward time per image for one image and for a
batch (lowest of ``--rounds`` medians, the models timed in turns), training
time per image, and test accuracy after the same training.

Writes ``runs/questions/deeper-vs-wider.json``, which the page
``docs/questions/deeper-vs-wider.py`` reads.

Usage::

    python scripts/question_deeper_vs_wider.py --threads 1         # about 5 minutes on one core
    python scripts/question_deeper_vs_wider.py --depths 1 2 --mlp-train 500 --mlp-epochs 1 --cnn-train 100 \\
        --cnn-epochs 1 --cnn-test 50 --repeats 3 --rounds 1 --out /tmp/q
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

from classroom.data import (
    CIFAR10_MEAN,
    CIFAR10_STD,
    load_cifar10,
    load_mnist,
    mnist_as_float,
    normalize,
    random_crop_flip,
    stratified_split,
    to_float_nchw,
)
from classroom.evaluation.timing import time_call
from classroom.models.cnn import cifar_cnn
from classroom.models.mlp import MLP
from classroom.nn import CrossEntropyLoss
from classroom.nn.flops import total_macs, total_parameters
from classroom.nn.parallel import use_threads
from classroom.optim import SGD
from classroom.optim.lr_scheduler import OneCycleLR
from classroom.train import Trainer
from classroom.train.runs import add_run_options, apply_run_options, finish_run, start_run

ROOT = Path(__file__).resolve().parents[1]
SLUG = "deeper-vs-wider"


def parse_arguments(argv=None) -> argparse.Namespace:
    """Read the command-line options (see ``--help``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--depths", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6], help="MLP hidden layers")
    parser.add_argument("--width", type=int, default=256, help="equal-width MLPs' hidden width; the budget is 784-W-10")
    parser.add_argument("--mlp-train", type=int, default=60000, help="MNIST training images (default 60000)")
    parser.add_argument("--mlp-epochs", type=int, default=3, help="MLP epochs (default 3)")
    parser.add_argument("--mlp-lr", type=float, default=0.05, help="MLP SGD learning rate (momentum 0.9)")
    parser.add_argument("--cnn-widths", type=int, nargs="+", default=[16, 32, 64, 128], help="CNN stage widths")
    parser.add_argument("--wide-widths", type=int, nargs="+", default=[28, 56, 112, 224],
                        help="the wider one-convolution CNN (default: about the parameters of 2 convs per stage)")
    parser.add_argument("--convs", type=int, nargs="+", default=[1, 2, 3], help="convolutions per stage to try")
    parser.add_argument("--cnn-train", type=int, default=6000, help="CIFAR-10 training images (default 6000)")
    parser.add_argument("--cnn-epochs", type=int, default=3, help="CNN epochs (default 3)")
    parser.add_argument("--cnn-test", type=int, default=2000, help="CIFAR-10 test images, a random subset")
    parser.add_argument("--repeats", type=int, default=100,
                        help="timed calls per round of an MLP and one image (default 100; fewer for batches and CNNs)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="timing rounds, the models taking turns; the median of all calls is kept (default 5)")
    parser.add_argument("--threads", type=int, default=1, help="cores: worker threads that split each batch (default 1)")
    add_run_options(parser, out=ROOT / "runs" / "questions", seed=0)
    arguments = parser.parse_args(argv)
    if min(arguments.depths) < 1 or min(arguments.convs) < 1 or arguments.repeats < 1 or arguments.rounds < 1:
        parser.error("--depths, --convs, --repeats and --rounds must be at least 1")
    return arguments


def mlp_parameters(depth: int, width: int, inputs: int = 784, outputs: int = 10) -> int:
    """Weights and biases of an MLP with ``depth`` hidden layers of ``width``."""
    return (inputs + 1) * width + (depth - 1) * (width + 1) * width + (width + 1) * outputs


def width_for_budget(depth: int, budget: int) -> int:
    """The hidden width whose MLP's parameter count is closest to ``budget``."""
    return min(range(1, 4096), key=lambda width: abs(mlp_parameters(depth, width) - budget))


def per_image_microseconds(models, inputs, repeats, rounds) -> list:
    """Forward time of ``inputs`` per image in µs for each model: the median of all its calls, models in turns."""
    calls = [[] for _ in models]
    for _ in range(rounds):
        for position, model in enumerate(models):
            model.eval()
            calls[position] += time_call(lambda: model(inputs), repeats=repeats, warmup=2).seconds
    return [float(np.median(seconds)) * 1e6 / len(inputs) for seconds in calls]


def accuracy(model, inputs, labels, batch_size=1000) -> float:
    """Accuracy in eval mode."""
    model.eval()
    predictions = np.concatenate([np.argmax(model(inputs[start : start + batch_size]), axis=1)
                                  for start in range(0, len(inputs), batch_size)])
    return float(np.mean(predictions == labels))


def run_mlps(arguments) -> dict:
    """Train and time every MLP; return the record's ``mlp`` part."""
    images, labels = load_mnist("train")
    test_images, test_labels = load_mnist("test")
    index = np.random.default_rng(arguments.seed).permutation(len(labels))[: arguments.mlp_train]
    x, y = mnist_as_float(images[index]), labels[index]
    x_test, y_test = mnist_as_float(test_images), test_labels
    budget = mlp_parameters(1, arguments.width)
    variants = [("equal width", depth, arguments.width) for depth in arguments.depths]
    variants += [("equal parameters", depth, width_for_budget(depth, budget)) for depth in arguments.depths]
    rows, models = [], []
    for family, depth, width in variants:
        model = MLP(784, [width] * depth, 10, rng=arguments.seed)
        model[0].input_requires_grad = False
        started = time.perf_counter()
        Trainer(model, CrossEntropyLoss(), SGD(model.parameters(), lr=arguments.mlp_lr, momentum=0.9),
                progress=False).fit((x, y), epochs=arguments.mlp_epochs, batch_size=64, rng=arguments.seed)
        seconds = time.perf_counter() - started
        models.append(model)
        rows.append({"family": family, "depth": depth, "width": width, "parameters": total_parameters(model),
                     "macs": total_macs(model, (784,)), "train_seconds": round(seconds, 2),
                     "train_us_per_image": seconds * 1e6 / (arguments.mlp_epochs * len(y)),
                     "accuracy": accuracy(model, x_test, y_test)})
        print(f"MLP {family}, {depth} x {width}: accuracy {rows[-1]['accuracy']:.4f}, {seconds:.0f} s", flush=True)
    for key, batch, repeats in (("us_batch_1", 1, arguments.repeats), ("us_batch_256", 256, max(3, arguments.repeats // 5))):
        for row, microseconds in zip(rows, per_image_microseconds(models, x_test[:batch], repeats, arguments.rounds)):
            row[key] = microseconds
    return {"train_images": int(len(y)), "test_images": int(len(y_test)), "epochs": arguments.mlp_epochs,
            "budget": budget, "recipe": f"SGD lr {arguments.mlp_lr} momentum 0.9, batch 64", "rows": rows}


def to_input(images: np.ndarray) -> np.ndarray:
    """uint8 NHWC images -> normalised float32 NCHW network input."""
    return normalize(to_float_nchw(images), CIFAR10_MEAN, CIFAR10_STD)


def train_cnn(model, x, y, arguments) -> float:
    """The weekend-4 recipe (one-cycle SGD, random crop + flip) for ``--cnn-epochs``; return the seconds."""
    rng = np.random.default_rng(arguments.seed)
    model[0].input_requires_grad = False
    steps = math.ceil(len(y) / 128)
    optimizer = SGD(model.parameters(), lr=0.2, momentum=0.9, nesterov=True, weight_decay=5e-4)
    scheduler = OneCycleLR(optimizer, max_lr=0.2, epochs=arguments.cnn_epochs, steps_per_epoch=steps, pct_start=0.25)
    trainer = Trainer(model, CrossEntropyLoss(), optimizer, scheduler=scheduler, scheduler_interval="step",
                      progress=False)
    started = time.perf_counter()
    for _ in range(arguments.cnn_epochs):
        order = rng.permutation(len(y))
        for step in range(steps):
            index = order[step * 128 : (step + 1) * 128]
            trainer.train_step(random_crop_flip(x[index], padding=2, rng=rng), y[index])
    return time.perf_counter() - started


def run_cnns(arguments) -> dict:
    """Train and time every CNN; return the record's ``cnn`` part."""
    images, labels = load_cifar10("train")
    test_images, test_labels = load_cifar10("test")
    fraction = arguments.cnn_train / len(labels)
    index = stratified_split(labels, (fraction, 1 - fraction), seed=arguments.seed)[0]
    x, y = to_input(images[index]), labels[index]
    test_index = np.random.default_rng(12345).permutation(len(test_labels))[: arguments.cnn_test]
    x_test, y_test = to_input(test_images[test_index]), test_labels[test_index]
    variants = [(f"{convs} conv{'s' if convs > 1 else ''} per stage", list(arguments.cnn_widths), convs)
                for convs in arguments.convs]
    variants.append(("1 conv per stage, wider", list(arguments.wide_widths), 1))
    rows, models = [], []
    for name, widths, convs in variants:
        model = cifar_cnn(widths=widths, convs_per_stage=convs, rng=arguments.seed)
        seconds = train_cnn(model, x, y, arguments)
        models.append(model.eval())
        rows.append({"name": name, "widths": widths, "convs_per_stage": convs, "conv_layers": len(widths) * convs,
                     "parameters": total_parameters(model), "macs": total_macs(model, (3, 32, 32)),
                     "train_seconds": round(seconds, 1),
                     "train_ms_per_image": seconds * 1e3 / (arguments.cnn_epochs * len(y)),
                     "accuracy": accuracy(model, x_test, y_test, batch_size=250)})
        print(f"CNN {name}: accuracy {rows[-1]['accuracy']:.4f}, {seconds:.0f} s", flush=True)
    for key, batch, repeats in (("us_batch_1", 1, max(3, arguments.repeats // 5)), ("us_batch_100", 100, 3)):
        for row, microseconds in zip(rows, per_image_microseconds(models, x_test[:batch], repeats, arguments.rounds)):
            row[key] = microseconds
    return {"train_images": int(len(y)), "test_images": int(len(y_test)), "epochs": arguments.cnn_epochs,
            "recipe": "SGD Nesterov momentum 0.9, weight decay 5e-4, one-cycle to 0.2, batch 128, random crop + flip",
            "rows": rows}


def main(argv=None) -> int:
    """Train and time every network; write the JSON record."""
    arguments = parse_arguments(argv)
    apply_run_options(arguments)
    blas = use_threads(arguments.threads)
    start = start_run()
    mlp = run_mlps(arguments)
    cnn = run_cnns(arguments)
    finish_run(
        start,
        script="scripts/question_deeper_vs_wider.py",
        argv=argv,
        arguments=arguments,
        results={
            "mlp": mlp,
            "cnn": cnn,
            "timing_note": "forward passes in eval mode; per image = the median of all calls / batch size; the "
                           "models take turns for --rounds rounds of --repeats calls (fewer for batches and CNNs)",
            "published": {
                "source": "torchvision model documentation (IMAGENET1K_V1 weights) and He et al. 2016, Table 1",
                "resnet18": {"layers": 18, "parameters": 11689512, "gflops_torchvision": 1.81, "flops_paper": 1.8e9,
                             "top1": 69.758},
                "resnet50": {"layers": 50, "parameters": 25557032, "gflops_torchvision": 4.09, "flops_paper": 3.8e9,
                             "top1": 76.13},
            },
        },
        out=arguments.out,
        name=SLUG,
        threads=arguments.threads,
        blas=blas,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
