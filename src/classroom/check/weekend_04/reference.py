"""The package's answer to every stub of weekend 4: the references the checks compare with.

Thin wrappers of the package (``classroom.nn.im2col``, ``classroom.nn.Conv2d``,
``classroom.nn.MaxPool2d``) with the learner's API, :func:`reference_solutions`,
which maps every stub name of the workbook to one of them, and ``_as_array``,
the conversion of a learner's result that every check of the weekend uses.
"""

from __future__ import annotations

import numpy as np

from classroom import nn
from classroom.nn.im2col import col2im as _package_col2im
from classroom.nn.im2col import conv_output_size, pad_nhwc
from classroom.nn.im2col import im2col as _package_im2col

from ..compare import as_ndarray

__all__ = ["reference_solutions", "ReferenceConv2d", "ReferenceMaxPool2d", "reference_im2col", "reference_col2im"]

WEEKEND = "weekend-04"


def reference_im2col(x, kernel_size, stride=1, padding=0):
    """Copy every window of an NCHW batch into one row of a matrix (the package's im2col).

    Parameters
    ----------
    x : ndarray of shape (batch, channels, height, width)
    kernel_size, stride, padding : int
        Square kernel, step between windows, zeros added on each side.

    Returns
    -------
    ndarray of shape (batch*out_h*out_w, kernel_size*kernel_size*channels)
        Row ``(n*out_h + y)*out_w + x`` is the window at output position
        ``(y, x)`` of image ``n``; inside a row the order is (kernel row,
        kernel column, channel).
    """
    x = np.asarray(x)
    channels = x.shape[1]
    padded = pad_nhwc(x.transpose(0, 2, 3, 1), (padding, padding))
    cols = _package_im2col(padded, (kernel_size, kernel_size), (stride, stride))
    return cols.reshape(-1, kernel_size * kernel_size * channels)


def reference_col2im(cols, input_shape, kernel_size, stride=1, padding=0):
    """Sum window entries back onto the pixels they came from (the adjoint of ``reference_im2col``).

    Parameters
    ----------
    cols : ndarray of shape (batch*out_h*out_w, kernel_size*kernel_size*channels)
    input_shape : tuple of int
        ``(batch, channels, height, width)`` of the *unpadded* input.
    kernel_size, stride, padding : int

    Returns
    -------
    ndarray of shape input_shape
    """
    batch, channels, height, width = input_shape
    out_h = conv_output_size(height, kernel_size, stride, padding)
    out_w = conv_output_size(width, kernel_size, stride, padding)
    six = np.asarray(cols).reshape(batch, out_h, out_w, kernel_size, kernel_size, channels)
    padded_shape = (batch, height + 2 * padding, width + 2 * padding, channels)
    grad = _package_col2im(six, padded_shape, (stride, stride))
    return np.ascontiguousarray(grad[:, padding : padding + height, padding : padding + width, :].transpose(0, 3, 1, 2))


class ReferenceConv2d:
    """The learner's ``Conv2d`` API on top of ``classroom.nn.Conv2d``.

    Parameters
    ----------
    in_channels, out_channels, kernel_size : int
    stride, padding : int, default 1 and 0
    rng : numpy.random.Generator or int, optional
    dtype : numpy dtype, default float64

    Attributes
    ----------
    weight : ndarray of shape (out_channels, in_channels, kernel_size, kernel_size)
    bias : ndarray of shape (out_channels,)
    grad_weight, grad_bias : ndarray
        Gradients of the last ``backward`` (overwritten by each call).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, rng=None, dtype=np.float64):
        self.layer = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                               rng=rng, dtype=dtype)
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    weight = property(lambda self: self.layer.weight.data, lambda self, value: self._set("weight", value))
    bias = property(lambda self: self.layer.bias.data, lambda self, value: self._set("bias", value))
    grad_weight = property(lambda self: self.layer.weight.grad)
    grad_bias = property(lambda self: self.layer.bias.grad)

    def _set(self, name, value):
        getattr(self.layer, name).data[...] = value

    def forward(self, x):
        """Convolve a batch: (batch, in_channels, H, W) -> (batch, out_channels, out_h, out_w)."""
        return self.layer.forward(x)

    __call__ = forward

    def backward(self, grad_output):
        """Return dL/dx (batch, in_channels, H, W); set ``grad_weight`` and ``grad_bias``."""
        self.layer.zero_grad()
        return self.layer.backward(grad_output)


class ReferenceMaxPool2d:
    """The learner's ``MaxPool2d`` API on top of ``classroom.nn.MaxPool2d``.

    Parameters
    ----------
    kernel_size : int
    stride : int, optional
        Defaults to ``kernel_size``.
    """

    def __init__(self, kernel_size, stride=None):
        self.layer = nn.MaxPool2d(kernel_size, stride=stride)
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride

    def forward(self, x):
        """Max-pool a batch: (batch, channels, H, W) -> (batch, channels, out_h, out_w)."""
        return self.layer.forward(x)

    __call__ = forward

    def backward(self, grad_output):
        """Route each output gradient to its window's maximum: returns (batch, channels, H, W)."""
        return self.layer.backward(grad_output)


def reference_solutions() -> dict[str, object]:
    """Return every stub name of the weekend-04 workbook mapped to the package's implementation.

    Returns
    -------
    dict of str to object
        ``im2col``, ``col2im``, ``Conv2d``, ``MaxPool2d``.
    """
    return {
        "im2col": reference_im2col,
        "col2im": reference_col2im,
        "Conv2d": ReferenceConv2d,
        "MaxPool2d": ReferenceMaxPool2d,
    }


def _as_array(value, what: str) -> np.ndarray:
    """:func:`~classroom.check.compare.as_ndarray` with this weekend's hint (its pieces never return a number)."""
    return as_ndarray(value, what, hint="return a NumPy array (np.ndarray), not a list or None")
