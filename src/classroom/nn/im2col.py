"""im2col and col2im: turning a convolution into one matrix multiplication.

A 2-D convolution slides a small ``kernel_h x kernel_w`` window over the image
and, at every output position, takes a dot product between the window and
each filter. Doing that with Python loops is hopelessly slow. The classic
trick, *im2col* ("image to columns"), copies every window into one row of a
big matrix::

    cols[n, out_y, out_x, i, j, c] = x_padded[n, out_y*stride + i, out_x*stride + j, c]

so that the whole convolution becomes a single matrix product::

    out (batch*out_h*out_w, out_channels)
        = cols (batch*out_h*out_w, kernel_h*kernel_w*in_channels)
          @ weight (kernel_h*kernel_w*in_channels, out_channels)

and matrix products are what BLAS libraries do fastest.

*col2im* is the reverse bookkeeping, used in the backward pass: each input
pixel appeared in several windows, so its gradient is the *sum* of the
gradients of all the rows (windows) it was copied into.

Layout: channels last
---------------------
These helpers work on images stored as ``(batch, height, width, channels)``
("NHWC", what PyTorch calls ``channels_last``). With channels last, the
``kernel_w * channels`` numbers of one window row sit next to each other in
memory, so the copy moves long contiguous runs, and the matrix product's
output *is* already an NHWC image: no transposes between layers. The layers
in ``classroom.nn`` accept and return the usual ``(batch, channels, height,
width)`` shape (NCHW) but keep the memory channels-last underneath (see
``Conv2d``).

No loops over pixels: ``sliding_window_view`` gives a strided *view* of all
windows without copying anything, and a single ``copyto`` materialises it.
``col2im`` loops only over the ``kernel_h * kernel_w`` kernel offsets (9 for a
3x3 kernel); each step is one vectorised strided add over the whole batch,
which is much faster than ``numpy.add.at``.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def as_pair(value, name: str = "value") -> tuple[int, int]:
    """Return ``(value, value)`` for an int, or the pair itself, as PyTorch accepts both.

    Parameters
    ----------
    value : int or tuple of two ints
        For example ``kernel_size=3`` or ``kernel_size=(3, 5)``.
    name : str, default "value"
        Used in the error message.

    Raises
    ------
    TypeError
        If ``value`` is neither an int nor a pair of ints.
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
    ):
        return int(value[0]), int(value[1])
    raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")


def conv_output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """Return the output length of a convolution or pooling along one axis.

    Parameters
    ----------
    size : int
        Input length (height or width).
    kernel : int
        Kernel length along this axis.
    stride : int
        Step between windows.
    padding : int
        Zeros added on *each* side.

    Returns
    -------
    int
        ``(size + 2*padding - kernel) // stride + 1`` (PyTorch's formula
        without dilation and with ``ceil_mode=False``).

    Examples
    --------
    >>> conv_output_size(32, kernel=3, stride=1, padding=1)
    32
    >>> conv_output_size(32, kernel=2, stride=2, padding=0)
    16
    """
    return (size + 2 * padding - kernel) // stride + 1


def conv_transpose_output_size(size: int, kernel: int, stride: int, padding: int, output_padding: int = 0) -> int:
    """Return the output length of a transposed convolution along one axis.

    The inverse of ``conv_output_size``: a transposed convolution maps a
    length back to the longest input length a convolution with the same
    ``kernel``, ``stride`` and ``padding`` maps onto it, minus
    ``stride - 1 - output_padding``.

    Parameters
    ----------
    size : int
        Input length (height or width).
    kernel, stride, padding : int
        As for the convolution it inverts; ``padding`` is cropped from
        *each* side of the output.
    output_padding : int, default 0
        Extra entries at the end (smaller than ``stride``).

    Returns
    -------
    int
        ``(size - 1)*stride - 2*padding + kernel + output_padding``
        (PyTorch's formula without dilation).

    Examples
    --------
    >>> conv_transpose_output_size(16, kernel=4, stride=2, padding=1)
    32
    >>> conv_output_size(32, kernel=4, stride=2, padding=1)
    16
    """
    return (size - 1) * stride - 2 * padding + kernel + output_padding


def conv_output_hw(height_width, kernel_size, stride, padding) -> tuple[int, int]:
    """Return ``(out_h, out_w)``: ``conv_output_size`` along both spatial axes.

    Parameters
    ----------
    height_width : tuple of int
        ``(height, width)`` of the input.
    kernel_size, stride, padding : tuple of int
        ``(height, width)`` pairs.

    Examples
    --------
    >>> conv_output_hw((32, 30), kernel_size=(3, 3), stride=(2, 2), padding=(1, 0))
    (16, 14)
    """
    return tuple(map(conv_output_size, height_width, kernel_size, stride, padding))


def conv_transpose_output_hw(height_width, kernel_size, stride, padding, output_padding=(0, 0)) -> tuple[int, int]:
    """Return ``(out_h, out_w)``: ``conv_transpose_output_size`` along both spatial axes.

    Examples
    --------
    >>> conv_transpose_output_hw((16, 16), kernel_size=(4, 4), stride=(2, 2), padding=(1, 1))
    (32, 32)
    """
    return tuple(map(conv_transpose_output_size, height_width, kernel_size, stride, padding, output_padding))


def to_nhwc_contiguous(array):
    """Return ``array`` (NCHW-shaped) as a C-contiguous NHWC array, copying only if needed.

    Parameters
    ----------
    array : ndarray of shape (batch, channels, height, width)

    Returns
    -------
    ndarray of shape (batch, height, width, channels)
    """
    return np.ascontiguousarray(array.transpose(0, 2, 3, 1))


