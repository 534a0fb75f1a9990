"""Full run of weekend 1: a two-layer NumPy network on all of MNIST (or Fashion-MNIST).

Recipe (the defaults): 784 -> 512 ReLU -> 10, Adam (lr 1e-3) with a cosine
learning-rate schedule over 20 epochs, mini-batches of 128, pixels scaled to
[0, 1]. 5,000 of the 60,000 training images (stratified) are held out for
validation; the epoch with the best validation accuracy is kept (early
stopping restores its weights). The 10,000 test images are used exactly
once, at the very end. ``--dataset fashion`` runs the same recipe on
Fashion-MNIST (the same sizes, ten kinds of clothing instead of digits) and
writes into ``runs/fashion_mnist`` by default.

Writes, in ``--out`` (default ``runs/mnist``, ``runs/fashion_mnist`` with ``--dataset fashion``):

* ``metrics.json``: the command, date, dataset, recipe, per-epoch history,
  the chosen epoch, validation and test accuracy (with a 95% bootstrap
  interval) and timings; the weekend-1 notebook reads it;
* ``mnist_mlp.npz`` (``fashion_mnist_mlp.npz``) with its ``.sha256``: the
  trained weights with the metadata ``classroom serve`` needs (architecture,
  classes, input shape, preprocessing, metrics).

Usage::

    python scripts/train_mnist.py                       # the full run
    python scripts/train_mnist.py --epochs 2 --train-limit 5000 --out /tmp/mnist-try
    python scripts/train_mnist.py --dataset fashion     # the same recipe on Fashion-MNIST
    classroom serve --model runs/mnist/mnist_mlp.npz
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np

from classroom.data import mnist_as_float, stratified_split
from classroom.data.fashion_mnist import FASHION_MNIST, load_fashion_mnist
from classroom.data.mnist import MNIST, load_mnist
from classroom.evaluation.metrics import bootstrap_ci
from classroom.io.atomic import write_json
from classroom.models.mlp import MLP
from classroom.nn import CrossEntropyLoss
from classroom.optim import Adam
from classroom.optim.lr_scheduler import CosineAnnealingLR
from classroom.serve.model_file import export_model
from classroom.train import Callback, EarlyStopping, Trainer
from classroom.train.runs import (
    add_run_options,
    apply_run_options,
    command_record,
    machine_record,
)

ROOT = Path(__file__).resolve().parents[1]
METRICS_FILE_NAME = "metrics.json"
#: ``--dataset`` -> (file table, loader). Each writes into ``runs/<table.folder>`` and ``<table.folder>_mlp.npz``.
DATASETS = {"mnist": (MNIST, load_mnist), "fashion": (FASHION_MNIST, load_fashion_mnist)}
MODEL_FILE_NAME = "mnist_mlp.npz"  # the MNIST run's model file


def model_file_name(dataset: str) -> str:
    """The model file a run on ``dataset`` (a ``--dataset`` choice) writes: ``mnist_mlp.npz``, ``fashion_mnist_mlp.npz``."""
    return f"{DATASETS[dataset][0].folder}_mlp.npz"


def parse_arguments(argv=None) -> argparse.Namespace:
    """Read the command-line options (see ``--help``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[512], help="hidden layer width(s) (default 512)")
    parser.add_argument("--epochs", type=int, default=20, help="training epochs (default 20)")
    parser.add_argument("--batch-size", type=int, default=128, help="mini-batch size (default 128)")
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam's initial learning rate (default 1e-3)")
    parser.add_argument("--val-size", type=int, default=5000, help="training images held out for validation")
    parser.add_argument("--patience", type=int, default=8, help="epochs without a better validation accuracy before stopping")
    parser.add_argument("--train-limit", type=int, default=None, help="use only this many training images (a quick try)")
    parser.add_argument(
        "--dataset", choices=sorted(DATASETS), default="mnist",
        help="mnist (the digits, default) or fashion (Fashion-MNIST: the same recipe on clothing images)",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="output folder (default runs/mnist, runs/fashion_mnist with --dataset fashion)"
    )
    add_run_options(parser, threads=None, seed=0)
    arguments = parser.parse_args(argv)
    if arguments.out is None:
        arguments.out = ROOT / "runs" / DATASETS[arguments.dataset][0].folder
    if arguments.epochs < 1 or arguments.batch_size < 1 or arguments.val_size < 1:
        parser.error("--epochs, --batch-size and --val-size must be positive")
    if any(width < 1 for width in arguments.hidden):
        parser.error(f"--hidden widths must be positive, got {arguments.hidden}")
    return arguments


class PrintEpoch(Callback):
    """Print one line per epoch (works in logs, where progress bars do not)."""

    def __init__(self):
        self.started = time.perf_counter()

    def on_epoch_end(self, trainer, epoch, logs):
        """Print the epoch's losses, validation accuracy and elapsed time."""
        print(
            f"epoch {epoch:2d}: train loss {logs['loss']:.4f}  val loss {logs['val_loss']:.4f}  "
            f"val accuracy {logs['val_accuracy']:.4f}  ({time.perf_counter() - self.started:.0f} s)",
            flush=True,
        )


