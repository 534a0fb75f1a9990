"""Weekend 5's operations checks: the values and local gradients of every ``Tensor`` operation, numbers on either side.

Each expression is built with the learner's ``Tensor`` and run backwards by
:func:`~classroom.check.weekend_05.reference.reference_backpropagate`, so the
operations are graded before ``backpropagate`` exists.
"""

from __future__ import annotations

import numpy as np

from classroom.autograd import engine

from ..core import CheckFailed, register
from .reference import ATOL, RTOL, WEEKEND, _close, _errors, reference_backpropagate


def _value(tensor, what):
    if not hasattr(tensor, "data"):
        raise CheckFailed("autograd-op-value", f"{what} returned {type(tensor).__name__}, not a Tensor",
                          "every operation returns a new Tensor(value, parents, backward_fn)")
    return np.asarray(tensor.data, dtype=np.float64)


OP_HINTS = {
    "a + b": "d(a+b)/da = d(a+b)/db = 1: backward_fn returns (g, g)",
    "a * b": "d(a*b)/da = b and d(a*b)/db = a: backward_fn returns (g * b.data, g * a.data)",
    "a ** n": "d(a**n)/da = n * a**(n-1): backward_fn returns (g * n * a.data ** (n - 1),)",
    "a @ b": "for C = A @ B: dA = g @ B.T and dB = A.T @ g",
    "a.sum()": "every entry gets the same gradient: backward_fn returns (np.ones_like(a.data) * g,)",
    "a.exp()": "d(e**a)/da = e**a, the output itself: backward_fn returns (g * out_value,)",
    "a.log()": "d(log a)/da = 1/a: backward_fn returns (g / a.data,)",
    "a.relu()": "the gradient passes where a > 0 and is 0 elsewhere: (g * (a.data > 0),)",
}

# expression name, function of (a, b), shapes of the leaves, how to draw the leaves
OP_CASES = [
    ("a + b", lambda a, b: a + b, [(3, 4), (3, 4)], "normal"),
    ("a + b", lambda a, b: a + b, [(3, 4), (4,)], "normal"),
    ("a * b", lambda a, b: a * b, [(2, 5), (2, 5)], "normal"),
    ("a * b", lambda a, b: a * b, [(4, 3), (1, 3)], "normal"),
    ("a ** n", lambda a, b: a**2, [(3, 3), (1,)], "positive"),
    ("a ** n", lambda a, b: a**3, [(5,), (1,)], "normal"),
    ("a ** n", lambda a, b: a**-1.5, [(2, 3), (1,)], "positive"),
    ("a @ b", lambda a, b: a @ b, [(3, 4), (4, 2)], "normal"),
    ("a @ b", lambda a, b: a @ b, [(1, 5), (5, 3)], "normal"),
    ("a.sum()", lambda a, b: a.sum(), [(3, 4), (1,)], "normal"),
    ("a.exp()", lambda a, b: a.exp(), [(2, 4), (1,)], "normal"),
    ("a.log()", lambda a, b: a.log(), [(3, 2), (1,)], "positive"),
    ("a.relu()", lambda a, b: a.relu(), [(4, 5), (1,)], "normal"),
]


def _draw(rng, shape, kind):
    if kind == "positive":
        return rng.uniform(0.5, 2.0, shape)
    values = rng.standard_normal(shape)
    return np.where(np.abs(values) < 1e-3, 0.5, values)  # no exact zeros (relu's kink)


def _run_on_learner(ns, expression, arrays, seed_grad):
    """Evaluate an expression with the learner's Tensor; run it backwards with the reference algorithm."""
    leaves = [ns["Tensor"](array.copy()) for array in arrays]
    out = expression(*leaves)
    value = _value(out, "the operation")
    if seed_grad is not None and (getattr(out, "backward_fn", None) is None or not getattr(out, "parents", ())):
        raise CheckFailed(
            "autograd-no-graph",
            "the result has no parents or no backward_fn, so no gradient can flow back",
            "return Tensor(value, parents=(self, other), backward_fn=...) so that backward can walk the graph",
        )
    grads = None
    if seed_grad is not None:
        reference_backpropagate(out, seed_grad(value.shape))
        grads = [None if leaf.grad is None else np.asarray(leaf.grad, dtype=np.float64) for leaf in leaves]
    return value, grads


def _run_on_package(expression, arrays, seed_grad):
    leaves = [engine.Tensor(array.copy(), requires_grad=True) for array in arrays]
    out = expression(*leaves)
    out.backward(seed_grad(out.shape))
    return out.data, [leaf.grad for leaf in leaves]


@register(WEEKEND, "operations", "Tensor: values of + * ** @ sum exp log relu", needs=["Tensor"],
          compared="each operation's value against classroom.autograd.engine on random float64 arrays")
