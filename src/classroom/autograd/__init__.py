"""Automatic differentiation: a small reverse-mode engine on NumPy arrays (weekend 5).

``Tensor`` records every operation applied to it; ``loss.backward()`` then
computes the gradient of ``loss`` with respect to every tensor created with
``requires_grad=True``. ``classroom.autograd.nn`` builds layers on top of it.

Examples
--------
>>> from classroom.autograd import Tensor
>>> a = Tensor(3.0, requires_grad=True)
>>> b = a * a + a
>>> b.backward()
>>> float(a.grad)
7.0
"""

from . import nn
from .engine import Tensor, no_grad, unbroadcast

__all__ = ["Tensor", "no_grad", "unbroadcast", "nn"]
