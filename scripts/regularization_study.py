"""Full run of weekend 3: L2, dropout and early stopping on an MNIST setup built to overfit.

A wide network (784 -> 512 -> 10 ReLU) trained for many epochs on only
1,000 MNIST training images memorises them; 2,000 other training images
measure the validation loss after every epoch, and the 10,000 test images
give each variant's final score, once:

* ``baseline``: no regularization, the weights of the last epoch;
* ``L2``: weight decay (SGD's ``weight_decay``, the gradient of
  ``lambda/2 * ||w||^2``);
* ``dropout``: ``Dropout(p)`` after each hidden layer;
* ``early stopping``: stop when the validation loss has not improved for
  ``patience`` epochs and restore the best epoch's weights;
* ``all``: the three together.

Every variant is trained with several seeds (the seed sets the initial
weights, the dropout masks and the batch order; the data are the same), so
the table shows the mean and the spread. Writes ``runs/regularization/results.json``
(settings, per-seed numbers, histories of the first seed), which the
weekend-3 notebook reads.

Usage::

    python scripts/regularization_study.py                       # 3 seeds, 100 epochs
    python scripts/regularization_study.py --threads 1           # one BLAS thread (faster on a busy machine)
    python scripts/regularization_study.py --seeds 0 --epochs 30 --out /tmp/reg-try
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np

from classroom.data import load_mnist, mnist_as_float, stratified_split
from classroom.evaluation.metrics import accuracy
from classroom.io.atomic import write_json
from classroom.models.mlp import MLP
from classroom.nn import CrossEntropyLoss
from classroom.optim import SGD
from classroom.train import EarlyStopping, Trainer
from classroom.train.runs import (
    NOT_TAKEN,
    add_run_options,
    apply_run_options,
    command_record,
    machine_record,
)

ROOT = Path(__file__).resolve().parents[1]

#: name -> (weight decay, dropout probability, early stopping)
VARIANTS = {
    "baseline": (False, False, False),
    "L2": (True, False, False),
    "dropout": (False, True, False),
    "early stopping": (False, False, True),
    "all": (True, True, True),
}


def parse_arguments(argv=None) -> argparse.Namespace:
    """Read the command-line options (see ``--help``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-size", type=int, default=1000, help="training images (default 1000)")
    parser.add_argument("--val-size", type=int, default=2000, help="validation images (default 2000)")
    parser.add_argument("--hidden", type=int, nargs="+", default=[512], help="hidden widths (default 512)")
    parser.add_argument("--epochs", type=int, default=100, help="epochs (default 100)")
    parser.add_argument("--batch-size", type=int, default=50, help="mini-batch size (default 50)")
    parser.add_argument("--lr", type=float, default=0.05, help="SGD learning rate (momentum 0.9)")
    parser.add_argument("--weight-decay", type=float, default=5e-3, help="L2 strength lambda (default 5e-3)")
    parser.add_argument("--dropout", type=float, default=0.5, help="dropout probability (default 0.5)")
    parser.add_argument("--patience", type=int, default=10, help="early-stopping patience in epochs (default 10)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds (default 0 1 2)")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    add_run_options(parser, out=ROOT / "runs" / "regularization", threads=None, seed=NOT_TAKEN)
    return parser.parse_args(argv)


def overfitting_split(train_images, train_labels, train_size: int, val_size: int, seed: int = 0):
    """Return ``(train, validation)`` index arrays: small stratified subsets of the training set."""
    total = len(train_labels)
    fractions = (train_size / total, val_size / total, 1 - (train_size + val_size) / total)
    train_index, val_index, _unused = stratified_split(train_labels, fractions, seed=seed)
    return train_index, val_index


def train_variant(name, data, arguments, seed):
    """Train one variant with one seed; return its trainer and early-stopping callback (or None)."""
    use_l2, use_dropout, use_early_stopping = VARIANTS[name]
    rng = np.random.default_rng(seed)
    model = MLP(784, arguments.hidden, 10, dropout=arguments.dropout if use_dropout else 0.0, rng=rng)
    optimizer = SGD(
        model.parameters(), lr=arguments.lr, momentum=0.9,
        weight_decay=arguments.weight_decay if use_l2 else 0.0,
    )
    callbacks = []
    early_stopping = None
    if use_early_stopping:
        early_stopping = EarlyStopping(monitor="val_loss", patience=arguments.patience)
        callbacks.append(early_stopping)
    trainer = Trainer(model, CrossEntropyLoss(), optimizer, callbacks=callbacks, progress=False)
    trainer.fit(data["train"], data["val"], epochs=arguments.epochs, batch_size=arguments.batch_size, rng=rng)
    return trainer, early_stopping


def main(argv=None) -> int:
    """Train every variant with every seed, test each once, write the JSON summary."""
    arguments = parse_arguments(argv)
    blas = apply_run_options(arguments)  # data directory and BLAS threads for the rest of the run
    arguments.out.mkdir(parents=True, exist_ok=True)
    started_at = dt.datetime.now(dt.timezone.utc)
    train_images, train_labels = load_mnist("train")
    test_images, test_labels = load_mnist("test")
    train_index, val_index = overfitting_split(train_images, train_labels, arguments.train_size, arguments.val_size)
    data = {
        "train": (mnist_as_float(train_images[train_index]), train_labels[train_index]),
        "val": (mnist_as_float(train_images[val_index]), train_labels[val_index]),
    }
    x_test = mnist_as_float(test_images)
    print(f"{len(train_index)} training, {len(val_index)} validation, {len(test_labels)} test images")

    results = {}
    for name in arguments.variants:
        runs = []
        for seed in arguments.seeds:
            started = time.perf_counter()
            trainer, early_stopping = train_variant(name, data, arguments, seed)
            test_accuracy = accuracy(test_labels, trainer.predict(x_test))
            history = trainer.history
            kept_epoch = early_stopping.best_epoch if early_stopping else history.epochs[-1]
            run = {
                "seed": seed,
                "test_accuracy": test_accuracy,
                "epochs_run": len(history),
                "kept_epoch": kept_epoch,
                "final_train_loss": history["loss"][-1],
                "min_val_loss": min(history["val_loss"]),
                "seconds": round(time.perf_counter() - started, 1),
            }
            if seed == arguments.seeds[0]:
                run["history"] = history.to_dict()
            runs.append(run)
            print(
                f"{name:<15} seed {seed}: test accuracy {test_accuracy:.4f}, kept epoch {kept_epoch} "
                f"of {len(history)}, {run['seconds']:.0f} s",
                flush=True,
            )
        scores = np.array([run["test_accuracy"] for run in runs])
        results[name] = {
            "mean_test_accuracy": float(scores.mean()),
            "std_test_accuracy": float(scores.std(ddof=1)) if len(scores) > 1 else 0.0,
            "runs": runs,
        }

    print(f"\n{'variant':<15} {'test accuracy (mean ± sd over seeds)':>38}")
    for name, result in results.items():
        print(f"{name:<15} {result['mean_test_accuracy']:>27.4f} ± {result['std_test_accuracy']:.4f}")

    record = {
        "command": command_record("scripts/regularization_study.py", argv),
        "date": started_at.isoformat(timespec="seconds"),
        "settings": {key: value for key, value in vars(arguments).items() if key != "out"},
        "data": {"train": int(len(train_index)), "validation": int(len(val_index)), "test": int(len(test_labels))},
        "results": results,
        "machine": machine_record(threads=arguments.threads, blas=blas),
    }
    path = arguments.out / "results.json"
    write_json(path, record)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
