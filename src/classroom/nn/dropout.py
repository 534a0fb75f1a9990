"""``Dropout``: randomly zero activations during training (inverted dropout)."""

from __future__ import annotations

import numpy as np

from ._checks import check_float_input, check_forward_was_called, check_grad_shape
from .init import as_generator
from .module import Module


class Dropout(Module):
    """Zero each element with probability ``p`` in training mode (as ``torch.nn.Dropout``).

    Surviving elements are scaled by ``1 / (1 - p)`` ("inverted dropout") so
    the expected activation is unchanged and evaluation needs no rescaling:
    in eval mode (``model.eval()``) the layer is the identity.

    Parameters
    ----------
    p : float, default 0.5
        Probability of zeroing an element, in ``[0, 1]``.
    rng : int, numpy.random.Generator or None, optional
        Source of randomness for the masks: a seed, a Generator, or None for a
        fresh unseeded one (see :func:`classroom.nn.init.as_generator`).
    """

    def __init__(self, p: float = 0.5, *, rng: int | np.random.Generator | None = None):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = float(p)
        self.rng = as_generator(rng)
        self._scaled_mask = None
        self._shape = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Drop and rescale elements of ``x`` in training mode; return ``x`` in eval mode.

        Parameters
        ----------
        x : ndarray of any shape
            Floating-point input.

        Returns
        -------
        ndarray of the same shape and dtype as ``x``
        """
        x = check_float_input(x, "Dropout")
        self._shape = x.shape
        if not self.training or self.p == 0.0:
            self._scaled_mask = None
            return x
        if self.p == 1.0:
            self._scaled_mask = np.zeros(x.shape, dtype=x.dtype)
        else:
            keep = self.rng.random(x.shape) >= self.p
            self._scaled_mask = keep.astype(x.dtype) / x.dtype.type(1.0 - self.p)
        return x * self._scaled_mask

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """Apply the same mask and scale as the last forward pass to the gradient.

        Parameters
        ----------
        grad_output : ndarray of the input's shape
            Gradient of the loss with respect to the output.

        Returns
        -------
        ndarray of the input's shape
        """
        check_forward_was_called(self._shape, "Dropout")
        grad = check_grad_shape(grad_output, self._shape, "Dropout")
        if self._scaled_mask is None:
            return grad
        return grad * self._scaled_mask

    def extra_repr(self) -> str:
        return f"p={self.p}"
