#!/usr/bin/env python3
"""Train an MLP on the full MNIST training set with the autograd engine; print test accuracy and seconds.

This is the full run quoted on the weekend-5 page (the notebook does a quick
version of it). Every gradient comes from ``loss.backward()`` of
``classroom.autograd``; no backward pass is written by hand.

Usage::

    python scripts/train_autograd_mnist.py                 # 784-256-10, Adam, 10 epochs
    python scripts/train_autograd_mnist.py --epochs 3 --hidden 128

Needs MNIST in the data directory (``$CLASSROOM_DATA``).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from classroom.autograd import no_grad
from classroom.autograd.nn import MLP, cross_entropy
from classroom.data import MNIST_MEAN, MNIST_STD, batches, load_mnist, mnist_as_float
from classroom.optim import Adam


def parse_arguments(argv=None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--hidden", type=int, nargs="+", default=[256], help="hidden layer widths")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def standardised_mnist(split: str) -> tuple[np.ndarray, np.ndarray]:
    """MNIST rows of 784 float32 pixels with the training-set mean and std removed, and labels."""
    images, labels = load_mnist(split)
    return (mnist_as_float(images) - np.float32(MNIST_MEAN)) / np.float32(MNIST_STD), labels


def accuracy(model: MLP, x: np.ndarray, labels: np.ndarray, batch_size: int = 1000) -> float:
    """Fraction of rows of ``x`` whose highest logit is the right label (no graph recorded)."""
    correct = 0
    with no_grad():
        for start in range(0, len(x), batch_size):
            logits = model(x[start : start + batch_size]).data
            correct += int(np.sum(logits.argmax(axis=1) == labels[start : start + batch_size]))
    return correct / len(x)


def main(argv=None) -> int:
    """Train, report each epoch, and print the final test accuracy and the time taken."""
    args = parse_arguments(argv)
    x_train, y_train = standardised_mnist("train")
    x_test, y_test = standardised_mnist("test")
    rng = np.random.default_rng(args.seed)
    model = MLP([784, *args.hidden, 10], rng=rng)
    optimizer = Adam(model.parameters(), lr=args.lr)
    print(f"MLP {[784, *args.hidden, 10]}, Adam lr={args.lr}, batch {args.batch_size}, {args.epochs} epochs")

    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        losses = []
        for x_batch, y_batch in batches(x_train, y_train, batch_size=args.batch_size, rng=rng):
            model.zero_grad()
            loss = cross_entropy(model(x_batch), y_batch)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        print(f"epoch {epoch:2d}  train loss {np.mean(losses):.4f}  test accuracy {accuracy(model, x_test, y_test):.4f}")
    seconds = time.perf_counter() - start
    print(f"test accuracy {accuracy(model, x_test, y_test):.4f} after {args.epochs} epochs in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
