"""Full run of the question "Can a model take images of other sizes?".

The weekend-4 CNN (``classroom.models.cnn.cifar_cnn``) ends in global
average pooling, so it accepts any image of at least 16 x 16 pixels. This
script measures how well it *classifies* CIFAR-10 test images resized (with
``classroom.data.resize_images``) to other sizes than the 32 x 32 it was
trained on, and the time per image at each size.

The model: the recorded full run ``runs/cifar10/model.npz`` (from
``scripts/train_cifar10.py``) when it exists, loaded with
``classroom.io.load_model``; otherwise the weekend-4 recipe (SGD with
Nesterov momentum, one-cycle learning rate, label smoothing, random crop +
flip) trained here on ``--train-size`` images for ``--epochs`` epochs.

The extra: the same recipe trained with **random-resize augmentation** (every
batch resized to a size drawn from ``--train-sizes``), to see whether the
accuracy-by-size curve flattens. ``--no-random-resize`` skips it.

It also records the error a ``Flatten`` head (no global pooling) raises at
every size but 32.

Writes ``runs/questions/other-input-sizes.json``, which the page
``docs/questions/other-input-sizes.py`` reads.

Usage::

    python scripts/question_other_input_sizes.py                  # about 10 minutes on 2 busy cores
    python scripts/question_other_input_sizes.py --train-size 2000 --epochs 1 --test-size 500 --out /tmp/q
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
    normalize,
    random_crop_flip,
    resize_images,
    stratified_split,
    to_float_nchw,
)
from classroom.evaluation.timing import time_call
from classroom.io import load_model
from classroom.io.model_files import load_model_state
from classroom.models.cnn import cifar_cnn
from classroom.models.registry import build_model
from classroom.nn import CrossEntropyLoss, Flatten, Linear, Sequential
from classroom.nn.parallel import use_threads
from classroom.optim import SGD
from classroom.optim.lr_scheduler import OneCycleLR
from classroom.train import Trainer
from classroom.train.runs import add_run_options, apply_run_options, finish_run, start_run

ROOT = Path(__file__).resolve().parents[1]
SLUG = "other-input-sizes"


def parse_arguments(argv=None) -> argparse.Namespace:
    """Read the command-line options (see ``--help``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[16, 24, 32, 40, 48, 64], help="test sizes in pixels")
    parser.add_argument("--test-size", type=int, default=2000, help="test images, a random subset (default 2000)")
    parser.add_argument("--train-size", type=int, default=20000, help="training images when training here (default 20000)")
    parser.add_argument("--epochs", type=int, default=4, help="epochs when training here (default 4)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.2, help="peak learning rate of the one-cycle schedule")
    parser.add_argument("--widths", type=int, nargs="+", default=[32, 64, 128, 256], help="channels per stage")
    parser.add_argument("--train-sizes", type=int, nargs="+", default=[16, 24, 32, 40, 48],
                        help="sizes drawn for the random-resize augmentation (default 16 24 32 40 48)")
    parser.add_argument("--no-random-resize", action="store_true", help="skip the random-resize model")
    parser.add_argument("--retrain", action="store_true", help="train here even when runs/cifar10/model.npz exists")
    parser.add_argument("--model", type=Path, default=ROOT / "runs" / "cifar10" / "model.npz",
                        help="recorded model to evaluate (default runs/cifar10/model.npz)")
    parser.add_argument("--threads", type=int, default=2, help="cores: worker threads that split each batch (default 2)")
    add_run_options(parser, out=ROOT / "runs" / "questions", seed=0)
    return parser.parse_args(argv)


def to_input(images: np.ndarray) -> np.ndarray:
    """uint8 NHWC images -> normalised float32 NCHW network input."""
    return normalize(to_float_nchw(images), CIFAR10_MEAN, CIFAR10_STD)


def train_model(x_train, y_train, arguments, *, random_sizes=None):
    """Train ``cifar_cnn`` with the weekend-4 recipe; with ``random_sizes``, resize each batch to one of them."""
    rng = np.random.default_rng(arguments.seed)
    model = cifar_cnn(arguments.widths, rng=arguments.seed)
    model[0].input_requires_grad = False
    optimizer = SGD(model.parameters(), lr=arguments.lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    steps = math.ceil(len(x_train) / arguments.batch_size)
    scheduler = OneCycleLR(optimizer, max_lr=arguments.lr, epochs=arguments.epochs, steps_per_epoch=steps, pct_start=0.25)
    trainer = Trainer(model, CrossEntropyLoss(label_smoothing=0.1), optimizer, scheduler=scheduler,
                      scheduler_interval="step", progress=False)
    started = time.perf_counter()
    for epoch in range(arguments.epochs):
        order = rng.permutation(len(x_train))
        for step in range(steps):
            index = order[step * arguments.batch_size : (step + 1) * arguments.batch_size]
            batch = random_crop_flip(to_input(x_train[index]), padding=2, rng=rng)
            if random_sizes:
                batch = resize_images(batch, int(rng.choice(random_sizes)))
            trainer.train_step(batch, y_train[index])
        print(f"  epoch {epoch + 1}: {time.perf_counter() - started:.0f} s", flush=True)
    return model.eval(), time.perf_counter() - started


def accuracy_by_size(model, x_test, y_test, sizes, batch_size=250) -> dict:
    """Test accuracy of ``model`` on the test images resized to every size in ``sizes``."""
    model.eval()
    results = {}
    for size in sizes:
        correct = 0
        for start in range(0, len(x_test), batch_size):
            batch = resize_images(x_test[start : start + batch_size], size)
            correct += int(np.sum(np.argmax(model(batch), axis=1) == y_test[start : start + batch_size]))
        results[str(size)] = correct / len(x_test)
    return results


def milliseconds_by_size(model, x_test, sizes, images=100) -> dict:
    """Median inference time per image at every size (a batch of ``images``, 3 repeats after a warm-up)."""
    model.eval()
    times = {}
    for size in sizes:
        batch = resize_images(x_test[:images], size)
        times[str(size)] = time_call(lambda: model(batch), repeats=3, warmup=1).median_ms / images
    return times


def flatten_head_errors(widths, sizes) -> dict:
    """What a ``Flatten`` head (sized for 32 x 32 inputs) does at every size: the output shape or the error."""
    trunk = cifar_cnn(widths, rng=0).layers[:-3]  # the convolution stages, without pooling, Flatten, Linear
    final = 32 // 2 ** len(widths)
    model = Sequential(*trunk, Flatten(), Linear(widths[-1] * final * final, 10, rng=0)).eval()
    outcome = {}
    for size in sizes:
        try:
            outcome[str(size)] = f"output shape {model(np.zeros((1, 3, size, size), dtype=np.float32)).shape}"
        except ValueError as error:
            outcome[str(size)] = f"ValueError: {error}"
    return outcome


def main(argv=None) -> int:
    """Get a model, measure accuracy and time by size, write the JSON record."""
    arguments = parse_arguments(argv)
    apply_run_options(arguments)
    blas = use_threads(arguments.threads)
    start = start_run()
    test_images, test_labels = load_cifar10("test")
    test_index = np.sort(np.random.default_rng(12345).permutation(len(test_labels))[: arguments.test_size])
    x_test, y_test = to_input(test_images[test_index]), test_labels[test_index]

    models = {}
    if arguments.model.exists() and not arguments.retrain:
        _, metadata = load_model_state(arguments.model)
        model = build_model(metadata["architecture"])
        load_model(arguments.model, model)
        models["recorded full run (runs/cifar10/model.npz)"] = {"model": model.eval(), "train_seconds": None,
                                                                 "source": str(arguments.model.relative_to(ROOT))
                                                                 if arguments.model.is_relative_to(ROOT) else
                                                                 arguments.model.name}
        widths = list(metadata["architecture"].get("widths", arguments.widths))
    else:
        widths = list(arguments.widths)
    train_images, train_labels = load_cifar10("train")
    fraction = arguments.train_size / len(train_labels)
    train_index = stratified_split(train_labels, (fraction, 1 - fraction), seed=arguments.seed)[0]
    x_train, y_train = train_images[train_index], train_labels[train_index]
    if not models:
        print(f"training at 32 x 32 on {len(y_train)} images, {arguments.epochs} epochs", flush=True)
        model, seconds = train_model(x_train, y_train, arguments)
        models["trained at 32 x 32"] = {"model": model, "train_seconds": round(seconds, 1), "source": "trained here"}
    if not arguments.no_random_resize:
        print(f"training with random resize to {arguments.train_sizes} on {len(y_train)} images", flush=True)
        model, seconds = train_model(x_train, y_train, arguments, random_sizes=arguments.train_sizes)
        models[f"random resize {arguments.train_sizes}"] = {"model": model, "train_seconds": round(seconds, 1),
                                                            "source": "trained here"}

    results = {}
    for name, entry in models.items():
        scores = accuracy_by_size(entry["model"], x_test, y_test, arguments.sizes)
        results[name] = {"accuracy": scores, "train_seconds": entry["train_seconds"], "source": entry["source"]}
        print(f"{name}: " + ", ".join(f"{size} px {score:.3f}" for size, score in scores.items()), flush=True)
    first = next(iter(models.values()))["model"]
    milliseconds = milliseconds_by_size(first, x_test, arguments.sizes)
    print("ms per image: " + ", ".join(f"{size} px {ms:.2f}" for size, ms in milliseconds.items()))

    finish_run(
        start,
        script="scripts/question_other_input_sizes.py",
        argv=argv,
        arguments=arguments,
        results={
            "data": {"train_images": int(len(y_train)), "test_images": int(len(y_test)),
                     "test_subset": "random, seed 12345", "train_subset": f"stratified, seed {arguments.seed}"},
            "widths": widths,
            "results": results,
            "milliseconds_per_image": milliseconds,
            "milliseconds_note": "median of 3 batches of 100 images after a warm-up, the first model, eval mode",
            "flatten_head": flatten_head_errors(widths, arguments.sizes),
        },
        out=arguments.out,
        name=SLUG,
        threads=arguments.threads,
        blas=blas,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
