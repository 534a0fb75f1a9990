"""The package's answer to every stub of weekend 5, and the float64 comparisons its checks share.

:func:`reference_backpropagate` is the algorithm of
``classroom.autograd.engine.Tensor.backward`` on duck-typed nodes,
:class:`ReferenceTensor` the package's ``Tensor`` with the workbook's
constructor; :func:`reference_solutions` maps the stub names to them.
``_close`` and ``_errors`` compare with this weekend's tighter tolerance
(``ATOL``, ``RTOL``).
"""

from __future__ import annotations

import numpy as np

from classroom.autograd import engine

from ..compare import close, max_error_summary

__all__ = ["ReferenceTensor", "reference_backpropagate", "reference_solutions"]

WEEKEND = "weekend-05"
ATOL, RTOL = 1e-10, 1e-8  # float64 comparisons with the package


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


def _close(actual, expected, atol=ATOL, rtol=RTOL) -> bool:
    """:func:`~classroom.check.compare.close` on float64 copies, with this weekend's tighter tolerance."""
    return close(np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64), atol, rtol)


def _errors(actual, expected, atol=ATOL, rtol=RTOL) -> str:
    """``"shape (3,) instead of (4,)"``, or the errors of :func:`~classroom.check.compare.max_error_summary`."""
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        return f"shape {actual.shape} instead of {expected.shape}"
    return max_error_summary(actual, expected, atol, rtol)
