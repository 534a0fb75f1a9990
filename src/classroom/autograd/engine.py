"""A reverse-mode autograd engine on NumPy arrays, small enough to read in one sitting.

Each operation on a ``Tensor`` returns a new ``Tensor`` that remembers its inputs
(``parents``) and a *backward function*: given the gradient with respect to the
output, it returns the gradient with respect to each input (the local chain rule).
This is the idea of Andrej Karpathy's micrograd, applied to whole arrays. Numbers and
arrays mixed into an operation become constants of the tensor's dtype.
"""

from __future__ import annotations

import contextlib

import numpy as np

_recording = True  # False inside ``no_grad()``: operations record no graph


@contextlib.contextmanager
def no_grad():
    """Context manager: operations inside it record no graph (evaluation, parameter updates)."""
    global _recording
    previous, _recording = _recording, False
    try:
        yield
    finally:
        _recording = previous


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched, so that it has ``shape``."""
    # Example: (1, 4) + (3, 1) gives (3, 4); the first input's gradient is summed over axis 0.
    if grad.shape == tuple(shape):
        return grad
    added = grad.ndim - len(shape)  # leading axes that did not exist in the input
    stretched = [added + i for i, size in enumerate(shape) if size == 1 and grad.shape[added + i] != 1]
    return grad.sum(axis=tuple(range(added)) + tuple(stretched)).reshape(shape)


class Tensor:
    """An array that remembers how it was computed, so that ``backward()`` can find gradients.

    Parameters
    ----------
    data : array_like
        The value. Floating arrays keep their dtype; anything else becomes float64.
    requires_grad : bool, default False
        True for leaves you want gradients for; results of operations require grad when an input does.

    Attributes
    ----------
    data : ndarray
        The value; optimizers update it in place.
    grad : ndarray of the same shape as ``data``, or None
        Gradient added up by ``backward()`` calls; None until the first, and after ``zero_grad()``.
    """

    __array_ufunc__ = None  # makes ``ndarray + Tensor`` call ``Tensor.__radd__``

    def __init__(self, data, requires_grad=False):
        data = np.asarray(data)
        self.data = data if np.issubdtype(data.dtype, np.floating) else data.astype(np.float64)
        self.grad = None
        self.requires_grad = requires_grad
        self.parents = ()  # the tensors this one was computed from (empty for a leaf)
        self.backward_fn = None  # gradient of output -> tuple of gradients of the parents

    shape = property(lambda self: self.data.shape, doc="The shape of ``data``.")
    ndim = property(lambda self: self.data.ndim, doc="The number of axes of ``data``.")
    dtype = property(lambda self: self.data.dtype, doc="The dtype of ``data``.")

    def __repr__(self):
        return f"Tensor({self.data!r}, requires_grad={self.requires_grad})"

    def item(self):
        """Return the value of a one-element tensor as a Python number."""
        return self.data.item()

    def _lift(self, other):
        """Wrap a number or array as a constant Tensor of this tensor's dtype."""
        return other if isinstance(other, Tensor) else Tensor(np.asarray(other, dtype=self.data.dtype))

    def _result(self, data, parents, backward_fn):
        """Wrap the output of an operation and record the graph (unless under ``no_grad``)."""
        out = Tensor(data)
        if _recording and any(parent.requires_grad for parent in parents):
            out.requires_grad, out.parents, out.backward_fn = True, parents, backward_fn
        return out

    # ------------------------------------------------------------ arithmetic
    def __add__(self, other):
        other = self._lift(other)
        return self._result(self.data + other.data, (self, other), lambda g: (g, g))

    def __mul__(self, other):
        other = self._lift(other)
        return self._result(self.data * other.data, (self, other), lambda g: (g * other.data, g * self.data))

    def __truediv__(self, other):
        return self * self._lift(other) ** -1

    def __neg__(self):
        return self._result(-self.data, (self,), lambda g: (-g,))

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __pow__(self, exponent):
        if not isinstance(exponent, (int, float, np.integer, np.floating)):
            raise TypeError(f"Tensor ** exponent needs a Python number exponent, got {type(exponent).__name__}")
        return self._result(self.data**exponent, (self,),  # x**0 is 1 everywhere: its gradient is 0, even at x = 0
                            lambda g: (g * exponent * self.data ** (exponent - 1) if exponent else np.zeros_like(g),))

    def __rpow__(self, base):  # number ** tensor = exp(tensor * ln(number)), for a positive number
        return (self * float(np.log(base))).exp()

    __radd__ = __add__
    __rmul__ = __mul__

    def __rsub__(self, other):
        return self._lift(other) - self

    def __rtruediv__(self, other):
        return self._lift(other) / self

    def __matmul__(self, other):
        """Matrix product as ``np.matmul``: 2-D, batched (..., n, k) @ (..., k, m), and 1-D vectors."""
        other = self._lift(other)
        if self.ndim == 0 or other.ndim == 0 or self.shape[-1] != other.shape[-2 if other.ndim > 1 else 0]:
            raise ValueError(f"cannot matmul shapes {self.shape} and {other.shape}: inner dimensions must agree")
        if other.ndim == 1:  # (matrix or vector) @ vector: multiply element-wise, add along the last axis
            return (self * other).sum(axis=-1)
        if self.ndim == 1:  # vector @ matrix: scale row i of the matrix by vector[i], add the rows up
            return (self.reshape(-1, 1) * other).sum(axis=-2)
        return self._result(  # swapaxes(-1, -2) transposes each matrix of a batch; skip unneeded products
            self.data @ other.data, (self, other),
            lambda g: (g @ np.swapaxes(other.data, -1, -2) if self.requires_grad else None,
                       np.swapaxes(self.data, -1, -2) @ g if other.requires_grad else None),
        )

    def __rmatmul__(self, other):
        return self._lift(other) @ self

    # ------------------------------------------------------------ reductions
    def sum(self, axis=None, keepdims=False):
        """Sum over ``axis`` (an int, a tuple, or None for all axes), as ``np.sum``."""

        def backward_fn(g):
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)  # put back the summed axes as size 1
            return (np.broadcast_to(g, self.shape),)  # every input element gets the same gradient

        return self._result(self.data.sum(axis=axis, keepdims=keepdims), (self,), backward_fn)

    def mean(self, axis=None, keepdims=False):
        """Mean over ``axis`` (an int, a tuple, or None for all axes), as ``np.mean``."""
        total = self.sum(axis=axis, keepdims=keepdims)
        return total * np.divide(total.data.size, self.data.size)  # an empty mean is NaN, as in NumPy

    # ----------------------------------------------------------------- shape
    def reshape(self, *shape):
        """Return the same values in a new shape (``x.reshape(2, 3)`` or ``x.reshape((2, 3))``)."""
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return self._result(self.data.reshape(shape), (self,), lambda g: (g.reshape(self.shape),))

    def transpose(self, *axes):
        """Permute the axes (reverse them when none are given), as ``np.transpose``."""
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        inverse = np.argsort(axes) if axes else None
        return self._result(np.transpose(self.data, axes or None), (self,), lambda g: (np.transpose(g, inverse),))

    T = property(transpose, doc="The tensor with its axes reversed (``x.transpose()``).")

    def __getitem__(self, index):
        """Basic and integer-array indexing, as NumPy; repeated indices add their gradients."""
        index = index.data.astype(np.intp) if isinstance(index, Tensor) else index

        def backward_fn(g):
            full = np.zeros_like(self.data)
            np.add.at(full, index, g)  # unlike full[index] += g, adds once per repeated index
            return (full,)

        return self._result(self.data[index], (self,), backward_fn)

    # ------------------------------------------------------- element-wise maps
    def exp(self):
        """Element-wise ``e ** x``."""
        value = np.exp(self.data)
        return self._result(value, (self,), lambda g: (g * value,))

    def log(self):
        """Element-wise natural logarithm."""
        return self._result(np.log(self.data), (self,), lambda g: (g / self.data,))

    def tanh(self):
        """Element-wise hyperbolic tangent."""
        value = np.tanh(self.data)
        return self._result(value, (self,), lambda g: (g * (1 - value * value),))

    def relu(self):
        """Element-wise ``max(x, 0)``; the gradient at 0 is taken as 0."""
        return self._result(np.maximum(self.data, 0), (self,), lambda g: (g * (self.data > 0),))

    def sigmoid(self):
        """Element-wise ``1 / (1 + e ** -x)``, computed as ``(1 + tanh(x / 2)) / 2`` (no overflow)."""
        value = 0.5 * (1 + np.tanh(0.5 * self.data))
        return self._result(value, (self,), lambda g: (g * value * (1 - value),))

    def log_softmax(self, axis=-1):
        """``x - log(sum(exp(x)))`` along ``axis``, stabilised by subtracting the maximum first."""
        shifted = self.data - self.data.max(axis=axis, keepdims=True)
        value = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        return self._result(value, (self,), lambda g: (g - np.exp(value) * g.sum(axis=axis, keepdims=True),))

    # -------------------------------------------------------------- backward
    def zero_grad(self):
        """Forget the accumulated gradient (``grad`` becomes None)."""
        self.grad = None

    def backward(self, grad=None):
        """Add the gradient of this tensor to the ``grad`` of every tensor it depends on.

        ``grad`` (array of ``self.shape``) seeds the pass; it defaults to 1 for a one-element output.
        """
        if not self.requires_grad:
            raise RuntimeError("backward() needs a result of requires_grad=True tensors, made outside no_grad()")
        if grad is None and self.data.size != 1:
            raise ValueError(f"backward() on an output of shape {self.shape} needs grad=<array of that shape>")
        grad = np.ones_like(self.data) if grad is None else np.array(grad, dtype=self.data.dtype)  # a copy
        if grad.shape != self.shape:
            raise ValueError(f"backward(grad) needs grad of shape {self.shape}, got {grad.shape}")
        # Topological order, iteratively (a deep graph would overflow Python's recursion limit).
        order, visited, stack = [], set(), [(self, False)]
        while stack:
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)  # every parent is already in ``order``
            elif id(node) not in visited:
                visited.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p in node.parents if p.requires_grad and id(p) not in visited)
        gradients = {id(self): grad}  # gradients of this backward pass, by node
        for node in reversed(order):  # outputs before inputs
            node_grad = gradients.pop(id(node))
            if node.backward_fn is None:  # a leaf: its grad is a private array (0-d too) adding up over passes
                node.grad = np.array(node_grad if node.grad is None else node.grad + node_grad)
                continue
            node.grad = np.array(node_grad)  # an intermediate keeps its own writable copy, to inspect
            for parent, parent_grad in zip(node.parents, node.backward_fn(node_grad)):
                if parent.requires_grad:
                    parent_grad = unbroadcast(np.asarray(parent_grad, dtype=parent.dtype), parent.shape)
                    previous = gradients.get(id(parent))
                    gradients[id(parent)] = parent_grad if previous is None else previous + parent_grad
