"""The speed work behind the layers, kept out of their ``forward`` and ``backward``.

The layers' ``forward`` and ``backward`` follow the lesson step by step: for
``Conv2d`` pad, im2col, one matrix product; backward two matrix products and
col2im. This module holds what makes those steps fast on a CPU without
changing a single number. Each function says what it computes in plain NumPy
(the lesson's version) and what it buys, measured on a 2-core virtual
machine (OpenBLAS, float32, batch 128, shapes of the CIFAR-10 CNN; medians
over alternating runs of both versions, one thread unless noted):

* ``Workspace``: arrays reused between calls instead of allocated again;
* ``transposed_matmul``, ``matmul_col2im``: the lesson's steps with the
  batch split between the worker threads (``classroom.nn.parallel``);
* ``col2im_in_blocks``: col2im in a few long additions when the kernel is
  a whole number of strides;
* ``conv_input_gradient``: Conv2d's input gradient, by col2im or, when it
  moves less memory, by a convolution with the flipped kernel;
* ``set_where``: max pooling's "remember the winning offset", without a
  masked assignment;
* ``column_sums``, ``center``, ``column_sums_and_dots``, ``scale_and_shift``,
  ``batch_norm_input_gradient``: batch norm's reductions and element-wise
  passes, with BLAS and with threads.

None of this changes results: with one worker thread every function does
the same arithmetic in the same order as the lesson's expression. With more
workers, sums over the batch add one partial sum per slice, which can change
the last bits (``tests/nn/test_nn_parallel.py`` checks 1e-12 agreement).
"""

from __future__ import annotations

import numpy as np

from . import im2col as layout
from .parallel import run_chunks


class Workspace:
    """Arrays a layer reuses from one call to the next instead of allocating them again.

    A fresh array of tens of megabytes (im2col's ``cols`` for a batch of 128)
    costs a page fault for every 4 KiB on its first write, every call.
    Reusing the array avoids that: the im2col copy of the CIFAR CNN's second
    ``Conv2d`` (128x18x18x32 padded input, 3x3) takes 3.6 instead of 6.7 ms
    (the first, with 3 channels, gains nothing: 2.4 ms either way). A padded
    buffer also keeps its zero border, so only the interior is written: 1.35
    instead of 2.15 ms for a 128x32x32x32 batch.

    The arrays are scratch space: not parameters, not saved in
    ``state_dict``. An array handed out by one call is overwritten by the
    next call with the same name.
    """

    def __init__(self):
        self._arrays: dict[str, np.ndarray] = {}

    def array(self, name: str, shape: tuple, dtype, fill=None) -> np.ndarray:
        """Return the array called ``name`` with this shape and dtype, allocating it only when needed.

        ``fill`` initialises a newly allocated array; a reused one keeps
        whatever the last call wrote.
        """
        array = self._arrays.get(name)
        if array is None or array.shape != tuple(shape) or array.dtype != dtype:
            array = np.empty(shape, dtype=dtype) if fill is None else np.full(shape, fill, dtype=dtype)
            self._arrays[name] = array
        return array

    def padded(self, name: str, x, padding: tuple[int, int]) -> np.ndarray:
        """Return a zero-bordered buffer for ``pad_nhwc(x, padding, out=...)``, or ``x`` itself without padding.

        The buffer keeps its zero border from one call to the next, so only
        the interior needs writing. Without padding, ``x`` is returned
        unchanged, even when it is a strided view: im2col reads the view
        directly, which saves a copy.
        """
        pad_h, pad_w = padding
        if pad_h == 0 and pad_w == 0:
            return x
        batch, height, width, channels = x.shape
        return self.array(name, (batch, height + 2 * pad_h, width + 2 * pad_w, channels), x.dtype, fill=0)


# ------------------------------------------------- the lesson's steps, in threads
def transposed_matmul(a, b) -> np.ndarray:
    """Return ``a.T @ b``: each worker thread multiplies its slice of rows, and the partial products are added.

    A weight gradient is a sum over every pixel of the batch; the sum of
    two half-batch products is the same sum.
    """
    return sum(run_chunks(lambda rows: a[rows].T @ b[rows], a.shape[0]))


