"""Learner-style optimizers of weekend 6, correct by default, with switches for known mistakes.

Written the way the workbook asks, independently of ``classroom.optim``.
"""

from __future__ import annotations

import numpy as np


class Optimizer:
    """The workbook's base class: the parameters, one state dict per parameter, zero_grad."""

    def __init__(self, params):
        self.params = list(params)
        self.state = [{} for _ in self.params]

    def zero_grad(self):
        for p in self.params:
            p.grad[...] = 0


def make_sgd(*, order="pytorch", in_place=True):
    """order: "pytorch" (b = mu*b + g; p -= lr*b), "old-buffer" (step, then update b), "dampened"."""

    class SGD(Optimizer):
        def __init__(self, params, lr=0.01, momentum=0.0):
            super().__init__(params)
            self.lr, self.momentum = lr, momentum

        def step(self):
            for p, state in zip(self.params, self.state):
                update = p.grad
                if self.momentum:
                    if order == "old-buffer":
                        b = state.setdefault("b", np.zeros_like(p.data))
                        p.data -= self.lr * b
                        state["b"] = self.momentum * b + p.grad
                        continue
                    if "b" not in state:
                        state["b"] = p.grad.copy() if order == "pytorch" else (1 - self.momentum) * p.grad
                    else:
                        scale = 1.0 if order == "pytorch" else 1 - self.momentum
                        state["b"] = self.momentum * state["b"] + scale * p.grad
                    update = state["b"]
                if in_place:
                    p.data -= self.lr * update
                else:
                    p.data = p.data - self.lr * update

    return SGD


def make_rmsprop(*, eps_inside=False):
    class RMSprop(Optimizer):
        def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8):
            super().__init__(params)
            self.lr, self.alpha, self.eps = lr, alpha, eps

        def step(self):
            for p, state in zip(self.params, self.state):
                v = state.setdefault("v", np.zeros_like(p.data))
                v[...] = self.alpha * v + (1 - self.alpha) * p.grad**2
                denominator = np.sqrt(v + self.eps) if eps_inside else np.sqrt(v) + self.eps
                p.data -= self.lr * p.grad / denominator

    return RMSprop


def make_adam(*, correction="power", decay="decoupled", base_decay=False):
    """correction: "power" (1 - beta**t), "none", "one-minus-beta"; decay (AdamW only):
    "decoupled" or "coupled" (weight_decay * p added to the gradient)."""

    class Adam(Optimizer):
        def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8):
            super().__init__(params)
            self.lr, self.betas, self.eps = lr, betas, eps
            self.weight_decay = 0.0
            self.t = 0

        def step(self):
            self.t += 1
            beta1, beta2 = self.betas
            for p, state in zip(self.params, self.state):
                grad = p.grad
                if self.weight_decay:
                    if decay == "decoupled":
                        p.data *= 1 - self.lr * self.weight_decay
                    else:
                        grad = grad + self.weight_decay * p.data
                m = state.setdefault("m", np.zeros_like(p.data))
                v = state.setdefault("v", np.zeros_like(p.data))
                m[...] = beta1 * m + (1 - beta1) * grad
                v[...] = beta2 * v + (1 - beta2) * grad**2
                if correction == "power":
                    m_hat, v_hat = m / (1 - beta1**self.t), v / (1 - beta2**self.t)
                elif correction == "one-minus-beta":
                    m_hat, v_hat = m / (1 - beta1), v / (1 - beta2)
                else:
                    m_hat, v_hat = m, v
                p.data -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)

    class AdamW(Adam):
        def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
            super().__init__(params, lr=lr, betas=betas, eps=eps)
            self.weight_decay = weight_decay

    return Adam, AdamW


def learner_solutions(**overrides):
    """The correct learner-style namespace, with some entries replaced."""
    adam, adamw = make_adam()
    namespace = {"SGD": make_sgd(), "RMSprop": make_rmsprop(), "Adam": adam, "AdamW": adamw}
    namespace.update(overrides)
    return namespace
