#!/usr/bin/env python3
"""Race SGD, momentum, RMSprop, Adam and AdamW on MNIST with the same network and budget.

This is the full run quoted on the weekend-6 page (the notebook runs a quick
version of it). Every optimizer trains the same MLP (784-128-10, ReLU,
float32) from the same initial weights for the same number of epochs and
mini-batches; only the update rule and its usual learning rate differ.
About 5,000 training images (stratified, seed 0) are held out for validation; the
official 10,000 test images are evaluated once per run, at the end.

Usage::

    python scripts/optimizers_mnist.py                       # 10 epochs, seeds 0 1 2
    python scripts/optimizers_mnist.py --epochs 2 --seeds 0  # a quicker look
    python scripts/optimizers_mnist.py --json results.json   # also save every curve

Needs MNIST in the data directory (``$CLASSROOM_DATA``). On a machine shared
with other jobs, ``OMP_NUM_THREADS=1`` often makes NumPy much faster.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from classroom.data import MNIST_MEAN, MNIST_STD, load_mnist, mnist_as_float, stratified_split
from classroom.models.mlp import MLP
from classroom.nn import CrossEntropyLoss
from classroom.optim import SGD, Adam, AdamW, RMSprop
from classroom.train import Trainer
from classroom.io.atomic import write_json

#: name -> (optimizer class, keyword arguments). The learning rates are each
#: optimizer's usual starting point, not tuned on this problem.
OPTIMIZERS = {
    "SGD": (SGD, {"lr": 0.1}),
    "SGD + momentum": (SGD, {"lr": 0.01, "momentum": 0.9}),
    "RMSprop": (RMSprop, {"lr": 1e-3}),
    "Adam": (Adam, {"lr": 1e-3}),
    "AdamW": (AdamW, {"lr": 1e-3, "weight_decay": 1e-2}),
}
VALIDATION_SIZE = 5000


def parse_arguments(argv=None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="one run per seed and optimizer")
    parser.add_argument("--hidden", type=int, default=128, help="width of the hidden layer")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--optimizers", nargs="+", default=list(OPTIMIZERS), choices=list(OPTIMIZERS), metavar="NAME",
        help=f"subset of {list(OPTIMIZERS)}",
    )
    parser.add_argument("--json", type=Path, default=None, help="write every run's history and scores here")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be at least 1, got {args.epochs}")
    if args.batch_size < 1:
        parser.error(f"--batch-size must be at least 1, got {args.batch_size}")
    return args


def standardised(images: np.ndarray) -> np.ndarray:
    """Flatten uint8 MNIST images to float32 rows with the training-set mean and std removed."""
    return (mnist_as_float(images) - np.float32(MNIST_MEAN)) / np.float32(MNIST_STD)


def load_data():
    """Return ``(train, validation, test)`` as ``(X, y)`` tuples of standardised MNIST."""
    train_images, train_labels = load_mnist("train")
    test_images, test_labels = load_mnist("test")
    validation_fraction = VALIDATION_SIZE / len(train_labels)
    train_index, validation_index = stratified_split(
        train_labels, (1 - validation_fraction, validation_fraction), seed=0
    )
    x_train = standardised(train_images)
    return (
        (x_train[train_index], train_labels[train_index]),
        (x_train[validation_index], train_labels[validation_index]),
        (standardised(test_images), test_labels),
    )


def train_one(name: str, seed: int, data, args) -> dict:
    """Train one MLP with optimizer ``name`` and ``seed``; return its history, scores and time."""
    train, validation, test = data
    optimizer_class, kwargs = OPTIMIZERS[name]
    # The same seed gives the same initial weights and batch order to every optimizer.
    model = MLP(784, [args.hidden], 10, rng=np.random.default_rng(seed))
    trainer = Trainer(model, CrossEntropyLoss(), optimizer_class(model.parameters(), **kwargs), progress=False)
    started = time.perf_counter()
    history = trainer.fit(train, validation, epochs=args.epochs, batch_size=args.batch_size, rng=seed)
    seconds = time.perf_counter() - started
    test_scores = trainer.evaluate(*test)
    return {
        "optimizer": name,
        "hyperparameters": {key: list(value) if isinstance(value, tuple) else value for key, value in kwargs.items()},
        "seed": seed,
        "history": history.to_dict(),
        "test_loss": test_scores["loss"],
        "test_accuracy": test_scores["accuracy"],
        "seconds": seconds,
    }


def main(argv=None) -> int:
    """Train every optimizer for every seed, print a summary table, optionally save JSON."""
    args = parse_arguments(argv)
    data = load_data()
    print(
        f"MLP 784-{args.hidden}-10, {len(data[0][1])} training / {len(data[1][1])} validation / "
        f"{len(data[2][1])} test images, {args.epochs} epochs, batch {args.batch_size}, seeds {args.seeds}"
    )
    runs = []
    for name in args.optimizers:
        for seed in args.seeds:
            run = train_one(name, seed, data, args)
            runs.append(run)
            history = run["history"]
            print(
                f"{name:15s} seed {seed}: val acc per epoch "
                + " ".join(f"{value:.4f}" for value in history["val_accuracy"])
                + f" | test acc {run['test_accuracy']:.4f} | {run['seconds']:.1f} s",
                flush=True,
            )

    print()
    print(f"| optimizer | settings | final val loss | test accuracy (mean ± sd over {len(args.seeds)} seeds) | seconds per run |")
    print("|---|---|---|---|---|")
    for name in args.optimizers:
        mine = [run for run in runs if run["optimizer"] == name]
        test_accuracies = np.array([run["test_accuracy"] for run in mine])
        val_losses = np.array([run["history"]["val_loss"][-1] for run in mine])
        seconds = np.array([run["seconds"] for run in mine])
        spread = f" ± {test_accuracies.std(ddof=1):.4f}" if len(mine) > 1 else ""
        settings = ", ".join(f"{key}={value}" for key, value in OPTIMIZERS[name][1].items())
        print(
            f"| {name} | {settings} | {val_losses.mean():.4f} | {test_accuracies.mean():.4f}{spread} | "
            f"{seconds.mean():.1f} |"
        )
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        write_json(args.json, {"arguments": {k: str(v) for k, v in vars(args).items()}, "runs": runs})
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
