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

One module per piece of the workbook, in the order the checks run:

* ``reference.py``: the package's solution of every stub (``reference_solutions``)
  and the float64 comparisons both pieces use;
* ``operations.py``: the ``Tensor`` operations, values and local gradients, numbers on either side;
* ``backward.py``: ``backpropagate`` on random expressions, reused nodes, broadcasting, a very long chain.
"""

from __future__ import annotations

# The order of these imports is the order of the checks (each module registers its own).
from . import operations, backward  # noqa: F401
from .reference import ReferenceTensor, reference_backpropagate, reference_solutions

# Still importable from classroom.check.weekend_05, as when the checks were one module.
from .backward import CHAIN_LENGTH, EXPRESSIONS, FD_ATOL, FD_RTOL  # noqa: F401
from .operations import OP_CASES, OP_HINTS, REFLECTED_CASES  # noqa: F401
from .reference import ATOL, RTOL, WEEKEND  # noqa: F401

__all__ = ["ReferenceTensor", "reference_backpropagate", "reference_solutions"]
