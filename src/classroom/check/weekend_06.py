"""Checks of weekend 6 (optimizers): SGD with momentum, RMSprop, Adam, AdamW.

The learner's API (see the workbook ``workbooks/weekend-06.py``) is the
lesson's, PyTorch's: ``SGD(params, lr, momentum=0.0)``,
``RMSprop(params, lr=0.01, alpha=0.99, eps=1e-8)``,
``Adam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-8)`` and
``AdamW(params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)``;
each ``step()`` updates every ``p.data`` in place from ``p.grad``.

Every check runs the learner's optimizer and the package's
(``classroom.optim``) side by side for 25 steps on the same random,
badly conditioned quadratic (two parameters of different shapes), each
taking its gradient at its own current point, and compares the parameters
after every step. A mismatch reports the first step where they diverge.
When the learner's trajectory matches a known mistake (simulated here on
the same problem), the failure names that mistake.
"""

from __future__ import annotations

import numpy as np

from classroom import optim

from .compare import tolerance_text
from .core import CheckFailed, register

__all__ = ["reference_solutions", "QuadraticProblem"]

WEEKEND = "weekend-06"
STEPS = 25
ATOL, RTOL = 1e-10, 1e-8


def reference_solutions() -> dict[str, object]:
    """Return every stub name of the weekend-06 workbook mapped to the package's optimizer.

    Returns
    -------
    dict of str to class
        ``SGD``, ``RMSprop``, ``Adam``, ``AdamW`` from ``classroom.optim``.
    """
    return {"SGD": optim.SGD, "RMSprop": optim.RMSprop, "Adam": optim.Adam, "AdamW": optim.AdamW}


class _Param:
    """A parameter as the optimizers see it: ``data`` and ``grad`` arrays."""

    def __init__(self, data):
        self.data = np.array(data, dtype=np.float64, copy=True)
        self.grad = np.zeros_like(self.data)


class QuadraticProblem:
    """``f = sum_k 0.5 (p_k - c_k)^T A_k (p_k - c_k)`` over two parameters, shapes (3, 4) and (5,).

    Each ``A_k`` is symmetric positive definite with eigenvalues from 0.1 to
    10 (condition number 100), so plain SGD zig-zags and the adaptive methods
    differ visibly.

    Parameters
    ----------
    seed : int
        Seed of the random matrices, centres and starting point.
    scale : float, default 1.0
        Multiplies the gradients (small values make ``eps`` matter).
    """

    shapes = ((3, 4), (5,))

    def __init__(self, seed: int, scale: float = 1.0):
        rng = np.random.default_rng(seed)
        self.matrices, self.centres, self.start = [], [], []
        for shape in self.shapes:
            size = int(np.prod(shape))
            basis, _ = np.linalg.qr(rng.standard_normal((size, size)))
            eigenvalues = np.geomspace(0.1, 10.0, size)
            self.matrices.append(scale * (basis * eigenvalues) @ basis.T)
            self.centres.append(rng.standard_normal(shape))
            self.start.append(rng.standard_normal(shape))

    def gradients(self, values):
        """Return the gradient for each parameter value (list of arrays of the parameter shapes)."""
        return [(matrix @ (value - centre).ravel()).reshape(value.shape)
                for matrix, centre, value in zip(self.matrices, self.centres, values)]


def _trajectory(make_optimizer, problem: QuadraticProblem, steps: int = STEPS, *, check_in_place=False):
    """Run an optimizer class on the problem; return the parameter values after each step.

    Returns
    -------
    list of list of ndarray
        ``trajectory[t][k]`` is parameter ``k`` after step ``t + 1``.
    """
    params = [_Param(value) for value in problem.start]
    optimizer = make_optimizer(params)
    arrays = [param.data for param in params]
    trajectory = []
    for step in range(steps):
        for param, grad in zip(params, problem.gradients([param.data for param in params])):
            param.grad = grad
        optimizer.step()
        if check_in_place and any(param.data is not array for param, array in zip(params, arrays)):
            raise CheckFailed(
                "optim-not-in-place",
                f"after step {step + 1}, p.data is a new array instead of the one the layer holds",
                "update the parameter in place, p.data -= lr * update (or p.data[...] = ...): "
                "writing p.data = p.data - ... leaves the layers with stale weights",
            )
        trajectory.append([np.array(param.data, dtype=np.float64, copy=True) for param in params])
    return trajectory