def _check_values(ns):
    for index, (name, expression, shapes, kind) in enumerate(OP_CASES):
        rng = np.random.default_rng(100 + index)
        arrays = [_draw(rng, shape, kind) for shape in shapes]
        got, _ = _run_on_learner(ns, expression, arrays, None)
        expected, _ = _run_on_package(expression, arrays, lambda shape: np.ones(shape))
        if not _close(got, expected):
            raise CheckFailed("autograd-op-value", f"{name} with shapes {shapes}: {_errors(got, expected)}",
                              f"compute the value with NumPy on .data ({name.replace('a', 'a.data').replace('b', 'b.data')}) "
                              "and broadcast as NumPy does")
    return f"{len(OP_CASES)} expressions within {ATOL:g} + {RTOL:g}*|b| of classroom.autograd.engine"


@register(WEEKEND, "operations", "Tensor: local gradients (backward_fn)", needs=["Tensor"],
          compared="the gradients each operation's backward_fn gives its inputs against classroom.autograd.engine")
def _check_local_gradients(ns):
    for index, (name, expression, shapes, kind) in enumerate(OP_CASES):
        rng = np.random.default_rng(200 + index)
        arrays = [_draw(rng, shape, kind) for shape in shapes]
        seed_rng = np.random.default_rng(300 + index)
        seed_grad = lambda shape: seed_rng.standard_normal(shape)  # noqa: E731
        try:
            _, got = _run_on_learner(ns, expression, arrays, seed_grad)
        except ValueError as error:
            raise CheckFailed("autograd-op-gradient", f"{name} with shapes {shapes}: {error}",
                              f"each gradient has its input's shape (or the output's broadcast shape); {OP_HINTS[name]}") from None
        seed_rng = np.random.default_rng(300 + index)
        _, expected = _run_on_package(expression, arrays, seed_grad)
        for leaf_name, got_grad, expected_grad in zip("ab", got, expected):
            if expected_grad is None:
                continue
            if got_grad is None or not _close(got_grad, expected_grad):
                measured = "no gradient reached it" if got_grad is None else _errors(got_grad, expected_grad)
                raise CheckFailed("autograd-op-gradient", f"{name} with shapes {shapes}, gradient of {leaf_name}: {measured}",
                                  OP_HINTS[name])
    return f"{len(OP_CASES)} expressions: input gradients within {ATOL:g} + {RTOL:g}*|b| of classroom.autograd.engine"


REFLECTED_CASES = [
    ("2 * x", lambda x: 2 * x), ("x * 3", lambda x: x * 3), ("3 + x", lambda x: 3 + x), ("x + 2", lambda x: x + 2),
    ("1 - x", lambda x: 1 - x), ("x - 1", lambda x: x - 1), ("-x", lambda x: -x), ("2 - 3 * x", lambda x: 2 - 3 * x),
]


@register(WEEKEND, "operations", "Tensor: numbers on either side (2*x, 1-x, -x)", needs=["Tensor"],
          compared="values and gradients of 2*x, x*3, 3+x, x+2, 1-x, x-1, -x, 2-3*x against classroom.autograd.engine")
def _check_reflected(ns):
    for index, (name, expression) in enumerate(REFLECTED_CASES):
        array = np.random.default_rng(400 + index).standard_normal((3, 2))
        try:
            leaf = ns["Tensor"](array.copy())
            out = expression(leaf)
            got = _value(out, name)
            reference_backpropagate(out, np.ones_like(got))
            grad = leaf.grad
        except (TypeError, AttributeError) as error:
            raise CheckFailed(
                "autograd-reflected",
                f"{name} raised {type(error).__name__}: {error}",
                "wrap numbers as Tensors inside each operation, and define __radd__, __rmul__, __rsub__ (Python calls "
                "them for 2 * x and 1 - x), __neg__ and __sub__ (as x + (-y))",
            ) from None
        package_leaf = engine.Tensor(array.copy(), requires_grad=True)
        package_out = expression(package_leaf)
        package_out.backward(np.ones_like(package_out.data))
        if not _close(got, package_out.data) or grad is None or not _close(grad, package_leaf.grad):
            measured = _errors(got, package_out.data) if not _close(got, package_out.data) else (
                "gradient: " + ("none reached x" if grad is None else _errors(grad, package_leaf.grad)))
            raise CheckFailed("autograd-reflected", f"{name}: {measured}",
                              "1 - x is __rsub__(x, 1) and must compute 1 - x, not x - 1; "
                              "write __rsub__ as Tensor(other) - self and __neg__ as self * -1")
    return f"{len(REFLECTED_CASES)} expressions with numbers match classroom.autograd.engine (values and gradients)"
