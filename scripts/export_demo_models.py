"""Train the two demo models quickly on real data and export them for ``classroom serve``.

* ``runs/models/mnist_mlp.npz`` - an MLP (784 -> 256 -> 10) trained for 5
  epochs on the full MNIST training set (seconds on a laptop CPU; about 98%
  test accuracy).
* ``runs/models/cifar_cnn_demo.npz`` - a small CIFAR-10 CNN after a short
  training run (2 epochs on 20,000 images, one to two minutes; about 59%
  test accuracy), only when ``classroom.models.cnn`` and the CIFAR-10 data
  are available. It is a demo, not the lesson's model: the long
  run in ``scripts/train_cifar10.py`` trains the real one, and the server
  loads its file the same way.

Each model is saved with :func:`classroom.serve.model_file.export_model`:
weights, metadata (architecture, input shape, classes, test metrics and the
preprocessing the server must repeat) and a ``.sha256`` checksum file.

Usage::

    python scripts/export_demo_models.py                 # both models
    python scripts/export_demo_models.py --skip-cifar    # MNIST only
    classroom serve --model runs/models/mnist_mlp.npz --model runs/models/cifar_cnn_demo.npz
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# One image or one mini-batch is too small to share across cores; a single
# BLAS thread is faster and plays well with other work on the machine.
# (Must be set before NumPy is imported.)
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402

from classroom.data import (  # noqa: E402
    CIFAR10_CLASSES,
    CIFAR10_MEAN,
    CIFAR10_STD,
    MNIST_MEAN,
    MNIST_STD,
    batches,
    load_cifar10,
    load_mnist,
    random_crop_flip,
)
from classroom.models.registry import build_model  # noqa: E402
from classroom.nn import CrossEntropyLoss  # noqa: E402
from classroom.optim import SGD  # noqa: E402
from classroom.serve.model_file import export_model  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def train_epochs(model, inputs, labels, *, epochs, lr, batch_size, rng, augment=None, label=""):
    """Plain mini-batch SGD with momentum on cross-entropy; prints one line per epoch."""
    loss_function = CrossEntropyLoss()
    optimizer = SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)
    steps_per_epoch = -(-len(inputs) // batch_size)
    total_steps = epochs * steps_per_epoch
    step = 0
    for epoch in range(1, epochs + 1):
        model.train()
        started = time.perf_counter()
        losses = []
        for batch_inputs, batch_labels in batches(inputs, labels, batch_size=batch_size, rng=rng):
            if augment is not None:
                batch_inputs = augment(batch_inputs, rng)
            optimizer.lr = lr * 0.5 * (1 + np.cos(np.pi * step / total_steps))  # cosine decay
            loss = loss_function(model(batch_inputs), batch_labels)
            optimizer.zero_grad()
            model.backward(loss_function.backward())
            optimizer.step()
            losses.append(float(loss))
            step += 1
        print(
            f"{label} epoch {epoch}/{epochs}: train loss {np.mean(losses):.4f} "
            f"({time.perf_counter() - started:.1f} s)",
            flush=True,
        )
    model.eval()
    return model


def evaluate(model, inputs, labels, batch_size=1000):
    """Return (accuracy, mean cross-entropy) on a labelled set."""
    loss_function = CrossEntropyLoss(reduction="sum")
    correct, total_loss = 0, 0.0
    for start in range(0, len(inputs), batch_size):
        logits = model(inputs[start : start + batch_size])
        correct += int(np.sum(np.argmax(logits, axis=1) == labels[start : start + batch_size]))
        total_loss += float(loss_function(logits, labels[start : start + batch_size]))
    return correct / len(inputs), total_loss / len(inputs)


def export_mnist(out_dir: Path, *, epochs: int, seed: int) -> Path:
    """Train the MNIST MLP on all 60,000 training digits and export it."""
    rng = np.random.default_rng(seed)
    train_images, train_labels = load_mnist("train")
    test_images, test_labels = load_mnist("test")

    def inputs(images):
        pixels = images.reshape(len(images), -1).astype(np.float32) / np.float32(255.0)
        return (pixels - np.float32(MNIST_MEAN)) / np.float32(MNIST_STD)

    architecture = {"name": "mlp", "in_features": 784, "hidden_sizes": [256], "out_features": 10}
    model = build_model(architecture)
    started = time.perf_counter()
    train_epochs(
        model, inputs(train_images), train_labels, epochs=epochs, lr=0.05, batch_size=128, rng=rng, label="mnist"
    )
    seconds = time.perf_counter() - started
    accuracy, loss = evaluate(model, inputs(test_images), test_labels)
    print(f"mnist: test accuracy {accuracy:.4f}, test loss {loss:.4f}, trained in {seconds:.0f} s")
    return export_model(
        out_dir / "mnist_mlp.npz",
        model,
        metadata={
            "name": "mnist-mlp",
            "version": "1",
            "architecture": architecture,
            "input_shape": [784],
            "classes": [str(digit) for digit in range(10)],
            "preprocess": {
                "mode": "L",
                "size": [28, 28],
                "mean": [MNIST_MEAN],
                "std": [MNIST_STD],
                "invert": "auto",
            },
            "metrics": {"test_accuracy": accuracy, "test_loss": loss},
            "training": {"dataset": "MNIST train (60,000)", "epochs": epochs, "seconds": round(seconds, 1)},
        },
    )


def export_cifar(out_dir: Path, *, epochs: int, train_size: int, seed: int) -> Path | None:
    """Train a small CIFAR-10 CNN briefly and export it; None when the CNN or data are missing."""
    try:
        import classroom.models.cnn  # noqa: F401
    except ImportError as error:
        print(f"cifar: skipped, classroom.models.cnn is not available ({error})")
        return None
    try:
        train_images, train_labels = load_cifar10("train")
        test_images, test_labels = load_cifar10("test")
    except Exception as error:  # MissingDataError and friends: explain and go on
        print(f"cifar: skipped, CIFAR-10 could not be loaded ({error})")
        return None
    rng = np.random.default_rng(seed)
    mean = np.asarray(CIFAR10_MEAN, np.float32)
    std = np.asarray(CIFAR10_STD, np.float32)

    def inputs(images):
        scaled = (images.astype(np.float32) / np.float32(255.0) - mean) / std
        return np.ascontiguousarray(scaled.transpose(0, 3, 1, 2))

    subset = rng.permutation(len(train_images))[:train_size]
    architecture = {"name": "cifar_cnn", "widths": [16, 32, 64, 128], "convs_per_stage": 1, "seed": seed}
    model = build_model(architecture)
    started = time.perf_counter()
    train_epochs(
        model,
        inputs(train_images[subset]),
        train_labels[subset],
        epochs=epochs,
        lr=0.05,
        batch_size=128,
        rng=rng,
        augment=lambda batch, generator: random_crop_flip(batch, padding=4, rng=generator),
        label="cifar",
    )
    seconds = time.perf_counter() - started
    accuracy, loss = evaluate(model, inputs(test_images), test_labels, batch_size=500)
    print(f"cifar: test accuracy {accuracy:.4f}, test loss {loss:.4f}, trained in {seconds:.0f} s")
    return export_model(
        out_dir / "cifar_cnn_demo.npz",
        model,
        metadata={
            "name": "cifar-cnn-demo",
            "version": "1",
            "architecture": architecture,
            "input_shape": [3, 32, 32],
            "classes": list(CIFAR10_CLASSES),
            "preprocess": {"mode": "RGB", "size": [32, 32], "mean": mean.tolist(), "std": std.tolist()},
            "metrics": {"test_accuracy": accuracy, "test_loss": loss},
            "training": {
                "dataset": f"CIFAR-10 train, random {train_size:,} images",
                "epochs": epochs,
                "seconds": round(seconds, 1),
            },
        },
    )


def main(argv=None) -> int:
    """Parse the options, train, export, and print the ``classroom serve`` command."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "models", help="output folder")
    parser.add_argument("--mnist-epochs", type=int, default=5)
    parser.add_argument("--cifar-epochs", type=int, default=2)
    parser.add_argument("--cifar-train-size", type=int, default=20_000, help="training images used")
    parser.add_argument("--skip-cifar", action="store_true", help="export the MNIST model only")
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args(argv)

    arguments.out.mkdir(parents=True, exist_ok=True)
    exported = [export_mnist(arguments.out, epochs=arguments.mnist_epochs, seed=arguments.seed)]
    if not arguments.skip_cifar:
        cifar = export_cifar(
            arguments.out,
            epochs=arguments.cifar_epochs,
            train_size=arguments.cifar_train_size,
            seed=arguments.seed,
        )
        if cifar is not None:
            exported.append(cifar)
    for path in exported:
        print(f"exported {path}")
    print("serve them with: classroom serve " + " ".join(f"--model {path}" for path in exported))
    return 0


if __name__ == "__main__":
    sys.exit(main())
