"""Adam and AdamW: momentum plus per-parameter step sizes, with bias correction."""

from __future__ import annotations

import math

import numpy as np

from .optimizer import Optimizer


class Adam(Optimizer):
    """Adam (as ``torch.optim.Adam``), with optional AMSGrad.

    For each parameter ``p`` with gradient ``g``, step number ``t`` (1, 2, ...)::

        g = g + weight_decay * p                 # L2 penalty (see AdamW)
        m = beta1 * m + (1 - beta1) * g          # first moment
        v = beta2 * v + (1 - beta2) * g**2       # second moment
        m_hat = m / (1 - beta1**t)               # bias correction
        v_hat = v / (1 - beta2**t)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)

    ``m`` and ``v`` start at zero, so early averages are biased towards zero;
    dividing by ``1 - beta**t`` (see ``bias_correction``) removes that bias.
    With ``amsgrad=True`` the running maximum of ``v`` replaces ``v``.

    Parameters
    ----------
    params : iterable of Parameter
        Parameters to optimise.
    lr : float, default 1e-3
        Learning rate.
    betas : tuple of float, default (0.9, 0.999)
        Decay rates of the first and second moment averages.
    eps : float, default 1e-8
        Added to the denominator for numerical stability.
    weight_decay : float, default 0
        L2 penalty coefficient, added to the gradient.
    amsgrad : bool, default False
        Use the AMSGrad variant.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ):
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        super().__init__(
            params,
            {
                "lr": lr,
                "betas": tuple(betas),
                "eps": eps,
                "weight_decay": weight_decay,
                "amsgrad": amsgrad,
            },
        )

    def bias_correction(self, beta: float, step: int) -> float:
        """Return ``1 - beta**step``, the factor that un-biases a zero-initialised average.

        After ``step`` updates of ``m = beta * m + (1 - beta) * g`` from
        ``m = 0``, the weights on past gradients sum to ``1 - beta**step``,
        not 1; dividing by this factor makes ``m`` an unbiased average.

        Parameters
        ----------
        beta : float
            The decay rate (``beta1`` or ``beta2``).
        step : int
            The number of updates so far, starting at 1.
        """
        return 1.0 - beta**step

    def _decay_weights(self, parameter) -> None:
        """Hook for AdamW's decoupled weight decay; Adam does nothing here."""

    def _gradient_with_penalty(self, parameter) -> np.ndarray:
        """Return the gradient plus the L2 term ``weight_decay * p`` (Adam's weight decay)."""
        if self.weight_decay != 0:
            return parameter.grad + self.weight_decay * parameter.data
        return parameter.grad

    def _scratch_like(self, array: np.ndarray) -> np.ndarray:
        """Return a reusable work array of ``array``'s shape and dtype (not part of the state)."""
        if not hasattr(self, "_scratch"):
            self._scratch = {}
        key = (array.shape, array.dtype.str)
        if key not in self._scratch:
            self._scratch[key] = np.empty_like(array)
        return self._scratch[key]

    def step(self) -> None:
        """Update every parameter that has a gradient, in place."""
        beta1, beta2 = self.betas
        for _, parameter, state in self._parameters_with_grad():
            if not state:
                state["step"] = np.array(0)
                state["exp_avg"] = np.zeros_like(parameter.data)
                state["exp_avg_sq"] = np.zeros_like(parameter.data)
                if self.amsgrad:
                    state["max_exp_avg_sq"] = np.zeros_like(parameter.data)
            step = int(state["step"]) + 1
            state["step"] = np.array(step)

            self._decay_weights(parameter)
            gradient = self._gradient_with_penalty(parameter)

            # The update below is the textbook one,
            #     m = beta1 * m + (1 - beta1) * g
            #     v = beta2 * v + (1 - beta2) * g**2
            #     p -= lr * (m / bc1) / (sqrt(v / bc2) + eps),
            # written with in-place operations on one scratch array: Adam
            # touches every weight several times per step, and temporary
            # arrays the size of the weights would cost as much as the
            # matrix products of a small network.
            scratch = self._scratch_like(parameter.data)
            exp_avg = state["exp_avg"]
            exp_avg *= beta1
            np.multiply(gradient, 1 - beta1, out=scratch)
            exp_avg += scratch
            exp_avg_sq = state["exp_avg_sq"]
            exp_avg_sq *= beta2
            np.multiply(gradient, gradient, out=scratch)
            scratch *= 1 - beta2
            exp_avg_sq += scratch
            if self.amsgrad:
                # As PyTorch: keep the running maximum of the raw second moment.
                np.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
                second_moment = state["max_exp_avg_sq"]
            else:
                second_moment = exp_avg_sq

            first_correction = self.bias_correction(beta1, step)
            second_correction = self.bias_correction(beta2, step)
            denominator = np.sqrt(second_moment, out=scratch)
            denominator /= math.sqrt(second_correction)
            denominator += self.eps
            update = np.divide(exp_avg, denominator, out=scratch)
            update *= self.lr / first_correction
            parameter.data -= update
        self.step_count += 1


class AdamW(Adam):
    """Adam with decoupled weight decay (as ``torch.optim.AdamW``).

    Instead of adding ``weight_decay * p`` to the gradient (where Adam's
    per-parameter scaling would weaken it), each step first shrinks the
    weights directly, ``p = p * (1 - lr * weight_decay)``, then takes a plain
    Adam step.

    Parameters
    ----------
    params : iterable of Parameter
        Parameters to optimise.
    lr : float, default 1e-3
        Learning rate.
    betas : tuple of float, default (0.9, 0.999)
        Decay rates of the first and second moment averages.
    eps : float, default 1e-8
        Added to the denominator for numerical stability.
    weight_decay : float, default 1e-2
        Decoupled weight decay coefficient.
    amsgrad : bool, default False
        Use the AMSGrad variant.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)

    def _decay_weights(self, parameter) -> None:
        """Shrink the weights in place: ``p = p * (1 - lr * weight_decay)``."""
        if self.weight_decay != 0:
            parameter.data *= 1 - self.lr * self.weight_decay

    def _gradient_with_penalty(self, parameter) -> np.ndarray:
        """AdamW leaves the gradient alone (the decay was applied to the weights)."""
        return parameter.grad
