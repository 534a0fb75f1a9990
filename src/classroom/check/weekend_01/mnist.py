"""Weekend 1's end-to-end check: the learner's network, trained with their ``train_epoch``, on the real MNIST digits.

A short sanity phase on 2,000 images fails fast on a broken piece; then five
epochs on the 60,000 training images and the accuracy on the 10,000 test images.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from ..core import CheckFailed, register
from .network import _net_weights, _set_net_weights
from .reference import WEEKEND, reference_cross_entropy
from .training import _call_train_epoch


MNIST_HIDDEN = 128
MNIST_BATCH = 64
MNIST_LRS = (0.5, 0.5, 0.5, 0.1, 0.02)  # one learning rate per epoch
MNIST_FLOOR = 0.97
MNIST_TIMEOUT = 600.0
SANITY_IMAGES = 2000


def _progress(text: str) -> None:
    print(f"  [{WEEKEND}] {text}", file=sys.stdout, flush=True)


def _mnist():
    from classroom.data import load_mnist, mnist_as_float

    train_images, train_labels = load_mnist("train")
    test_images, test_labels = load_mnist("test")
    return (mnist_as_float(train_images).astype(np.float32), train_labels,
            mnist_as_float(test_images).astype(np.float32), test_labels)


def _fresh_mnist_net(ns, seed):
    """The learner's network, with float32 initial weights set by the check (the same for everyone)."""
    model = ns["TwoLayerNet"](784, MNIST_HIDDEN, 10, rng=np.random.default_rng(seed))
    _set_net_weights(model, _net_weights(seed, 784, MNIST_HIDDEN, 10, dtype=np.float32))
    return model


def _mnist_loss(model, x, y):
    logits = np.concatenate([np.asarray(model.forward(x[i : i + 1000])) for i in range(0, len(x), 1000)])
    return reference_cross_entropy(logits.astype(np.float64), y), logits


@register(WEEKEND, "mnist", "MNIST: 97% on the test set", needs=["TwoLayerNet", "train_epoch"], timeout=MNIST_TIMEOUT,
          compared=f"your TwoLayerNet(784, {MNIST_HIDDEN}, 10) trained with your train_epoch for {len(MNIST_LRS)} "
                   f"epochs on the 60,000 MNIST training images (batch {MNIST_BATCH}, lr {'/'.join(map(str, MNIST_LRS))}), "
                   f"accuracy on the 10,000 test images (floor {MNIST_FLOOR:.0%}); about 10 s to 1 minute")
def _check_mnist(ns):
    started = time.perf_counter()
    _progress(f"MNIST check: a short sanity phase, then {len(MNIST_LRS)} epochs on 60,000 images; about 10 s with "
              "the package's speed, up to a few minutes for slower code (stopped after "
              f"{MNIST_TIMEOUT / 60:.0f} minutes)")
    # A dry run on random pixels first: an unwritten piece says so before any data is read.
    dry = np.random.default_rng(5)
    _call_train_epoch(ns, _fresh_mnist_net(ns, 2), dry.random((MNIST_BATCH, 784), dtype=np.float32),
                      dry.integers(0, 10, MNIST_BATCH), 0.0, MNIST_BATCH, 5)
    x, y, x_test, y_test = _mnist()
    sanity_x, sanity_y = x[:SANITY_IMAGES], y[:SANITY_IMAGES]
    model = _fresh_mnist_net(ns, 1)
    first, _ = _mnist_loss(model, sanity_x, sanity_y)
    _call_train_epoch(ns, model, sanity_x, sanity_y, MNIST_LRS[0], MNIST_BATCH, 1)
    last, _ = _mnist_loss(model, sanity_x, sanity_y)
    if not np.isfinite(last) or last > 1e3:
        raise CheckFailed("mnist-diverged", f"sanity phase: the loss went from {first:.3f} to {last:.3g} in one epoch "
                          f"on {SANITY_IMAGES:,} images (lr {MNIST_LRS[0]})",
                          "a gradient is far too large: is cross_entropy_grad divided by the batch size? Are the "
                          "pixels scaled to [0, 1] (the check does that for you)?")
    if last > 0.7 * first:
        raise CheckFailed("mnist-not-learning", f"sanity phase: one epoch on {SANITY_IMAGES:,} images "
                          f"({SANITY_IMAGES // MNIST_BATCH} steps) took the loss from {first:.3f} to {last:.3f} "
                          f"(it must fall below 70% of the start, {0.7 * first:.3f})",
                          "pass the training checks first: train_epoch must update the weights with the gradients of "
                          "each batch")
    _progress(f"sanity phase passed (loss {first:.2f} -> {last:.2f} in {SANITY_IMAGES // MNIST_BATCH} steps, "
              f"{time.perf_counter() - started:.0f} s); training {len(MNIST_LRS)} epochs")
    model = _fresh_mnist_net(ns, 0)
    for epoch, lr in enumerate(MNIST_LRS, start=1):
        epoch_started = time.perf_counter()
        loss = _call_train_epoch(ns, model, x, y, lr, MNIST_BATCH, 1000 + epoch)
        if not np.isfinite(loss):
            raise CheckFailed("mnist-diverged", f"epoch {epoch}: the mean training loss is {loss}",
                              "a gradient is far too large or a softmax overflowed: rerun the softmax and "
                              "cross-entropy checks")
        per_epoch = time.perf_counter() - epoch_started
        _progress(f"epoch {epoch}/{len(MNIST_LRS)}: mean training loss {loss:.4f}, {per_epoch:.1f} s, about "
                  f"{per_epoch * (len(MNIST_LRS) - epoch):.0f} s to go")
    _, logits = _mnist_loss(model, x_test, y_test)
    accuracy = float(np.mean(np.argmax(logits, axis=1) == y_test))
    seconds = time.perf_counter() - started
    measured = (f"test accuracy {accuracy:.4f} on the 10,000 test images (floor {MNIST_FLOOR:.2f}; guessing gives "
                f"0.10), {seconds:.0f} s")
    if accuracy < MNIST_FLOOR:
        raise CheckFailed("mnist-accuracy-below-floor", measured,
                          "every piece passed alone but the network learns too little: check that forward applies "
                          "the ReLU, that train_epoch shuffles and visits every image, and that it returns after one epoch")
    return measured
