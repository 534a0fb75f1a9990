"""RMSprop: divide the step by a running root-mean-square of recent gradients."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop (as ``torch.optim.RMSprop``).

    For each parameter ``p`` with gradient ``g``, one step does::

        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g**2          # running mean of g**2
        if centered:
            g_avg = alpha * g_avg + (1 - alpha) * g
            v_used = v - g_avg**2                   # running variance
        else:
            v_used = v
        if momentum > 0:
            b = momentum * b + g / (sqrt(v_used) + eps)
            p = p - lr * b
        else:
            p = p - lr * g / (sqrt(v_used) + eps)

    Note that ``eps`` is added *outside* the square root, as in PyTorch.

    Parameters
    ----------
    params : iterable of Parameter
        Parameters to optimise.
    lr : float, default 1e-2
        Learning rate.
    alpha : float, default 0.99
        Smoothing constant of the running mean of squared gradients.
    eps : float, default 1e-8
        Added to the denominator for numerical stability.
    weight_decay : float, default 0
        L2 penalty coefficient.
    momentum : float, default 0
        Momentum factor.
    centered : bool, default False
        Normalise by an estimate of the gradient's variance instead of its
        second moment.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ):
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if alpha < 0.0:
            raise ValueError(f"Invalid alpha value: {alpha}")
        super().__init__(
            params,
            {
                "lr": lr,
                "alpha": alpha,
                "eps": eps,
                "weight_decay": weight_decay,
                "momentum": momentum,
                "centered": centered,
            },
        )

    def step(self) -> None:
        """Update every parameter that has a gradient, in place."""
        for _, parameter, state in self._parameters_with_grad():
            if not state:
                state["step"] = np.array(0)
                state["square_avg"] = np.zeros_like(parameter.data)
                if self.momentum > 0:
                    state["momentum_buffer"] = np.zeros_like(parameter.data)
                if self.centered:
                    state["grad_avg"] = np.zeros_like(parameter.data)
            state["step"] = np.array(int(state["step"]) + 1)

            gradient = parameter.grad
            if self.weight_decay != 0:
                gradient = gradient + self.weight_decay * parameter.data

            square_avg = state["square_avg"]
            square_avg *= self.alpha
            square_avg += (1 - self.alpha) * gradient * gradient
            if self.centered:
                grad_avg = state["grad_avg"]
                grad_avg *= self.alpha
                grad_avg += (1 - self.alpha) * gradient
                denominator = np.sqrt(square_avg - grad_avg * grad_avg) + self.eps
            else:
                denominator = np.sqrt(square_avg) + self.eps

            if self.momentum > 0:
                buffer = state["momentum_buffer"]
                buffer *= self.momentum
                buffer += gradient / denominator
                parameter.data -= self.lr * buffer
            else:
                parameter.data -= self.lr * gradient / denominator
        self.step_count += 1
