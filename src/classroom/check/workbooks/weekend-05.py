# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Weekend 5 workbook · an autograd engine, piece by piece
#
# You will write a small reverse-mode autograd engine on NumPy arrays, the
# array version of micrograd that the lesson builds:
#
# 1. the operations of a `Tensor`: `+ * ** @`, `sum`, `exp`, `log`, `relu`,
#    and numbers on either side (`2 * x`, `1 - x`, `-x`). Each operation
#    returns a new `Tensor` that remembers its **parents** and a
#    **backward function**, its local chain rule;
# 2. `backpropagate(root)`: visit the graph from the output back to the inputs
#    in reverse topological order, adding up the gradient of every node over
#    all its uses, without recursion.
#
# After each piece, the next cell grades it against the package's engine
# (`classroom.autograd.engine`) on random inputs and prints what it compared,
# by how much you missed and what to try. Grade the whole workbook from a
# terminal with
#
# ```bash
# classroom check weekend-05
# ```
#
# The operations are graded before you write `backpropagate`: the checker
# runs your graphs backwards with its own walk, so a wrong derivative is found
# where it is.

# %%
import numpy as np

from classroom.check import grade


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched, so that it has ``shape``.

    Example: a bias of shape (3,) added to activations of shape (4, 3) receives
    a (4, 3) gradient; ``unbroadcast(g, (3,))`` sums it over axis 0.
    """
    grad = np.asarray(grad, dtype=np.float64)
    while grad.ndim > len(shape):  # axes broadcasting added in front
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):  # axes of size 1 that were stretched
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


# %% [markdown]
# ## 1. The operations
#
# A `Tensor` holds `data` (a float64 array), `grad` (None until a backward
# pass), `parents` (the tensors it was computed from) and `backward_fn`: given
# the gradient `g` of the loss with respect to this tensor, it returns a tuple
# with the gradient with respect to **each parent**, in the order of
# `parents`. A leaf (an input or a weight) has no parents and `backward_fn=None`.
#
# Multiplication, for example:
#
# ```python
# def __mul__(self, other):
#     other = as_tensor(other)
#     return Tensor(self.data * other.data, (self, other),
#                   lambda g: (g * other.data, g * self.data))
# ```
#
# * A gradient may keep the output's shape when an input was broadcast
#   (a `(3,)` bias added to a `(4, 3)` batch): `backpropagate` sums it back to
#   the input's shape with `unbroadcast`.
# * `a ** n` takes a Python number `n`; `a @ b` multiplies 2-D matrices;
#   `a.sum()` adds every entry into a one-element tensor.
# * `relu`'s derivative at exactly 0 is taken as 0.
# * Numbers: `x + 2` calls `x.__add__(2)`, but `2 * x` calls `x.__rmul__(2)`
#   and `1 - x` calls `x.__rsub__(1)`, which must compute `1 - x`. Write
#   `-x` and `x - y` from the operations you already have.

# %% tags=["stub"]
class Tensor:
    """An array that remembers how it was computed.

    Parameters
    ----------
    data : array_like
        The value, stored as a float64 ndarray.
    parents : tuple of Tensor, default ()
        The tensors this one was computed from (empty for a leaf).
    backward_fn : callable or None, default None
        ``backward_fn(g) -> tuple``: given dL/dself (shape of ``data``), the
        gradient with respect to each parent (its shape, or the broadcast shape).
    """

    def __init__(self, data, parents=(), backward_fn=None):
        self.data = np.asarray(data, dtype=np.float64)
        self.grad = None
        self.parents = tuple(parents)
        self.backward_fn = backward_fn

    def __repr__(self):
        return f"Tensor({self.data!r})"

    def backward(self, grad=None):
        """Backpropagate from this tensor (``backpropagate`` is piece 2)."""
        backpropagate(self, grad)

    def __add__(self, other):
        """``self + other``; ``other`` may be a number or an array (wrap it with ``as_tensor``)."""
        raise NotImplementedError("write me: Tensor.__add__")

    def __mul__(self, other):
        """``self * other``, element-wise with broadcasting."""
        raise NotImplementedError("write me: Tensor.__mul__")

    def __pow__(self, n):
        """``self ** n`` for a Python number ``n``."""
        raise NotImplementedError("write me: Tensor.__pow__")

    def __matmul__(self, other):
        """``self @ other`` for 2-D arrays: (n, k) @ (k, m) -> (n, m)."""
        raise NotImplementedError("write me: Tensor.__matmul__")

    def sum(self):
        """The sum of every entry, a one-element (0-d) tensor."""
        raise NotImplementedError("write me: Tensor.sum")

    def exp(self):
        """Element-wise ``e ** self``."""
        raise NotImplementedError("write me: Tensor.exp")

    def log(self):
        """Element-wise natural logarithm (of positive entries)."""
        raise NotImplementedError("write me: Tensor.log")

    def relu(self):
        """Element-wise ``max(self, 0)``; gradient 0 where ``self <= 0``."""
        raise NotImplementedError("write me: Tensor.relu")

    def __radd__(self, other):
        """``other + self`` when ``other`` is a number (Python calls this for ``3 + x``)."""
        raise NotImplementedError("write me: Tensor.__radd__")

    def __rmul__(self, other):
        """``other * self`` when ``other`` is a number (``2 * x``)."""
        raise NotImplementedError("write me: Tensor.__rmul__")

    def __neg__(self):
        """``-self``."""
        raise NotImplementedError("write me: Tensor.__neg__")

    def __sub__(self, other):
        """``self - other``."""
        raise NotImplementedError("write me: Tensor.__sub__")

    def __rsub__(self, other):
        """``other - self`` when ``other`` is a number (``1 - x``)."""
        raise NotImplementedError("write me: Tensor.__rsub__")


def as_tensor(value):
    """Return ``value`` itself if it is a Tensor, else a constant leaf Tensor holding it."""
    return value if isinstance(value, Tensor) else Tensor(value)


# %%
grade("weekend-05", "operations", globals())

# %% [markdown]
# ## 2. backpropagate
#
# `backpropagate(root, grad=None)` computes the gradient of `root` with
# respect to every node of its graph:
#
# 1. list the nodes in **topological order** (every node after all its
#    parents), visiting each node **once** (keep a set of visited ids). Use an
#    explicit stack, not a recursive function: a chain of 100,000 operations
#    would pass Python's recursion limit;
# 2. seed the gradient of `root` with `grad` (ones when None);
# 3. walk the order **backwards** (outputs first). For each node with a
#    `backward_fn`, call it on the node's complete gradient and **add** each
#    result, summed back to the parent's shape with `unbroadcast`, to that
#    parent's gradient. A node used twice (`x * x`, `a + a`) receives two
#    contributions;
# 4. leaves keep their gradient in `.grad`.
#
# The checks build fresh graphs each time, so whether a second call adds to
# `.grad` or starts again is up to you (PyTorch adds).

# %% tags=["stub"]
def backpropagate(root, grad=None):
    """Fill ``.grad`` of every leaf that ``root`` depends on, by the chain rule.

    Parameters
    ----------
    root : Tensor
        The output, of shape S (usually a one-element loss).
    grad : ndarray of shape S, optional
        dL/droot; ones when None.

    Returns
    -------
    None
        Each leaf's ``.grad`` (an ndarray of the leaf's shape) holds d(root)/d(leaf),
        summed over every path from the leaf to the root.
    """
    raise NotImplementedError("write me: backpropagate (topological order with a stack, then the chain rule)")


# %%
grade("weekend-05", "backward", globals())

# %% [markdown]
# Now `x.backward()` works. Try it on the lesson's example,
# $L = a b + b^2$ with $a = 2, b = -3$: you should get `a.grad == -3` and
# `b.grad == -4`.

# %%
a, b = Tensor(2.0), Tensor(-3.0)
try:
    L = a * b + b**2
    L.backward()
    print("a.grad =", a.grad, " b.grad =", b.grad)
except NotImplementedError as error:
    print("not yet:", error)

# %% [markdown]
# ## The reference
#
# The package's engine is `classroom.autograd.engine` (`Tensor`, its
# operations and `Tensor.backward`, under 200 lines, with `mean`, `reshape`,
# indexing, `tanh`, `sigmoid` and `log_softmax` too); the site's API reference
# shows its source. **Try it yourself first**: the hints above say what to
# fix, and reading the answer before you have struggled with it teaches much
# less.
