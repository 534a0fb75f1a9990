"""Checks of weekend 5 (autograd): a ``Tensor`` with its operations, and ``backpropagate``.

The learner's API (see the workbook ``workbooks/weekend-05.py``) follows the
lesson and ``classroom.autograd.engine``:

* ``Tensor(data, parents=(), backward_fn=None)`` holds ``data`` (a float64
  ndarray), ``grad`` (None until a backward pass), ``parents`` (the tensors it
  was computed from) and ``backward_fn`` (gradient of the output -> tuple of
  gradients, one per parent; None for a leaf). A gradient may keep the
  output's broadcast shape: ``backpropagate`` sums it back to the parent's
  shape with ``unbroadcast``.
* Operations: ``+ * **`` (number exponent), ``@`` (2-D), ``sum()`` (all
  entries), ``exp``, ``log``, ``relu``; numbers on either side
  (``2 * x``, ``1 - x``), ``-x`` and ``x - y``.
* ``backpropagate(root, grad=None)`` visits the graph in reverse topological
  order, without recursion, and adds each leaf's gradient to ``leaf.grad``.
  ``Tensor.backward()`` calls it.

The operations are graded before ``backpropagate`` exists: their graphs are
run backwards by :func:`reference_backpropagate` (the package's algorithm)
and compared with ``classroom.autograd.engine`` on random inputs.
"""

from __future__ import annotations

import numpy as np

from classroom.autograd import engine
from classroom.nn.gradcheck import numerical_gradient

from .compare import close, max_error_summary
from .core import CheckFailed, register

__all__ = ["ReferenceTensor", "reference_backpropagate", "reference_solutions"]

WEEKEND = "weekend-05"
ATOL, RTOL = 1e-10, 1e-8  # float64 comparisons with the package
FD_ATOL, FD_RTOL = 1e-6, 1e-5  # against central differences (eps 1e-6)
CHAIN_LENGTH = 100_000


# --------------------------------------------------------------------------
# Reference implementations
# --------------------------------------------------------------------------


def reference_backpropagate(root, grad=None) -> None:
    """Backpropagate from ``root`` through any graph of ``data``/``parents``/``backward_fn`` nodes.

    The algorithm of ``classroom.autograd.engine.Tensor.backward`` on duck-typed
    nodes: an explicit-stack topological order, then one pass from the output
    to the inputs that adds up each node's gradient over all its uses and sums
    broadcast gradients back to the parent's shape (``engine.unbroadcast``).

    Parameters
    ----------
    root : Tensor
        The output; its ``data`` has shape ``S``.
    grad : ndarray of shape S, optional
        The seed; ones when omitted (the usual case, a one-element loss).

    Raises
    ------
    ValueError
        When a ``backward_fn`` returns a gradient that cannot be summed back
        to its parent's shape.
    """
    data = np.asarray(root.data)
    seed = np.ones_like(data, dtype=np.float64) if grad is None else np.asarray(grad, dtype=np.float64)
    order, visited, stack = [], set(), [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif id(node) not in visited:
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((parent, False) for parent in node.parents if id(parent) not in visited)
    gradients = {id(root): seed}
    for node in reversed(order):
        node_grad = gradients.pop(id(node), None)
        if node_grad is None:
            continue
        if node.backward_fn is None:
            node.grad = node_grad.copy() if node.grad is None else node.grad + node_grad
            continue
        for parent, parent_grad in zip(node.parents, node.backward_fn(node_grad)):
            if parent_grad is None:
                continue
            shape = np.shape(parent.data)
            parent_grad = np.asarray(parent_grad, dtype=np.float64)
            if parent_grad.ndim >= len(shape):
                parent_grad = engine.unbroadcast(parent_grad, shape)
            if parent_grad.shape != shape:
                raise ValueError(f"a backward_fn returned a gradient of shape {parent_grad.shape} for a parent of shape {shape}")
            previous = gradients.get(id(parent))
            gradients[id(parent)] = parent_grad if previous is None else previous + parent_grad


class ReferenceTensor(engine.Tensor):
    """``classroom.autograd.engine.Tensor`` with the workbook's constructor.

    Parameters
    ----------
    data : array_like
        Stored as a float64 ndarray.
    parents : tuple of Tensor, default ()
    backward_fn : callable or None
        ``backward_fn(grad) -> tuple of gradients``, one per parent.

    Notes
    -----
    Every tensor built this way requires a gradient, so the package records
    the graph of every operation, as the workbook's ``Tensor`` does.
    """

    def __init__(self, data, parents=(), backward_fn=None):
        super().__init__(np.asarray(data, dtype=np.float64), requires_grad=True)
        self.parents = tuple(parents)
        self.backward_fn = backward_fn

    def backward(self, grad=None):
        """Run :func:`reference_backpropagate` from this tensor."""
        reference_backpropagate(self, grad)


def reference_solutions() -> dict[str, object]:
    """Return every stub name of the weekend-05 workbook mapped to the reference.

    Returns
    -------
    dict of str to object
        ``Tensor`` (the package's engine) and ``backpropagate``.
    """
    return {"Tensor": ReferenceTensor, "backpropagate": reference_backpropagate}


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _close(actual, expected, atol=ATOL, rtol=RTOL) -> bool:
    """:func:`~classroom.check.compare.close` on float64 copies, with this weekend's tighter tolerance."""
    return close(np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64), atol, rtol)


