"""Checks of weekend 1 (a network from arrays): softmax, cross-entropy, ``Linear``, ``ReLU``, the network, training.

The learner's API (see the workbook ``workbooks/weekend-01.py``) is the one
the lesson teaches, on mini-batches of shape ``(batch, features)``:

* ``softmax(z)``: logits ``(N, C)`` to probabilities ``(N, C)``, rows summing to 1;
* ``cross_entropy(logits, labels)``: the mean loss, a float;
  ``cross_entropy_grad(logits, labels)``: ``dL/dlogits = (softmax - onehot) / N``;
* ``Linear(in_features, out_features, rng=None)`` with plain arrays ``weight``
  ``(out, in)`` and ``bias`` ``(out,)``; ``forward(x)`` returns ``x @ weight.T + bias``,
  ``backward(grad_output)`` sets ``grad_weight`` and ``grad_bias`` (overwriting
  them) and returns ``dL/dx``;
* ``ReLU`` with ``forward(x)`` and ``backward(grad_output)``;
* ``TwoLayerNet(in_features, hidden, out_features, rng=None)`` with
  ``layers = [Linear, ReLU, Linear]``, ``forward(x)`` and ``backward(grad_logits)``;
* ``train_epoch(model, x, y, lr, batch_size, rng)``: one shuffled pass of
  mini-batch gradient descent, returning the mean batch loss.

Every check compares with the package (``classroom.nn.functional``,
``classroom.nn.CrossEntropyLoss``, ``classroom.nn.Linear``, ``classroom.nn.ReLU``,
``classroom.models.mlp.MLP``) on random float64 inputs from fixed seeds, and the
backward passes also with central finite differences (``classroom.nn.gradcheck``).
The last check trains the learner's network on the real MNIST digits. The
tolerances are in the messages.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from classroom import nn
from classroom.nn.gradcheck import numerical_gradient
from classroom.nn import functional as F

from .compare import ATOL, FD_ATOL, FD_RTOL, RTOL, as_float, as_ndarray, close, error_summary, quietly
from .core import CheckFailed, register

__all__ = [
    "reference_solutions",
    "reference_softmax",
    "reference_cross_entropy",
    "reference_cross_entropy_grad",
    "ReferenceLinear",
    "ReferenceReLU",
    "ReferenceTwoLayerNet",
    "reference_train_epoch",
]

WEEKEND = "weekend-01"


# --------------------------------------------------------------------------
# Reference implementations (thin wrappers of the package)
# --------------------------------------------------------------------------


def reference_softmax(z):
    """Stable softmax over the last axis (``classroom.nn.functional.softmax``).

    Parameters
    ----------
    z : ndarray of shape (N, C)
        Logits.

    Returns
    -------
    ndarray of shape (N, C)
        Probabilities, each row summing to 1, same dtype as ``z``.
    """
    return F.softmax(np.asarray(z), dim=-1)


def reference_cross_entropy(logits, labels):
    """Mean cross-entropy of logits against integer labels (``classroom.nn.CrossEntropyLoss``).

    Parameters
    ----------
    logits : ndarray of shape (N, C)
    labels : ndarray of shape (N,), integers in ``[0, C)``

    Returns
    -------
    float
        ``-mean_i log softmax(logits)_{i, labels_i}``.
    """
    return float(nn.CrossEntropyLoss()(np.asarray(logits), np.asarray(labels)))


def reference_cross_entropy_grad(logits, labels):
    """Gradient of the mean cross-entropy with respect to the logits.

    Parameters
    ----------
    logits : ndarray of shape (N, C)
    labels : ndarray of shape (N,), integers in ``[0, C)``

    Returns
    -------
    ndarray of shape (N, C)
        ``(softmax(logits) - onehot(labels)) / N``.
    """
    loss_fn = nn.CrossEntropyLoss()
    loss_fn(np.asarray(logits), np.asarray(labels))
    return loss_fn.backward()


class ReferenceLinear:
    """The learner's ``Linear`` API on top of ``classroom.nn.Linear``.

    Parameters
    ----------
    in_features, out_features : int
    rng : numpy.random.Generator, optional
        Source of the initial weights (PyTorch's ``U(-1/sqrt(in), 1/sqrt(in))``).
    dtype : numpy dtype, default float64

    Attributes
    ----------
    weight : ndarray of shape (out_features, in_features)
    bias : ndarray of shape (out_features,)
    grad_weight, grad_bias : ndarray
        Gradients of the last ``backward`` (overwritten by each call).
    """

    def __init__(self, in_features, out_features, rng=None, dtype=np.float64):
        self.layer = nn.Linear(in_features, out_features, rng=rng, dtype=dtype)

    weight = property(lambda self: self.layer.weight.data, lambda self, value: self._set("weight", value))
    bias = property(lambda self: self.layer.bias.data, lambda self, value: self._set("bias", value))
    grad_weight = property(lambda self: self.layer.weight.grad)
    grad_bias = property(lambda self: self.layer.bias.grad)

    def _set(self, name, value):
        parameter = getattr(self.layer, name)
        parameter.data = np.array(value, copy=True)
        parameter.grad = np.zeros_like(parameter.data)

    def forward(self, x):
        """``x @ weight.T + bias``: (N, in_features) -> (N, out_features)."""
        return self.layer.forward(x)

    __call__ = forward

    def backward(self, grad_output):
        """Set ``grad_weight`` (out, in) and ``grad_bias`` (out,); return dL/dx (N, in)."""
        self.layer.zero_grad()
        return self.layer.backward(grad_output)


class ReferenceReLU:
    """The learner's ``ReLU`` API on top of ``classroom.nn.ReLU``."""

    def __init__(self):
        self.layer = nn.ReLU()

    def forward(self, x):
        """``max(x, 0)``, same shape and dtype as ``x``."""
        return self.layer.forward(x)

    __call__ = forward

    def backward(self, grad_output):
        """``grad_output * (x > 0)``, with ``x`` the input of the last forward."""
        return self.layer.backward(grad_output)


class ReferenceTwoLayerNet:
    """``Linear -> ReLU -> Linear`` from the reference layers (``classroom.models.mlp.MLP(in, [hidden], out)``).

    Parameters
    ----------
    in_features, hidden, out_features : int
    rng : numpy.random.Generator, optional
    dtype : numpy dtype, default float64

    Attributes
    ----------
    layers : list
        ``[ReferenceLinear, ReferenceReLU, ReferenceLinear]``.
    """

    def __init__(self, in_features, hidden, out_features, rng=None, dtype=np.float64):
        rng = np.random.default_rng() if rng is None else rng
        self.layers = [
            ReferenceLinear(in_features, hidden, rng=rng, dtype=dtype),
            ReferenceReLU(),
            ReferenceLinear(hidden, out_features, rng=rng, dtype=dtype),
        ]

    def forward(self, x):
        """Logits of shape (N, out_features)."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    __call__ = forward

    def backward(self, grad_logits):
        """Back-propagate ``dL/dlogits`` (N, out_features); return dL/dx (N, in_features)."""
        grad = grad_logits
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad


def reference_train_epoch(model, x, y, lr, batch_size, rng):
    """One epoch of mini-batch gradient descent (the loop of ``classroom.train.Trainer`` with plain SGD).

    Parameters
    ----------
    model : TwoLayerNet
        ``model.forward``, ``model.backward`` and ``model.layers`` (the layers with
        a ``weight`` have ``grad_weight``, ``bias`` and ``grad_bias`` after backward).
    x : ndarray of shape (N, in_features)
    y : ndarray of shape (N,), integer labels
    lr : float
        Learning rate.
    batch_size : int
    rng : numpy.random.Generator
        Shuffles the samples: ``rng.permutation(N)``.

    Returns
    -------
    float
        The mean of the batch losses (each computed before that batch's update).
    """
    order = rng.permutation(len(x))
    losses = []
    for start in range(0, len(x), batch_size):
        batch = order[start : start + batch_size]
        logits = model.forward(x[batch])
        losses.append(reference_cross_entropy(logits, y[batch]))
        model.backward(reference_cross_entropy_grad(logits, y[batch]))
        for layer in model.layers:
            if hasattr(layer, "weight"):
                layer.weight -= lr * layer.grad_weight
                layer.bias -= lr * layer.grad_bias
    return float(np.mean(losses))


def reference_solutions() -> dict[str, object]:
    """Return every stub name of the weekend-01 workbook mapped to the package's implementation.

    Returns
    -------
    dict of str to object
        ``softmax``, ``cross_entropy``, ``cross_entropy_grad``, ``Linear``, ``ReLU``,
        ``TwoLayerNet``, ``train_epoch``.
    """
    return {
        "softmax": reference_softmax,
        "cross_entropy": reference_cross_entropy,
        "cross_entropy_grad": reference_cross_entropy_grad,
        "Linear": ReferenceLinear,
        "ReLU": ReferenceReLU,
        "TwoLayerNet": ReferenceTwoLayerNet,
        "train_epoch": reference_train_epoch,
    }


# --------------------------------------------------------------------------
# softmax
# --------------------------------------------------------------------------

SOFTMAX_SHAPES = [(4, 3), (7, 10), (1, 5), (16, 10)]


@register(WEEKEND, "softmax", "softmax: matches the package", needs=["softmax"],
          compared="softmax(z) against classroom.nn.functional.softmax on random logits, shapes "
                   "(4, 3), (7, 10), (1, 5) (a batch of one) and (16, 10)")
def _check_softmax(ns):
    for seed, shape in enumerate(SOFTMAX_SHAPES):
        z = np.random.default_rng(seed).standard_normal(shape) * 3
        got = as_ndarray(quietly(ns["softmax"], z.copy()), "softmax")
        expected = reference_softmax(z)
        where = f"logits of shape {shape}"
        if got.shape != expected.shape:
            raise CheckFailed("softmax-shape", f"{where}: got shape {got.shape}, expected {expected.shape}",
                              "softmax keeps the shape of its input: one probability per logit")
        if close(got, expected):
            continue
        if shape[0] > 1 and (close(got, F.softmax(z, dim=0)) or close(got, np.exp(z) / np.exp(z).sum())):
            raise CheckFailed(
                "softmax-wrong-axis",
                f"{where}: your probabilities sum to 1 over the wrong axis (row sums {np.round(got.sum(axis=1), 3)[:4]}); "
                f"{error_summary(got, expected)}",
                "normalise each row on its own: sum over the classes with axis=1 (or -1) and keepdims=True",
            )
        raise CheckFailed("softmax-mismatch", f"{where}: {error_summary(got, expected)}",
                          "compute exp(z - max) / sum(exp(z - max)) row by row, with the max and the sum taken "
                          "along axis=1 with keepdims=True so they broadcast over the row")
    return f"{len(SOFTMAX_SHAPES)} random inputs within {ATOL:g} + {RTOL:g}*|b| of classroom.nn.functional.softmax"


@register(WEEKEND, "softmax", "softmax: large logits", needs=["softmax"],
          compared="softmax of logits of size 1e4 (a batch of one, then rows of very different sizes) against "
                   "classroom.nn.functional.softmax")
def _check_softmax_large(ns):
    single = np.array([[1.0e4, 1.0e4 + 1.0, -1.0e4, 1.0e4 - 3.0]])
    got = as_ndarray(quietly(ns["softmax"], single.copy()), "softmax")
    expected = reference_softmax(single)
    if got.shape == expected.shape and not np.all(np.isfinite(got)):
        raise CheckFailed(
            "softmax-overflow",
            f"softmax([[1e4, 1e4+1, -1e4, 1e4-3]]) gave {np.array2string(got, precision=3)}: exp(1e4) overflows to inf",
            "subtract the row maximum before exp: softmax(z) = softmax(z - max(z)), and exp of a number <= 0 cannot overflow",
        )
    if not close(got, expected):
        raise CheckFailed("softmax-mismatch", f"logits of size 1e4, a batch of one: {error_summary(got, expected)}",
                          "subtract the row maximum, exponentiate, divide by the row sum")
    mixed = np.array([[0.0, 1.0, 2.0], [1.0e4, 1.0e4 + 1.0, 1.0e4 + 2.0], [-1.0e4, -1.0e4 + 1.0, -1.0e4 + 2.0]])
    got = as_ndarray(quietly(ns["softmax"], mixed.copy()), "softmax")
    expected = reference_softmax(mixed)
    if got.shape == expected.shape and not np.all(np.isfinite(got)):
        bad_rows = sorted({int(i) for i in np.argwhere(~np.isfinite(got))[:, 0]})
        raise CheckFailed(
            "softmax-global-max",
            f"rows [0, 1, 2], [1e4, 1e4+1, 1e4+2] and [-1e4, -1e4+1, -1e4+2]: rows {bad_rows} came out inf or nan",
            "subtract each row's own maximum (z.max(axis=1, keepdims=True)), not the maximum of the whole batch: "
            "every row's largest logit must become 0",
        )
    if not close(got, expected):
        raise CheckFailed("softmax-mismatch", f"rows of very different sizes: {error_summary(got, expected)}",
                          "subtract each row's maximum, exponentiate, divide by the row sum")
    return f"logits of size 1e4 give finite probabilities within {ATOL:g} + {RTOL:g}*|b| of the package"


# --------------------------------------------------------------------------
# cross-entropy
# --------------------------------------------------------------------------

CE_CASES = [(10, 4, 3), (11, 7, 10), (12, 1, 5), (13, 32, 10)]  # seed, N, C


def _ce_case(seed, n, c, scale=2.0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, c)) * scale, rng.integers(0, c, n)


@register(WEEKEND, "cross_entropy", "cross_entropy: loss value", needs=["cross_entropy"],
          compared="cross_entropy(logits, labels) against classroom.nn.CrossEntropyLoss (mean over the batch), "
                   "batches of 4, 7, 1 and 32")
def _check_ce_loss(ns):
    for seed, n, c in CE_CASES:
        logits, labels = _ce_case(seed, n, c)
        got = as_float(quietly(ns["cross_entropy"], logits.copy(), labels.copy()), "cross_entropy")
        expected = reference_cross_entropy(logits, labels)
        where = f"{n} samples, {c} classes"
        if close(got, expected):
            continue
        if n > 1 and close(got, expected * n):
            raise CheckFailed("ce-loss-not-mean", f"{where}: got {got:.6g}, expected {expected:.6g}: "
                              f"your loss is {n} times too large, the sum instead of the mean",
                              "average over the batch: divide the summed loss by N (np.mean), so the loss does not "
                              "grow with the batch size")
        raise CheckFailed("ce-loss-mismatch", f"{where}: got {got:.6g}, expected {expected:.6g} "
                          f"(tolerance {ATOL:g} + {RTOL:g}*|b|)",
                          "the loss is -mean(log p[i, labels[i]]): pick each row's probability of the true class "
                          "with p[np.arange(N), labels]")
    return f"{len(CE_CASES)} random batches within {ATOL:g} + {RTOL:g}*|b| of classroom.nn.CrossEntropyLoss"


@register(WEEKEND, "cross_entropy", "cross_entropy: large logits", needs=["cross_entropy", "cross_entropy_grad"],
          compared="loss and gradient for logits of size 1e4 (confidently wrong predictions) against the package")
def _check_ce_large(ns):
    logits = np.array([[1.0e4, -1.0e4, 0.0], [-1.0e4, 1.0e4, 1.0e4 - 5.0], [3.0, 1.0e4, -2.0]])
    labels = np.array([1, 2, 0])
    got = as_float(quietly(ns["cross_entropy"], logits.copy(), labels.copy()), "cross_entropy")
    expected = reference_cross_entropy(logits, labels)
    if not np.isfinite(got):
        raise CheckFailed(
            "ce-log-of-zero",
            f"logits of size 1e4: your loss is {got} (expected {expected:.6g}); the softmax of a confidently wrong "
            "prediction rounds to 0 and log(0) = -inf",
            "compute log-probabilities directly: log_softmax(z) = z - max - log(sum(exp(z - max))), then take "
            "-mean(log_softmax[i, labels[i]]); never take log of a probability",
        )
    if not close(got, expected):
        raise CheckFailed("ce-loss-mismatch", f"logits of size 1e4: got {got:.8g}, expected {expected:.8g}",
                          "use log_softmax(z) = z - max - log(sum(exp(z - max))) row by row")
    grad = as_ndarray(quietly(ns["cross_entropy_grad"], logits.copy(), labels.copy()), "cross_entropy_grad")
    expected_grad = reference_cross_entropy_grad(logits, labels)
    if grad.shape == expected_grad.shape and not np.all(np.isfinite(grad)):
        raise CheckFailed("softmax-overflow", "logits of size 1e4: your gradient has inf or nan entries",
                          "build the gradient from a stable softmax (subtract the row maximum before exp)")
    if not close(grad, expected_grad):
        raise CheckFailed("ce-grad-mismatch", f"logits of size 1e4: gradient {error_summary(grad, expected_grad)}",
                          "the gradient is (softmax(z) - onehot(labels)) / N with a stable softmax")
    return f"loss {got:.6g} (package {expected:.6g}) and gradient within {ATOL:g} + {RTOL:g}*|b|"


@register(WEEKEND, "cross_entropy", "cross_entropy_grad: matches the package", needs=["cross_entropy_grad"],
          compared="cross_entropy_grad(logits, labels) against classroom.nn.CrossEntropyLoss.backward, "
                   "batches of 4, 7, 1 and 32")
def _check_ce_grad(ns):
    for seed, n, c in CE_CASES:
        logits, labels = _ce_case(seed, n, c)
        got = as_ndarray(quietly(ns["cross_entropy_grad"], logits.copy(), labels.copy()), "cross_entropy_grad")
        expected = reference_cross_entropy_grad(logits, labels)
        where = f"{n} samples, {c} classes"
        if got.shape != expected.shape:
            raise CheckFailed("ce-grad-shape", f"{where}: got shape {got.shape}, expected {expected.shape}",
                              "the gradient has the logits' shape (N, C): one number per logit")
        if close(got, expected):
            continue
        if n > 1 and close(got, expected * n):
            raise CheckFailed("ce-grad-batch-size", f"{where}: your gradient is {n} times the expected one "
                              f"({error_summary(got, expected)})",
                              "divide by the batch size: the loss is a mean over N samples, so dL/dz = (p - onehot) / N")
        if close(got, -expected):
            raise CheckFailed("ce-grad-sign", f"{where}: your gradient is minus the expected one",
                              "the gradient is p - onehot (prediction minus target), not onehot - p")
        if close(got, reference_softmax(logits) / n):
            raise CheckFailed("ce-grad-onehot", f"{where}: your gradient is softmax / N; the one-hot labels are missing",
                              "subtract 1 at each row's true class: g = p.copy(); g[np.arange(N), labels] -= 1; g /= N")
        raise CheckFailed("ce-grad-mismatch", f"{where}: {error_summary(got, expected)}",
                          "dL/dz = (softmax(z) - onehot(labels)) / N")
    return f"{len(CE_CASES)} random batches within {ATOL:g} + {RTOL:g}*|b| of CrossEntropyLoss.backward"


@register(WEEKEND, "cross_entropy", "cross_entropy_grad: finite differences", needs=["cross_entropy", "cross_entropy_grad"],
          compared="cross_entropy_grad against central differences of your own cross_entropy (float64, eps 1e-6)")
def _check_ce_fd(ns):
    logits, labels = _ce_case(20, 5, 4)
    grad = as_ndarray(quietly(ns["cross_entropy_grad"], logits.copy(), labels.copy()), "cross_entropy_grad")
    numeric = numerical_gradient(lambda z: as_float(ns["cross_entropy"](z.copy(), labels), "cross_entropy"),
                                 logits.copy())
    if not close(grad, numeric, FD_ATOL, FD_RTOL):
        raise CheckFailed("ce-grad-vs-loss", f"your gradient vs finite differences of your loss: "
                          f"{error_summary(grad, numeric, FD_ATOL, FD_RTOL)}",
                          "your loss and your gradient disagree: pass the two checks above first, they say which is off")
    return f"within {FD_ATOL:g} + {FD_RTOL:g}*|numeric| of central differences"


# --------------------------------------------------------------------------
# Linear
# --------------------------------------------------------------------------

LINEAR_CASES = [(30, 5, 4, 3), (31, 1, 7, 2), (32, 16, 12, 10)]  # seed, N, in, out


def _linear_pair(ns, seed, n_in, n_out, dtype=np.float64):
    """The learner's Linear and the reference, with the same random weights and bias."""
    rng = np.random.default_rng(seed)
    weight = rng.standard_normal((n_out, n_in)).astype(dtype)
    bias = rng.standard_normal(n_out).astype(dtype)
    learner = ns["Linear"](n_in, n_out, rng=np.random.default_rng(seed))
    learner.weight = weight.copy()
    learner.bias = bias.copy()
    reference = ReferenceLinear(n_in, n_out, dtype=dtype)
    reference.weight = weight
    reference.bias = bias
    return learner, reference


@register(WEEKEND, "linear", "Linear: initial weights", needs=["Linear"],
          compared="the shapes of Linear(784, 128).weight and .bias, and the spread of the initial weights")
def _check_linear_init(ns):
    n_in, n_out = 784, 128
    layer = ns["Linear"](n_in, n_out, rng=np.random.default_rng(0))
    weight = np.asarray(layer.weight)
    bias = np.asarray(layer.bias)
    if weight.shape == (n_in, n_out):
        raise CheckFailed("linear-weight-shape", f"weight has shape {weight.shape}, expected ({n_out}, {n_in})",
                          "store one row per output unit, weight of shape (out_features, in_features), "
                          "and compute x @ weight.T (PyTorch's convention, as in the lesson)")
    if weight.shape != (n_out, n_in) or bias.shape != (n_out,):
        raise CheckFailed("linear-weight-shape", f"weight {weight.shape} and bias {bias.shape}; expected "
                          f"({n_out}, {n_in}) and ({n_out},)",
                          "weight is (out_features, in_features), bias is (out_features,)")
    spread = float(weight.std())
    low, high = 0.1 / np.sqrt(n_in), 3.0 / np.sqrt(n_in)
    if spread == 0.0 or np.unique(weight).size < 2:
        raise CheckFailed("linear-init-symmetric", f"all {weight.size:,} initial weights are equal ({weight.flat[0]:g})",
                          "draw the weights at random, e.g. rng.uniform(-1, 1, shape) / sqrt(in_features): equal weights "
                          "give every hidden unit the same gradient forever")
    if not low <= spread <= high:
        raise CheckFailed("linear-init-scale", f"initial weights have standard deviation {spread:.4f}; expected between "
                          f"{low:.4f} and {high:.4f} (0.1 to 3 times 1/sqrt(in_features))",
                          "scale the random weights by 1/sqrt(in_features) (e.g. rng.uniform(-1, 1, shape) / sqrt(in)), "
                          "so the outputs neither explode nor vanish")
    return f"weight {weight.shape}, bias {bias.shape}, weight std {spread:.4f} (accepted {low:.4f} to {high:.4f})"


@register(WEEKEND, "linear", "Linear: forward", needs=["Linear"],
          compared="Linear.forward against classroom.nn.Linear with the same weights (batches of 5, 1 and 16; "
                   "float64 and float32)")
def _check_linear_forward(ns):
    for seed, n, n_in, n_out in LINEAR_CASES:
        learner, reference = _linear_pair(ns, seed, n_in, n_out)
        x = np.random.default_rng(seed + 100).standard_normal((n, n_in))
        got = as_ndarray(learner.forward(x.copy()), "Linear.forward")
        expected = reference.forward(x)
        where = f"Linear({n_in}, {n_out}) on a batch of {n}"
        if got.shape != expected.shape:
            raise CheckFailed("linear-forward-shape", f"{where}: got shape {got.shape}, expected {expected.shape}",
                              "the output is x @ weight.T + bias, of shape (N, out_features)")
        if close(got, expected):
            continue
        if close(got, expected - reference.bias):
            raise CheckFailed("linear-forgot-bias", f"{where}: your output is x @ weight.T without the bias",
                              "add self.bias (shape (out_features,)); broadcasting adds it to every row")
        raise CheckFailed("linear-forward-mismatch", f"{where}: {error_summary(got, expected)}",
                          "compute x @ self.weight.T + self.bias")
    learner, _ = _linear_pair(ns, 33, 6, 4, dtype=np.float32)
    x32 = np.random.default_rng(133).standard_normal((3, 6)).astype(np.float32)
    got32 = np.asarray(learner.forward(x32))
    if got32.dtype != np.float32:
        raise CheckFailed("linear-dtype", f"float32 input and float32 weights gave a {got32.dtype} output",
                          "keep the input's dtype (float32 trains twice as fast): avoid creating float64 arrays "
                          "inside forward")
    return f"{len(LINEAR_CASES)} cases within {ATOL:g} + {RTOL:g}*|b| of classroom.nn.Linear; float32 stays float32"


@register(WEEKEND, "linear", "Linear: backward", needs=["Linear"],
          compared="Linear.backward (grad_weight, grad_bias and dL/dx) against classroom.nn.Linear, "
                   "batches of 5, 1 and 16, and twice in a row")
def _check_linear_backward(ns):
    for seed, n, n_in, n_out in LINEAR_CASES:
        learner, reference = _linear_pair(ns, seed, n_in, n_out)
        rng = np.random.default_rng(seed + 200)
        x = rng.standard_normal((n, n_in))
        grad_output = rng.standard_normal((n, n_out))
        learner.forward(x.copy())
        reference.forward(x)
        got_input = learner.backward(grad_output.copy())
        expected_input = reference.backward(grad_output)
        where = f"Linear({n_in}, {n_out}) on a batch of {n}"
        got_weight = np.asarray(learner.grad_weight)
        expected_weight = reference.grad_weight
        if not close(got_weight, expected_weight):
            if got_weight.shape == expected_weight.T.shape and got_weight.shape != expected_weight.shape:
                raise CheckFailed("linear-weight-grad-transposed",
                                  f"{where}: grad_weight has shape {got_weight.shape}, expected {expected_weight.shape} "
                                  "(the weight's shape)",
                                  "grad_weight must have the weight's shape (out, in): use grad_output.T @ x, "
                                  "not x.T @ grad_output")
            if n > 1 and close(got_weight, expected_weight / n):
                raise CheckFailed("linear-grad-batch-size",
                                  f"{where}: grad_weight is the expected gradient divided by the batch size {n}",
                                  "do not average again in the layer: cross_entropy_grad already divides by N, "
                                  "so grad_weight = grad_output.T @ x is a plain sum over the batch")
            raise CheckFailed("linear-weight-grad-mismatch", f"{where}: grad_weight {error_summary(got_weight, expected_weight)}",
                              "grad_weight = grad_output.T @ x, with x the input saved by forward")
        got_bias = np.asarray(learner.grad_bias)
        if not close(got_bias, reference.grad_bias):
            if n > 1 and close(got_bias, reference.grad_bias / n):
                raise CheckFailed("linear-grad-batch-size", f"{where}: grad_bias is the expected one divided by {n}",
                                  "sum over the batch, do not average: the 1/N is already in cross_entropy_grad")
            raise CheckFailed("linear-bias-grad", f"{where}: grad_bias has shape {got_bias.shape} (expected "
                              f"{reference.grad_bias.shape}); {error_summary(got_bias, reference.grad_bias) if got_bias.shape == reference.grad_bias.shape else 'shapes differ'}",
                              "the bias is added to every row, so its gradient is the sum of grad_output over the "
                              "batch: grad_output.sum(axis=0)")
        got_input = as_ndarray(got_input, "Linear.backward")
        if not close(got_input, expected_input):
            raise CheckFailed("linear-input-grad", f"{where}: the returned dL/dx (shape {got_input.shape}, expected "
                              f"{expected_input.shape}): "
                              f"{error_summary(got_input, expected_input) if got_input.shape == expected_input.shape else 'shapes differ'}",
                              "backward returns dL/dx = grad_output @ self.weight, of shape (N, in_features)")
        # A second backward with the same gradient must give the same gradients, not twice them.
        learner.backward(grad_output.copy())
        again = np.asarray(learner.grad_weight)
        if close(again, 2 * expected_weight):
            raise CheckFailed("linear-grad-accumulates",
                              f"{where}: after a second backward, grad_weight is twice the gradient",
                              "overwrite the gradients in backward (self.grad_weight = ...), do not add to them with +=: "
                              "each backward describes one batch")
        if not close(again, expected_weight):
            raise CheckFailed("linear-weight-grad-mismatch", f"{where}: the second backward gave a different grad_weight "
                              f"({error_summary(again, expected_weight)})",
                              "backward must only depend on the x saved by the last forward and on grad_output")
    return f"{len(LINEAR_CASES)} cases within {ATOL:g} + {RTOL:g}*|b| of classroom.nn.Linear"


@register(WEEKEND, "linear", "Linear: finite differences", needs=["Linear"],
          compared="Linear.backward against central differences of your own forward (float64, eps 1e-6)")
def _check_linear_fd(ns):
    rng = np.random.default_rng(40)
    layer = ns["Linear"](4, 3, rng=np.random.default_rng(40))
    layer.weight = rng.standard_normal((3, 4))
    layer.bias = rng.standard_normal(3)
    x = rng.standard_normal((5, 4))
    projection = rng.standard_normal((5, 3))

    def loss(_=None):
        return float(np.sum(np.asarray(layer.forward(x)) * projection))

    loss()
    got_input = as_ndarray(layer.backward(projection.copy()), "Linear.backward")
    analytic = {"weight": np.array(layer.grad_weight, dtype=np.float64), "bias": np.array(layer.grad_bias, dtype=np.float64),
                "x": np.array(got_input, dtype=np.float64)}
    numeric = {"x": numerical_gradient(loss, x), "weight": numerical_gradient(loss, layer.weight),
               "bias": numerical_gradient(loss, layer.bias)}
    for name in ("weight", "bias", "x"):
        if not close(analytic[name], numeric[name], FD_ATOL, FD_RTOL):
            raise CheckFailed("linear-gradcheck", f"dL/d{name} vs central differences: "
                              f"{error_summary(analytic[name], numeric[name], FD_ATOL, FD_RTOL) if analytic[name].shape == numeric[name].shape else f'shape {analytic[name].shape} vs {numeric[name].shape}'}",
                              "compare your backward with the lesson's formulas: dW = G.T @ X, db = G.sum(axis=0), "
                              "dX = G @ W")
    return f"dL/dweight, dL/dbias and dL/dx within {FD_ATOL:g} + {FD_RTOL:g}*|numeric| of central differences"


# --------------------------------------------------------------------------
# ReLU
# --------------------------------------------------------------------------

RELU_SHAPES = [(4, 6), (1, 9), (8, 16)]


def _relu_input(seed, shape):
    """Random inputs kept at least 0.01 away from 0, so finite differences never cross the kink."""
    values = np.random.default_rng(seed).standard_normal(shape)
    return np.where(values >= 0, values + 0.01, values - 0.01)


@register(WEEKEND, "relu", "ReLU: forward", needs=["ReLU"],
          compared="ReLU.forward against classroom.nn.ReLU (shapes (4, 6), (1, 9), (8, 16)); your input must "
                   "come back unchanged")
def _check_relu_forward(ns):
    for seed, shape in enumerate(RELU_SHAPES, start=50):
        x = _relu_input(seed, shape)
        given = x.copy()
        got = as_ndarray(ns["ReLU"]().forward(given), "ReLU.forward")
        expected = ReferenceReLU().forward(x)
        if not np.array_equal(given, x):
            raise CheckFailed("relu-modifies-input", f"input of shape {shape}: after forward, the array you were given "
                              "had its negative entries set to 0",
                              "return a new array, np.maximum(x, 0), instead of changing x in place (x[x < 0] = 0): "
                              "the layer below may still need its output")
        if not close(got, expected):
            raise CheckFailed("relu-forward-mismatch", f"input of shape {shape}: "
                              f"{error_summary(got, expected) if got.shape == expected.shape else f'shape {got.shape}'}",
                              "ReLU is np.maximum(x, 0), element by element")
    return f"{len(RELU_SHAPES)} inputs equal to classroom.nn.ReLU; inputs left untouched"


@register(WEEKEND, "relu", "ReLU: backward", needs=["ReLU"],
          compared="ReLU.backward against classroom.nn.ReLU and against central differences of your forward "
                   "(float64, inputs at least 0.01 from the kink)")
def _check_relu_backward(ns):
    for seed, shape in enumerate(RELU_SHAPES, start=60):
        x = _relu_input(seed, shape)
        grad_output = np.random.default_rng(seed + 100).standard_normal(shape)
        layer = ns["ReLU"]()
        layer.forward(x.copy())
        got = as_ndarray(layer.backward(grad_output.copy()), "ReLU.backward")
        reference = ReferenceReLU()
        reference.forward(x)
        expected = reference.backward(grad_output)
        where = f"input of shape {shape}"
        if close(got, expected):
            continue
        if got.shape != expected.shape:
            raise CheckFailed("relu-backward-mismatch", f"{where}: got shape {got.shape}, expected {expected.shape}",
                              "backward returns a gradient of the input's shape")
        negative = x < 0
        if close(got, grad_output * (grad_output > 0)):
            raise CheckFailed("relu-mask-from-grad", f"{where}: you kept the positive entries of grad_output",
                              "the mask comes from the forward input, not from the gradient: save x > 0 in forward "
                              "and return grad_output * mask")
        if close(got, grad_output * np.maximum(x, 0)):
            raise CheckFailed("relu-grad-times-output", f"{where}: you multiplied the gradient by ReLU's output",
                              "the derivative of max(x, 0) is 1 where x > 0 and 0 elsewhere: multiply by the mask "
                              "(x > 0), not by the output values")
        if np.any(np.abs(got[negative]) > ATOL):
            raise CheckFailed("relu-grad-negative",
                              f"{where}: {int(np.sum(np.abs(got[negative]) > ATOL))} of {int(negative.sum())} positions "
                              "with a negative input got a non-zero gradient",
                              "the gradient is 0 wherever the input was negative: return grad_output * (x > 0) with x "
                              "the input saved in forward")
        raise CheckFailed("relu-backward-mismatch", f"{where}: {error_summary(got, expected)}",
                          "return grad_output * (x > 0) with x the input of the last forward")
    x = _relu_input(70, (3, 4))
    projection = np.random.default_rng(71).standard_normal((3, 4))
    layer = ns["ReLU"]()
    layer.forward(x.copy())
    got = as_ndarray(layer.backward(projection.copy()), "ReLU.backward")
    numeric = numerical_gradient(lambda v: float(np.sum(np.asarray(ns["ReLU"]().forward(v.copy())) * projection)), x.copy())
    if not close(got, numeric, FD_ATOL, FD_RTOL):
        raise CheckFailed("relu-backward-mismatch", f"vs central differences: {error_summary(got, numeric, FD_ATOL, FD_RTOL)}",
                          "return grad_output * (x > 0) with x the input of the last forward")
    return (f"{len(RELU_SHAPES)} cases equal to classroom.nn.ReLU within {ATOL:g}; within {FD_ATOL:g} + "
            f"{FD_RTOL:g}*|numeric| of central differences")


# --------------------------------------------------------------------------
# The two-layer network
# --------------------------------------------------------------------------


def _net_weights(seed, n_in, hidden, n_out, dtype=np.float64):
    """Initial weights for both networks: classroom.nn.Linear's initialisation from a fixed seed."""
    rng = np.random.default_rng(seed)
    first, second = nn.Linear(n_in, hidden, rng=rng, dtype=dtype), nn.Linear(hidden, n_out, rng=rng, dtype=dtype)
    return [(first.weight.data.copy(), first.bias.data.copy()), (second.weight.data.copy(), second.bias.data.copy())]


def _linear_layers(model):
    layers = list(getattr(model, "layers", []))
    return [layer for layer in layers if hasattr(layer, "weight")]


def _set_net_weights(model, weights):
    linears = _linear_layers(model)
    if len(linears) != 2:
        raise CheckFailed("net-layers", f"model.layers holds {len(linears)} layers with a weight; expected 2 "
                          "(Linear, ReLU, Linear)",
                          "build self.layers = [Linear(in_features, hidden), ReLU(), Linear(hidden, out_features)] "
                          "from your own classes")
    for layer, (weight, bias) in zip(linears, weights):
        layer.weight = weight.copy()
        layer.bias = bias.copy()


def _make_nets(ns, seed, n_in, hidden, n_out, dtype=np.float64):
    weights = _net_weights(seed, n_in, hidden, n_out, dtype)
    learner = ns["TwoLayerNet"](n_in, hidden, n_out, rng=np.random.default_rng(seed))
    _set_net_weights(learner, weights)
    reference = ReferenceTwoLayerNet(n_in, hidden, n_out, dtype=dtype)
    _set_net_weights(reference, weights)
    return learner, reference


@register(WEEKEND, "network", "TwoLayerNet: layers", needs=["TwoLayerNet"],
          compared="TwoLayerNet(784, 128, 10).layers: three layers, the weight shapes (128, 784) and (10, 128)")
def _check_net_layers(ns):
    model = ns["TwoLayerNet"](784, 128, 10, rng=np.random.default_rng(0))
    layers = list(getattr(model, "layers", []))
    shapes = [tuple(np.shape(layer.weight)) for layer in layers if hasattr(layer, "weight")]
    if len(layers) != 3 or shapes != [(128, 784), (10, 128)] or hasattr(layers[1], "weight"):
        raise CheckFailed("net-layers", f"model.layers has {len(layers)} layers with weight shapes {shapes}; expected "
                          "3 layers (Linear, ReLU, Linear) with weights (128, 784) and (10, 128)",
                          "build self.layers = [Linear(in_features, hidden, rng=rng), ReLU(), Linear(hidden, "
                          "out_features, rng=rng)] from your own classes")
    return "Linear(784, 128), ReLU, Linear(128, 10)"


@register(WEEKEND, "network", "TwoLayerNet: forward", needs=["TwoLayerNet"],
          compared="TwoLayerNet.forward against classroom.models.mlp.MLP(in, [hidden], out) with the same weights "
                   "(batches of 6 and 1)")
def _check_net_forward(ns):
    for seed, n, sizes in [(80, 6, (5, 7, 3)), (81, 1, (8, 4, 10))]:
        learner, reference = _make_nets(ns, seed, *sizes)
        x = np.random.default_rng(seed + 100).standard_normal((n, sizes[0]))
        got = as_ndarray(learner.forward(x.copy()), "TwoLayerNet.forward")
        expected = reference.forward(x)
        where = f"TwoLayerNet{sizes} on a batch of {n}"
        if close(got, expected):
            continue
        first, second = reference.layers[0], reference.layers[2]
        linear_only = (x @ first.weight.T + first.bias) @ second.weight.T + second.bias
        if close(got, linear_only):
            raise CheckFailed("net-missing-relu", f"{where}: your output is two linear layers with no ReLU between them",
                              "apply self.layers in order, ReLU included: for layer in self.layers: x = layer.forward(x)")
        if close(got, reference_softmax(expected)):
            raise CheckFailed("net-returns-probabilities", f"{where}: your forward returns softmax probabilities",
                              "forward returns the logits; softmax belongs to the loss (cross_entropy), which is stable "
                              "only on logits")
        raise CheckFailed("net-forward-mismatch", f"{where}: "
                          f"{error_summary(got, expected) if got.shape == expected.shape else f'shape {got.shape}, expected {expected.shape}'}",
                          "forward applies Linear, ReLU, Linear in that order and returns the logits")
    return f"logits within {ATOL:g} + {RTOL:g}*|b| of classroom.models.mlp.MLP"


@register(WEEKEND, "network", "TwoLayerNet: backward", needs=["TwoLayerNet", "cross_entropy", "cross_entropy_grad"],
          compared="the gradients of both layers after TwoLayerNet.backward, against classroom.models.mlp.MLP and "
                   "against central differences of the cross-entropy (float64, a 5-7-3 network)")
def _check_net_backward(ns):
    n_in, hidden, n_out = 5, 7, 3
    learner, reference = _make_nets(ns, 90, n_in, hidden, n_out)
    rng = np.random.default_rng(190)
    x, y = rng.standard_normal((6, n_in)), rng.integers(0, n_out, 6)
    learner.backward(reference_cross_entropy_grad(np.asarray(learner.forward(x.copy())), y))
    reference.backward(reference_cross_entropy_grad(reference.forward(x), y))
    names = ("first Linear", "second Linear")
    for name, mine, theirs in zip(names, _linear_layers(learner), _linear_layers(reference)):
        for attribute in ("grad_weight", "grad_bias"):
            got, expected = np.asarray(getattr(mine, attribute)), getattr(theirs, attribute)
            if close(got, expected):
                continue
            if name == "first Linear":
                # Gradient that skipped the ReLU mask on the way down.
                first, second = reference.layers[0], reference.layers[2]
                grad_hidden = reference_cross_entropy_grad(reference.forward(x), y) @ second.weight
                unmasked = grad_hidden.T @ x if attribute == "grad_weight" else grad_hidden.sum(axis=0)
                if close(got, unmasked):
                    raise CheckFailed("net-backward-skips-relu", f"{name}.{attribute} ignores the ReLU: the gradient "
                                      "reached the first layer without the ReLU mask",
                                      "backward must visit every layer in reverse order, ReLU included: "
                                      "for layer in reversed(self.layers): grad = layer.backward(grad)")
            raise CheckFailed("net-backward-mismatch", f"{name}.{attribute}: "
                              f"{error_summary(got, expected) if got.shape == expected.shape else f'shape {got.shape}, expected {expected.shape}'}",
                              "pass the gradient through the layers in reverse order, each layer's backward "
                              "returning the gradient for the one below it")
    # Finite differences of the loss through the learner's forward, for every parameter.
    linears = _linear_layers(learner)

    def loss(_=None):
        return reference_cross_entropy(np.asarray(learner.forward(x)), y)

    learner.backward(reference_cross_entropy_grad(np.asarray(learner.forward(x)), y))
    analytic = [(np.array(layer.grad_weight, dtype=np.float64), np.array(layer.grad_bias, dtype=np.float64)) for layer in linears]
    for name, layer, (grad_weight, grad_bias) in zip(names, linears, analytic):
        for attribute, got in (("weight", grad_weight), ("bias", grad_bias)):
            numeric = numerical_gradient(loss, getattr(layer, attribute))
            if not close(got, numeric, FD_ATOL, FD_RTOL):
                raise CheckFailed("net-backward-mismatch", f"{name} d(loss)/d{attribute} vs central differences: "
                                  f"{error_summary(got, numeric, FD_ATOL, FD_RTOL)}",
                                  "pass the gradient through the layers in reverse order")
    return (f"both layers' gradients within {ATOL:g} + {RTOL:g}*|b| of MLP and within {FD_ATOL:g} + "
            f"{FD_RTOL:g}*|numeric| of central differences")


# --------------------------------------------------------------------------
# The training loop
# --------------------------------------------------------------------------


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


# --------------------------------------------------------------------------
# End to end: the learner's network on MNIST
# --------------------------------------------------------------------------

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