def main(argv=None) -> int:
    """Train, select the best epoch on validation, test once, save the model and the metrics."""
    arguments = parse_arguments(argv)
    blas = apply_run_options(arguments)  # data directory and BLAS threads for the rest of the run
    arguments.out.mkdir(parents=True, exist_ok=True)
    started_at = dt.datetime.now(dt.timezone.utc)

    # --- data: a stratified validation split from the training set --------
    table, load = DATASETS[arguments.dataset]
    train_images, train_labels = load("train")
    test_images, test_labels = load("test")
    val_fraction = arguments.val_size / len(train_labels)
    fit_index, val_index = stratified_split(train_labels, (1 - val_fraction, val_fraction), seed=arguments.seed)
    if arguments.train_limit is not None:
        fit_index = fit_index[: arguments.train_limit]
    x_fit, y_fit = mnist_as_float(train_images[fit_index]), train_labels[fit_index]
    x_val, y_val = mnist_as_float(train_images[val_index]), train_labels[val_index]
    print(f"{table.name}: training on {len(y_fit):,} images, validating on {len(y_val):,}, testing on {len(test_labels):,}")

    # --- model, optimizer, schedule ---------------------------------------
    rng = np.random.default_rng(arguments.seed)
    architecture = {"name": "mlp", "in_features": 784, "hidden_sizes": list(arguments.hidden), "out_features": 10}
    model = MLP(784, arguments.hidden, 10, rng=rng)
    model[0].input_requires_grad = False  # the images need no gradient (as in PyTorch)
    optimizer = Adam(model.parameters(), lr=arguments.lr)
    scheduler = CosineAnnealingLR(optimizer, T_max=arguments.epochs)
    early_stopping = EarlyStopping(monitor="val_accuracy", patience=arguments.patience)
    trainer = Trainer(
        model, CrossEntropyLoss(), optimizer, scheduler=scheduler, callbacks=[early_stopping, PrintEpoch()], progress=False
    )

    # --- train ------------------------------------------------------------
    fit_started = time.perf_counter()
    history = trainer.fit(
        (x_fit, y_fit), (x_val, y_val), epochs=arguments.epochs, batch_size=arguments.batch_size, rng=rng
    )
    fit_seconds = time.perf_counter() - fit_started
    print(f"kept epoch {early_stopping.best_epoch} (val accuracy {early_stopping.best:.4f}); fit {fit_seconds:.0f} s")

    # --- the test set, once -------------------------------------------------
    x_test = mnist_as_float(test_images)
    test = trainer.evaluate(x_test, test_labels)
    predictions = np.argmax(trainer.predict(x_test), axis=1)
    interval = bootstrap_ci((test_labels, predictions), rng=np.random.default_rng(arguments.seed))
    print(f"test accuracy {test['accuracy']:.4f} (95% CI {interval.low:.4f}-{interval.high:.4f}), test loss {test['loss']:.4f}")

    # --- save the model for serving, then the metrics -------------------------
    metrics = {
        "test_accuracy": test["accuracy"],
        "test_accuracy_ci95": [interval.low, interval.high],
        "test_loss": test["loss"],
        "val_accuracy": early_stopping.best,
    }
    model_path = export_model(
        arguments.out / model_file_name(arguments.dataset),
        model,
        metadata={
            "name": f"{table.folder.replace('_', '-')}-mlp",
            "version": "1",
            "architecture": architecture,
            "input_shape": [784],
            "classes": list(table.classes),
            "preprocess": {"mode": "L", "size": [28, 28], "scale": 1 / 255, "mean": [0.0], "std": [1.0], "invert": "auto"},
            "metrics": metrics,
            "training": {
                "dataset": f"{table.name} train ({len(y_fit):,} images; {len(y_val):,} held out for validation)",
                "epochs_run": len(history),
                "best_epoch": early_stopping.best_epoch,
                "seconds": round(fit_seconds, 1),
            },
        },
    )
    record = {
        "command": command_record("scripts/train_mnist.py", argv),
        "date": started_at.isoformat(timespec="seconds"),
        "dataset": table.name,
        "recipe": {
            "architecture": architecture,
            "activation": "relu",
            "dtype": "float32",
            "optimizer": {"name": "Adam", "lr": arguments.lr},
            "schedule": f"cosine over {arguments.epochs} epochs",
            "epochs": arguments.epochs,
            "batch_size": arguments.batch_size,
            "input_scaling": "pixels / 255",
            "model_selection": f"best val_accuracy, patience {arguments.patience}",
            "seed": arguments.seed,
        },
        "data": {"train": int(len(y_fit)), "validation": int(len(y_val)), "test": int(len(test_labels))},
        "best_epoch": early_stopping.best_epoch,
        "epochs_run": len(history),
        **metrics,
        "fit_seconds": round(fit_seconds, 1),
        "seconds_per_epoch": round(fit_seconds / len(history), 2),
        "history": history.to_dict(),
        "model_file": model_path.name,
        "machine": machine_record(threads=arguments.threads, blas=blas),
    }
    write_json(arguments.out / METRICS_FILE_NAME, record)
    print(f"wrote {model_path} and {arguments.out / METRICS_FILE_NAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
