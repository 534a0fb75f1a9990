"""``ConvTranspose2d``: the "upsampling convolution" used by decoders.

A transposed convolution is the backward pass of a convolution used as a
forward pass. Where ``Conv2d`` gathers a window of input pixels into one
output pixel, ``ConvTranspose2d`` *scatters* each input pixel, multiplied by
the kernel, into a window of the output. With ``stride=2`` the windows are
placed two pixels apart, so the image doubles in size: that is how the VAE
decoder grows a 4x4 feature map back into a 64x64 face.

So the code is ``Conv2d``'s backward, reused:

* forward:  ``x @ W`` gives every window's contribution, then **col2im** adds
  them into the output;
* backward: **im2col** gathers the output gradient back into windows, and
  matrix products give the input and weight gradients.

Shapes follow PyTorch: the weight is ``(in_channels, out_channels, kernel_h,
kernel_w)`` and the output size along each axis is
``(size - 1)*stride - 2*padding + kernel + output_padding``.

``forward`` and ``backward`` below are those steps; the batch split between
worker threads and the memory order that makes col2im fast are in
``classroom.nn._fast``.
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
)
from ._fast import Workspace, column_sums, matmul_col2im
from .im2col import as_pair, conv_transpose_output_hw, im2col, pad_nhwc, to_nhwc_contiguous
from .module import Module, Parameter
from .parallel import for_each_slice


class ConvTranspose2d(Module):
    """Transposed 2-D convolution (a learnable upsampling).

    Parameters
    ----------
    in_channels : int
        Channels of the input.
    out_channels : int
        Channels of the output.
    kernel_size : int or tuple of int
        Kernel height and width.
    stride : int or tuple of int, default 1
        Spacing of the scattered windows in the output (2 doubles the size).
    padding : int or tuple of int, default 0
        Rows/columns cropped from each side of the full output.
    output_padding : int or tuple of int, default 0
        Extra rows/columns added at the bottom/right, to pick between the
        several input sizes that a strided ``Conv2d`` maps to the same
        output size. Must be smaller than ``stride``.
    bias : bool, default True
        Learn one bias per output channel.
    rng : int, numpy.random.Generator or None, optional
        Source of randomness for the initial weights: a seed, a Generator, or
        None for a fresh unseeded one (see :func:`classroom.nn.init.as_generator`).
    dtype : numpy dtype, default float32
        dtype of the parameters.

    Attributes
    ----------
    weight : Parameter of shape (in_channels, out_channels, kernel_h, kernel_w)
        Initialised like PyTorch: uniform in ``[-1/sqrt(fan_in), 1/sqrt(fan_in)]``
        with ``fan_in = out_channels * kernel_h * kernel_w`` (PyTorch computes
        it from the weight's second axis).
    bias : Parameter of shape (out_channels,) or None

    Examples
    --------
    >>> up = ConvTranspose2d(16, 8, kernel_size=4, stride=2, padding=1, rng=np.random.default_rng(0))
    >>> up(np.zeros((2, 16, 8, 8), dtype=np.float32)).shape
    (2, 8, 16, 16)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        bias: bool = True,
        *,
        rng=None,
        dtype=np.float32,
    ):
        super().__init__()
        (self.in_channels, self.out_channels, self.kernel_size, self.stride, self.padding) = (
            check_conv_arguments("ConvTranspose2d", in_channels, out_channels, kernel_size, stride, padding)
        )
        self.output_padding = as_pair(output_padding, "output_padding")
        if any(p < 0 or p >= s for p, s in zip(self.output_padding, self.stride)):
            raise ValueError(
                f"ConvTranspose2d output_padding must be >= 0 and smaller than stride, got "
                f"output_padding={output_padding} with stride={stride}"
            )
        kernel_h, kernel_w = self.kernel_size
        self.weight = Parameter(np.empty((self.in_channels, self.out_channels, kernel_h, kernel_w), dtype=dtype))
        self.bias = Parameter(np.empty(self.out_channels, dtype=dtype)) if bias else None
        self.reset_parameters(rng)
        # Scratch arrays reused between calls (not learnable, not saved).
        self._workspace = Workspace()
        self._cache = None

    def reset_parameters(self, rng=None) -> None:
        """Draw fresh initial weights and biases as PyTorch does.

        Both come from ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` where, as in
        PyTorch, ``fan_in`` is computed from the weight's *second* axis:
        ``out_channels * kernel_h * kernel_w``
        (``init.calculate_fan_in_and_fan_out``).

        Parameters
        ----------
        rng : int, numpy.random.Generator or None, optional
            Source of randomness (see :func:`classroom.nn.init.as_generator`).
        """
        init.uniform_fan_in_(self.weight, self.bias, rng=rng)

    def weight_matrix(self):
        """Return the weight as an ``(in_channels, kernel_h*kernel_w*out_channels)`` matrix.

        Columns are ordered (kernel row, kernel column, output channel), like
        the window entries of ``im2col`` on a channels-last output.
        """
        return self.weight.data.transpose(0, 2, 3, 1).reshape(self.in_channels, -1)

    def output_shape(self, input_shape: tuple) -> tuple:
        """Return ``(batch, out_channels, out_h, out_w)`` for an input of shape ``(batch, in_channels, h, w)``.

        Raises
        ------
        ValueError
            If the padding would crop the output to nothing.
        """
        sizes = conv_transpose_output_hw(
            input_shape[2:], self.kernel_size, self.stride, self.padding, self.output_padding
        )
        if min(sizes) < 1:
            raise ValueError(
                f"{self!r} got input of shape {tuple(input_shape)}, which gives an empty output "
                f"{tuple(sizes)}; reduce the padding"
            )
        return (input_shape[0], self.out_channels, *sizes)

    def _full_shape(self, input_shape: tuple) -> tuple:
        """Shape (NHWC) of the output before the padding is cropped off."""
        full_h, full_w = conv_transpose_output_hw(
            input_shape[2:], self.kernel_size, self.stride, (0, 0), self.output_padding
        )
        return (input_shape[0], full_h, full_w, self.out_channels)

    def forward(self, x):
        """Upsample a batch.

        Parameters
        ----------
        x : ndarray of shape (batch, in_channels, height, width)

        Returns
        -------
        ndarray of shape (batch, out_channels, out_h, out_w)
            NCHW-shaped view of channels-last memory.
        """
        x = check_image_batch(x, self, self.in_channels)
        check_same_dtype(x, self.weight.data.dtype, self)
        batch, _, out_h, out_w = self.output_shape(x.shape)
        inputs = to_nhwc_contiguous(x)  # (batch, height, width, in_channels)
        # 1. x @ W: every input pixel times the kernel is one window of the
        #    output; col2im adds the windows into place (overlaps sum up).
        kernel_h, kernel_w = self.kernel_size
        weight_per_offset = self.weight.data.transpose(2, 3, 0, 1)
        weight_per_offset = weight_per_offset.reshape(kernel_h * kernel_w, self.in_channels, self.out_channels)
        full = matmul_col2im(inputs, weight_per_offset, self.kernel_size, self.stride, self._full_shape(x.shape))
        # 2. Crop the padding off and add the bias (one pass: the sum is the cropped copy).
        pad_h, pad_w = self.padding
        cropped = full[:, pad_h : pad_h + out_h, pad_w : pad_w + out_w, :]
        out = np.empty(cropped.shape, dtype=cropped.dtype)
        if self.bias is not None:
            np.add(cropped, self.bias.data, out=out)
        else:
            np.copyto(out, cropped)
        self._cache = (inputs, x.shape) if self.training else None
        return out.transpose(0, 3, 1, 2)

    def backward(self, grad_output):
        """Return the input gradient; add the weight and bias gradients.

        Parameters
        ----------
        grad_output : ndarray of shape (batch, out_channels, out_h, out_w)

        Returns
        -------
        ndarray of shape (batch, in_channels, height, width)
        """
        check_forward_was_called(self._cache, self, training_mode=True)
        inputs, input_shape = self._cache
        expected = self.output_shape(input_shape)
        grad_output = check_grad_shape(grad_output, expected, self)
        batch, _, height, width = input_shape
        _, _, out_h, out_w = expected
        grad = to_nhwc_contiguous(grad_output).astype(inputs.dtype, copy=False)
        if self.bias is not None:
            self.bias.grad += column_sums(grad.reshape(-1, self.out_channels))
        # Put the gradient back on the uncropped canvas (zeros where the
        # padding was cropped off): im2col then gathers each input pixel's
        # window, the windows the forward pass scattered into.
        full = pad_nhwc(grad, self.padding, out=self._workspace.padded("full", grad, self.padding))
        # im2col and the two products (``_window_gradients``) on each slice of
        # the batch in its own worker thread; the slices' parts of the weight
        # gradient add up.
        grad_input = np.empty((batch, height, width, self.in_channels), dtype=inputs.dtype)
        parts = for_each_slice(self._window_gradients, full, inputs, grad_input, weight_matrix=self.weight_matrix())
        kernel_h, kernel_w = self.kernel_size
        grad_weight = sum(parts).reshape(self.in_channels, kernel_h, kernel_w, self.out_channels)
        self.weight.grad += grad_weight.transpose(0, 3, 1, 2)
        return grad_input.transpose(0, 3, 1, 2)

    def _window_gradients(self, full, inputs, grad_input, weight_matrix):
        """Gradients for a batch (or a slice of one); returns its part of the weight gradient.

        ``full`` is the output gradient on the uncropped canvas; the input
        gradient is written into ``grad_input``.
        """
        x_rows = inputs.reshape(-1, self.in_channels)  # one row per input pixel
        # 1. im2col gathers each input pixel's window of the output gradient.
        #    (Sizes written out: NumPy cannot infer a -1 for an empty batch.)
        window_size = weight_matrix.shape[1]  # kernel_h * kernel_w * out_channels
        windows = im2col(full, self.kernel_size, self.stride).reshape(len(x_rows), window_size)
        # 2. Input gradient: windows @ W^T.
        np.matmul(windows, weight_matrix.T, out=grad_input.reshape(len(x_rows), self.in_channels))
        # 3. Weight gradient: x^T @ windows.
        return x_rows.T @ windows

    def extra_repr(self) -> str:
        """Describe the layer like PyTorch does."""
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.output_padding != (0, 0):
            text += f", output_padding={self.output_padding}"
        if self.bias is None:
            text += ", bias=False"
        return text
