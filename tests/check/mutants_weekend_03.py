"""A learner's weekend-3 pieces in plain NumPy, each with switchable mistakes.

``namespace(**mistakes)`` returns ``l2_penalty``, ``l2_gradient``, ``Dropout``
and ``train_with_early_stopping``; with no mistakes it is a correct solution
written independently of the package.
"""

from __future__ import annotations

import numpy as np


def namespace(penalty=None, gradient=None, dropout=None, stopping=None):
    """Return a learner namespace with the given mistakes switched on (None = correct)."""

    def l2_penalty(weights, weight_decay):
        if penalty == "no-half":
            return weight_decay * sum(float(np.sum(w**2)) for w in weights)
        if penalty == "first-only":
            return 0.5 * weight_decay * float(np.sum(weights[0] ** 2))
        if penalty == "l1":
            return 0.5 * weight_decay * sum(float(np.sum(np.abs(w))) for w in weights)
        if penalty == "mean":
            return 0.5 * weight_decay * sum(float(np.mean(w**2)) for w in weights)
        if penalty == "norm":
            return 0.5 * weight_decay * sum(float(np.sqrt(np.sum(w**2))) for w in weights)
        if penalty == "in-place":
            for w in weights:
                w *= 1.0
                w -= 0.0
                w[...] = w * 0.5
            return 2 * weight_decay * sum(float(np.sum(w**2)) for w in weights)
        return 0.5 * weight_decay * sum(float(np.sum(w**2)) for w in weights)

    def l2_gradient(weights, weight_decay):
        if gradient == "factor-2":
            return [2 * weight_decay * w for w in weights]
        if gradient == "sign":
            return [-weight_decay * w for w in weights]
        if gradient == "half":
            return [0.5 * weight_decay * w for w in weights]
        if gradient == "sum-array":
            return weight_decay * sum(float(np.sum(w)) for w in weights)
        if gradient == "flat":
            return [weight_decay * w.ravel() for w in weights]
        if gradient == "in-place":
            for w in weights:
                w *= weight_decay
            return weights
        return [weight_decay * w for w in weights]

    class Dropout:
        def __init__(self, p=0.5, rng=None):
            self.p = p
            self.rng = np.random.default_rng() if rng is None else rng
            self.training = True
            if dropout == "fixed-mask":
                self.fixed = None

        def train(self):
            if dropout != "train-not-restored":
                self.training = True

        def eval(self):
            if dropout != "always-on":
                self.training = False

        def forward(self, x):
            if not self.training:
                self.mask = None
                if dropout == "eval-scaled":
                    return x * (1 - self.p)
                return x
            if dropout == "swapped":
                keep = self.rng.random(x.shape) < self.p
            elif dropout == "reseeded":
                keep = np.random.default_rng(0).random(x.shape) >= self.p
            elif dropout == "half-rate":
                keep = self.rng.random(x.shape) >= self.p / 2
            else:
                keep = self.rng.random(x.shape) >= self.p
            if dropout == "not-rescaled":
                self.mask = keep.astype(x.dtype)
            elif dropout == "float64":
                self.mask = keep / (1 - self.p)
            elif dropout == "wrong-scale":
                self.mask = keep.astype(x.dtype) / (1 - self.p) ** 2
            else:
                self.mask = keep.astype(x.dtype) / x.dtype.type(1 - self.p)
            if dropout == "flat":
                return (x * self.mask).ravel()
            return x * self.mask

        def backward(self, grad_output):
            if self.mask is None:
                return grad_output
            if dropout == "backward-no-mask":
                return grad_output
            if dropout == "backward-not-rescaled":
                return grad_output * (self.mask != 0)
            if dropout == "backward-new-mask":
                return grad_output * (self.rng.random(grad_output.shape) >= self.p) / (1 - self.p)
            if dropout == "backward-wrong":
                return grad_output * self.mask * 0.5
            return grad_output * self.mask

    def train_with_early_stopping(params, train_epoch, validation_loss, max_epochs, patience):
        best = float("-inf") if stopping == "maximise" else float("inf")
        best_epoch, best_params, wait, history = 0, None, 0, []
        for epoch in range(1, max_epochs + 1):
            train_epoch()
            loss = float(validation_loss())
            history.append(loss)
            if stopping == "maximise":
                improved = loss > best
            elif stopping == "ties-improve":
                improved = loss <= best
            else:
                improved = loss < best
            if improved:
                best, best_epoch = loss, epoch
                if stopping == "no-copy":
                    best_params = params
                elif stopping == "shallow-copy":
                    best_params = dict(params)
                else:
                    best_params = {name: value.copy() for name, value in params.items()}
                if stopping != "no-reset":
                    wait = 0
                continue
            wait += 1
            if stopping == "never-stop":
                continue
            if stopping == "off-by-one":
                if wait > patience:
                    break
            elif wait >= patience:
                break
        if stopping == "no-restore":
            pass
        elif stopping == "rebind":
            for name in params:
                params[name] = best_params[name]
        else:
            for name in params:
                params[name][...] = best_params[name]
        if stopping == "zero-based":
            best_epoch -= 1
        if stopping == "last-epoch":
            best_epoch = len(history)
        if stopping == "no-history":
            return best_epoch
        if stopping == "history-twice":
            history = history + history[-1:]
        return best_epoch, history

    return {
        "l2_penalty": l2_penalty,
        "l2_gradient": l2_gradient,
        "Dropout": Dropout,
        "train_with_early_stopping": train_with_early_stopping,
    }
