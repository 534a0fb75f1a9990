"""``Conv2d``: a 2-D convolution as one big matrix multiplication (im2col).

Shapes follow PyTorch: the input is ``(batch, in_channels, height, width)``
(NCHW) and the weight is ``(out_channels, in_channels, kernel_h, kernel_w)``.

Inside, the layer works channels-last (NHWC, see ``classroom.nn.im2col``):

1. view the input as NHWC with ``x.transpose(0, 2, 3, 1)`` (free when the
   memory already is channels-last, which it is for the output of a previous
   ``Conv2d``),
2. copy every window into a row of ``cols`` (im2col),
3. one matrix product ``cols @ weight_matrix`` gives the output as NHWC,
4. return it as an NCHW-*shaped* view of that NHWC memory: no copy.

So the arrays you see have the familiar NCHW shape, but consecutive layers
hand each other channels-last memory, as PyTorch does with
``memory_format=torch.channels_last``. Element-wise NumPy operations (ReLU,
batch norm) keep that memory layout, so nothing is transposed back and forth.

Steps 1-3 treat every image on its own, so after
``classroom.nn.parallel.use_threads(2)`` each of two threads runs them on
half of the batch. The weight gradient is a sum over the batch: each thread
computes its half's part and the two parts are added.
"""

from __future__ import annotations

import math

import numpy as np

from . import init
from ._checks import (
    check_conv_arguments,
    check_forward_was_called,
    check_grad_shape,
    check_image_batch,
    check_same_dtype,
    check_window_fits,
)
from .im2col import col2im, conv_output_hw, im2col, pad_nhwc
from .module import Module, Parameter
from .parallel import run_chunks


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


