"""Check hand-written backward passes against finite differences.

A backward pass is easy to get subtly wrong (a missing transpose, a forgotten
``1/N``) and the network may still train, just badly. The cure is to compare
the analytic gradient with a numerical one. The central difference

    ``df/dx_i  ~  (f(x + eps * e_i) - f(x - eps * e_i)) / (2 * eps)``

has an error of order ``eps**2``, so in float64 with ``eps = 1e-6`` it agrees
with a correct analytic gradient to about 1e-8. (In float32 rounding errors
swamp the difference, which is why the checks insist on float64.)

``check_module_gradients`` turns any ``Module`` output into a scalar with a
random projection, ``loss = sum(output * R)``, so that ``dloss/doutput = R``
exercises every output element with a different weight.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .init import as_generator


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Estimate the gradient of a scalar function by central differences.

    Each element of ``x`` is nudged by ``+eps`` and ``-eps`` in place (and
    restored), so ``f`` is evaluated ``2 * x.size`` times: keep ``x`` small.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a scalar (float or 0-d array).
    x : ndarray of any shape, float64
        The point at which to differentiate. Modified temporarily, restored
        on return.
    eps : float, default 1e-6
        Step size.

    Returns
    -------
    ndarray of the same shape as ``x``
        The estimated gradient ``df/dx``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1.0, 2.0])
    >>> numerical_gradient(lambda v: float(np.sum(v**2)), x).round(6)
    array([2., 4.])
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(
            f"numerical_gradient nudges x in place, so x must be an ndarray, got {type(x).__name__}"
        )
    gradient = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        f_plus = float(f(x))
        x[index] = original - eps
        f_minus = float(f(x))
        x[index] = original
        gradient[index] = (f_plus - f_minus) / (2.0 * eps)
    return gradient


@dataclass
class TensorCheck:
    """The comparison of one analytic gradient with its numerical estimate.

    Attributes
    ----------
    name : str
        ``"input"`` or the parameter's dotted name, e.g. ``"0.weight"``.
    shape : tuple of int
        Shape of the tensor.
    max_abs_error : float
        Largest ``|analytic - numerical|``.
    max_rel_error : float
        Largest ``|analytic - numerical| / max(|numerical|, |analytic|)``
        (0 where both are 0).
    worst_index : tuple of int
        Index of the element furthest outside the tolerance (or of the
        largest absolute error when all pass).
    passed : bool
        True when every element satisfies
        ``|analytic - numerical| <= atol + rtol * |numerical|``.
    analytic_value, numerical_value : float
        The two gradients at ``worst_index``.
    """

    name: str
    shape: tuple
    max_abs_error: float
    max_rel_error: float
    worst_index: tuple
    passed: bool
    analytic_value: float = 0.0
    numerical_value: float = 0.0


@dataclass
class GradientCheckReport:
    """The result of ``check_module_gradients``: one ``TensorCheck`` per tensor.

    Attributes
    ----------
    checks : list of TensorCheck
        The input first, then every parameter.
    """

    checks: list = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every tensor's gradient matched."""
        return all(check.passed for check in self.checks)

    def __getitem__(self, name: str) -> TensorCheck:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(f"no gradient check named {name!r}; have {[c.name for c in self.checks]}")

    def __str__(self) -> str:
        lines = [f"{'tensor':<20} {'shape':<16} {'max abs err':>12} {'max rel err':>12}  ok"]
        for check in self.checks:
            lines.append(
                f"{check.name:<20} {str(check.shape):<16} {check.max_abs_error:>12.3e} "
                f"{check.max_rel_error:>12.3e}  {'yes' if check.passed else 'NO'}"
            )
        return "\n".join(lines)


def _compare(
    name: str, analytic: np.ndarray, numerical: np.ndarray, atol: float, rtol: float
) -> TensorCheck:
    """Compare two gradients element-wise and summarise the differences."""
    abs_error = np.abs(analytic - numerical)
    scale = np.maximum(np.abs(analytic), np.abs(numerical))
    rel_error = np.divide(abs_error, scale, out=np.zeros_like(abs_error), where=scale > 0)
    allowed = atol + rtol * np.abs(numerical)
    excess = abs_error - allowed
    if abs_error.size == 0:
        return TensorCheck(name, analytic.shape, 0.0, 0.0, (), True)
    worst_index = tuple(int(i) for i in np.unravel_index(int(np.argmax(excess)), analytic.shape))
    return TensorCheck(
        name=name,
        shape=analytic.shape,
        max_abs_error=float(abs_error.max()),
        max_rel_error=float(rel_error.max()),
        worst_index=worst_index,
        passed=bool(np.all(excess <= 0)),
        analytic_value=float(analytic[worst_index]),
        numerical_value=float(numerical[worst_index]),
    )