def _errors(actual, expected, atol=ATOL, rtol=RTOL) -> str:
    """``"shape (3,) instead of (4,)"``, or the errors of :func:`~classroom.check.compare.max_error_summary`."""
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        return f"shape {actual.shape} instead of {expected.shape}"
    return max_error_summary(actual, expected, atol, rtol)


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


# --------------------------------------------------------------------------
# backpropagate
# --------------------------------------------------------------------------


def _learner_backward(ns, root, grad=None):
    try:
        ns["backpropagate"](root, grad)
    except RecursionError:
        raise CheckFailed(
            "autograd-recursion-depth",
            "backpropagate raised RecursionError",
            "build the topological order with an explicit stack (a list you append to and pop from) instead of a "
            "recursive function: Python stops recursing after about 1,000 calls",
        ) from None


def _grad_of(leaf):
    return None if leaf.grad is None else np.asarray(leaf.grad, dtype=np.float64)


EXPRESSIONS = [  # name, shapes of the leaves, function
    ("((x @ w + b).relu() * c).sum()", [(4, 3), (3, 5), (5,), (4, 5)],
     lambda x, w, b, c: ((x @ w + b).relu() * c).sum()),
    ("(x * w).exp().sum() + (b ** 2).sum()", [(2, 3), (2, 3), (3,), (1,)],
     lambda x, w, b, c: (x * w).exp().sum() + (b**2).sum() + c.sum() * 0),
    ("(x ** 2 + 1).log().sum() * 2 - (w @ c).sum()", [(3, 3), (3, 2), (1,), (2, 4)],
     lambda x, w, b, c: (x**2 + 1).log().sum() * 2 - (w @ c).sum() + b.sum()),
]


@register(WEEKEND, "backward", "backpropagate: gradients of random expressions", needs=["Tensor", "backpropagate"],
          compared="leaf gradients of 3 random expressions against classroom.autograd.engine and central differences")
