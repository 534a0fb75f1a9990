"""Pooling layers: ``MaxPool2d``, ``AvgPool2d`` and ``AdaptiveAvgPool2d``.

Pooling shrinks the height and width of a feature map by summarising each
window with one number: its maximum or its mean. It has no parameters.

Like ``Conv2d``, these layers take and return NCHW-*shaped* arrays and work on
channels-last memory inside. They loop over the ``kernel_h * kernel_w``
offsets of the window (4 for the usual 2x2 pooling); each step handles the
whole batch at once with one strided slice, so there is no loop over pixels.
"""

from __future__ import annotations

import numpy as np

from .conv import check_image_batch
from .im2col import as_pair, conv_output_size, pad_nhwc
from .module import Module


def _pooling_output_size(layer, input_shape, kernel_size, stride, padding) -> tuple[int, int]:
    """Return ``(out_h, out_w)`` or raise a clear error when the input is too small."""
    _, _, height, width = input_shape
    (kernel_h, kernel_w), (pad_h, pad_w) = kernel_size, padding
    if height + 2 * pad_h < kernel_h or width + 2 * pad_w < kernel_w:
        raise ValueError(
            f"{layer!r} got input of shape {tuple(input_shape)}: the (padded) image "
            f"{height + 2 * pad_h}x{width + 2 * pad_w} is smaller than the "
            f"{kernel_h}x{kernel_w} window"
        )
    return (
        conv_output_size(height, kernel_h, stride[0], pad_h),
        conv_output_size(width, kernel_w, stride[1], pad_w),
    )


def _window_slice(padded, offset: tuple[int, int], output_size, stride):
    """Return the strided view ``padded[:, i + y*stride_h, j + x*stride_w, :]`` for all (y, x).

    Parameters
    ----------
    padded : ndarray of shape (batch, height, width, channels)
    offset : tuple of int
        The kernel offset ``(i, j)``.
    output_size : tuple of int
        ``(out_h, out_w)``.
    stride : tuple of int
        ``(stride_h, stride_w)``.

    Returns
    -------
    ndarray of shape (batch, out_h, out_w, channels)
        A view (writing into it writes into ``padded``).
    """
    (i, j), (out_h, out_w), (stride_h, stride_w) = offset, output_size, stride
    return padded[
        :,
        i : i + (out_h - 1) * stride_h + 1 : stride_h,
        j : j + (out_w - 1) * stride_w + 1 : stride_w,
        :,
    ]