def check_module_gradients(
    module,
    x: np.ndarray,
    *,
    rng: np.random.Generator | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    raise_on_failure: bool = True,
) -> GradientCheckReport:
    """Check a module's ``backward`` (input and every parameter) against finite differences.

    The output is reduced to the scalar ``loss = sum(module(x) * R)`` with a
    random ``R``; ``module.backward(R)`` must then return ``dloss/dx`` and add
    ``dloss/dparameter`` to each ``Parameter.grad``. Both are compared with
    central differences.

    The module's parameter gradients are reset to zero first and hold the
    analytic gradients of the projection afterwards. Modules with randomness
    (dropout in training mode) must be made deterministic first, e.g. with
    ``module.eval()``.

    Parameters
    ----------
    module : Module
        The module under test, with float64 parameters (``module.double()``).
    x : ndarray, float64
        A small input (each element costs two forward passes).
    rng : int, numpy.random.Generator or None, optional
        Source of the random projection ``R`` (seeded with 0 when omitted,
        so the check is reproducible).
    eps : float, default 1e-6
        Finite-difference step.
    atol, rtol : float, default 1e-5 and 1e-4
        An element passes when ``|analytic - numerical| <= atol + rtol * |numerical|``.
    raise_on_failure : bool, default True
        Raise ``AssertionError`` on a mismatch (else just return the report).

    Returns
    -------
    GradientCheckReport
        Max absolute and relative error per tensor; ``print`` it for a table.

    Raises
    ------
    TypeError
        If ``x`` or a parameter is not float64.
    AssertionError
        If a gradient does not match; the message names the tensor, the worst
        index and both values.

    Examples
    --------
    >>> import numpy as np
    >>> from classroom.nn import Linear
    >>> rng = np.random.default_rng(0)
    >>> layer = Linear(3, 2, rng=rng, dtype=np.float64)
    >>> report = check_module_gradients(layer, rng.standard_normal((4, 3)))
    >>> report.passed
    True
    >>> [check.name for check in report.checks]
    ['input', 'weight', 'bias']
    """
    x = np.array(x, copy=True)
    if x.dtype != np.float64:
        raise TypeError(
            f"gradient checks need float64 input, got {x.dtype}; use x.astype(np.float64) "
            "(float32 rounding errors are larger than the finite-difference signal)"
        )
    named_parameters = list(module.named_parameters())
    for name, parameter in named_parameters:
        if parameter.data.dtype != np.float64:
            raise TypeError(
                f"gradient checks need float64 parameters, but '{name}' is "
                f"{parameter.data.dtype}; call module.double() first"
            )
    rng = as_generator(0 if rng is None else rng)

    output = np.asarray(module(x))
    projection = rng.standard_normal(output.shape)

    def projected_loss(_: np.ndarray) -> float:
        # numerical_gradient nudges x or a parameter's data *in place*, so a
        # fresh forward pass on x sees the nudge whichever tensor it is.
        return float(np.sum(np.asarray(module(x)) * projection))

    module.zero_grad()
    grad_input = module.backward(projection.copy())
    if grad_input is None or np.shape(grad_input) != x.shape:
        raise AssertionError(
            f"{type(module).__name__}.backward must return the gradient with respect to the "
            f"input, of shape {x.shape}; got {None if grad_input is None else np.shape(grad_input)}"
        )
    analytic = {"input": np.array(grad_input, dtype=np.float64)}
    for name, parameter in named_parameters:
        analytic[name] = parameter.grad.copy()

    report = GradientCheckReport()
    numerical = numerical_gradient(projected_loss, x, eps)
    report.checks.append(_compare("input", analytic["input"], numerical, atol, rtol))
    for name, parameter in named_parameters:
        numerical = numerical_gradient(projected_loss, parameter.data, eps)
        report.checks.append(_compare(name, analytic[name], numerical, atol, rtol))

    if raise_on_failure and not report.passed:
        failed = next(check for check in report.checks if not check.passed)
        raise AssertionError(
            f"gradient check failed for '{failed.name}' (shape {failed.shape}) at index "
            f"{failed.worst_index}: analytic {failed.analytic_value:.6g} vs numerical "
            f"{failed.numerical_value:.6g}; max abs error {failed.max_abs_error:.3e}, "
            f"max rel error {failed.max_rel_error:.3e} "
            f"(atol={atol}, rtol={rtol})\n{report}"
        )
    return report