def _check_expressions(ns):
    for index, (name, shapes, expression) in enumerate(EXPRESSIONS):
        rng = np.random.default_rng(500 + index)
        arrays = [_draw(rng, shape, "normal") * 0.7 for shape in shapes]
        leaves = [ns["Tensor"](array.copy()) for array in arrays]
        _learner_backward(ns, expression(*leaves))
        package_leaves = [engine.Tensor(array.copy(), requires_grad=True) for array in arrays]
        expression(*package_leaves).backward()
        for position, (leaf, package_leaf, array) in enumerate(zip(leaves, package_leaves, arrays)):
            got, expected = _grad_of(leaf), package_leaf.grad
            label = f"{name}, gradient of leaf {position + 1} {array.shape}"
            if got is not None and got.shape != expected.shape and got.size != expected.size:
                raise CheckFailed(
                    "autograd-broadcast-not-reduced",
                    f"{label} has shape {got.shape}, the leaf has shape {expected.shape}",
                    "a broadcast input's gradient must be summed back to its shape: call "
                    "unbroadcast(parent_grad, parent.data.shape) before adding it up",
                )
            if got is None or not _close(got, expected):
                raise CheckFailed("autograd-gradient-mismatch",
                                  f"{label}: {'no gradient' if got is None else _errors(got, expected)} vs classroom.autograd.engine",
                                  "check the operations first; then make sure every node passes its gradient on only "
                                  "after all its uses have added theirs (reverse topological order)")
        function = lambda *values: float(expression(*[engine.Tensor(v) for v in values]).data)  # noqa: E731
        for position, (leaf, array) in enumerate(zip(leaves, arrays)):
            numeric = numerical_gradient(lambda v: function(*[v if i == position else a for i, a in enumerate(arrays)]),
                                         array.copy())
            if not _close(_grad_of(leaf), numeric, FD_ATOL, FD_RTOL):
                raise CheckFailed("autograd-gradient-mismatch",
                                  f"{name}, leaf {position + 1}: {_errors(_grad_of(leaf), numeric, FD_ATOL, FD_RTOL)} vs central differences",
                                  "check the operations first; then check the order in which backpropagate visits nodes")
    return (f"{len(EXPRESSIONS)} expressions: gradients within {ATOL:g} + {RTOL:g}*|b| of the package and "
            f"{FD_ATOL:g} + {FD_RTOL:g}*|b| of central differences")


def _reuse_graphs(Tensor, rng):
    """Hand-built graphs (no learner operations) where a node is used more than once.

    Returns a list of (name, root, leaf, expected gradient of the leaf), all values positive.
    """
    graphs = []
    x = Tensor(rng.uniform(0.5, 2.0, (3,)))
    square = Tensor(x.data * x.data, (x, x), lambda g: (g * x.data, g * x.data))
    graphs.append(("x*x", square, x, 2 * x.data))
    a = Tensor(rng.uniform(0.5, 2.0, (2, 2)))
    double = Tensor(a.data + a.data, (a, a), lambda g: (g, g))
    graphs.append(("a+a", double, a, 2 * np.ones_like(a.data)))
    p = Tensor(rng.uniform(0.5, 2.0, (4,)))
    b = Tensor(3 * p.data, (p,), lambda g: (3 * g,))  # b = 3p
    c = Tensor(2 * b.data, (b,), lambda g: (2 * g,))  # c = 2b
    d = Tensor(b.data + c.data, (b, c), lambda g: (g, g))  # d = b + c = 9p
    graphs.append(("b = 3p; d = b + 2b", d, p, 9 * np.ones_like(p.data)))
    q = Tensor(rng.uniform(0.5, 2.0, (3,)))
    r = Tensor(q.data * 2, (q,), lambda g: (2 * g,))  # r = 2q
    s = Tensor(r.data * r.data, (r, r), lambda g: (g * r.data, g * r.data))  # s = r*r = 4q^2
    t = Tensor(s.data + r.data, (s, r), lambda g: (g, g))  # t = 4q^2 + 2q
    graphs.append(("r = 2q; t = r*r + r", t, q, 8 * q.data + 2))
    return graphs


@register(WEEKEND, "backward", "backpropagate: a node used twice (x*x, a+a)", needs=["Tensor", "backpropagate"],
          compared="leaf gradients of 4 hand-built graphs with reused nodes against the chain rule (sum over uses)")
