"""Pooling layers: ``MaxPool2d``, ``AvgPool2d`` and ``AdaptiveAvgPool2d``.

Pooling shrinks the height and width of a feature map by summarising each
window with one number: its maximum or its mean. It has no parameters.

Like ``Conv2d``, these layers take and return NCHW-*shaped* arrays and work on
channels-last memory inside. They work in two passes, one along the width
and one along the height, each a loop over the few kernel offsets (2 for the
usual 2x2 pooling); every step handles the whole batch at once with one
strided slice, so there is no loop over pixels. Max pooling runs both
passes on each slice of the batch in its own worker thread
(``classroom.nn.parallel.for_each_slice``), and
``classroom.nn._fast.set_where`` records the winning offsets.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_forward_was_called, check_grad_shape, check_image_batch, check_window_fits
from .im2col import as_pair, conv_output_hw, pad_nhwc
from ._fast import set_where
from .module import Module
from .parallel import for_each_slice


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

    def output_hw(self, input_shape: tuple) -> tuple[int, int]:
        """Return ``(out_h, out_w)`` for an input of shape ``(batch, channels, height, width)``.

        The same formula as ``Conv2d`` (``classroom.nn.im2col.conv_output_size``).

        Raises
        ------
        ValueError
            If the padded input is smaller than the window.
        """
        check_window_fits(input_shape, self.kernel_size, self.padding, self)
        return conv_output_hw(input_shape[2:], self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        """Describe the layer like PyTorch does."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


def _axis_slice(array, axis: int, offset: int, count: int, stride: int):
    """Return ``array`` sliced to ``offset, offset + stride, ...`` (``count`` entries) along ``axis``.

    A strided view, no copy: entry ``k`` of the result along ``axis`` is
    entry ``offset + k*stride`` of ``array``.
    """
    index = [slice(None)] * array.ndim
    index[axis] = slice(offset, offset + (count - 1) * stride + 1, stride)
    return array[tuple(index)]


def max_along_axis(array, axis: int, kernel: int, stride: int, best, offset) -> None:
    """Max over windows of ``kernel`` entries along one axis, and where each max sits.

    Parameters
    ----------
    array : ndarray of shape (batch, height, width, channels)
    axis : int
        1 (rows) or 2 (columns).
    kernel, stride : int
        Window length and step between windows.
    best : ndarray
        Output: ``array`` with axis ``axis`` shrunk to the window maxima
        (its length along ``axis`` is the number of windows).
    offset : ndarray of uint8, same shape as ``best``
        Output: offset inside the window of the maximum. On ties the first
        (lowest) offset, because only a strictly greater value replaces the best.
    """
    count = best.shape[axis]
    previous = _axis_slice(array, axis, 0, count, stride)
    offset.fill(0)
    if kernel == 1:
        np.copyto(best, previous)
    for k in range(1, kernel):
        candidate = _axis_slice(array, axis, k, count, stride)
        better = np.greater(candidate, previous)
        np.maximum(previous, candidate, out=best)
        set_where(offset, better, k)  # offset[better] = k
        previous = best


