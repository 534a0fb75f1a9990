"""``Conv2d``: a 2-D convolution as one big matrix multiplication (im2col).

Shapes follow PyTorch: the input is ``(batch, in_channels, height, width)``
(NCHW) and the weight is ``(out_channels, in_channels, kernel_h, kernel_w)``.

Inside, the layer works channels-last (NHWC, see ``classroom.nn.im2col``):

1. view the input as NHWC with ``x.transpose(0, 2, 3, 1)`` (free when the
   memory already is channels-last, which it is for the output of a previous
   ``Conv2d``) and pad its height and width with zeros,
2. copy every window into a row of ``cols`` (im2col),
3. one matrix product ``cols @ weight_matrix`` gives the output as NHWC,
4. return it as an NCHW-*shaped* view of that NHWC memory: no copy.

So the arrays you see have the familiar NCHW shape, but consecutive layers
hand each other channels-last memory, as PyTorch does with
``memory_format=torch.channels_last``. Element-wise NumPy operations (ReLU,
batch norm) keep that memory layout, so nothing is transposed back and forth.

The backward pass uses the same matrices: the weight gradient is
``grad^T @ cols``, and ``grad @ W^T`` is the gradient of every window entry,
which col2im adds back onto the pixels the windows were copied from.

``forward`` and ``backward`` below are those steps. What makes them fast
(buffers reused between calls, the batch split between worker threads after
``classroom.nn.parallel.use_threads(2)``, a second route to the input
gradient) is in ``classroom.nn._fast``, each trick with what it buys.
"""

from __future__ import annotations

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
from ._fast import Workspace, conv_input_gradient, transposed_matmul
from .im2col import conv_output_hw, im2col, pad_nhwc, to_nhwc_contiguous
from .module import Module, Parameter
from .parallel import for_each_slice


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
    rng : int, numpy.random.Generator or None, optional
        Source of randomness for the initial weights: a seed, a Generator, or
        None for a fresh unseeded one (see :func:`classroom.nn.init.as_generator`).
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
        self._workspace = Workspace()
        self._cache = None

    def reset_parameters(self, rng=None) -> None:
        """Draw fresh initial weights and biases as PyTorch does.

        Both come from ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` with
        ``fan_in = in_channels * kernel_h * kernel_w``. (PyTorch writes the
        weight's part as ``kaiming_uniform_(a=sqrt(5))``, as ``Linear`` does;
        that bound simplifies to ``1/sqrt(fan_in)``.)

        Parameters
        ----------
        rng : int, numpy.random.Generator or None, optional
            Source of randomness (see :func:`classroom.nn.init.as_generator`).
        """
        init.uniform_fan_in_(self.weight, self.bias, rng=rng)

    # ------------------------------------------------------------ helpers
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
        check_window_fits(input_shape, self.kernel_size, self.padding, self)
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
        x = check_image_batch(x, self, self.in_channels)
        check_same_dtype(x, self.weight.data.dtype, self)
        batch, _, out_h, out_w = self.output_shape(x.shape)
        x_nhwc = x.transpose(0, 2, 3, 1)  # channels last: a view
        padded = self._workspace.padded("padded", x_nhwc, self.padding)
        cols = self._workspace.array("cols", (batch, out_h, out_w, *self.kernel_size, self.in_channels), x.dtype)
        out = np.empty((batch, out_h, out_w, self.out_channels), dtype=x.dtype)
        # Pad, im2col, one matrix product (``_convolve``), on each slice of
        # the batch in its own worker thread (classroom.nn.parallel).
        for_each_slice(self._convolve, x_nhwc, padded, cols, out, weight_matrix=self.weight_matrix())
        # Backward needs the windows (for the weight gradient) and the input shape.
        self._cache = (cols, x.shape) if self.training else None
        # An NCHW-shaped view of the NHWC result (no copy).
        return out.transpose(0, 3, 1, 2)

    def _convolve(self, x, padded, cols, out, weight_matrix) -> None:
        """Convolve ``x`` (NHWC: a batch, or a slice of one) into ``out``, keeping its windows in ``cols``."""
        # 1. Pad with zeros (``padded`` is ``x`` itself without padding).
        if self.padding != (0, 0):
            pad_nhwc(x, self.padding, out=padded)  # writes the interior; the border stays zero
        # 2. im2col: one row per output pixel, holding its window.
        im2col(padded, self.kernel_size, self.stride, out=cols)
        # 3. One matrix product gives every output pixel; then the bias. (The
        #    sizes are written out: NumPy cannot infer a -1 for an empty batch.)
        rows = out.reshape(-1, self.out_channels)
        np.matmul(cols.reshape(len(rows), len(weight_matrix)), weight_matrix, out=rows)
        if self.bias is not None:
            rows += self.bias.data

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
        check_forward_was_called(self._cache, self, training_mode=True)
        cols, input_shape = self._cache
        grad_output = check_grad_shape(grad_output, self.output_shape(input_shape), self)
        # One row per output pixel, like the rows of cols: (batch, out_h, out_w, out_channels).
        grad = to_nhwc_contiguous(grad_output).astype(cols.dtype, copy=False)
        grad_rows = grad.reshape(-1, self.out_channels)
        # 1. Weight gradient, the first product: dW = grad^T @ cols (rows:
        #    output channels; columns ordered like the window entries).
        kernel_h, kernel_w = self.kernel_size
        window_size = kernel_h * kernel_w * self.in_channels
        grad_weight = transposed_matmul(grad_rows, cols.reshape(len(grad_rows), window_size))
        grad_weight = grad_weight.reshape(self.out_channels, kernel_h, kernel_w, self.in_channels)
        self.weight.grad += grad_weight.transpose(0, 3, 1, 2)
        if self.bias is not None:
            self.bias.grad += grad_rows.sum(axis=0)
        if not self.input_requires_grad:
            return None  # the first layer: nobody needs dL/dx (see Module)
        # 2. Input gradient, the second product and col2im: grad @ W^T is the
        #    gradient of every window entry, and col2im adds each one back onto
        #    the pixel it was copied from; the padding is cropped off.
        grad_input = conv_input_gradient(
            grad, self.weight.data, input_shape, self.stride, self.padding, self._workspace
        )
        return grad_input.transpose(0, 3, 1, 2)

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