def matmul_col2im(x, weight_per_offset, kernel_size, stride, out_shape) -> np.ndarray:
    """Return ``col2im(x @ W)``: each pixel of ``x`` times the kernel, added into its window of the output.

    The lesson's version is one matrix product with the whole kernel,
    ``(x.reshape(-1, c_in) @ weight_matrix).reshape(batch, h, w, kh, kw, c_out)``,
    then ``col2im``. Two routes make it faster, both splitting the batch
    between the worker threads:

    * when the stride is above 1 and the kernel a whole number of strides
      (the VAE's 4x4 kernels with stride 2), exactly that product, then ``col2im_in_blocks``, which
      adds the windows in ``(kh / stride)**2`` long additions instead of
      ``kh * kw`` short ones;
    * otherwise the product is computed one kernel offset at a time and
      stored offset-major, ``(kh, kw, batch, h, w, c_out)``, so that each of
      col2im's ``kh * kw`` additions reads one contiguous block instead of
      ``c_out`` numbers every ``kh * kw * c_out``: 26.4 instead of 28.0 ms
      for a 128x16x16 batch, 64 -> 32 channels, 3x3 (no difference for
      64x8x8).

    Parameters
    ----------
    x : ndarray of shape (batch, h, w, c_in)
        C-contiguous, channels last.
    weight_per_offset : ndarray of shape (kh * kw, c_in, c_out)
        The kernel, one ``(c_in, c_out)`` matrix per offset ``(i, j)``.
    kernel_size, stride : tuple of int
    out_shape : tuple of int
        ``(batch, height, width, c_out)`` of the (uncropped) output.

    Returns
    -------
    ndarray of shape ``out_shape``
    """
    batch, height, width, in_channels = x.shape
    kernel_h, kernel_w = kernel_size
    out_channels = out_shape[3]
    out = np.empty(out_shape, dtype=x.dtype)
    # With stride 1 the blocks are single offsets: the offset-major route below is the faster one there.
    in_blocks = stride != (1, 1) and kernel_h % stride[0] == 0 and kernel_w % stride[1] == 0
    # (c_in, kh * kw * c_out), columns ordered (kernel row, kernel column, output channel).
    weight_matrix = weight_per_offset.transpose(1, 0, 2).reshape(in_channels, -1) if in_blocks else None

    def scatter(images):
        count = len(x[images])  # images in this slice
        if in_blocks:
            windows = x[images].reshape(-1, in_channels) @ weight_matrix
            windows = windows.reshape(count, height, width, kernel_h, kernel_w, out_channels)
            col2im_in_blocks(windows, stride, out=out[images])
            return
        windows = np.matmul(x[images].reshape(-1, in_channels), weight_per_offset)
        windows = windows.reshape(kernel_h, kernel_w, count, height, width, out_channels)
        # col2im expects (batch, h, w, kh, kw, c_out): a transposed view, no copy.
        layout.col2im(windows.transpose(2, 3, 4, 0, 1, 5), out[images].shape, stride, out=out[images])

    run_chunks(scatter, batch)
    return out


def col2im_in_blocks(cols, stride, out) -> np.ndarray:
    """``col2im(cols, out.shape, stride, out=out)`` for a kernel that is a whole number of strides.

    col2im adds the windows one kernel offset ``(i, j)`` at a time: ``kh *
    kw`` additions, each into every ``stride``-th pixel, so the innermost
    run of memory it touches is one pixel's ``channels`` numbers (3 for
    the VAE's last layer). When ``kh = P * stride_h`` and ``kw = Q *
    stride_w``, the ``stride_h * stride_w`` offsets ``(P' * stride_h + a,
    Q' * stride_w + b)`` of one block ``(P', Q')`` land on the
    ``stride_h x stride_w`` tiles of one shifted copy of the image, side by
    side: one addition per block covers them all, along whole rows of the
    output. For the VAE's 4x4 kernels with stride 2 that is 4 additions
    instead of 16; measured alone with ``matmul_col2im`` (batch 128, one
    thread), 32 -> 3 channels at 32x32 took 131 instead of 223 ms and 128 ->
    64 at 8x8 109 instead of 144 ms.

    Parameters
    ----------
    cols : ndarray of shape (batch, out_h, out_w, kernel_h, kernel_w, channels)
        ``kernel_h`` a multiple of ``stride[0]``, ``kernel_w`` of ``stride[1]``.
    stride : tuple of int
    out : ndarray of shape (batch, padded_height, padded_width, channels)
        Overwritten with the result.

    Returns
    -------
    ndarray
        ``out``.
    """
    batch, out_h, out_w, kernel_h, kernel_w, channels = cols.shape
    stride_h, stride_w = stride
    blocks_h, blocks_w = kernel_h // stride_h, kernel_w // stride_w
    blocks = cols.reshape(batch, out_h, out_w, blocks_h, stride_h, blocks_w, stride_w, channels)
    out.fill(0)
    for block_row in range(blocks_h):
        for block_col in range(blocks_w):
            top, left = block_row * stride_h, block_col * stride_w
            region = out[:, top : top + out_h * stride_h, left : left + out_w * stride_w, :]
            # Split rows and columns into (window, offset inside the block): a view, never a copy.
            tiles = region.reshape(batch, out_h, stride_h, out_w, stride_w, channels)
            tiles += blocks[:, :, :, block_row, :, block_col, :, :].transpose(0, 1, 3, 2, 4, 5)
    return out