def _first_divergence(got, expected):
    """Return (step, max abs error, max rel error) of the first step off by more than the tolerance, or None."""
    for step, (got_values, expected_values) in enumerate(zip(got, expected), start=1):
        for got_value, expected_value in zip(got_values, expected_values):
            difference = np.abs(got_value - expected_value)
            if got_value.shape != expected_value.shape or not np.all(difference <= ATOL + RTOL * np.abs(expected_value)):
                if got_value.shape != expected_value.shape:
                    return step, float("inf"), float("inf")
                max_abs = float(difference.max())
                return step, max_abs, max_abs / max(float(np.abs(expected_value).max()), 1e-300)
    return None


# --------------------------------------------------------------------------
# Known mistakes, simulated on the same problem
# --------------------------------------------------------------------------


class _Simulated:
    """A wrong update rule, written out explicitly, for diagnosing a learner's trajectory.

    ``rule(p, g, state, t, settings)`` updates ``p`` in place.
    """

    def __init__(self, params, rule, settings):
        self.params, self.rule, self.settings = params, rule, settings
        self.state = [{} for _ in params]
        self.t = 0

    def step(self):
        self.t += 1
        for param, state in zip(self.params, self.state):
            self.rule(param.data, param.grad, state, self.t, self.settings)


def _momentum_old_buffer(p, g, state, t, s):
    """Step with the previous buffer, then update it (the update lags one step)."""
    buffer = state.setdefault("b", np.zeros_like(p))
    p -= s["lr"] * buffer
    buffer *= s["momentum"]
    buffer += g


def _momentum_dampened(p, g, state, t, s):
    """The moving-average convention b = mu*b + (1 - mu)*g, not PyTorch's."""
    buffer = state.setdefault("b", np.zeros_like(p))
    buffer *= s["momentum"]
    buffer += (1 - s["momentum"]) * g
    p -= s["lr"] * buffer


def _rmsprop_eps_inside(p, g, state, t, s):
    v = state.setdefault("v", np.zeros_like(p))
    v *= s["alpha"]
    v += (1 - s["alpha"]) * g * g
    p -= s["lr"] * g / np.sqrt(v + s["eps"])


def _adam_rule(correction):
    def rule(p, g, state, t, s):
        beta1, beta2 = s["betas"]
        m = state.setdefault("m", np.zeros_like(p))
        v = state.setdefault("v", np.zeros_like(p))
        if s.get("decoupled"):
            p *= 1 - s["lr"] * s["weight_decay"]
        m *= beta1
        m += (1 - beta1) * g
        v *= beta2
        v += (1 - beta2) * g * g
        if correction == "none":
            m_hat, v_hat = m, v
        elif correction == "one-minus-beta":
            m_hat, v_hat = m / (1 - beta1), v / (1 - beta2)
        p -= s["lr"] * m_hat / (np.sqrt(v_hat) + s["eps"])

    return rule


def _adam_mistakes(settings):
    decoupled = "weight_decay" in settings
    simulated = dict(settings, decoupled=decoupled)
    return [
        ("optim-adam-no-bias-correction", lambda ps: _Simulated(ps, _adam_rule("none"), simulated),
         "your trajectory is Adam without bias correction",
         "divide the averages by 1 - beta1**t and 1 - beta2**t (t = 1, 2, ... counts the steps): m and v start at "
         "zero, so without it the first steps are far too small"),
        ("optim-adam-bias-correction-one-minus-beta", lambda ps: _Simulated(ps, _adam_rule("one-minus-beta"), simulated),
         "your trajectory is Adam with bias correction 1 - beta (no power of t): right at step 1, wrong afterwards",
         "the correction is 1 - beta1**t with t the step number (1, 2, ...), not 1 - beta1; "
         "keep a step counter in the optimizer's state"),
    ]