def pad_nhwc(x, padding: tuple[int, int], value: float = 0.0, out=None):
    """Pad the two spatial axes of a channels-last batch.

    Parameters
    ----------
    x : ndarray of shape (batch, height, width, channels)
        Any memory layout (a transposed view is fine).
    padding : tuple of int
        ``(pad_h, pad_w)``: rows added at the top and bottom, columns added
        left and right.
    value : float, default 0.0
        The fill value (``-inf`` for max pooling).
    out : ndarray of shape (batch, height + 2*pad_h, width + 2*pad_w, channels), optional
        A buffer to reuse. Its border must already hold ``value``: only the
        interior is written, which saves clearing the whole buffer.

    Returns
    -------
    ndarray of shape (batch, height + 2*pad_h, width + 2*pad_w, channels)
        C-contiguous.
    """
    batch, height, width, channels = x.shape
    pad_h, pad_w = padding
    if pad_h == 0 and pad_w == 0 and out is None:
        return np.ascontiguousarray(x)
    shape = (batch, height + 2 * pad_h, width + 2 * pad_w, channels)
    if out is None:
        out = np.full(shape, value, dtype=x.dtype)
    out[:, pad_h : pad_h + height, pad_w : pad_w + width, :] = x
    return out


def window_view(x, kernel_size: tuple[int, int], stride: tuple[int, int]):
    """Return a read-only strided view of every window, without copying.

    Parameters
    ----------
    x : ndarray of shape (batch, height, width, channels)
        Already padded.
    kernel_size : tuple of int
        ``(kernel_h, kernel_w)``.
    stride : tuple of int
        ``(stride_h, stride_w)``, the step between windows.

    Returns
    -------
    ndarray of shape (batch, out_h, out_w, kernel_h, kernel_w, channels)
        ``view[n, y, x, i, j, c] == x[n, y*stride_h + i, x*stride_w + j, c]``.
    """
    kernel_h, kernel_w = kernel_size
    # sliding_window_view appends the window axes at the end:
    # (batch, height - kh + 1, width - kw + 1, channels, kh, kw).
    windows = sliding_window_view(x, (kernel_h, kernel_w), axis=(1, 2))
    windows = windows[:, :: stride[0], :: stride[1]]
    return windows.transpose(0, 1, 2, 4, 5, 3)


def im2col(x, kernel_size: tuple[int, int], stride: tuple[int, int], out=None):
    """Copy every window of a padded NHWC batch into one row of a matrix.

    Parameters
    ----------
    x : ndarray of shape (batch, height, width, channels)
        The (already padded) input, channels last.
    kernel_size : tuple of int
        ``(kernel_h, kernel_w)``.
    stride : tuple of int
        ``(stride_h, stride_w)``, the step between windows.
    out : ndarray of shape (batch, out_h, out_w, kernel_h, kernel_w, channels), optional
        Buffer to fill (reused between calls to avoid allocating).

    Returns
    -------
    cols : ndarray of shape (batch, out_h, out_w, kernel_h, kernel_w, channels)
        C-contiguous, so ``cols.reshape(batch*out_h*out_w, -1)`` is free and
        is the matrix of the convolution's matrix product.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> cols = im2col(x, (2, 2), stride=(2, 2))
    >>> cols.reshape(4, 4)
    array([[ 0.,  1.,  4.,  5.],
           [ 2.,  3.,  6.,  7.],
           [ 8.,  9., 12., 13.],
           [10., 11., 14., 15.]])
    """
    windows = window_view(x, kernel_size, stride)
    if out is None:
        out = np.empty(windows.shape, dtype=x.dtype)
    # One copy of the whole strided view: NumPy walks it in memory order and
    # moves kernel_w*channels contiguous numbers at a time.
    np.copyto(out, windows)
    return out


def col2im(cols, padded_shape: tuple[int, int, int, int], stride: tuple[int, int], out=None):
    """Sum window gradients back into the image they were copied from.

    The adjoint of ``im2col``: pixel ``(y, x)`` receives the sum of every
    ``cols[n, oy, ox, i, j, c]`` with ``oy*stride + i == y`` and
    ``ox*stride + j == x``.

    Parameters
    ----------
    cols : ndarray of shape (batch, out_h, out_w, kernel_h, kernel_w, channels)
        Gradient with respect to each window entry.
    padded_shape : tuple of int
        ``(batch, padded_height, padded_width, channels)`` of the padded input.
    stride : tuple of int
        The ``(stride_h, stride_w)`` used by ``im2col``.
    out : ndarray of shape ``padded_shape``, optional
        Buffer to write into (it is overwritten).

    Returns
    -------
    ndarray of shape ``padded_shape``
        The gradient with respect to the padded input (crop the padding off
        to get the gradient of the original input).

    Notes
    -----
    Speed depends on the *memory* order of ``cols``. Each addition reads
    ``cols[:, :, :, i, j, :]``; when ``cols`` is a transposed view of an
    offset-major array of shape (kernel_h, kernel_w, batch, out_h, out_w,
    channels), that block is contiguous and the addition runs at memory
    speed. ``Conv2d`` and ``ConvTranspose2d`` build ``cols`` that way.
    """
    batch, out_h, out_w, kernel_h, kernel_w, channels = cols.shape
    if out is None:
        out = np.zeros(padded_shape, dtype=cols.dtype)
    else:
        out.fill(0)
    stride_h, stride_w = stride
    row_span = (out_h - 1) * stride_h + 1
    col_span = (out_w - 1) * stride_w + 1
    # One strided add per kernel offset (i, j): all windows at once. Within
    # one offset the windows never overlap, so a plain += is correct (no
    # need for the much slower np.add.at).
    for i in range(kernel_h):
        for j in range(kernel_w):
            target = out[:, i : i + row_span : stride_h, j : j + col_span : stride_w, :]
            target += cols[:, :, :, i, j, :]
    return out
