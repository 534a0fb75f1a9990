"""Weekend 5's ``backpropagate`` checks: random expressions, a node used twice, broadcasting, a very long chain.

The leaf gradients are compared with ``classroom.autograd.engine``, central
differences and the chain rule on hand-built graphs.
"""

from __future__ import annotations

import numpy as np

from classroom.autograd import engine
from classroom.nn.gradcheck import numerical_gradient

from ..core import CheckFailed, register
from .operations import _draw
from .reference import ATOL, RTOL, WEEKEND, _close, _errors


FD_ATOL, FD_RTOL = 1e-6, 1e-5  # against central differences (eps 1e-6)
CHAIN_LENGTH = 100_000


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