def route_along_axis(grad, offset, axis: int, kernel: int, stride: int, grad_input) -> None:
    """Undo ``max_along_axis`` for gradients: send each value back to its maximum's position.

    Parameters
    ----------
    grad : ndarray
        Gradient with respect to ``best``.
    offset : ndarray of uint8
        The offsets found by ``max_along_axis``.
    axis, kernel, stride : int
        As given to ``max_along_axis``.
    grad_input : ndarray
        Output, shaped like the array that was reduced: zero except at the
        maxima (overlapping windows that share a maximum add up there).
    """
    count = grad.shape[axis]
    # When the windows tile the axis exactly (no overlap, no gap), every
    # position is written exactly once and nothing needs zeroing first.
    covers_once = stride == kernel and count * kernel == grad_input.shape[axis]
    if not covers_once:
        grad_input.fill(0)
    for k in range(kernel):
        target = _axis_slice(grad_input, axis, k, count, stride)
        if covers_once:
            np.multiply(grad, offset == k, out=target)
        else:
            target += grad * (offset == k)


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
    The maximum of a 2-D window is the maximum over its rows of each row's
    maximum, so the layer works in two cheap passes: first along the width
    (every row of every window), then along the height. Each pass is
    ``kernel`` strided comparisons over the whole batch and remembers the
    offset of the winner, which the backward pass follows in reverse.

    The gradient flows only to the position of each window's maximum. When
    several positions tie, the first one in row-major order gets it, as in
    PyTorch: the first row holding the maximum wins, and inside that row
    the leftmost position.

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
        x = check_image_batch(x, self)
        out_h, out_w = self.output_hw(x.shape)
        padded = pad_nhwc(x.transpose(0, 2, 3, 1), self.padding, value=-np.inf)
        batch, padded_h, _, channels = padded.shape
        row_max = np.empty((batch, padded_h, out_w, channels), dtype=padded.dtype)
        column_offset = np.empty(row_max.shape, dtype=np.uint8)
        out = np.empty((batch, out_h, out_w, channels), dtype=padded.dtype)
        row_offset = np.empty(out.shape, dtype=np.uint8)
        # Both passes for each slice of the batch, in its own worker thread.
        for_each_slice(self._max_pool, padded, row_max, column_offset, out, row_offset)
        self._cache = (row_offset, column_offset, padded.shape, x.shape) if self.training else None
        return out.transpose(0, 3, 1, 2)

    def _max_pool(self, padded, row_max, column_offset, out, row_offset) -> None:
        """Max-pool ``padded`` (NHWC) in two passes, writing into the other arrays."""
        (kernel_h, kernel_w), (stride_h, stride_w) = self.kernel_size, self.stride
        # 1. Along the width: the maximum of every window row, and its column.
        max_along_axis(padded, 2, kernel_w, stride_w, row_max, column_offset)
        # 2. Along the height: the maximum of those row maxima, and its row.
        max_along_axis(row_max, 1, kernel_h, stride_h, out, row_offset)

    def backward(self, grad_output):
        """Route each output gradient to the position of its window's maximum.

        Parameters
        ----------
        grad_output : ndarray of shape (batch, channels, out_h, out_w)

        Returns
        -------
        ndarray of shape (batch, channels, height, width)
        """
        check_forward_was_called(self._cache, self, training_mode=True)
        row_offset, column_offset, padded_shape, input_shape = self._cache
        batch, out_h, out_w, channels = row_offset.shape
        grad_output = check_grad_shape(grad_output, (batch, channels, out_h, out_w), self)
        grad = grad_output.transpose(0, 2, 3, 1)
        grad_row_max = np.empty(column_offset.shape, dtype=grad.dtype)
        grad_padded = np.empty(padded_shape, dtype=grad.dtype)
        for_each_slice(self._unpool, grad, row_offset, column_offset, grad_row_max, grad_padded)
        _, _, height, width = input_shape
        pad_h, pad_w = self.padding
        grad_input = grad_padded[:, pad_h : pad_h + height, pad_w : pad_w + width, :]
        return grad_input.transpose(0, 3, 1, 2)

    def _unpool(self, grad, row_offset, column_offset, grad_row_max, grad_padded) -> None:
        """Undo ``_max_pool``: each gradient goes back to the offset that won its window."""
        (kernel_h, kernel_w), (stride_h, stride_w) = self.kernel_size, self.stride
        # Undo step 2 (height), then step 1 (width).
        route_along_axis(grad, row_offset, 1, kernel_h, stride_h, grad_row_max)
        route_along_axis(grad_row_max, column_offset, 2, kernel_w, stride_w, grad_padded)


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
        x = check_image_batch(x, self)
        output_size = self.output_hw(x.shape)
        padded = pad_nhwc(x.transpose(0, 2, 3, 1), self.padding)
        (kernel_h, kernel_w), (stride_h, stride_w) = self.kernel_size, self.stride
        out_h, out_w = output_size
        # Like MaxPool2d, in two passes: window sums along the width, then the height.
        row_sum = _axis_slice(padded, 2, 0, out_w, stride_w).copy()
        for k in range(1, kernel_w):
            row_sum += _axis_slice(padded, 2, k, out_w, stride_w)
        out = _axis_slice(row_sum, 1, 0, out_h, stride_h).copy()
        for k in range(1, kernel_h):
            out += _axis_slice(row_sum, 1, k, out_h, stride_h)
        out *= 1.0 / (kernel_h * kernel_w)
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
        check_forward_was_called(self._cache, self, training_mode=True)
        padded_shape, input_shape, output_size = self._cache
        expected = (input_shape[0], input_shape[1]) + tuple(output_size)
        grad_output = check_grad_shape(grad_output, expected, self)
        (kernel_h, kernel_w), (stride_h, stride_w) = self.kernel_size, self.stride
        out_h, out_w = output_size
        share = grad_output.transpose(0, 2, 3, 1) * (1.0 / (kernel_h * kernel_w))
        # Undo the height pass, then the width pass: every window entry gets its share.
        batch, padded_h, padded_w, channels = padded_shape
        grad_row_sum = np.zeros((batch, padded_h, out_w, channels), dtype=share.dtype)
        for k in range(kernel_h):
            target = _axis_slice(grad_row_sum, 1, k, out_h, stride_h)  # a view into grad_row_sum
            target += share
        grad_padded = np.zeros(padded_shape, dtype=share.dtype)
        for k in range(kernel_w):
            target = _axis_slice(grad_padded, 2, k, out_w, stride_w)  # a view into grad_padded
            target += grad_row_sum
        _, _, height, width = input_shape
        pad_h, pad_w = self.padding
        grad_input = grad_padded[:, pad_h : pad_h + height, pad_w : pad_w + width, :]
        return grad_input.transpose(0, 3, 1, 2)


