"""Benchmark: the weekend-1 network against scikit-learn and PyTorch on MNIST.

The same network (784 -> hidden ReLU -> 10), the same optimizer (Adam,
learning rate 1e-3, no L2 penalty), the same mini-batch size, the same
number of epochs over the same 60,000 float32 training images (pixels / 255),
trained by three libraries in one run on the same CPU threads:

* ``classroom``: ``classroom.models.mlp.MLP`` trained by ``classroom.train.Trainer``
  (no per-batch metrics, no NaN guard, no progress bar: the same work as the others);
* ``scikit-learn``: ``MLPClassifier(solver="adam", alpha=0, max_iter=epochs,
  early_stopping=False, shuffle=True)`` with convergence-based stopping disabled
  (``n_iter_no_change`` larger than ``epochs``); it keeps float32 input in float32;
* ``torch``: ``nn.Sequential(Linear, ReLU, Linear)`` with ``torch.optim.Adam``,
  shuffled index batches, ``torch.set_num_threads(threads)``.

For each: test accuracy on the 10,000 test images and wall-clock fit time
(data preparation excluded), plus ratios against scikit-learn measured in the
same run. Initialisations differ (each library's own default), so accuracies
agree to within run-to-run noise, not exactly.

Usage::

    python scripts/bench_mnist_mlp.py                          # 10 epochs, 512 hidden, 1 thread
    python scripts/bench_mnist_mlp.py --epochs 3 --hidden 128 --threads 2
    python scripts/bench_mnist_mlp.py --json runs/bench/mnist_mlp.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from classroom.data import load_mnist, mnist_as_float
from classroom.evaluation.metrics import accuracy
from classroom.io.atomic import write_json
from classroom.models.mlp import MLP
from classroom.nn import CrossEntropyLoss
from classroom.optim import Adam
from classroom.train import Trainer
from classroom.train.runs import (
    add_run_options,
    apply_run_options,
    command_record,
    machine_record,
)


def parse_arguments(argv=None) -> argparse.Namespace:
    """Read the command-line options (see ``--help``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=10, help="epochs for every library (default 10)")
    parser.add_argument("--hidden", type=int, default=512, help="hidden units (default 512)")
    parser.add_argument("--batch-size", type=int, default=128, help="mini-batch size (default 128)")
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default 1e-3)")
    parser.add_argument("--train-limit", type=int, default=None, help="use only this many training images")
    add_run_options(parser, threads=1, seed=0)  # every library gets the same threads and seed
    parser.add_argument(
        "--only", nargs="+", choices=("classroom", "sklearn", "torch"), default=("classroom", "sklearn", "torch"),
        help="run only these libraries (scikit-learn is the reference for the ratios)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    arguments = parser.parse_args(argv)
    for name in ("epochs", "hidden", "threads", "batch_size"):
        if getattr(arguments, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return arguments


def fit_classroom(x_train, y_train, x_test, y_test, arguments) -> dict:
    """Train the package's MLP with the package's Trainer; return accuracy and fit time."""
    model = MLP(784, [arguments.hidden], 10, rng=np.random.default_rng(arguments.seed))
    model[0].input_requires_grad = False  # the images need no gradient (as in PyTorch)
    trainer = Trainer(
        model, CrossEntropyLoss(), Adam(model.parameters(), lr=arguments.lr),
        metrics={}, progress=False, nan_guard=False,
    )
    started = time.perf_counter()
    trainer.fit((x_train, y_train), epochs=arguments.epochs, batch_size=arguments.batch_size, rng=arguments.seed)
    seconds = time.perf_counter() - started
    return {"test_accuracy": accuracy(y_test, trainer.predict(x_test)), "fit_seconds": seconds, "dtype": "float32"}


def fit_sklearn(x_train, y_train, x_test, y_test, arguments) -> dict:
    """Train scikit-learn's MLPClassifier with the matched settings; return accuracy and fit time."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(
        hidden_layer_sizes=(arguments.hidden,),
        activation="relu",
        solver="adam",
        alpha=0.0,
        batch_size=arguments.batch_size,
        learning_rate_init=arguments.lr,
        max_iter=arguments.epochs,
        shuffle=True,
        early_stopping=False,
        n_iter_no_change=arguments.epochs + 1,  # never stop on a loss plateau
        random_state=arguments.seed,
    )
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # "max_iter reached": intended
        model.fit(x_train, y_train)
    seconds = time.perf_counter() - started
    return {
        "test_accuracy": accuracy(y_test, model.predict(x_test)),
        "fit_seconds": seconds,
        "dtype": str(model.coefs_[0].dtype),
        "epochs_run": int(model.n_iter_),
    }


def fit_torch(x_train, y_train, x_test, y_test, arguments) -> dict:
    """Train the same network with PyTorch on the CPU; return accuracy and fit time."""
    import torch

    torch.manual_seed(arguments.seed)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, arguments.hidden), torch.nn.ReLU(), torch.nn.Linear(arguments.hidden, 10)
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=arguments.lr)
    loss_function = torch.nn.CrossEntropyLoss()
    inputs, targets = torch.from_numpy(x_train), torch.from_numpy(y_train)
    generator = torch.Generator().manual_seed(arguments.seed)
    started = time.perf_counter()
    for _ in range(arguments.epochs):
        order = torch.randperm(len(inputs), generator=generator)
        for start in range(0, len(inputs), arguments.batch_size):
            index = order[start : start + arguments.batch_size]
            optimizer.zero_grad()
            loss = loss_function(model(inputs[index]), targets[index])
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - started
    with torch.no_grad():
        logits = model(torch.from_numpy(x_test)).numpy()
    return {"test_accuracy": accuracy(y_test, logits), "fit_seconds": seconds, "dtype": "float32"}


def limit_threads(arguments) -> None:
    """Limit NumPy's BLAS and scikit-learn's OpenMP pools (and PyTorch's) to ``--threads``; apply ``--data-dir``."""
    try:
        import torch

        torch.set_num_threads(arguments.threads)
    except ImportError:
        pass
    apply_run_options(arguments)


def main(argv=None) -> int:
    """Run the three trainings and print one table with ratios against scikit-learn."""
    arguments = parse_arguments(argv)
    limit_threads(arguments)  # for the rest of the run
    train_images, train_labels = load_mnist("train")
    test_images, test_labels = load_mnist("test")
    if arguments.train_limit is not None:
        train_images, train_labels = train_images[: arguments.train_limit], train_labels[: arguments.train_limit]
    x_train, x_test = mnist_as_float(train_images), mnist_as_float(test_images)
    command = command_record("scripts/bench_mnist_mlp.py", argv)
    print(command)
    print(
        f"MNIST: {len(train_labels):,} training / {len(test_labels):,} test images, float32; "
        f"784-{arguments.hidden}-10 ReLU, Adam lr {arguments.lr:g}, batch {arguments.batch_size}, "
        f"{arguments.epochs} epochs, {arguments.threads} thread(s)"
    )
    load_before = os.getloadavg()[0]

    trainers = {"classroom": fit_classroom, "sklearn": fit_sklearn, "torch": fit_torch}
    results = {}
    for name in arguments.only:
        print(f"  training {name} ...", flush=True)
        results[name] = trainers[name](x_train, train_labels, x_test, test_labels, arguments)
    load_after = os.getloadavg()[0]

    reference = results.get("sklearn")
    print()
    print(f"{'library':<12} {'dtype':<8} {'test acc':>9} {'fit s':>8} {'s/epoch':>8} {'time vs sklearn':>16} {'acc - sklearn':>14}")
    for name, result in results.items():
        time_ratio = result["fit_seconds"] / reference["fit_seconds"] if reference else float("nan")
        accuracy_gap = result["test_accuracy"] - reference["test_accuracy"] if reference else float("nan")
        result["time_ratio_vs_sklearn"] = time_ratio
        result["accuracy_minus_sklearn"] = accuracy_gap
        print(
            f"{name:<12} {result['dtype']:<8} {result['test_accuracy']:>9.4f} {result['fit_seconds']:>8.1f} "
            f"{result['fit_seconds'] / arguments.epochs:>8.2f} {time_ratio:>15.2f}x {accuracy_gap:>+14.4f}"
        )
    print(f"\n1-minute load average: {load_before:.1f} before, {load_after:.1f} after ({os.cpu_count()} CPUs)")

    if arguments.json is not None:
        record = {
            "command": command,
            "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "settings": {key: (list(value) if isinstance(value, tuple) else value)
                         for key, value in vars(arguments).items() if key != "json"},
            "train_images": int(len(train_labels)),
            "results": results,
            "load_average": [load_before, load_after],
            "machine": machine_record(threads=arguments.threads),
        }
        arguments.json.parent.mkdir(parents=True, exist_ok=True)
        write_json(arguments.json, record)
        print(f"wrote {arguments.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