# ----------------------------------------------------------------- Conv2d
def conv_input_gradient(grad, weight, input_shape, stride, padding, workspace: Workspace) -> np.ndarray:
    """Return Conv2d's input gradient (NHWC): ``col2im(grad @ W^T)``, cropped, by the route that moves less memory.

    The lesson's route, for any stride: ``grad @ W^T`` is the gradient of
    every window entry, and col2im adds each one onto the pixel it was
    copied from (``matmul_col2im``); then the padding is cropped off.

    With stride 1 and at least as many input as output channels,
    ``_input_gradient_as_convolution`` computes the same numbers as a
    convolution with the flipped kernel: col2im writes and re-reads
    ``kh * kw * in_channels`` numbers per output pixel, the convolution
    ``kh * kw * out_channels``. Measured on the input gradient alone
    (batch 128, 3x3, 2 worker threads): 32->32 channels at 32x32 pixels 32.3
    instead of 44.7 ms, 64->64 at 16x16 21.8 instead of 25.7 ms, 64->32 at
    16x16 10.0 instead of 21.2 ms.

    Parameters
    ----------
    grad : ndarray of shape (batch, out_h, out_w, out_channels)
        The output gradient, C-contiguous, channels last.
    weight : ndarray of shape (out_channels, in_channels, kh, kw)
    input_shape : tuple of int
        ``(batch, in_channels, height, width)`` of the forward input.
    stride, padding : tuple of int
    workspace : Workspace
        The layer's reusable buffers.

    Returns
    -------
    ndarray of shape (batch, height, width, in_channels)
    """
    out_channels, in_channels, kernel_h, kernel_w = weight.shape
    batch, _, height, width = input_shape
    pad_h, pad_w = padding
    if stride == (1, 1) and pad_h < kernel_h and pad_w < kernel_w and in_channels >= out_channels:
        return _input_gradient_as_convolution(grad, weight, input_shape, padding, workspace)
    weight_per_offset = weight.transpose(2, 3, 0, 1).reshape(kernel_h * kernel_w, out_channels, in_channels)
    padded_shape = (batch, height + 2 * pad_h, width + 2 * pad_w, in_channels)
    grad_padded = matmul_col2im(grad, weight_per_offset, (kernel_h, kernel_w), stride, padded_shape)
    return grad_padded[:, pad_h : pad_h + height, pad_w : pad_w + width, :]


def _input_gradient_as_convolution(grad, weight, input_shape, padding, workspace: Workspace) -> np.ndarray:
    """Input gradient of a stride-1 Conv2d as another convolution (see ``conv_input_gradient``).

    With stride 1, the input gradient is the output gradient, zero-padded by
    ``kernel - 1 - padding`` on each side, convolved with the kernel
    flipped upside down and left to right (input and output channels
    swapped): one im2col copy and one matrix product, no col2im.
    """
    out_channels, in_channels, kernel_h, kernel_w = weight.shape
    batch, _, height, width = input_shape
    full_pad = (kernel_h - 1 - padding[0], kernel_w - 1 - padding[1])
    grad_padded = workspace.padded("grad_padded", grad, full_pad)
    cols_shape = (batch, height, width, kernel_h, kernel_w, out_channels)
    grad_cols = workspace.array("grad_cols", cols_shape, grad.dtype)
    # Rows ordered (kernel row, kernel column, output channel), like grad_cols.
    flipped = weight[:, :, ::-1, ::-1].transpose(2, 3, 0, 1)
    flipped = flipped.reshape(kernel_h * kernel_w * out_channels, in_channels)
    grad_input = np.empty((batch, height, width, in_channels), dtype=grad.dtype)

    def convolve(images):  # pad, im2col, one product: each slice in one thread
        source = grad[images] if grad_padded is grad else layout.pad_nhwc(grad[images], full_pad, out=grad_padded[images])
        layout.im2col(source, (kernel_h, kernel_w), (1, 1), out=grad_cols[images])
        rows = grad_input[images].reshape(-1, in_channels)
        np.matmul(grad_cols[images].reshape(len(rows), len(flipped)), flipped, out=rows)  # no -1: batch may be 0

    run_chunks(convolve, batch)
    return grad_input


