"""A learner's weekend-1 pieces in plain NumPy, each with switchable mistakes.

``namespace(**mistakes)`` returns what a workbook would define: ``softmax``,
``cross_entropy``, ``cross_entropy_grad``, ``Linear``, ``ReLU``,
``TwoLayerNet``, ``train_epoch``. With no mistakes it is a correct solution
written independently of the package; each keyword switches on one known
mistake in one piece (``softmax="overflow"``, ``linear="transposed"`` ...),
which the mutation tests expect the checks to catch with a named hint.
"""

from __future__ import annotations

import numpy as np


def namespace(softmax=None, ce=None, ce_grad=None, linear=None, relu=None, net=None, train=None):
    """Return a learner namespace with the given mistakes switched on (None = correct)."""

    def softmax_fn(z):
        z = np.asarray(z)
        if softmax == "list":
            return (np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)).tolist()
        if softmax == "overflow":
            e = np.exp(z)
            return e / e.sum(axis=1, keepdims=True)
        if softmax == "global-max":
            e = np.exp(z - z.max())
            return e / e.sum(axis=1, keepdims=True)
        if softmax == "axis0":
            e = np.exp(z - z.max(axis=0, keepdims=True))
            return e / e.sum(axis=0, keepdims=True)
        if softmax == "no-normalise":
            return np.exp(z - z.max(axis=1, keepdims=True))
        if softmax == "flat":
            e = np.exp(z - z.max(axis=1, keepdims=True))
            return (e / e.sum(axis=1, keepdims=True)).ravel()
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def log_softmax(z):
        shifted = z - z.max(axis=1, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))

    def cross_entropy(logits, labels):
        n = len(labels)
        if ce == "log-of-softmax":
            return float(-np.mean(np.log(softmax_fn(logits)[np.arange(n), labels])))
        picked = log_softmax(logits)[np.arange(n), labels]
        if ce == "sum":
            return float(-np.sum(picked))
        if ce == "per-sample":
            return -picked
        if ce == "wrong-class":
            return float(-np.mean(log_softmax(logits)[np.arange(n), (labels + 1) % logits.shape[1]]))
        return float(-np.mean(picked))

    def cross_entropy_grad(logits, labels):
        n = len(labels)
        p = softmax_fn(logits)
        if ce_grad == "no-onehot":
            return p / n
        onehot = np.zeros_like(p)
        onehot[np.arange(n), labels] = 1.0
        if ce_grad == "not-divided":
            return p - onehot
        if ce_grad == "sign":
            return (onehot - p) / n
        if ce_grad == "half":
            return (p - onehot) / (2 * n)
        if ce_grad == "transposed":
            return ((p - onehot) / n).T
        return (p - onehot) / n

    class Linear:
        def __init__(self, in_features, out_features, rng=None):
            rng = np.random.default_rng() if rng is None else rng
            bound = 1.0 / np.sqrt(in_features)
            if linear == "zero-init":
                self.weight = np.zeros((out_features, in_features))
            elif linear == "randn-init":
                self.weight = rng.standard_normal((out_features, in_features))
            elif linear == "in-out-shape":
                self.weight = rng.uniform(-bound, bound, (in_features, out_features))
            else:
                self.weight = rng.uniform(-bound, bound, (out_features, in_features))
            self.bias = np.zeros(out_features)
            self.grad_weight = np.zeros_like(self.weight)
            self.grad_bias = np.zeros_like(self.bias)

        def forward(self, x):
            self.x = x
            if linear == "no-bias":
                return x @ self.weight.T
            if linear == "float64":
                return (x @ self.weight.T + self.bias).astype(np.float64)
            if linear == "half-bias":
                return x @ self.weight.T + self.bias * 0.5
            if linear == "transposed-output":
                return (x @ self.weight.T + self.bias).T
            return x @ self.weight.T + self.bias

        def backward(self, grad_output):
            g, x = grad_output, self.x
            n = len(x)
            if linear == "transposed":
                self.grad_weight = x.T @ g
            elif linear == "divided":
                self.grad_weight = g.T @ x / n
            elif linear == "accumulate":
                self.grad_weight = self.grad_weight + g.T @ x
            elif linear == "weight-grad-sign":
                self.grad_weight = -(g.T @ x)
            else:
                self.grad_weight = g.T @ x
            if linear == "bias-unsummed":
                self.grad_bias = g
            elif linear == "bias-mean":
                self.grad_bias = g.mean(axis=0) * 1.5
            elif linear == "divided":
                self.grad_bias = g.sum(axis=0) / n
            else:
                self.grad_bias = g.sum(axis=0)
            if linear == "input-grad-is-output-grad":
                return g @ np.eye(g.shape[1], x.shape[1])
            return g @ self.weight

    class ReLU:
        def forward(self, x):
            if relu == "in-place":
                self.mask = x > 0
                x[x < 0] = 0
                return x
            self.x = x
            self.mask = x > 0
            if relu == "abs":
                return np.abs(x)
            return np.maximum(x, 0)

        def backward(self, grad_output):
            if relu == "pass-through":
                return grad_output
            if relu == "mask-from-grad":
                return grad_output * (grad_output > 0)
            if relu == "times-output":
                return grad_output * np.maximum(self.x, 0)
            if relu == "leaky":
                return grad_output * np.where(self.mask, 1.0, 0.1)
            if relu == "scaled":
                return grad_output * self.mask * 2.0
            return grad_output * self.mask

    class TwoLayerNet:
        def __init__(self, in_features, hidden, out_features, rng=None):
            rng = np.random.default_rng() if rng is None else rng
            if net == "no-relu":
                self.layers = [Linear(in_features, hidden, rng), _Identity(), Linear(hidden, out_features, rng)]
            elif net == "one-layer":
                self.layers = [Linear(in_features, out_features, rng)]
            else:
                self.layers = [Linear(in_features, hidden, rng), ReLU(), Linear(hidden, out_features, rng)]

        def forward(self, x):
            for layer in self.layers:
                x = layer.forward(x)
            if net == "probabilities":
                return softmax_fn(x)
            if net == "scaled-logits":
                return 2.0 * x
            return x

        def backward(self, grad_logits):
            grad = grad_logits
            if net == "skip-relu":
                grad = self.layers[2].backward(grad)
                return self.layers[0].backward(grad)
            if net == "wrong-backward":
                grad = self.layers[2].backward(grad)
                return self.layers[0].backward(self.layers[1].backward(grad) * 0.5)
            for layer in reversed(self.layers):
                grad = layer.backward(grad)
            return grad

    def train_epoch(model, x, y, lr, batch_size, rng):
        n = len(x)
        if train == "no-shuffle":
            order = np.arange(n)
        elif train == "same-order":
            order = np.random.default_rng(0).permutation(n)
        elif train == "with-replacement":
            order = rng.integers(0, n, n)
        else:
            order = rng.permutation(n)
        step = n if train == "full-batch" else batch_size
        losses = []
        starts = range(0, n, step)
        if train == "first-batch-only":
            starts = [0]
        for start in starts:
            batch = order[start : start + step]
            logits = model.forward(x[batch])
            losses.append(cross_entropy(logits, y[batch]))
            model.backward(cross_entropy_grad(logits, y[batch]))
            if train == "no-update":
                continue
            for layer in model.layers:
                if not hasattr(layer, "weight"):
                    continue
                if train == "sign":
                    layer.weight += lr * layer.grad_weight
                    layer.bias += lr * layer.grad_bias
                elif train == "no-lr":
                    layer.weight -= layer.grad_weight
                    layer.bias -= layer.grad_bias
                elif train == "weights-only":
                    layer.weight -= lr * layer.grad_weight
                elif train == "half-lr":
                    layer.weight -= 0.5 * lr * layer.grad_weight
                    layer.bias -= 0.5 * lr * layer.grad_bias
                else:
                    layer.weight -= lr * layer.grad_weight
                    layer.bias -= lr * layer.grad_bias
        if train == "sum-loss":
            return float(np.sum(losses))
        if train == "first-batch-only":
            return float(losses[0])
        if train == "loss-after-update":
            return cross_entropy(model.forward(x), y)
        return float(np.mean(losses))

    class _Identity:
        def forward(self, x):
            return x

        def backward(self, grad_output):
            return grad_output

    return {
        "softmax": softmax_fn,
        "cross_entropy": cross_entropy,
        "cross_entropy_grad": cross_entropy_grad,
        "Linear": Linear,
        "ReLU": ReLU,
        "TwoLayerNet": TwoLayerNet,
        "train_epoch": train_epoch,
    }
