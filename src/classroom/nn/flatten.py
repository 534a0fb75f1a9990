"""``Flatten`` and its inverse ``Unflatten``: reshaping layers.

``Flatten`` turns ``(batch, channels, height, width)`` into
``(batch, channels * height * width)``, so that a ``Linear`` layer can follow
the convolutions of a classifier. ``Unflatten`` does the opposite: a decoder
uses it after its first ``Linear`` layer, to turn a long vector into a small
stack of feature maps that transposed convolutions can grow into an image.

Reshaping moves no numbers, so each backward pass only reshapes the gradient
back to the input's shape.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_forward_was_called, check_grad_shape
from .module import Module


class _Reshape(Module):
    """What both layers share: remember the shapes in ``forward``, reshape the gradient back in ``backward``."""

    def __init__(self):
        super().__init__()
        self._input_shape = None
        self._output_shape = None

    def _reshape(self, x: np.ndarray, new_shape: tuple) -> np.ndarray:
        """Return ``x`` in ``new_shape``, remembering both shapes for ``backward``."""
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
        name = type(self).__name__
        check_forward_was_called(self._input_shape, name)
        grad = check_grad_shape(grad_output, self._output_shape, name)
        return grad.reshape(self._input_shape)


class Flatten(_Reshape):
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
        return self._reshape(x, new_shape)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(_Reshape):
    """Split dimension ``dim`` into ``unflattened_size`` (as ``torch.nn.Unflatten``).

    Parameters
    ----------
    dim : int
        The dimension to split (negative counts from the end). Usually 1,
        the first dimension after the batch.
    unflattened_size : tuple of int
        The new dimensions; their product must equal the size of ``dim``.

    Examples
    --------
    >>> layer = Unflatten(1, (16, 4, 4))
    >>> layer(np.zeros((2, 256), dtype=np.float32)).shape
    (2, 16, 4, 4)
    """

    def __init__(self, dim: int, unflattened_size):
        super().__init__()
        sizes = tuple(int(size) for size in unflattened_size)
        if not sizes or min(sizes) < 1:
            raise ValueError(
                f"Unflatten needs a non-empty tuple of positive sizes, got unflattened_size={unflattened_size}"
            )
        self.dim = int(dim)
        self.unflattened_size = sizes

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Reshape ``x`` so that dimension ``dim`` becomes ``unflattened_size``.

        Parameters
        ----------
        x : ndarray of shape (batch, ..., n, ...)
            Input, where ``n = prod(unflattened_size)`` sits at position ``dim``.

        Returns
        -------
        ndarray of shape (batch, ..., *unflattened_size, ...)
            A view of ``x`` when possible; same dtype.

        Raises
        ------
        ValueError
            If ``dim`` does not exist in ``x`` or its size is not
            ``prod(unflattened_size)``.
        """
        x = np.asarray(x)
        dim = self.dim + x.ndim if self.dim < 0 else self.dim
        if not 0 <= dim < x.ndim:
            raise ValueError(f"{self!r} got input of shape {x.shape}, which has no dimension {self.dim}")
        expected = int(np.prod(self.unflattened_size))
        if x.shape[dim] != expected:
            raise ValueError(
                f"{self!r} expects dimension {self.dim} of size {expected} "
                f"(= {' * '.join(map(str, self.unflattened_size))}), got input of shape {x.shape}"
            )
        new_shape = x.shape[:dim] + self.unflattened_size + x.shape[dim + 1 :]
        return self._reshape(x, new_shape)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
