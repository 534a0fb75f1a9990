"""A learner-style autograd of weekend 5, correct by default, with switches for known mistakes.

Written the way the workbook asks, independently of the package's engine.
"""

from __future__ import annotations

import numpy as np

from classroom.autograd.engine import unbroadcast


class Tensor:
    """The workbook's Tensor, with every operation written out."""

    def __init__(self, data, parents=(), backward_fn=None):
        self.data = np.asarray(data, dtype=np.float64)
        self.grad = None
        self.parents = tuple(parents)
        self.backward_fn = backward_fn

    def backward(self, grad=None):
        backpropagate(self, grad)

    @staticmethod
    def lift(value):
        return value if isinstance(value, Tensor) else Tensor(value)

    def __add__(self, other):
        other = Tensor.lift(other)
        return Tensor(self.data + other.data, (self, other), lambda g: (g, g))

    def __mul__(self, other):
        other = Tensor.lift(other)
        return Tensor(self.data * other.data, (self, other), lambda g: (g * other.data, g * self.data))

    def __pow__(self, n):
        return Tensor(self.data**n, (self,), lambda g: (g * n * self.data ** (n - 1),))

    def __matmul__(self, other):
        return Tensor(self.data @ other.data, (self, other), lambda g: (g @ other.data.T, self.data.T @ g))

    def sum(self):
        return Tensor(self.data.sum(), (self,), lambda g: (np.ones_like(self.data) * g,))

    def exp(self):
        value = np.exp(self.data)
        return Tensor(value, (self,), lambda g: (g * value,))

    def log(self):
        return Tensor(np.log(self.data), (self,), lambda g: (g / self.data,))

    def relu(self):
        return Tensor(np.maximum(self.data, 0), (self,), lambda g: (g * (self.data > 0),))

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-Tensor.lift(other))

    def __rsub__(self, other):
        return Tensor.lift(other) - self


def make_backpropagate(*, accumulate=True, visited=True, recursive=False, reduce_broadcast=True, reverse=True):
    """Return a ``backpropagate(root, grad=None)`` (micrograd style: gradients live in ``node.grad``).

    accumulate=False assigns a parent's gradient instead of adding it;
    visited=False builds the order without a visited set (reused nodes twice);
    recursive=True builds it with a recursive function; reduce_broadcast=False
    forgets unbroadcast; reverse=False walks inputs before outputs.
    """

    def topological_order(root):
        order, seen = [], set()
        if recursive:
            def visit(node):
                if visited and id(node) in seen:
                    return
                seen.add(id(node))
                for parent in node.parents:
                    visit(parent)
                order.append(node)

            visit(root)
            return order
        stack = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif not visited or id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((parent, False) for parent in node.parents)
        return order

    def backpropagate(root, grad=None):
        order = topological_order(root)
        for node in order:
            node.grad = np.zeros_like(node.data)
        root.grad = np.ones_like(root.data) if grad is None else np.asarray(grad, dtype=np.float64)
        for node in (reversed(order) if reverse else order):
            if node.backward_fn is None:
                continue
            for parent, parent_grad in zip(node.parents, node.backward_fn(node.grad)):
                if reduce_broadcast:
                    parent_grad = unbroadcast(np.asarray(parent_grad, dtype=np.float64), parent.data.shape)
                if accumulate:
                    parent.grad = parent.grad + parent_grad
                else:
                    parent.grad = parent_grad

    return backpropagate


backpropagate = make_backpropagate()


def learner_solutions(**overrides):
    """The correct learner-style namespace, with some entries replaced."""
    namespace = {"Tensor": Tensor, "backpropagate": backpropagate}
    namespace.update(overrides)
    return namespace


def tensor_variant(**methods):
    """A learner-style Tensor with some operations replaced (its results stay of that class)."""
    return type("Tensor", (Tensor,), methods)