class Conv2d(Module):
    """2-D convolution (cross-correlation, as in every deep-learning library).

    Parameters
    ----------
    in_channels : int
        Channels of the input image.
    out_channels : int
        Number of filters, which is the number of output channels.
    kernel_size : int or tuple of int
        Filter height and width.
    stride : int or tuple of int, default 1
        Step between neighbouring windows.
    padding : int or tuple of int, default 0
        Zeros added on each side of the height and width axes.
    bias : bool, default True
        Learn one additive bias per output channel.
    rng : numpy.random.Generator or int, optional
        Random generator (or seed) for the initial weights; a fresh
        unseeded generator when None.
    dtype : numpy dtype, default float32
        dtype of the parameters. Use float64 for gradient checks.

    Attributes
    ----------
    weight : Parameter of shape (out_channels, in_channels, kernel_h, kernel_w)
        Initialised like PyTorch: uniform in ``[-1/sqrt(fan_in), 1/sqrt(fan_in)]``
        with ``fan_in = in_channels * kernel_h * kernel_w``.
    bias : Parameter of shape (out_channels,) or None
        Same initial range as the weight.

    Notes
    -----
    Output size along each axis: ``(size + 2*padding - kernel) // stride + 1``.

    Examples
    --------
    >>> conv = Conv2d(3, 8, kernel_size=3, padding=1, rng=np.random.default_rng(0))
    >>> conv(np.zeros((2, 3, 32, 32), dtype=np.float32)).shape
    (2, 8, 32, 32)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        bias: bool = True,
        *,
        rng=None,
        dtype=np.float32,
    ):
        super().__init__()
        (self.in_channels, self.out_channels, self.kernel_size, self.stride, self.padding) = (
            check_conv_arguments("Conv2d", in_channels, out_channels, kernel_size, stride, padding)
        )
        kernel_h, kernel_w = self.kernel_size
        self.weight = Parameter(np.empty((self.out_channels, self.in_channels, kernel_h, kernel_w), dtype=dtype))
        self.bias = Parameter(np.empty(self.out_channels, dtype=dtype)) if bias else None
        self.reset_parameters(rng)
        # Scratch arrays reused between calls (not learnable, not saved).
        self._workspace: dict[str, np.ndarray] = {}
        self._cache = None

    def reset_parameters(self, rng=None) -> None:
        """Draw fresh initial weights and biases as PyTorch does.

        Both come from ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` with
        ``fan_in = in_channels * kernel_h * kernel_w``. (PyTorch writes the
        weight's part as ``kaiming_uniform_(a=sqrt(5))``, as ``Linear`` does;
        that bound simplifies to ``1/sqrt(fan_in)``.)

        Parameters
        ----------
        rng : numpy.random.Generator or int, optional
            Source of randomness (or a seed); a fresh unseeded generator when None.
        """
        rng = np.random.default_rng(rng)
        fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight)
        bound = 1.0 / math.sqrt(fan_in)
        init.uniform_(self.weight, -bound, bound, rng=rng)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound, rng=rng)

    # ------------------------------------------------------------ helpers
    def _scratch(self, name: str, shape: tuple, dtype, fill=None):
        """Return a reusable scratch array; ``fill`` initialises it only when (re)allocated."""
        array = self._workspace.get(name)
        if array is None or array.shape != shape or array.dtype != dtype:
            if fill is None:
                array = np.empty(shape, dtype=dtype)
            else:
                array = np.full(shape, fill, dtype=dtype)
            self._workspace[name] = array
        return array

    def weight_matrix(self):
        """Return the weight as the ``(kernel_h*kernel_w*in_channels, out_channels)`` matrix used inside.

        Rows are ordered like the columns of ``im2col``: kernel row, kernel
        column, then input channel.
        """
        kernel_h, kernel_w = self.kernel_size
        matrix = self.weight.data.transpose(2, 3, 1, 0)
        return matrix.reshape(kernel_h * kernel_w * self.in_channels, self.out_channels)

    def output_shape(self, input_shape: tuple) -> tuple:
        """Return the output shape for an input of shape ``(batch, in_channels, height, width)``.

        Raises
        ------
        ValueError
            If the padded input is smaller than the kernel.
        """
        check_window_fits(input_shape, self.kernel_size, self.padding, repr(self))
        out_h, out_w = conv_output_hw(input_shape[2:], self.kernel_size, self.stride, self.padding)
        return input_shape[0], self.out_channels, out_h, out_w

    # ------------------------------------------------------------ forward
    def forward(self, x):
        """Convolve a batch of images.

        Parameters
        ----------
        x : ndarray of shape (batch, in_channels, height, width)

        Returns
        -------
        ndarray of shape (batch, out_channels, out_h, out_w)
            NCHW-shaped view of channels-last memory; same dtype as the weight.

        Raises
        ------
        ValueError
            If the input is not 4-D, has the wrong number of channels or is
            smaller than the kernel.
        TypeError
            If the input is not a float array of the parameters' dtype.
        """
        x = check_image_batch(x, repr(self), self.in_channels)
        dtype = self.weight.data.dtype
        check_same_dtype(x, dtype, repr(self))
        batch, _, out_h, out_w = self.output_shape(x.shape)
        _, _, height, width = x.shape
        (pad_h, pad_w) = self.padding

        kernel_h, kernel_w = self.kernel_size
        x_nhwc = x.transpose(0, 2, 3, 1)
        padded_shape = (batch, height + 2 * pad_h, width + 2 * pad_w, self.in_channels)
        cols_shape = (batch, out_h, out_w, kernel_h, kernel_w, self.in_channels)
        # Buffers reused between calls; the padded one's zero border is written once.
        padded = self._scratch("padded", padded_shape, dtype, fill=0) if (pad_h or pad_w) else None
        cols = self._scratch("cols", cols_shape, dtype)
        out = np.empty((batch, out_h, out_w, self.out_channels), dtype=dtype)
        weight_matrix = self.weight_matrix()

        def convolve(images):
            """Steps 1-3 for the images ``images`` (a slice of the batch)."""
            # 1. Channels-last, padded copy of the input.
            if padded is None:
                source = x_nhwc[images]  # im2col reads the (possibly strided) view directly
            else:
                source = pad_nhwc(x_nhwc[images], self.padding, out=padded[images])
            # 2. im2col: one row per output pixel.
            im2col(source, self.kernel_size, self.stride, out=cols[images])
            # 3. One matrix product; the bias is added in place.
            rows = out[images].reshape(-1, self.out_channels)
            np.matmul(cols[images].reshape(len(rows), -1), weight_matrix, out=rows)
            if self.bias is not None:
                rows += self.bias.data

        # Each slice of the batch in its own thread (see classroom.nn.parallel).
        run_chunks(convolve, batch)
        # Backward needs the windows (for the weight gradient) and the shapes.
        self._cache = (cols, x.shape) if self.training else None
        # 4. NCHW-shaped view of the NHWC result (no copy).
        return out.transpose(0, 3, 1, 2)

    # ----------------------------------------------------------- backward
    def backward(self, grad_output):
        """Return the gradient with respect to the input; add weight and bias gradients.

        Parameters
        ----------
        grad_output : ndarray of shape (batch, out_channels, out_h, out_w)
            Gradient of the loss with respect to this layer's output.

        Returns
        -------
        ndarray of shape (batch, in_channels, height, width)
            Gradient of the loss with respect to the input of the last
            ``forward`` call (made in training mode); None when
            ``input_requires_grad`` is False.
        """
        check_forward_was_called(self._cache, repr(self), training_mode=True)
        cols, input_shape = self._cache
        grad_output = check_grad_shape(grad_output, self.output_shape(input_shape), repr(self))
        # (batch, out_h, out_w, out_channels), C-contiguous.
        grad = to_nhwc_contiguous(grad_output).astype(cols.dtype, copy=False)
        batch = grad.shape[0]

        # Parameter gradients: dW = grad^T @ cols, db = sum of grad over pixels.
        # (grad^T @ cols gives dW with rows = output channels; it is the same
        # numbers as (cols^T @ grad)^T, and measured a little faster.) Each
        # slice of the batch adds up its own part; the parts are summed.
        def weight_gradient(images):
            grad_rows = grad[images].reshape(-1, self.out_channels)
            return grad_rows.T @ cols[images].reshape(len(grad_rows), -1)

        kernel_h, kernel_w = self.kernel_size
        grad_weight = sum(run_chunks(weight_gradient, batch))
        grad_weight = grad_weight.reshape(self.out_channels, kernel_h, kernel_w, self.in_channels)
        self.weight.grad += grad_weight.transpose(0, 3, 1, 2)
        if self.bias is not None:
            self.bias.grad += grad.reshape(-1, self.out_channels).sum(axis=0)

        if not self.input_requires_grad:
            return None  # the first layer: nobody needs dL/dx (see Module)
        pad_h, pad_w = self.padding
        # Two ways to the input gradient; pick the one that moves less memory
        # (measured with scripts/bench_cnn.py): col2im writes and re-reads
        # kernel_h*kernel_w*in_channels numbers per output pixel, the
        # convolution route kernel_h*kernel_w*out_channels.
        stride_one = self.stride == (1, 1) and pad_h < kernel_h and pad_w < kernel_w
        if stride_one and self.in_channels >= self.out_channels:
            grad_input = self._input_gradient_as_convolution(grad, input_shape)
        else:
            grad_input = self._input_gradient_by_col2im(grad, input_shape)
        return grad_input.transpose(0, 3, 1, 2)

    def _input_gradient_by_col2im(self, grad, input_shape):
        """Input gradient for any stride: ``grad @ W^T`` per window entry, then col2im.

        ``grad`` is the NHWC output gradient, (batch, out_h, out_w, out_channels).
        Returns the NHWC gradient of shape (batch, height, width, in_channels).
        """
        batch, _, height, width = input_shape
        _, out_h, out_w, _ = grad.shape
        kernel_h, kernel_w = self.kernel_size
        pad_h, pad_w = self.padding
        weight_per_offset = self.weight.data.transpose(2, 3, 0, 1)
        weight_per_offset = weight_per_offset.reshape(kernel_h * kernel_w, self.out_channels, self.in_channels)
        grad_padded = np.empty((batch, height + 2 * pad_h, width + 2 * pad_w, self.in_channels), dtype=grad.dtype)

        def input_gradient(images):
            grad_rows = grad[images].reshape(-1, self.out_channels)
            count = len(grad[images])  # images in this slice
            # The gradient of every window entry, computed one kernel offset at a
            # time: offset (i, j) gets grad @ weight[:, :, i, j]. Storing the result
            # offset-major, (kernel_h, kernel_w, batch, out_h, out_w, in_channels),
            # makes each of col2im's additions read one contiguous block.
            grad_cols = np.matmul(grad_rows, weight_per_offset)
            grad_cols = grad_cols.reshape(kernel_h, kernel_w, count, out_h, out_w, self.in_channels)
            # col2im expects (batch, out_h, out_w, kernel_h, kernel_w, channels): a transposed view.
            grad_cols = grad_cols.transpose(2, 3, 4, 0, 1, 5)
            col2im(grad_cols, grad_padded[images].shape, self.stride, out=grad_padded[images])

        run_chunks(input_gradient, batch)
        return grad_padded[:, pad_h : pad_h + height, pad_w : pad_w + width, :]

    def _input_gradient_as_convolution(self, grad, input_shape):
        """Input gradient for stride 1, computed as another convolution.

        Used when ``in_channels >= out_channels``. With stride 1, the input
        gradient is the output gradient, zero-padded by
        ``kernel - 1 - padding`` on each side, convolved with the kernel
        flipped upside down and left to right (with input and output channels
        swapped). That is one im2col copy and one matrix product, and it
        avoids col2im's ``kernel_h * kernel_w`` scattered additions, which
        move far more memory.

        ``grad`` is the NHWC output gradient, (batch, out_h, out_w, out_channels).
        Returns the NHWC gradient of shape (batch, height, width, in_channels).
        """
        batch, _, height, width = input_shape
        _, out_h, out_w, _ = grad.shape
        kernel_h, kernel_w = self.kernel_size
        pad_h, pad_w = self.padding
        full_pad = (kernel_h - 1 - pad_h, kernel_w - 1 - pad_w)
        padded_shape = (batch, out_h + 2 * full_pad[0], out_w + 2 * full_pad[1], self.out_channels)
        grad_padded = self._scratch("grad_padded", padded_shape, grad.dtype, fill=0)
        cols_shape = (batch, height, width, kernel_h, kernel_w, self.out_channels)
        grad_cols = self._scratch("grad_cols", cols_shape, grad.dtype)
        # Rows ordered (kernel row, kernel column, output channel), like grad_cols.
        flipped = self.weight.data[:, :, ::-1, ::-1].transpose(2, 3, 0, 1)
        flipped = flipped.reshape(kernel_h * kernel_w * self.out_channels, self.in_channels)
        grad_input = np.empty((batch, height, width, self.in_channels), dtype=grad.dtype)

        def input_gradient(images):
            source = pad_nhwc(grad[images], full_pad, out=grad_padded[images])
            im2col(source, self.kernel_size, (1, 1), out=grad_cols[images])
            rows = grad_input[images].reshape(-1, self.in_channels)
            np.matmul(grad_cols[images].reshape(len(rows), -1), flipped, out=rows)

        run_chunks(input_gradient, batch)
        return grad_input

    def extra_repr(self) -> str:
        """Describe the layer like PyTorch does."""
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.bias is None:
            text += ", bias=False"
        return text
