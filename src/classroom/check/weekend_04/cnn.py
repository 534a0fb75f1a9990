"""Weekend 4's end-to-end check: a small CNN from the learner's ``Conv2d`` and ``MaxPool2d``, trained on CIFAR-10.

Before any data, the shapes of a ``(2, 3, 32, 32)`` batch; then a sanity phase
(one batch of 128 images memorised, which fails fast on a broken backward);
then ``CNN_EPOCHS`` epochs on ``CNN_TRAIN_IMAGES`` images and the accuracy on
``CNN_TEST_IMAGES`` test images.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from classroom import nn

from ..core import CheckFailed, register
from .reference import WEEKEND


CNN_TRAIN_IMAGES = 20_000
CNN_TEST_IMAGES = 2_000
CNN_EPOCHS = 3
CNN_BATCH = 64
CNN_LR = 0.01
CNN_MOMENTUM = 0.9
CNN_ACCURACY_FLOOR = 0.52
CNN_TIMEOUT = 600.0


class _Network:
    """Conv(3->16) ReLU MaxPool(2) Conv(16->32) ReLU MaxPool(2) Flatten Linear(2048->10), float32.

    The two convolutions and the two poolings are the learner's classes; ReLU,
    Flatten and Linear come from ``classroom.nn``. The check sets the initial
    weights itself (He-normal convolutions from a fixed seed), so every
    learner starts from the same point whatever their ``__init__`` does.
    """

    def __init__(self, ns, seed=0):
        rng = np.random.default_rng(seed)
        conv, pool = ns["Conv2d"], ns["MaxPool2d"]
        self.convs = [conv(3, 16, 3, stride=1, padding=1, dtype=np.float32),
                      conv(16, 32, 3, stride=1, padding=1, dtype=np.float32)]
        for layer in self.convs:
            fan_in = layer.weight[0].size
            layer.weight = (rng.standard_normal(layer.weight.shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)
            layer.bias = np.zeros(layer.weight.shape[0], dtype=np.float32)
        self.layers = [self.convs[0], nn.ReLU(), pool(2), self.convs[1], nn.ReLU(), pool(2), nn.Flatten(),
                       nn.Linear(32 * 8 * 8, 10, rng=rng, dtype=np.float32)]
        self.head = self.layers[-1]
        self.velocity = {}

    def features(self, x):
        """Everything before the Linear head: (batch, 3, 32, 32) -> (batch, 32, 8, 8)."""
        for layer in self.layers[:-2]:
            x = layer.forward(x)
        return x

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad):
        self.head.zero_grad()
        for layer in reversed(self.layers):
            grad = layer.backward(grad)

    def parameters(self):
        """Yield (key, owner, attribute, gradient) for every learnable array."""
        for index, layer in enumerate(self.convs):
            yield (index, "weight"), layer, "weight", np.asarray(layer.grad_weight)
            yield (index, "bias"), layer, "bias", np.asarray(layer.grad_bias)
        yield ("head", "weight"), self.head.weight, "data", self.head.weight.grad
        yield ("head", "bias"), self.head.bias, "data", self.head.bias.grad

    def sgd_step(self, lr, momentum):
        for key, owner, attribute, grad in self.parameters():
            value = getattr(owner, attribute)
            velocity = self.velocity.get(key)
            velocity = grad.astype(np.float32) if velocity is None else momentum * velocity + grad
            self.velocity[key] = velocity
            setattr(owner, attribute, (value - lr * velocity).astype(np.float32))


def _cifar_subset(train_images, test_images, seed=0):
    from classroom.data import load_cifar10, normalize, to_float_nchw
    from classroom.data.cifar10 import CIFAR10_MEAN, CIFAR10_STD

    images, labels = load_cifar10("train")
    test, test_labels = load_cifar10("test")
    rng = np.random.default_rng(seed)
    train_index = rng.permutation(len(labels))[:train_images]
    test_index = rng.permutation(len(test_labels))[:test_images]  # the files are sorted by class

    def prepare(pixels):
        return normalize(to_float_nchw(pixels), CIFAR10_MEAN, CIFAR10_STD).astype(np.float32)

    return prepare(images[train_index]), labels[train_index], prepare(test[test_index]), test_labels[test_index]


def _progress(text: str) -> None:
    print(f"  [weekend-04 cnn] {text}", file=sys.stdout, flush=True)


def _sanity_phase(ns, x, y):
    """A few seconds: shapes, non-zero finite gradients, and the loss falls on one fixed batch.

    A correct network memorises the batch: the loss falls to about 6% of its
    start (measured with the package's layers); the check asks for 20%.
    """
    net, loss_fn = _Network(ns, seed=1), nn.CrossEntropyLoss()
    logits = np.asarray(net.forward(x[:8]))
    loss_fn.forward(logits, y[:8])
    net.backward(loss_fn.backward())
    for key, _, _, grad in net.parameters():
        if key[0] != "head" and key[1] == "weight" and (not np.all(np.isfinite(grad)) or not np.any(grad)):
            raise CheckFailed("cnn-no-gradient", f"convolution {key[0] + 1}'s grad_weight is all zero or not finite "
                              "after one backward pass", "backward must set self.grad_weight and self.grad_bias "
                              "(new arrays each call) and return the input gradient for the layer below")
    batch_x, batch_y = x[:128], y[:128]
    first = None
    for step in range(25):
        loss = float(loss_fn.forward(np.asarray(net.forward(batch_x)), batch_y))
        if not np.isfinite(loss) or loss > 1e3:
            raise CheckFailed("cnn-diverged", f"the loss became {loss:.3g} at step {step + 1} of the sanity phase "
                              f"(lr {CNN_LR}, momentum {CNN_MOMENTUM})",
                              "a gradient is far too large: check that no layer multiplies its gradient by the batch size, "
                              "and that grad_weight is overwritten, not added to, on every backward")
        first = loss if first is None else first
        net.backward(loss_fn.backward())
        net.sgd_step(CNN_LR, CNN_MOMENTUM)
    if not loss < 0.2 * first:
        raise CheckFailed("cnn-not-learning", f"25 steps on one batch of 128 images took the loss from {first:.3f} "
                          f"to {loss:.3f} (it must fall below 20% of the start; the package's layers reach 6%)",
                          "the network cannot even memorise one batch: look for a backward pass that returns the wrong "
                          "input gradient (Conv2d and MaxPool2d checks) or a grad_weight that is not updated")
    return first, loss


@register(WEEKEND, "cnn", "CNN: trains on CIFAR-10", needs=["Conv2d", "MaxPool2d"], timeout=CNN_TIMEOUT,
          compared=f"a 2-conv CNN from your Conv2d and MaxPool2d, trained {CNN_EPOCHS} epochs on "
                   f"{CNN_TRAIN_IMAGES:,} CIFAR-10 images, test accuracy on {CNN_TEST_IMAGES:,} test images "
                   f"(floor {CNN_ACCURACY_FLOOR:.0%})")
def _check_cnn(ns):
    started = time.perf_counter()
    # Before any data: an unwritten stub stops here, and so do wrong shapes.
    features = np.asarray(_Network(ns).features(np.zeros((2, 3, 32, 32), dtype=np.float32)))
    if features.shape != (2, 32, 8, 8):
        raise CheckFailed("cnn-sanity-shapes",
                          f"Conv(3->16) ReLU MaxPool(2) Conv(16->32) ReLU MaxPool(2) on a (2, 3, 32, 32) batch gave shape "
                          f"{features.shape}, expected (2, 32, 8, 8)",
                          "run the Conv2d and MaxPool2d checks first: padding 1 keeps 32x32, each MaxPool2d(2) halves it")
    _progress(f"loading CIFAR-10 ({CNN_TRAIN_IMAGES:,} training and {CNN_TEST_IMAGES:,} test images)")
    x, y, x_test, y_test = _cifar_subset(CNN_TRAIN_IMAGES, CNN_TEST_IMAGES)
    first, last = _sanity_phase(ns, x, y)
    _progress(f"sanity phase passed (one batch: loss {first:.2f} -> {last:.2f}); training {CNN_EPOCHS} epochs, "
              f"about 35 s on an idle 2-core machine with the package's layers, a few minutes when busy")
    net, loss_fn = _Network(ns, seed=0), nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    steps = int(np.ceil(len(y) / CNN_BATCH))
    for epoch in range(CNN_EPOCHS):
        order = rng.permutation(len(y))
        total = 0.0
        for step in range(steps):
            batch = order[step * CNN_BATCH : (step + 1) * CNN_BATCH]
            loss = float(loss_fn.forward(np.asarray(net.forward(x[batch])), y[batch]))
            if not np.isfinite(loss):
                raise CheckFailed("cnn-diverged", f"the loss became {loss} at epoch {epoch + 1}, step {step + 1}",
                                  "a gradient is far too large: compare Conv2d.backward with the package once more")
            total += loss
            net.backward(loss_fn.backward())
            net.sgd_step(CNN_LR, CNN_MOMENTUM)
            if (step + 1) % 40 == 0 or step + 1 == steps:
                _progress(f"epoch {epoch + 1}/{CNN_EPOCHS}, step {step + 1}/{steps}, mean loss {total / (step + 1):.3f}, "
                          f"{time.perf_counter() - started:.0f} s")
    predictions = np.concatenate([np.argmax(net.forward(x_test[i : i + 500]), axis=1) for i in range(0, len(y_test), 500)])
    accuracy = float(np.mean(predictions == y_test))
    seconds = time.perf_counter() - started
    measured = (f"test accuracy {accuracy:.3f} on {len(y_test):,} test images (floor {CNN_ACCURACY_FLOOR:.2f}; "
                f"guessing gives 0.10), {seconds:.0f} s")
    if accuracy < CNN_ACCURACY_FLOOR:
        raise CheckFailed("cnn-accuracy-below-floor", measured,
                          "every piece passed alone but the network learns too little: check that MaxPool2d.backward "
                          "routes each gradient to the argmax, and that forward caches what backward uses")
    return measured
