"""Element-wise activations and ``Softmax``, each with its hand-written backward.

Each activation saves what its derivative needs during ``forward``:

==========  ==========================  ============================
layer       forward ``y = f(x)``        backward ``dL/dx``
==========  ==========================  ============================
ReLU        ``max(x, 0)``               ``g * (x > 0)``
LeakyReLU   ``x if x > 0 else s * x``   ``g * (1 if x > 0 else s)``
Sigmoid     ``1 / (1 + exp(-x))``       ``g * y * (1 - y)``
Tanh        ``tanh(x)``                 ``g * (1 - y**2)``
Softmax     ``exp(x) / sum(exp(x))``    ``y * (g - sum(g * y))``
==========  ==========================  ============================

where ``g`` is ``grad_output``.
"""

from __future__ import annotations

import numpy as np

from . import functional as F
from ._checks import check_float_input, check_forward_was_called, check_grad_shape
from .module import Module


class ReLU(Module):
    """Rectified linear unit ``max(x, 0)``, element-wise (as ``torch.nn.ReLU``).

    The derivative at exactly 0 is taken as 0, as in PyTorch.
    """

    def __init__(self):
        super().__init__()
        self._positive = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return ``max(x, 0)``.

        Parameters
        ----------
        x : ndarray of any shape
            Floating-point input.

        Returns
        -------
        ndarray of the same shape and dtype as ``x``
        """
        x = check_float_input(x, "ReLU")
        self._positive = x > 0
        # np.maximum keeps the input's memory layout (the conv layers hand over
        # channels-last views), which makes it several times faster than
        # np.where here; like PyTorch it lets a NaN input through as NaN.
        return np.maximum(x, 0)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """Pass the gradient through where the input was positive, else 0.

        Parameters
        ----------
        grad_output : ndarray of the input's shape
            Gradient of the loss with respect to the output.

        Returns
        -------
        ndarray of the input's shape
        """
        check_forward_was_called(self._positive, "ReLU")
        grad = check_grad_shape(grad_output, self._positive.shape, "ReLU")
        return grad * self._positive


class LeakyReLU(Module):
    """``x`` where positive, ``negative_slope * x`` elsewhere (as ``torch.nn.LeakyReLU``).

    Parameters
    ----------
    negative_slope : float, default 0.01
        Slope for negative inputs.
    """

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = float(negative_slope)
        self._positive = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return ``x`` where ``x > 0`` and ``negative_slope * x`` elsewhere.

        Parameters
        ----------
        x : ndarray of any shape
            Floating-point input.

        Returns
        -------
        ndarray of the same shape and dtype as ``x``
        """
        x = check_float_input(x, "LeakyReLU")
        self._positive = x > 0
        return np.where(self._positive, x, self.negative_slope * x).astype(x.dtype, copy=False)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """Multiply the gradient by 1 where the input was positive, else by ``negative_slope``.

        Parameters
        ----------
        grad_output : ndarray of the input's shape
            Gradient of the loss with respect to the output.

        Returns
        -------
        ndarray of the input's shape
        """
        check_forward_was_called(self._positive, "LeakyReLU")
        grad = check_grad_shape(grad_output, self._positive.shape, "LeakyReLU")
        return np.where(self._positive, grad, self.negative_slope * grad).astype(
            grad.dtype, copy=False
        )

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """Logistic function ``1 / (1 + exp(-x))``, element-wise (as ``torch.nn.Sigmoid``).

    Computed stably with ``classroom.nn.functional.sigmoid``.
    """

    def __init__(self):
        super().__init__()
        self._output = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return ``sigmoid(x)``.

        Parameters
        ----------
        x : ndarray of any shape
            Floating-point input.

        Returns
        -------
        ndarray of the same shape and dtype as ``x``
            Values in ``[0, 1]``.
        """
        x = check_float_input(x, "Sigmoid")
        self._output = F.sigmoid(x)
        return self._output

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """Return ``grad_output * y * (1 - y)`` with ``y`` the saved output.

        Parameters
        ----------
        grad_output : ndarray of the input's shape
            Gradient of the loss with respect to the output.

        Returns
        -------
        ndarray of the input's shape
        """
        check_forward_was_called(self._output, "Sigmoid")
        grad = check_grad_shape(grad_output, self._output.shape, "Sigmoid")
        y = self._output
        return grad * y * (1 - y)


class Tanh(Module):
    """Hyperbolic tangent, element-wise (as ``torch.nn.Tanh``)."""

    def __init__(self):
        super().__init__()
        self._output = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return ``tanh(x)``.

        Parameters
        ----------
        x : ndarray of any shape
            Floating-point input.

        Returns
        -------
        ndarray of the same shape and dtype as ``x``
            Values in ``[-1, 1]``.
        """
        x = check_float_input(x, "Tanh")
        self._output = np.tanh(x)
        return self._output

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """Return ``grad_output * (1 - y**2)`` with ``y`` the saved output.

        Parameters
        ----------
        grad_output : ndarray of the input's shape
            Gradient of the loss with respect to the output.

        Returns
        -------
        ndarray of the input's shape
        """
        check_forward_was_called(self._output, "Tanh")
        grad = check_grad_shape(grad_output, self._output.shape, "Tanh")
        return grad * (1 - self._output**2)


class Softmax(Module):
    """Turn logits into probabilities along ``dim`` (as ``torch.nn.Softmax``).

    For training a classifier, prefer feeding logits straight into
    ``CrossEntropyLoss``: it combines log-softmax and the negative
    log-likelihood, which is more stable and cheaper.

    Parameters
    ----------
    dim : int, default -1
        The axis that holds the classes.
    """

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim
        self._output = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return ``softmax(x)`` along ``dim``.

        Parameters
        ----------
        x : ndarray of any shape, e.g. (batch, classes)
            Floating-point logits.

        Returns
        -------
        ndarray of the same shape and dtype as ``x``
            Probabilities summing to 1 along ``dim``.
        """
        x = check_float_input(x, "Softmax")
        if x.ndim == 0 or not -x.ndim <= self.dim < x.ndim:
            raise ValueError(
                f"Softmax(dim={self.dim}) needs an input with at least "
                f"{self.dim + 1 if self.dim >= 0 else -self.dim} dimensions, got shape {x.shape}"
            )
        self._output = F.softmax(x, dim=self.dim)
        return self._output

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """Return ``y * (g - sum(g * y, dim))``, the Jacobian-vector product of softmax.

        Parameters
        ----------
        grad_output : ndarray of the input's shape
            Gradient of the loss with respect to the output.

        Returns
        -------
        ndarray of the input's shape
        """
        check_forward_was_called(self._output, "Softmax")
        grad = check_grad_shape(grad_output, self._output.shape, "Softmax")
        y = self._output
        return y * (grad - np.sum(grad * y, axis=self.dim, keepdims=True))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
