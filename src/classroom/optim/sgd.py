"""Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

from .optimizer import Optimizer


class SGD(Optimizer):
    """Stochastic gradient descent (as ``torch.optim.SGD``).

    For each parameter ``p`` with gradient ``g``, one step does::

        g = g + weight_decay * p                      # L2 penalty
        if momentum != 0:
            b = g                       (first step)
            b = momentum * b + (1 - dampening) * g    (later steps)
            g = g + momentum * b  if nesterov else  b
        p = p - lr * g

    Parameters
    ----------
    params : iterable of Parameter
        Parameters to optimise.
    lr : float, default 1e-3
        Learning rate.
    momentum : float, default 0
        Momentum factor.
    dampening : float, default 0
        Dampening for momentum.
    weight_decay : float, default 0
        L2 penalty coefficient.
    nesterov : bool, default False
        Use Nesterov momentum (needs ``momentum > 0`` and ``dampening = 0``).
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ):
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(
            params,
            {
                "lr": lr,
                "momentum": momentum,
                "dampening": dampening,
                "weight_decay": weight_decay,
                "nesterov": nesterov,
            },
        )

    def step(self) -> None:
        """Update every parameter that has a gradient, in place."""
        for _, parameter, state in self._parameters_with_grad():
            gradient = parameter.grad
            if self.weight_decay != 0:
                gradient = gradient + self.weight_decay * parameter.data
            if self.momentum != 0:
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = gradient.copy()
                else:
                    buffer = state["momentum_buffer"]
                    buffer *= self.momentum
                    buffer += (1 - self.dampening) * gradient
                buffer = state["momentum_buffer"]
                if self.nesterov:
                    gradient = gradient + self.momentum * buffer
                else:
                    gradient = buffer
            parameter.data -= self.lr * gradient
        self.step_count += 1
