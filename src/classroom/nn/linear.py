"""``Linear``: the fully connected layer ``y = x @ W.T + b``."""

from __future__ import annotations

import math

import numpy as np

from . import init
from ._checks import check_float_input, check_forward_was_called, check_grad_shape, check_same_dtype
from .module import Module, Parameter


class Linear(Module):
    """Apply an affine map ``y = x @ weight.T + bias`` (as ``torch.nn.Linear``).

    Parameters
    ----------
    in_features : int
        Size of each input sample.
    out_features : int
        Size of each output sample.
    bias : bool, default True
        Whether to learn an additive bias.
    rng : int, numpy.random.Generator or None, optional
        Source of randomness for the initial weights: a seed, a Generator, or
        None for a fresh unseeded one (see :func:`classroom.nn.init.as_generator`).
    dtype : numpy dtype, default np.float32
        Dtype of the parameters. Use ``np.float64`` for gradient checks.

    Attributes
    ----------
    weight : Parameter of shape (out_features, in_features)
        Initialised like PyTorch from ``U(-1/sqrt(in_features), 1/sqrt(in_features))``
        (Kaiming uniform with ``a=sqrt(5)``).
    bias : Parameter of shape (out_features,) or None
        Initialised from the same uniform distribution.

    Examples
    --------
    >>> import numpy as np
    >>> layer = Linear(4, 3, rng=np.random.default_rng(0))
    >>> layer(np.ones((2, 4), dtype=np.float32)).shape
    (2, 3)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        rng: int | np.random.Generator | None = None,
        dtype=np.float32,
    ):
        super().__init__()
        if in_features < 0 or out_features < 0:
            raise ValueError(
                f"Linear needs non-negative sizes, got in_features={in_features}, "
                f"out_features={out_features}"
            )
        rng = init.as_generator(rng)  # one stream for the weight and the bias
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        self.bias = Parameter(np.empty((out_features,), dtype=dtype)) if bias else None
        self.reset_parameters(rng)
        self._input = None

    def reset_parameters(self, rng: int | np.random.Generator | None = None) -> None:
        """Draw fresh initial weights and biases as PyTorch does.

        Parameters
        ----------
        rng : int, numpy.random.Generator or None, optional
            Source of randomness (see :func:`classroom.nn.init.as_generator`).
        """
        rng = init.as_generator(rng)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), rng=rng)
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound, rng=rng)

    def _name(self) -> str:
        return f"Linear({self.in_features}, {self.out_features})"

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Compute ``x @ weight.T + bias``.

        Parameters
        ----------
        x : ndarray of shape (batch, in_features)
            Any number of leading dimensions is allowed: ``(*, in_features)``.

        Returns
        -------
        ndarray of shape (batch, out_features)
            Same leading dimensions and dtype as ``x``.
        """
        x = check_float_input(x, self._name())
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"{self._name()} expects input of shape (batch, {self.in_features}), "
                f"got {x.shape}; the last dimension must be in_features={self.in_features}"
            )
        check_same_dtype(x, self.weight.data.dtype, self._name())
        self._input = x
        output = x @ self.weight.data.T
        if self.bias is not None:
            output = output + self.bias.data
        return output

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """Add ``dL/dweight`` and ``dL/dbias`` to the gradients and return ``dL/dx``.

        With ``G = grad_output`` and ``X`` the saved input (both flattened to 2-D):
        ``dL/dweight = G.T @ X``, ``dL/dbias = G.sum(axis=0)``,
        ``dL/dx = G @ weight``.

        Parameters
        ----------
        grad_output : ndarray of shape (batch, out_features)
            Gradient of the loss with respect to this layer's output.

        Returns
        -------
        ndarray of shape (batch, in_features), or None
            Gradient of the loss with respect to the input; None when
            ``input_requires_grad`` is False.
        """
        check_forward_was_called(self._input, "Linear")
        x = self._input
        expected_shape = x.shape[:-1] + (self.out_features,)
        grad = check_grad_shape(grad_output, expected_shape, "Linear")
        rows = math.prod(x.shape[:-1])  # samples over all leading axes; not -1, which fails for 0 features
        grad_2d = grad.reshape(rows, self.out_features)
        x_2d = x.reshape(rows, self.in_features)
        self.weight.grad += grad_2d.T @ x_2d
        if self.bias is not None:
            self.bias.grad += grad_2d.sum(axis=0)
        if not self.input_requires_grad:
            return None  # the first layer: nobody needs dL/dx (see Module)
        return grad @ self.weight.data

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