def _check_reuse(ns):
    rng = np.random.default_rng(600)
    for name, root, leaf, expected in _reuse_graphs(ns["Tensor"], rng):
        _learner_backward(ns, root, np.ones_like(np.asarray(root.data)))
        got = _grad_of(leaf)
        if got is not None and _close(got, expected):
            continue
        if got is None:
            raise CheckFailed("autograd-reused-overwritten", f"{name}: no gradient reached the leaf",
                              "every node must pass its gradient to all its parents; a leaf keeps the sum in .grad")
        measured = f"{name}: {_errors(got, expected)}; your gradient / expected = {np.mean(got / expected):.3f}"
        if np.all(got <= expected * (1 + 1e-9)):
            raise CheckFailed("autograd-reused-overwritten", measured,
                              "add contributions with += (or sum into a dict): with = a node used twice keeps only its "
                              "last use's gradient")
        raise CheckFailed("autograd-reused-double-counted", measured,
                          "visit each node once: keep a set of visited nodes while you build the topological order, "
                          "so a node reached by two paths is not processed twice")
    return "4 graphs with reused nodes: every leaf gradient is the sum over its uses (within 1e-10 + 1e-08*|b|)"


@register(WEEKEND, "backward", "backpropagate: broadcasting", needs=["Tensor", "backpropagate"],
          compared="gradients of a (3,) bias added to (4, 3) activations and of a (1, 3) scale, against the package")
def _check_broadcast(ns):
    rng = np.random.default_rng(700)
    h, b, s = rng.standard_normal((4, 3)), rng.standard_normal(3), rng.standard_normal((1, 3))
    leaves = [ns["Tensor"](v.copy()) for v in (h, b, s)]
    hl, bl, sl = leaves
    added = ns["Tensor"](hl.data + bl.data, (hl, bl), lambda g: (g, g))
    out = ns["Tensor"](added.data * sl.data, (added, sl), lambda g: (g * sl.data, g * added.data))
    seed = rng.standard_normal((4, 3))
    _learner_backward(ns, out, seed)
    expected = {"h": seed * s, "b": (seed * s).sum(axis=0), "s": (seed * (h + b)).sum(axis=0, keepdims=True)}
    for name, leaf in zip("hbs", leaves):
        got = _grad_of(leaf)
        if got is None or got.shape != expected[name].shape:
            raise CheckFailed(
                "autograd-broadcast-not-reduced",
                f"gradient of {name} {np.shape(leaf.data)} has shape {None if got is None else got.shape}",
                "sum a broadcast gradient back to the parent's shape with unbroadcast(parent_grad, parent.data.shape) "
                "before adding it to the parent's gradient",
            )
        if not _close(got, expected[name]):
            raise CheckFailed("autograd-gradient-mismatch", f"gradient of {name}: {_errors(got, expected[name])}",
                              "sum over the broadcast axes (unbroadcast), then add up over uses")
    return "bias (3,) and scale (1, 3) gradients summed over the broadcast axes (within 1e-10 + 1e-08*|b|)"


@register(WEEKEND, "backward", f"backpropagate: a {CHAIN_LENGTH:,}-node chain", needs=["Tensor", "backpropagate"],
          timeout=60.0, compared=f"the gradient at the start of a chain of {CHAIN_LENGTH:,} hand-built nodes (no recursion limit)")
def _check_deep_chain(ns):
    Tensor = ns["Tensor"]
    tiny = Tensor(np.array(1.0))
    ns["backpropagate"](Tensor(tiny.data, (tiny,), lambda g: (g,)), np.ones(()))  # an unwritten stub stops here
    start = Tensor(np.array(1.5))
    node = start
    for _ in range(CHAIN_LENGTH):  # each link: y = x + 0 (gradient 1), built by hand for speed
        previous = node
        node = Tensor(previous.data, (previous,), lambda g: (g,))
    _learner_backward(ns, node, np.ones(()))
    got = _grad_of(start)
    if got is None or not _close(got, 1.0):
        raise CheckFailed("autograd-gradient-mismatch",
                          f"the chain's first node got gradient {None if got is None else float(got)}, expected 1.0",
                          "every link passes its gradient on unchanged; check that the walk reaches the leaf")
    return f"{CHAIN_LENGTH:,} nodes: gradient 1.0 at the start, no RecursionError"
