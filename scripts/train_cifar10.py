"""Train the lesson's CIFAR-10 CNN (pure NumPy) and record how fast it learns.

Recipe (chosen for fast accuracy on a CPU): the ``classroom.models.cnn``
network, SGD with Nesterov momentum and weight decay, a one-cycle learning
rate (warm up, then anneal to almost zero), label smoothing, and random
crop + horizontal flip augmentation.

Outputs in ``--out`` (default ``runs/cifar10/``):

* ``model.npz`` - ``state_dict`` arrays + JSON metadata (architecture,
  classes, input normalisation, metrics), loadable with ``allow_pickle=False``
  (``classroom.io.load_model``);
* ``metrics.json`` - final test accuracy, time to 70%, epochs, seconds, peak
  memory, machine (CPU model, cores, numpy version, threads);
* ``curves.png`` - loss and accuracy per epoch.

About the test set: after every epoch the model is evaluated on the test set
**only to measure the time-to-accuracy curve** ("time to 70%"). Nothing is
chosen with it (no early stopping, no model selection, no tuning inside this
run): the reported final accuracy is the final model, evaluated once at the
end. "Training seconds" exclude those per-epoch evaluations; the time to 70%
is the training time at the end of the first epoch whose test accuracy
reaches 70%, so it is only as fine as one epoch.

Usage::

    python scripts/train_cifar10.py                       # full run
    python scripts/train_cifar10.py --limit 5000 --epochs 2 --out /tmp/quick
"""

from __future__ import annotations

import argparse
import math
import resource
import time
from pathlib import Path

import numpy as np

from classroom.data import (
    CIFAR10_CLASSES,
    CIFAR10_MEAN,
    CIFAR10_STD,
    load_cifar10,
    normalize,
    random_crop_flip,
    to_float_nchw,
)
from classroom.io import save_model
from classroom.io.atomic import atomic_write, write_json
from classroom.models.cnn import cifar_cnn
from classroom.nn import CrossEntropyLoss
from classroom.nn.parallel import use_threads
from classroom.optim import SGD
from classroom.optim.lr_scheduler import OneCycleLR
from classroom.train.runs import add_run_options, machine_record

