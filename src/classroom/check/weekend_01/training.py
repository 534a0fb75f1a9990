"""Weekend 1's ``train_epoch`` checks: one gradient step, shuffled mini-batches that visit every sample, a falling loss."""

from __future__ import annotations

import numpy as np

from ..compare import ATOL, RTOL, as_float, close, error_summary
from ..core import CheckFailed, register
from .network import _linear_layers, _make_nets
from .reference import WEEKEND, reference_cross_entropy, reference_train_epoch


class _RecordingNet:
    """Stands in for the learner's model inside ``train_epoch``: records which rows each forward sees."""

    def __init__(self, model, x):
        self.model = model
        self.layers = model.layers
        self.row_of = {tuple(row): index for index, row in enumerate(np.asarray(x))}
        self.batches = []

    def forward(self, x):
        self.batches.append([self.row_of.get(tuple(row), -1) for row in np.asarray(x)])
        return self.model.forward(x)

    __call__ = forward

    def backward(self, grad):
        return self.model.backward(grad)


def _call_train_epoch(ns, model, x, y, lr, batch_size, seed):
    loss = ns["train_epoch"](model, x, y, lr, batch_size, np.random.default_rng(seed))
    return as_float(loss, "train_epoch")


@register(WEEKEND, "training", "train_epoch: one gradient step", needs=["TwoLayerNet", "train_epoch"],
          compared="the weights after train_epoch on one full batch (batch_size = N = 12, lr 0.3) against one "
                   "plain gradient-descent step of classroom.models.mlp.MLP, and the returned loss")
def _check_train_step(ns):
    n_in, hidden, n_out, n, lr = 6, 5, 3, 12, 0.3
    learner, reference = _make_nets(ns, 100, n_in, hidden, n_out)
    rng = np.random.default_rng(200)
    x, y = rng.standard_normal((n, n_in)), rng.integers(0, n_out, n)
    before = [(layer.weight.copy(), layer.bias.copy()) for layer in _linear_layers(reference)]
    expected_loss = reference_cross_entropy(reference.forward(x), y)
    reference_train_epoch(reference, x, y, lr, n, np.random.default_rng(0))
    got_loss = _call_train_epoch(ns, learner, x.copy(), y.copy(), lr, n, 0)
    names = ("first Linear", "second Linear")
    for name, mine, theirs, (weight0, bias0) in zip(names, _linear_layers(learner), _linear_layers(reference), before):
        for attribute, start in (("weight", weight0), ("bias", bias0)):
            got, expected = np.asarray(getattr(mine, attribute)), getattr(theirs, attribute)
            if close(got, expected):
                continue
            step = expected - start  # = -lr * gradient
            where = f"{name}.{attribute} after one step"
            if close(got, start):
                raise CheckFailed("train-not-updated", f"{where}: unchanged",
                                  f"update every layer's {attribute}: layer.{attribute} -= lr * layer.grad_{attribute} "
                                  "(biases too), for each layer in model.layers that has a weight")
            if close(got, start - step):
                raise CheckFailed("train-update-sign", f"{where}: moved by +lr * gradient, uphill",
                                  "gradient descent subtracts: weight -= lr * grad_weight")
            if close(got, start + step / lr):
                raise CheckFailed("train-lr-ignored", f"{where}: moved by the whole gradient, as if lr were 1 "
                                  f"(lr was {lr})", "multiply the gradient by the learning rate lr you were given")
            raise CheckFailed("train-step-mismatch", f"{where}: {error_summary(got, expected)}",
                              "for each batch: logits = model.forward(xb); model.backward(cross_entropy_grad(logits, yb)); "
                              "then weight -= lr * grad_weight and bias -= lr * grad_bias in every Linear layer")
    if not close(got_loss, expected_loss, 1e-7, 1e-6):
        raise CheckFailed("train-loss-value", f"train_epoch returned {got_loss:.6g}; the batch loss before the step "
                          f"was {expected_loss:.6g}",
                          "return the mean of the batch losses, each computed with cross_entropy before that batch's "
                          "update")
    return f"weights within {ATOL:g} + {RTOL:g}*|b| of one gradient step of the package; loss {got_loss:.6f}"


@register(WEEKEND, "training", "train_epoch: shuffled mini-batches", needs=["TwoLayerNet", "train_epoch"],
          compared="the rows train_epoch hands to model.forward: 48 samples, batch_size 8, two epochs")
def _check_train_batches(ns):
    n, n_in, batch_size = 48, 4, 8
    learner, _ = _make_nets(ns, 110, n_in, 5, 3)
    rng = np.random.default_rng(210)
    x, y = rng.standard_normal((n, n_in)), rng.integers(0, 3, n)
    orders = []
    for epoch in range(2):
        recorder = _RecordingNet(learner, x)
        _call_train_epoch(ns, recorder, x, y, 0.01, batch_size, 300 + epoch)
        sizes = [len(batch) for batch in recorder.batches]
        seen = [index for batch in recorder.batches for index in batch]
        if any(size > batch_size for size in sizes) or not sizes:
            raise CheckFailed("train-batch-size", f"epoch {epoch + 1}: forward saw batches of sizes {sizes[:8]} "
                              f"(batch_size was {batch_size})",
                              "cut the shuffled indices into slices of batch_size: order[start:start + batch_size]")
        if sorted(seen) != list(range(n)):
            missing = n - len(set(seen) - {-1})
            raise CheckFailed("train-not-every-sample", f"epoch {epoch + 1}: forward saw {len(seen)} rows, "
                              f"{missing} of the {n} samples never",
                              "visit every sample exactly once per epoch: shuffle the indices with rng.permutation(N), "
                              "then take consecutive slices of it")
        orders.append(seen)
    if orders[0] == list(range(n)) or orders[0] == orders[1]:
        raise CheckFailed("train-no-shuffle", "the samples came in the same order " +
                          ("as in x" if orders[0] == list(range(n)) else "in both epochs"),
                          "shuffle at the start of every epoch with the rng you were given: order = rng.permutation(N)")
    return f"every sample once per epoch, in batches of at most {batch_size}, in a new order each epoch"


@register(WEEKEND, "training", "train_epoch: loss falls", needs=["TwoLayerNet", "train_epoch", "cross_entropy",
                                                                  "cross_entropy_grad"],
          compared="the loss of your TwoLayerNet(2, 16, 3) on 300 points of three Gaussian blobs, before and after "
                   "20 epochs of train_epoch (lr 0.5, batch_size 30)")
def _check_train_falls(ns):
    rng = np.random.default_rng(220)
    centres = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
    y = rng.integers(0, 3, 300)
    x = centres[y] + 0.6 * rng.standard_normal((300, 2))
    learner, _ = _make_nets(ns, 120, 2, 16, 3)
    first = reference_cross_entropy(np.asarray(learner.forward(x)), y)
    for epoch in range(20):
        _call_train_epoch(ns, learner, x, y, 0.5, 30, 400 + epoch)
    last = reference_cross_entropy(np.asarray(learner.forward(x)), y)
    if not np.isfinite(last) or last > 0.3 * first:
        raise CheckFailed("train-loss-not-falling", f"loss {first:.3f} before, {last:.3f} after 20 epochs (it must "
                          f"fall below 30% of the start, {0.3 * first:.3f})",
                          "run the Linear and network checks first; then check that train_epoch calls backward and "
                          "updates with the gradients of the current batch")
    return f"loss {first:.3f} -> {last:.3f} (below 30% of the start)"