def _bin(index: int, size: int, bins: int) -> slice:
    """Return the input range ``floor(index*size/bins)`` to ``ceil((index+1)*size/bins)`` (excluded) of one output cell.

    PyTorch's rule for adaptive pooling: the ranges cover the input and
    neighbouring ones overlap by at most one entry. Integer arithmetic, so
    no rounding: ``(a + b - 1) // b`` is ``ceil(a / b)`` for positive ints.
    """
    start = (index * size) // bins
    stop = ((index + 1) * size + bins - 1) // bins
    return slice(start, stop)


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
            rows = _bin(y, height, out_h)
            for x in range(out_w):
                yield y, x, rows, _bin(x, width, out_w)

    def forward(self, x):
        """Average-pool a batch to ``output_size``.

        Parameters
        ----------
        x : ndarray of shape (batch, channels, height, width)

        Returns
        -------
        ndarray of shape (batch, channels, out_h, out_w)
        """
        x = check_image_batch(x, self)
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
        check_forward_was_called(self._cache, self, training_mode=True)
        batch, channels, height, width = self._cache
        grad_output = check_grad_shape(grad_output, (batch, channels, *self.output_size), self)
        grad = grad_output.transpose(0, 2, 3, 1)
        grad_input = np.zeros((batch, height, width, channels), dtype=grad.dtype)
        for y, x_index, rows, columns in self._bins(height, width):
            count = (rows.stop - rows.start) * (columns.stop - columns.start)
            grad_input[:, rows, columns, :] += grad[:, y : y + 1, x_index : x_index + 1, :] / count
        return grad_input.transpose(0, 3, 1, 2)

    def extra_repr(self) -> str:
        """Describe the layer like PyTorch does."""
        return f"output_size={self.output_size}"