class _Pool2d(Module):
    """Shared arguments and checks of ``MaxPool2d`` and ``AvgPool2d``."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = as_pair(kernel_size, "kernel_size")
        self.stride = self.kernel_size if stride is None else as_pair(stride, "stride")
        self.padding = as_pair(padding, "padding")
        if min(self.kernel_size) < 1 or min(self.stride) < 1:
            raise ValueError(
                f"{type(self).__name__} needs kernel_size >= 1 and stride >= 1, got "
                f"kernel_size={kernel_size}, stride={stride}"
            )
        if min(self.padding) < 0 or any(2 * p > k for p, k in zip(self.padding, self.kernel_size)):
            raise ValueError(
                f"{type(self).__name__} padding must be between 0 and half the kernel size "
                f"(as in PyTorch), got padding={padding} for kernel_size={kernel_size}"
            )
        self._cache = None

    def _offsets(self):
        kernel_h, kernel_w = self.kernel_size
        return [(i, j) for i in range(kernel_h) for j in range(kernel_w)]

    def extra_repr(self) -> str:
        """Describe the layer like PyTorch does."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """Keep the largest value of each window.

    Parameters
    ----------
    kernel_size : int or tuple of int
        Window height and width.
    stride : int or tuple of int, optional
        Step between windows; defaults to ``kernel_size`` (non-overlapping).
    padding : int or tuple of int, default 0
        ``-inf`` added on each side (at most half the kernel size).

    Notes
    -----
    The gradient flows only to the position of each window's maximum. When
    several positions tie, the first one in row-major order gets it, as in
    PyTorch.

    Examples
    --------
    >>> pool = MaxPool2d(2)
    >>> pool(np.arange(16.0).reshape(1, 1, 4, 4))[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """

    def forward(self, x):
        """Max-pool a batch.

        Parameters
        ----------
        x : ndarray of shape (batch, channels, height, width)

        Returns
        -------
        ndarray of shape (batch, channels, out_h, out_w)
        """
        check_image_batch(repr(self), x)
        output_size = _pooling_output_size(self, x.shape, self.kernel_size, self.stride, self.padding)
        padded = pad_nhwc(x.transpose(0, 2, 3, 1), self.padding, value=-np.inf)
        offsets = self._offsets()
        out = np.array(_window_slice(padded, offsets[0], output_size, self.stride), copy=True)
        # Which offset holds the maximum; strict ">" keeps the first of equal values.
        argmax = np.zeros(out.shape, dtype=np.uint8)
        for index, offset in enumerate(offsets[1:], start=1):
            candidate = _window_slice(padded, offset, output_size, self.stride)
            better = np.greater(candidate, out)
            np.maximum(out, candidate, out=out)
            np.copyto(argmax, index, where=better)
        self._cache = (argmax, padded.shape, x.shape) if self.training else None
        return out.transpose(0, 3, 1, 2)

    def backward(self, grad_output):
        """Route each output gradient to the position of its window's maximum.

        Parameters
        ----------
        grad_output : ndarray of shape (batch, channels, out_h, out_w)

        Returns
        -------
        ndarray of shape (batch, channels, height, width)
        """
        if self._cache is None:
            raise RuntimeError(f"{self!r}.backward() needs a forward() call in training mode first")
        argmax, padded_shape, input_shape = self._cache
        grad = grad_output.transpose(0, 2, 3, 1)
        if grad.shape != argmax.shape:
            raise ValueError(
                f"{self!r}.backward expects grad_output of shape "
                f"{argmax.shape[:1] + argmax.shape[3:] + argmax.shape[1:3]}, got {grad_output.shape}"
            )
        output_size = argmax.shape[1:3]
        overlapping = any(s < k for s, k in zip(self.stride, self.kernel_size))
        # When the windows tile the input exactly (the usual 2x2, stride 2 on
        # an even size), every position is written once below: no need to zero.
        tiles_exactly = (
            not overlapping
            and self.stride == self.kernel_size
            and self.padding == (0, 0)
            and all(size % k == 0 for size, k in zip(padded_shape[1:3], self.kernel_size))
        )
        grad_padded = (np.empty if tiles_exactly else np.zeros)(padded_shape, dtype=grad.dtype)
        for index, offset in enumerate(self._offsets()):
            target = _window_slice(grad_padded, offset, output_size, self.stride)
            if overlapping:
                target += grad * (argmax == index)
            else:
                # Windows do not overlap: each position receives exactly one value.
                np.multiply(grad, argmax == index, out=target)
        _, _, height, width = input_shape
        pad_h, pad_w = self.padding
        grad_input = grad_padded[:, pad_h : pad_h + height, pad_w : pad_w + width, :]
        return grad_input.transpose(0, 3, 1, 2)


class AvgPool2d(_Pool2d):
    """Average each window.

    Parameters
    ----------
    kernel_size : int or tuple of int
        Window height and width.
    stride : int or tuple of int, optional
        Step between windows; defaults to ``kernel_size``.
    padding : int or tuple of int, default 0
        Zeros added on each side. As in PyTorch's default
        (``count_include_pad=True``) the zeros count in the average.

    Examples
    --------
    >>> pool = AvgPool2d(2)
    >>> pool(np.arange(16.0).reshape(1, 1, 4, 4))[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """

    def forward(self, x):
        """Average-pool a batch.

        Parameters
        ----------
        x : ndarray of shape (batch, channels, height, width)

        Returns
        -------
        ndarray of shape (batch, channels, out_h, out_w)
        """
        check_image_batch(repr(self), x)
        output_size = _pooling_output_size(self, x.shape, self.kernel_size, self.stride, self.padding)
        padded = pad_nhwc(x.transpose(0, 2, 3, 1), self.padding)
        offsets = self._offsets()
        out = np.array(_window_slice(padded, offsets[0], output_size, self.stride), copy=True)
        for offset in offsets[1:]:
            out += _window_slice(padded, offset, output_size, self.stride)
        out *= 1.0 / len(offsets)
        self._cache = (padded.shape, x.shape, output_size) if self.training else None
        return out.transpose(0, 3, 1, 2)

    def backward(self, grad_output):
        """Share each output gradient equally among its window's positions.

        Parameters
        ----------
        grad_output : ndarray of shape (batch, channels, out_h, out_w)

        Returns
        -------
        ndarray of shape (batch, channels, height, width)
        """
        if self._cache is None:
            raise RuntimeError(f"{self!r}.backward() needs a forward() call in training mode first")
        padded_shape, input_shape, output_size = self._cache
        expected = (input_shape[0], input_shape[1]) + tuple(output_size)
        if tuple(grad_output.shape) != expected:
            raise ValueError(f"{self!r}.backward expects grad_output of shape {expected}, got {grad_output.shape}")
        offsets = self._offsets()
        share = grad_output.transpose(0, 2, 3, 1) * (1.0 / len(offsets))
        grad_padded = np.zeros(padded_shape, dtype=share.dtype)
        for offset in offsets:
            _window_slice(grad_padded, offset, output_size, self.stride)[...] += share
        _, _, height, width = input_shape
        pad_h, pad_w = self.padding
        grad_input = grad_padded[:, pad_h : pad_h + height, pad_w : pad_w + width, :]
        return grad_input.transpose(0, 3, 1, 2)


class AdaptiveAvgPool2d(Module):
    """Average-pool to a fixed output size, whatever the input size.

    ``AdaptiveAvgPool2d(1)`` is *global average pooling*: one number per
    channel, the mean over the whole feature map. It lets a CNN end with a
    small ``Linear`` layer instead of a huge flattened one.

    Parameters
    ----------
    output_size : int or tuple of int
        ``(out_h, out_w)`` of the result. Output cell ``y`` averages input
        rows ``floor(y*height/out_h)`` to ``ceil((y+1)*height/out_h) - 1``,
        as in PyTorch (and the same for columns).

    Examples
    --------
    >>> AdaptiveAvgPool2d(1)(np.ones((2, 8, 5, 5))).shape
    (2, 8, 1, 1)
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = as_pair(output_size, "output_size")
        if min(self.output_size) < 1:
            raise ValueError(f"AdaptiveAvgPool2d needs output_size >= 1, got {output_size}")
        self._cache = None

    def _bins(self, height: int, width: int):
        """Yield ``(y, x, row_slice, column_slice)`` for each output cell."""
        out_h, out_w = self.output_size
        for y in range(out_h):
            rows = slice((y * height) // out_h, -((-(y + 1) * height) // out_h))
            for x in range(out_w):
                columns = slice((x * width) // out_w, -((-(x + 1) * width) // out_w))
                yield y, x, rows, columns

    def forward(self, x):
        """Average-pool a batch to ``output_size``.

        Parameters
        ----------
        x : ndarray of shape (batch, channels, height, width)

        Returns
        -------
        ndarray of shape (batch, channels, out_h, out_w)
        """
        check_image_batch(repr(self), x)
        batch, channels, height, width = x.shape
        if height < 1 or width < 1:
            raise ValueError(f"{self!r} got an empty image of shape {x.shape}")
        x_nhwc = x.transpose(0, 2, 3, 1)
        out = np.empty((batch, *self.output_size, channels), dtype=x.dtype)
        # One step per *output* cell (just one for global pooling), each a
        # vectorised mean over the whole batch.
        for y, x_index, rows, columns in self._bins(height, width):
            out[:, y, x_index, :] = x_nhwc[:, rows, columns, :].mean(axis=(1, 2))
        self._cache = x.shape if self.training else None
        return out.transpose(0, 3, 1, 2)

    def backward(self, grad_output):
        """Spread each output gradient evenly over the input cells it averaged.

        Parameters
        ----------
        grad_output : ndarray of shape (batch, channels, out_h, out_w)

        Returns
        -------
        ndarray of shape (batch, channels, height, width)
        """
        if self._cache is None:
            raise RuntimeError(f"{self!r}.backward() needs a forward() call in training mode first")
        batch, channels, height, width = self._cache
        expected = (batch, channels, *self.output_size)
        if tuple(grad_output.shape) != expected:
            raise ValueError(f"{self!r}.backward expects grad_output of shape {expected}, got {grad_output.shape}")
        grad = grad_output.transpose(0, 2, 3, 1)
        grad_input = np.zeros((batch, height, width, channels), dtype=grad.dtype)
        for y, x_index, rows, columns in self._bins(height, width):
            count = (rows.stop - rows.start) * (columns.stop - columns.start)
            grad_input[:, rows, columns, :] += grad[:, y : y + 1, x_index : x_index + 1, :] / count
        return grad_input.transpose(0, 3, 1, 2)

    def extra_repr(self) -> str:
        """Describe the layer like PyTorch does."""
        return f"output_size={self.output_size}"