MISTAKES = {
    "SGD": lambda settings: [
        ("optim-sgd-momentum-order", lambda ps: _Simulated(ps, _momentum_old_buffer, settings),
         "your trajectory steps with the previous momentum buffer and updates it afterwards",
         "first update the buffer, b = momentum * b + g, then step with it, p -= lr * b (PyTorch's order)"),
        ("optim-sgd-momentum-dampened", lambda ps: _Simulated(ps, _momentum_dampened, settings),
         "your trajectory uses b = momentum * b + (1 - momentum) * g",
         "PyTorch's momentum (the one graded here) adds the whole gradient: b = momentum * b + g"),
    ],
    "RMSprop": lambda settings: [
        ("optim-rmsprop-eps-inside-sqrt", lambda ps: _Simulated(ps, _rmsprop_eps_inside, settings),
         "your trajectory divides by sqrt(v + eps)",
         "add eps outside the square root: g / (np.sqrt(v) + eps), as PyTorch does"),
    ],
    "Adam": _adam_mistakes,
    "AdamW": lambda settings: [
        ("optim-adamw-coupled-decay",
         lambda ps: optim.Adam(ps, lr=settings["lr"], betas=settings["betas"], eps=settings["eps"],
                               weight_decay=settings["weight_decay"]),
         "your trajectory is Adam with weight_decay * p added to the gradient (L2), not decoupled decay",
         "decouple the decay: shrink the weights directly, p *= 1 - lr * weight_decay, then take a plain Adam step "
         "with the unchanged gradient"),
        *_adam_mistakes(settings),
    ],
}

SETTINGS = {
    "SGD": [dict(lr=0.05, momentum=0.9), dict(lr=0.08, momentum=0.5), dict(lr=0.1, momentum=0.0)],
    "RMSprop": [dict(lr=0.01, alpha=0.99, eps=1e-8), dict(lr=0.02, alpha=0.9, eps=1e-2)],
    "Adam": [dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8), dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6)],
    "AdamW": [dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1),
              dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.5)],
}

GENERIC_HINTS = {
    "SGD": "b = momentum * b + g (b = g at the first step), then p -= lr * b; with momentum 0, p -= lr * g",
    "RMSprop": "v = alpha * v + (1 - alpha) * g**2, then p -= lr * g / (sqrt(v) + eps); one v per parameter",
    "Adam": "m and v per parameter, a step counter t, m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t), "
            "p -= lr * m_hat / (sqrt(v_hat) + eps)",
    "AdamW": "p *= 1 - lr * weight_decay first, then the plain Adam step with the unchanged gradient",
}


def _check_optimizer(ns, name):
    learner_class, reference_class = ns[name], reference_solutions()[name]
    for index, settings in enumerate(SETTINGS[name]):
        problem = QuadraticProblem(seed=10 * index + len(name), scale=0.01 if index == 1 else 1.0)
        got = _trajectory(lambda ps: learner_class(ps, **settings), problem, check_in_place=True)
        expected = _trajectory(lambda ps: reference_class(ps, **settings), problem)
        divergence = _first_divergence(got, expected)
        if divergence is None:
            continue
        step, max_abs, max_rel = divergence
        where = (f"{name}({', '.join(f'{k}={v}' for k, v in settings.items())}): first differs from classroom.optim.{name} "
                 f"at step {step} of {STEPS}, max abs error {max_abs:.2e}, max rel error {max_rel:.2e} "
                 f"({tolerance_text(ATOL, RTOL)})")
        for hint_id, make_mistake, what, hint in MISTAKES[name](settings):
            if _first_divergence(got, _trajectory(make_mistake, problem)) is None:
                raise CheckFailed(hint_id, f"{where}; {what}", hint)
        raise CheckFailed("optim-trajectory-mismatch", where, GENERIC_HINTS[name])
    return (f"{len(SETTINGS[name])} settings x {STEPS} steps on a random quadratic: every parameter within "
            f"{ATOL:g} + {RTOL:g}*|b| of classroom.optim.{name} at every step")


@register(WEEKEND, "sgd", "SGD with momentum: 25-step trajectories", needs=["SGD"],
          compared=f"parameters after each of {STEPS} steps against classroom.optim.SGD (momentum 0.9, 0.5 and 0)")
def _check_sgd(ns):
    return _check_optimizer(ns, "SGD")


@register(WEEKEND, "rmsprop", "RMSprop: 25-step trajectories", needs=["RMSprop"],
          compared=f"parameters after each of {STEPS} steps against classroom.optim.RMSprop (eps 1e-8 and 1e-2)")
def _check_rmsprop(ns):
    return _check_optimizer(ns, "RMSprop")


@register(WEEKEND, "adam", "Adam: 25-step trajectories", needs=["Adam"],
          compared=f"parameters after each of {STEPS} steps against classroom.optim.Adam (two settings of betas)")
def _check_adam(ns):
    return _check_optimizer(ns, "Adam")


@register(WEEKEND, "adamw", "AdamW: 25-step trajectories", needs=["AdamW"],
          compared=f"parameters after each of {STEPS} steps against classroom.optim.AdamW (weight decay 0.1 and 0.5)")
def _check_adamw(ns):
    return _check_optimizer(ns, "AdamW")