TARGET_ACCURACY = 0.70


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Train the CIFAR-10 CNN in pure NumPy.")
    parser.add_argument("--epochs", type=int, default=8, help="passes over the training set (default 8)")
    parser.add_argument("--batch-size", type=int, default=128, help="images per step (default 128)")
    parser.add_argument(
        "--threads", type=int, default=2,
        help="cores to use: worker threads that split each batch (classroom.nn.parallel), default 2",
    )
    parser.add_argument("--limit", type=int, default=None, help="train on a random subset of N images (quick check)")
    parser.add_argument("--test-limit", type=int, default=None, help="evaluate on a fixed random subset of N test images")
    parser.add_argument("--lr", type=float, default=0.2, help="peak learning rate of the one-cycle schedule")
    parser.add_argument("--weight-decay", type=float, default=5e-4)
    parser.add_argument("--label-smoothing", type=float, default=0.1)
    parser.add_argument("--crop-padding", type=int, default=2, help="random-crop shift in pixels; 0 disables")
    parser.add_argument("--widths", type=int, nargs="+", default=[32, 64, 128, 256], help="channels per stage")
    parser.add_argument("--convs-per-stage", type=int, nargs="+", default=[1], help="one value, or one per stage")
    # --threads here counts worker threads that split each batch (each with one BLAS thread), so it is not
    # the shared BLAS option.
    add_run_options(parser, out="runs/cifar10", seed=0)
    args = parser.parse_args(argv)
    for name in ("epochs", "batch_size", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    return args


def subset(images, labels, limit, seed):
    """Return the whole split, or a random subset of ``limit`` images drawn with ``seed``.

    The files are sorted by class, so a subset must be drawn at random, not
    taken from the front.
    """
    if limit is None:
        return images, labels
    chosen = np.sort(np.random.default_rng(seed).permutation(len(labels))[:limit])
    return images[chosen], labels[chosen]


def to_input(images):
    """uint8 NHWC images -> normalised float32 NCHW network input.

    Done one batch at a time: keeping the training set as uint8 needs 150 MB
    instead of 600 MB of float32 (and a few hundred more for the temporaries).
    """
    return normalize(to_float_nchw(images), CIFAR10_MEAN, CIFAR10_STD)


def evaluate(model, loss_function, x, y, batch_size=500):
    """Return (mean loss, accuracy) of ``model`` in eval mode on uint8 images ``x``."""
    model.eval()
    total_loss = 0.0
    correct = 0
    for start in range(0, len(x), batch_size):
        logits = model(to_input(x[start : start + batch_size]))
        labels = y[start : start + batch_size]
        total_loss += float(loss_function(logits, labels)) * len(labels)
        correct += int(np.sum(np.argmax(logits, axis=1) == labels))
    model.train()
    return total_loss / len(x), correct / len(x)


def plot_curves(history, path: Path) -> None:
    """Save loss and accuracy per epoch as a PNG (written atomically)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [row["epoch"] for row in history]
    figure, (loss_axis, accuracy_axis) = plt.subplots(1, 2, figsize=(10, 4))
    loss_axis.plot(epochs, [row["train_loss"] for row in history], "o-", label="train (label-smoothed)")
    loss_axis.plot(epochs, [row["test_loss"] for row in history], "o-", label="test")
    loss_axis.set(xlabel="epoch", ylabel="cross-entropy", title="Loss")
    loss_axis.legend()
    accuracy_axis.plot(epochs, [row["train_accuracy"] for row in history], "o-", label="train (augmented)")
    accuracy_axis.plot(epochs, [row["test_accuracy"] for row in history], "o-", label="test")
    accuracy_axis.axhline(TARGET_ACCURACY, color="grey", linestyle="--", linewidth=1, label="70%")
    accuracy_axis.set(xlabel="epoch", ylabel="accuracy", title="Accuracy", ylim=(0, 1))
    accuracy_axis.legend()
    figure.tight_layout()
    with atomic_write(path, "wb") as stream:
        figure.savefig(stream, format="png", dpi=100)
    plt.close(figure)


def train(args) -> dict:
    """Run the whole training; return the metrics dict (also written to disk)."""
    # --threads worker threads split each batch; each calls a single-threaded BLAS.
    blas = use_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)

    train_x, train_y = subset(*load_cifar10("train", data_dir=args.data_dir), args.limit, seed=args.seed)
    test_x, test_y = subset(*load_cifar10("test", data_dir=args.data_dir), args.test_limit, seed=12345)
    convs = args.convs_per_stage[0] if len(args.convs_per_stage) == 1 else list(args.convs_per_stage)
    architecture = {"name": "cifar_cnn", "widths": list(args.widths), "convs_per_stage": convs, "seed": args.seed}
    model = cifar_cnn(args.widths, convs, rng=args.seed)
    model[0].input_requires_grad = False  # the images need no gradient (as in PyTorch)
    loss_function = CrossEntropyLoss(label_smoothing=args.label_smoothing)
    plain_loss = CrossEntropyLoss()
    optimizer = SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=args.weight_decay)
    steps_per_epoch = math.ceil(len(train_x) / args.batch_size)
    scheduler = OneCycleLR(optimizer, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=steps_per_epoch, pct_start=0.25)

    print(f"{len(train_x)} training / {len(test_x)} test images, {steps_per_epoch} steps per epoch; BLAS: {blas}")
    history = []
    train_seconds = 0.0
    train_cpu_seconds = 0.0
    time_to_target = None
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        cpu_start = time.process_time()
        order = rng.permutation(len(train_x))
        loss_sum = 0.0
        correct = 0
        for step in range(steps_per_epoch):
            index = order[step * args.batch_size : (step + 1) * args.batch_size]
            batch_x = random_crop_flip(to_input(train_x[index]), padding=args.crop_padding, rng=rng)
            batch_y = train_y[index]
            optimizer.zero_grad()
            logits = model(batch_x)
            loss = float(loss_function(logits, batch_y))
            model.backward(loss_function.backward())
            optimizer.step()
            scheduler.step()
            if not math.isfinite(loss):
                raise FloatingPointError(f"training diverged at epoch {epoch}, step {step}: loss={loss}; lower --lr")
            loss_sum += loss * len(index)
            correct += int(np.sum(np.argmax(logits, axis=1) == batch_y))
        train_seconds += time.perf_counter() - start
        train_cpu_seconds += time.process_time() - cpu_start

        # Test evaluation: ONLY for the time-to-accuracy curve (see module docstring).
        test_loss, test_accuracy = evaluate(model, plain_loss, test_x, test_y)
        row = {
            "epoch": epoch,
            "train_seconds": round(train_seconds, 1),
            "train_cpu_seconds": round(train_cpu_seconds, 1),
            "train_loss": loss_sum / len(train_x),
            "train_accuracy": correct / len(train_x),
            "test_loss": test_loss,
            "test_accuracy": test_accuracy,
        }
        history.append(row)
        if time_to_target is None and test_accuracy >= TARGET_ACCURACY:
            time_to_target = train_seconds
        print(
            f"epoch {epoch:2d}  {train_seconds:7.1f} s (cpu {train_cpu_seconds:7.1f} s)  train loss {row['train_loss']:.3f} "
            f"acc {row['train_accuracy']:.3f}  test loss {test_loss:.3f} acc {test_accuracy:.3f}",
            flush=True,
        )

    # The final model, evaluated once: this is the reported result.
    final_loss, final_accuracy = evaluate(model, plain_loss, test_x, test_y)
    metrics = {
        "test_accuracy": final_accuracy,
        "test_loss": final_loss,
        "test_images": len(test_x),
        "train_images": len(train_x),
        "time_to_70_percent_seconds": None if time_to_target is None else round(time_to_target, 1),
        "time_to_70_percent_note": "training seconds (per-epoch test evaluations excluded), measured at epoch ends",
        "epochs": args.epochs,
        "train_seconds": round(train_seconds, 1),
        "train_cpu_seconds": round(train_cpu_seconds, 1),
        "train_seconds_note": "wall-clock; the machine may be shared, compare train_cpu_seconds (all threads)",
        "seconds_per_epoch": round(train_seconds / args.epochs, 1),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "history": history,
        "recipe": {
            "batch_size": args.batch_size, "optimizer": "SGD(momentum=0.9, nesterov=True)", "max_lr": args.lr,
            "schedule": "OneCycleLR(pct_start=0.25), stepped per batch", "weight_decay": args.weight_decay,
            "label_smoothing": args.label_smoothing, "augmentation": f"random_crop_flip(padding={args.crop_padding})",
            "seed": args.seed,
        },
        "machine": machine_record(threads=args.threads, blas=blas),
    }
    save_model(
        args.out / "model.npz",
        model,
        metadata={
            "name": "cifar10-cnn",
            "architecture": architecture,
            "input_shape": [3, 32, 32],
            "classes": list(CIFAR10_CLASSES),
            "normalization": {"mean": list(CIFAR10_MEAN), "std": list(CIFAR10_STD)},
            "metrics": {key: metrics[key] for key in ("test_accuracy", "time_to_70_percent_seconds", "epochs", "train_seconds")},
        },
    )
    write_json(args.out / "metrics.json", metrics)
    plot_curves(history, args.out / "curves.png")
    print(
        f"final test accuracy {final_accuracy:.4f}; time to 70%: "
        f"{'not reached' if time_to_target is None else f'{time_to_target:.0f} s'}; outputs in {args.out}"
    )
    return metrics


def main(argv=None) -> int:
    train(parse_args(argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