# ------------------------------------------------------------- max pooling
def set_where(target, mask, value: int) -> None:
    """Set ``target[mask] = value`` in place, for a uint8 ``target`` whose entries are all below ``value``.

    Max pooling records the winning offset ``k`` of every window, with ``k``
    growing from one comparison to the next, so "set to k where the
    candidate won" is the same as "the maximum of the old offset and
    ``k * mask``". That arithmetic streams through memory; a masked
    assignment goes element by element: 0.75 instead of 18.7 ms for a
    128x32x16x64 array.
    """
    np.maximum(target, mask * np.uint8(value), out=target)


# -------------------------------------------------------------- batch norm
def column_sums(matrix) -> np.ndarray:
    """Return ``matrix.sum(axis=0)``, as a BLAS product ``ones @ matrix`` in the worker threads.

    NumPy's ``sum(axis=0)`` adds the rows one after another; a
    matrix-vector product with a vector of ones is a BLAS call: 0.85 instead
    of 2.63 ms for the first batch norm of the CIFAR CNN (131072x32 float32),
    0.36 instead of 0.76 ms for the second (32768x64).
    """
    return sum(run_chunks(lambda rows: np.ones(len(matrix[rows]), dtype=matrix.dtype) @ matrix[rows], len(matrix)))


def center(matrix, mean):
    """Return ``matrix - mean`` and the sum of its squares per column, ``((matrix - mean)**2).sum(axis=0)``.

    Each worker thread subtracts the mean from its slice of rows and, while
    that slice is still in its core's cache, adds up its squares with
    ``einsum`` (multiply and add in one pass, no temporary array): 5.4
    instead of 8.9 ms for 131072x32, 1.5 instead of 3.0 ms for 32768x64,
    against ``m - mean`` and ``((m - mean)**2).sum(axis=0)``.
    """
    centered = np.empty_like(matrix)

    def subtract(rows):
        np.subtract(matrix[rows], mean, out=centered[rows])
        return np.einsum("ij,ij->j", centered[rows], centered[rows])

    return centered, sum(run_chunks(subtract, len(matrix)))


def column_sums_and_dots(grad, centered):
    """Return ``grad.sum(axis=0)`` and ``(grad * centered).sum(axis=0)``, in one pass over ``grad``.

    Batch norm's backward needs both sums. Each worker thread computes them
    for its slice of rows (``ones @ grad`` as in ``column_sums``, and an
    ``einsum``), so the slice of ``grad`` is read from memory once and no
    ``grad * centered`` array is written: 2.4 instead of 10.0 ms for
    131072x32, 1.0 instead of 3.1 ms for 32768x64.
    """

    def sums(rows):
        ones = np.ones(len(grad[rows]), dtype=grad.dtype)
        return ones @ grad[rows], np.einsum("ij,ij->j", grad[rows], centered[rows])

    parts = run_chunks(sums, len(grad))
    return sum(part[0] for part in parts), sum(part[1] for part in parts)


def scale_and_shift(matrix, scale, shift=None) -> np.ndarray:
    """Return ``matrix * scale + shift`` (per-column factors), in the worker threads, in one output array.

    In place, with no temporary for ``matrix * scale``: 3.2 instead of 5.2 ms
    for 131072x32, 1.4 instead of 2.0 ms for 32768x64.
    """
    out = np.empty_like(matrix)

    def apply(rows):
        target = out[rows]  # a view: writing to it writes to ``out``
        np.multiply(matrix[rows], scale, out=target)
        if shift is not None:
            target += shift

    run_chunks(apply, len(matrix))
    return out


def batch_norm_input_gradient(grad, centered, centered_factor, grad_mean, scale) -> np.ndarray:
    """Return ``(centered * centered_factor + grad - grad_mean) * scale``, in place, in the worker threads.

    Batch norm's training-mode input gradient (``_BatchNorm.backward``) in
    four in-place passes over one output array, instead of four temporary
    full-size arrays: 6.4 instead of 9.6 ms for 131072x32, 2.6 instead of
    3.9 ms for 32768x64.
    """
    out = np.empty_like(grad)

    def apply(rows):
        target = out[rows]
        np.multiply(centered[rows], centered_factor, out=target)
        target += grad[rows]
        target -= grad_mean
        target *= scale

    run_chunks(apply, len(grad))
    return out
