"""``Flatten``: merge a range of dimensions into one (e.g. images into vectors)."""

from __future__ import annotations

import numpy as np

from ._checks import check_forward_was_called, check_grad_shape
from .module import Module


class Flatten(Module):
    """Flatten dimensions ``start_dim`` to ``end_dim`` into one (as ``torch.nn.Flatten``).

    With the defaults, ``(batch, channels, height, width)`` becomes
    ``(batch, channels * height * width)``.

    Parameters
    ----------
    start_dim : int, default 1
        First dimension to flatten (dimension 0, the batch, is kept).
    end_dim : int, default -1
        Last dimension to flatten (inclusive).
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim
        self._input_shape = None
        self._output_shape = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Reshape ``x`` so dimensions ``start_dim..end_dim`` become one.

        Parameters
        ----------
        x : ndarray of shape (batch, *dims)
            Input.

        Returns
        -------
        ndarray
            For the defaults, shape ``(batch, prod(dims))``; same dtype as ``x``.
        """
        x = np.asarray(x)
        ndim = max(x.ndim, 1)
        start = self.start_dim + ndim if self.start_dim < 0 else self.start_dim
        end = self.end_dim + ndim if self.end_dim < 0 else self.end_dim
        if not (0 <= start < ndim and 0 <= end < ndim) or start > end:
            raise ValueError(
                f"Flatten(start_dim={self.start_dim}, end_dim={self.end_dim}) does not fit an "
                f"input of shape {x.shape} ({x.ndim} dimensions)"
            )
        flattened_size = int(np.prod(x.shape[start : end + 1]))
        new_shape = x.shape[:start] + (flattened_size,) + x.shape[end + 1 :]
        self._input_shape = x.shape
        self._output_shape = new_shape
        return x.reshape(new_shape)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """Reshape the gradient back to the input's shape.

        Parameters
        ----------
        grad_output : ndarray of the output's shape
            Gradient of the loss with respect to the output.

        Returns
        -------
        ndarray of the input's shape
        """
        check_forward_was_called(self._input_shape, "Flatten")
        grad = check_grad_shape(grad_output, self._output_shape, "Flatten")
        return grad.reshape(self._input_shape)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
