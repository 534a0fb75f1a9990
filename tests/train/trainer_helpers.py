"""Small builders shared by the training-loop tests.

All data made here is SYNTHETIC (Gaussian blobs), for fast unit tests only;
the smoke test on real data is ``test_trainer_mnist.py``.
"""

from __future__ import annotations

import numpy as np

from classroom.nn import CrossEntropyLoss, Dropout, Linear, ReLU, Sequential
from classroom.optim import SGD, Adam
from classroom.optim.lr_scheduler import StepLR
from classroom.train import Trainer


def synthetic_blobs(
    seed: int, n_samples: int = 240, n_features: int = 5, n_classes: int = 3, spread: float = 1.5
):
    """SYNTHETIC classification data: one Gaussian blob per class around a random centre.

    Returns
    -------
    X : ndarray of float64, shape (n_samples, n_features)
    y : ndarray of int64, shape (n_samples,)
    """
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 2.0, size=(n_classes, n_features))
    labels = rng.integers(0, n_classes, size=n_samples)
    inputs = centres[labels] + rng.normal(0.0, spread, size=(n_samples, n_features))
    return inputs, labels.astype(np.int64)


def make_mlp(
    seed: int,
    n_features: int = 5,
    hidden: int = 16,
    n_classes: int = 3,
    dropout: float | None = None,
    dropout_rng=None,
):
    """A small MLP (Linear-ReLU-[Dropout]-Linear), float64, weights drawn from ``seed``.

    The dropout layer draws from ``dropout_rng`` (default: its own generator
    seeded with ``seed + 1000``).
    """
    rng = np.random.default_rng(seed)
    layers = [Linear(n_features, hidden, rng=rng), ReLU()]
    if dropout is not None:
        if dropout_rng is None:
            dropout_rng = np.random.default_rng(seed + 1000)
        layers.append(Dropout(dropout, rng=dropout_rng))
    layers.append(Linear(hidden, n_classes, rng=rng))
    return Sequential(*layers).double()


def make_optimizer(name: str, model):
    """``"sgd"`` (momentum 0.9), or ``"adam"``."""
    if name == "sgd":
        return SGD(model.parameters(), lr=0.05, momentum=0.9)
    if name == "adam":
        return Adam(model.parameters(), lr=0.01)
    raise ValueError(name)


def make_trainer(
    model, optimizer_name: str = "sgd", *, callbacks=(), with_scheduler: bool = False, **kwargs
):
    """A Trainer with cross-entropy, the named optimizer, and optionally a StepLR."""
    optimizer = make_optimizer(optimizer_name, model)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7) if with_scheduler else None
    return Trainer(
        model,
        CrossEntropyLoss(),
        optimizer,
        callbacks=callbacks,
        scheduler=scheduler,
        progress=False,
        **kwargs,
    )
