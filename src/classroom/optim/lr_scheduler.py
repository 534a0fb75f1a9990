"""Learning-rate schedules: ``StepLR``, ``CosineAnnealingLR`` and ``OneCycleLR``.

A scheduler sets ``optimizer.lr`` from a formula of the step counter
``last_epoch``. As in ``torch.optim.lr_scheduler``, creating the scheduler
already applies the value for step 0, and ``scheduler.step()`` is called
*after* ``optimizer.step()``::

    scheduler = CosineAnnealingLR(optimizer, T_max=epochs)
    for epoch in range(epochs):
        train_one_epoch(model, optimizer)
        scheduler.step()

``state_dict()`` is a flat dict of NumPy arrays, like the optimizers'.
"""

from __future__ import annotations

import math

import numpy as np


class LRScheduler:
    """Base class: keeps the step counter and writes ``get_lr()`` into ``optimizer.lr``.

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer whose ``lr`` attribute is scheduled.
    last_epoch : int, default -1
        The index of the last step; -1 starts a fresh schedule.

    Attributes
    ----------
    base_lr : float
        The optimizer's learning rate when the scheduler was created.
    last_epoch : int
        Number of ``step()`` calls so far (0 right after creation).
    """

    def __init__(self, optimizer, last_epoch: int = -1):
        if not hasattr(optimizer, "lr"):
            raise TypeError(
                f"{type(self).__name__} needs an optimizer with an lr attribute, got "
                f"{type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        self.base_lr = float(optimizer.lr)
        self.last_epoch = last_epoch
        self._last_lr = float(optimizer.lr)
        self.step()

    def get_lr(self) -> float:
        """Return the learning rate for step ``last_epoch``. Subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_lr()")

    def step(self) -> None:
        """Advance the schedule by one step and set ``optimizer.lr``."""
        self.last_epoch += 1
        self.optimizer.lr = self.get_lr()
        self._last_lr = float(self.optimizer.lr)

    def get_last_lr(self) -> list[float]:
        """Return the last learning rate set, as a one-element list (as PyTorch, one per group)."""
        return [self._last_lr]

    def state_dict(self) -> dict:
        """Return the schedule's state as a flat dict of 0-d ndarrays."""
        return {
            "last_epoch": np.array(self.last_epoch),
            "base_lr": np.array(self.base_lr),
            "last_lr": np.array(self._last_lr),
        }

    def load_state_dict(self, state_dict) -> None:
        """Restore the state saved by ``state_dict`` (the optimizer's lr is not touched)."""
        missing = [key for key in ("last_epoch", "base_lr", "last_lr") if key not in state_dict]
        if missing:
            raise KeyError(f"{type(self).__name__}.load_state_dict: missing keys {missing}")
        self.last_epoch = int(np.asarray(state_dict["last_epoch"]))
        self.base_lr = float(np.asarray(state_dict["base_lr"]))
        self._last_lr = float(np.asarray(state_dict["last_lr"]))


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` steps (as ``torch``'s ``StepLR``).

    ``lr = base_lr * gamma ** (last_epoch // step_size)``

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer to schedule.
    step_size : int
        Period of the decay, in steps.
    gamma : float, default 0.1
        Multiplicative factor.
    last_epoch : int, default -1
        The index of the last step.
    """

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        if step_size < 1:
            raise ValueError(f"StepLR step_size must be a positive integer, got {step_size}")
        self.step_size = int(step_size)
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> float:
        """Return ``base_lr * gamma ** (last_epoch // step_size)``."""
        return self.base_lr * self.gamma ** (self.last_epoch // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """Anneal the learning rate along half a cosine from ``base_lr`` to ``eta_min``.

    ``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * last_epoch / T_max)) / 2``

    (as ``torch``'s ``CosineAnnealingLR``; past ``T_max`` the cosine
    continues, so the rate rises again).

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer to schedule.
    T_max : int
        Number of steps from ``base_lr`` down to ``eta_min``.
    eta_min : float, default 0
        Minimum learning rate.
    last_epoch : int, default -1
        The index of the last step.
    """

    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):
        if T_max < 1:
            raise ValueError(f"CosineAnnealingLR T_max must be a positive integer, got {T_max}")
        self.T_max = int(T_max)
        self.eta_min = float(eta_min)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> float:
        """Return the cosine-annealed learning rate for step ``last_epoch``."""
        cosine = math.cos(math.pi * self.last_epoch / self.T_max)
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + cosine) / 2


class OneCycleLR(LRScheduler):
    """The 1cycle policy: warm up to ``max_lr``, then anneal far below the start.

    As ``torch``'s ``OneCycleLR`` (called once per *batch*). With
    ``initial_lr = max_lr / div_factor`` and
    ``min_lr = initial_lr / final_div_factor``, the rate goes from
    ``initial_lr`` up to ``max_lr`` over the first ``pct_start`` of the steps
    and then down to ``min_lr``. When ``cycle_momentum`` is True the momentum
    (``optimizer.momentum``, or ``beta1`` of ``optimizer.betas``) moves the
    opposite way between ``max_momentum`` and ``base_momentum``.

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer to schedule.
    max_lr : float
        Peak learning rate.
    total_steps : int, optional
        Length of the cycle; or give ``epochs`` and ``steps_per_epoch``.
    epochs, steps_per_epoch : int, optional
        Used when ``total_steps`` is None: ``total_steps = epochs * steps_per_epoch``.
    pct_start : float, default 0.3
        Fraction of the cycle spent increasing the rate.
    anneal_strategy : {"cos", "linear"}, default "cos"
        Shape of each phase.
    cycle_momentum : bool, default True
        Cycle the momentum inversely to the rate.
    base_momentum, max_momentum : float, default 0.85 and 0.95
        Momentum bounds.
    div_factor : float, default 25
        ``initial_lr = max_lr / div_factor``.
    final_div_factor : float, default 1e4
        ``min_lr = initial_lr / final_div_factor``.
    three_phase : bool, default False
        Use a symmetric warm-up/cool-down followed by a final annealing phase.
    last_epoch : int, default -1
        The index of the last step.
    """

    def __init__(
        self,
        optimizer,
        max_lr: float,
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float = 0.85,
        max_momentum: float = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ):
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError("OneCycleLR needs total_steps, or both epochs and steps_per_epoch")
            total_steps = epochs * steps_per_epoch
        if total_steps <= 0:
            raise ValueError(f"OneCycleLR total_steps must be a positive integer, got {total_steps}")
        if not 0.0 <= pct_start <= 1.0:
            raise ValueError(f"OneCycleLR pct_start must be in [0, 1], got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}")
        self.total_steps = int(total_steps)
        self.anneal_strategy = anneal_strategy
        self.initial_lr = max_lr / div_factor
        self.max_lr = float(max_lr)
        self.min_lr = self.initial_lr / final_div_factor
        self.cycle_momentum = cycle_momentum
        self.base_momentum = base_momentum
        self.max_momentum = max_momentum
        warmup_end = float(pct_start * self.total_steps) - 1
        # Each phase: (last step of the phase, start lr, end lr, start momentum, end momentum).
        if three_phase:
            self.phases = [
                (warmup_end, self.initial_lr, self.max_lr, max_momentum, base_momentum),
                (2 * warmup_end, self.max_lr, self.initial_lr, base_momentum, max_momentum),
                (self.total_steps - 1, self.initial_lr, self.min_lr, max_momentum, max_momentum),
            ]
        else:
            self.phases = [
                (warmup_end, self.initial_lr, self.max_lr, max_momentum, base_momentum),
                (self.total_steps - 1, self.max_lr, self.min_lr, base_momentum, max_momentum),
            ]
        if cycle_momentum:
            if not (hasattr(optimizer, "momentum") or hasattr(optimizer, "betas")):
                raise ValueError(
                    "optimizer must have a momentum or betas attribute when cycle_momentum is "
                    "True; pass cycle_momentum=False"
                )
            self._set_momentum(optimizer, max_momentum)
        optimizer.lr = self.initial_lr
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _set_momentum(optimizer, momentum: float) -> None:
        if hasattr(optimizer, "betas"):
            optimizer.betas = (momentum, optimizer.betas[1])
        else:
            optimizer.momentum = momentum

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> float:
        """Return the learning rate for step ``last_epoch`` (and cycle the momentum)."""
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(
                f"OneCycleLR was stepped {step} times, but total_steps is {self.total_steps}"
            )
        phase_start = 0.0
        for index, (phase_end, lr_start, lr_end, momentum_start, momentum_end) in enumerate(self.phases):
            if step <= phase_end or index == len(self.phases) - 1:
                pct = (step - phase_start) / (phase_end - phase_start)
                if self.cycle_momentum:
                    self._set_momentum(self.optimizer, self._anneal(momentum_start, momentum_end, pct))
                return self._anneal(lr_start, lr_end, pct)
            phase_start = phase_end
        raise AssertionError("unreachable: the last phase always matches")
