# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Weekend 4 workbook · convolutions, piece by piece
#
# You will write the pieces of a convolutional network in NumPy, forward and
# backward:
#
# 1. `im2col` and `col2im`: copy every window of an image into one row of a
#    matrix, and sum window gradients back onto the pixels;
# 2. `Conv2d`: a convolution as one matrix product, with its backward pass;
# 3. `MaxPool2d`: keep the largest value of each window, and send the gradient
#    back to where it came from;
# 4. a small CNN made of your layers, trained on real CIFAR-10 photos.
#
# After each piece, the next cell grades it against the package's reference
# implementation on random inputs (and the backward passes against finite
# differences) and prints what it compared, by how much you missed and what to
# try. Grade the whole workbook from a terminal with
#
# ```bash
# classroom check weekend-04
# ```
#
# Images are `(batch, channels, height, width)` arrays everywhere, as in
# PyTorch. Work in float64 while you debug; the last check trains in float32.

# %%
import numpy as np

from classroom.check import grade

# %% [markdown]
# ## 1. im2col and col2im
#
# A convolution takes a dot product between every `k x k` window of the
# (zero-padded) image and each filter. `im2col` copies every window into one
# **row** of a matrix, so that the whole convolution becomes one matrix product.
#
# * With padding `p` and stride `s`, an image of height `H` gives
#   `out_h = (H + 2p - k) // s + 1` window positions per column (and the same
#   for the width).
# * Rows go image by image, then output row, then output column: row
#   `(n * out_h + y) * out_w + x` is the window whose top-left corner is at
#   `(y * s, x * s)` in the padded image `n`.
# * Inside a row, the numbers go **kernel row, kernel column, channel**, with
#   the channel changing fastest: for a window `w` of shape
#   `(channels, k, k)`, the row is `w.transpose(1, 2, 0).reshape(-1)`. This is
#   the layout of the package's `classroom.nn.im2col.im2col` (channels last).
#
# Loop over the `k * k` kernel offsets `(i, j)` if you like (9 steps for a 3x3
# kernel): each step copies one strided slice of the whole batch. Never loop
# over pixels.
#
# `col2im` goes the other way for the backward pass: given one gradient per
# row entry, it adds each entry back onto the pixel it was copied from. A
# pixel sits in several windows, so its gradient is a **sum**.

# %% tags=["stub"]
def im2col(x, kernel_size, stride=1, padding=0):
    """Copy every window of a batch of images into one row of a matrix.

    Parameters
    ----------
    x : ndarray of shape (batch, channels, height, width)
    kernel_size : int
        The window is ``kernel_size x kernel_size``.
    stride : int, default 1
        Step between neighbouring windows.
    padding : int, default 0
        Zeros added on each side of the height and width axes first.

    Returns
    -------
    cols : ndarray of shape (batch * out_h * out_w, kernel_size * kernel_size * channels)
        Same dtype as ``x``. Rows in (image, output row, output column) order;
        inside a row, (kernel row, kernel column, channel) order, channel fastest.
    """
    raise NotImplementedError("write me: im2col (one row per window)")


def col2im(cols, input_shape, kernel_size, stride=1, padding=0):
    """Sum window entries back onto the pixels they came from (the adjoint of im2col).

    Parameters
    ----------
    cols : ndarray of shape (batch * out_h * out_w, kernel_size * kernel_size * channels)
        One gradient per entry of ``im2col``'s output, in the same layout.
    input_shape : tuple of int
        ``(batch, channels, height, width)`` of the unpadded input.
    kernel_size, stride, padding : int
        As given to ``im2col``.

    Returns
    -------
    ndarray of shape input_shape
        Pixel ``(n, c, y, x)`` holds the sum of every entry copied from it
        (the padding border is cropped off).
    """
    raise NotImplementedError("write me: col2im (sum every window entry back onto its pixel)")


# %%
grade("weekend-04", "im2col", globals())

# %% [markdown]
# ## 2. Conv2d
#
# The weight has PyTorch's shape `(out_channels, in_channels, k, k)`. To use it
# with `im2col`'s rows, reshape it into a `(k * k * in_channels, out_channels)`
# matrix **in the same order as a row**: `weight.transpose(2, 3, 1, 0).reshape(-1, out_channels)`.
#
# * **forward**: `out = im2col(x) @ W_matrix + bias` is
#   `(batch * out_h * out_w, out_channels)`; reshape it to
#   `(batch, out_h, out_w, out_channels)` and transpose to
#   `(batch, out_channels, out_h, out_w)`. Keep what backward needs.
# * **backward**: with `G` the output gradient as a
#   `(batch * out_h * out_w, out_channels)` matrix (the inverse of forward's
#   reshape), `grad_weight` is `cols.T @ G` reshaped back to the weight's
#   shape (undo the forward's transpose), `grad_bias` is `G.sum(axis=0)`, and
#   the input gradient is `col2im(G @ W_matrix.T, x.shape, ...)`.
#
# Do not divide by the batch size: the loss's backward already did. Keep the
# input's dtype (float32 in, float32 out).

# %% tags=["stub"]
class Conv2d:
    """2-D convolution, ``(batch, in_channels, H, W) -> (batch, out_channels, out_h, out_w)``.

    Attributes
    ----------
    weight : ndarray of shape (out_channels, in_channels, kernel_size, kernel_size)
    bias : ndarray of shape (out_channels,)
    grad_weight, grad_bias : ndarray of the same shapes
        Set by ``backward`` (overwritten by each call, not added to).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, rng=None, dtype=np.float64):
        rng = np.random.default_rng(rng)
        fan_in = in_channels * kernel_size * kernel_size
        shape = (out_channels, in_channels, kernel_size, kernel_size)
        self.weight = (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(dtype)  # He initialisation
        self.bias = np.zeros(out_channels, dtype=dtype)
        self.grad_weight = np.zeros_like(self.weight)
        self.grad_bias = np.zeros_like(self.bias)
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x):
        """Convolve a batch.

        Parameters
        ----------
        x : ndarray of shape (batch, in_channels, height, width)

        Returns
        -------
        ndarray of shape (batch, out_channels, out_h, out_w)
            Same dtype as ``x``.
        """
        raise NotImplementedError("write me: Conv2d.forward (im2col, one matrix product, add the bias)")

    def backward(self, grad_output):
        """Set ``grad_weight`` and ``grad_bias``; return the gradient with respect to the input.

        Parameters
        ----------
        grad_output : ndarray of shape (batch, out_channels, out_h, out_w)

        Returns
        -------
        ndarray of shape (batch, in_channels, height, width)
        """
        raise NotImplementedError("write me: Conv2d.backward (grad_weight, grad_bias, col2im for the input)")


# %%
grade("weekend-04", "conv2d", globals())

# %% [markdown]
# ## 3. MaxPool2d
#
# Each output is the largest value of a `kernel_size x kernel_size` window
# (`stride` defaults to `kernel_size`, so windows do not overlap; rows and
# columns that do not fill a window are dropped). In forward, remember **where**
# each maximum was. In backward, each output gradient goes to that one
# position only; every other position gets zero. When windows overlap, a
# position can win two windows: add both gradients. (The checks use inputs
# without ties.)

# %% tags=["stub"]
class MaxPool2d:
    """Max pooling, ``(batch, channels, H, W) -> (batch, channels, out_h, out_w)``."""

    def __init__(self, kernel_size, stride=None):
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride

    def forward(self, x):
        """Keep the largest value of each window.

        Parameters
        ----------
        x : ndarray of shape (batch, channels, height, width)

        Returns
        -------
        ndarray of shape (batch, channels, out_h, out_w)
            ``out_h = (height - kernel_size) // stride + 1``, same for the width.
        """
        raise NotImplementedError("write me: MaxPool2d.forward (max of each window, remember the argmax)")

    def backward(self, grad_output):
        """Send each output gradient to the position of its window's maximum.

        Parameters
        ----------
        grad_output : ndarray of shape (batch, channels, out_h, out_w)

        Returns
        -------
        ndarray of shape (batch, channels, height, width)
        """
        raise NotImplementedError("write me: MaxPool2d.backward (gradient to the argmax only)")


# %%
grade("weekend-04", "maxpool", globals())

# %% [markdown]
# ## 4. Your layers learn to see
#
# The last check builds a small CNN from **your** `Conv2d` and `MaxPool2d`
# (with the package's `ReLU`, `Flatten` and `Linear`):
# `Conv(3->16) ReLU MaxPool(2) Conv(16->32) ReLU MaxPool(2) Flatten Linear(2048->10)`,
# float32, and sets its initial weights itself, so everyone starts from the
# same point. First a sanity phase of a few seconds: the shapes, non-zero
# gradients, and 25 steps on one batch of 128 images, where the loss must fall
# below a fifth of its start. Then it trains 3 epochs on 20,000 CIFAR-10
# training images (SGD, learning rate 0.01, momentum 0.9, batches of 64),
# printing its progress, and measures the accuracy on 2,000 test images: it
# must reach 52% (guessing gives 10%; the package's layers reach 57.8%). That
# takes about 35 s with the package's layers on an idle 2-core machine (a few
# minutes when the machine is busy); yours may be slower. The check stops
# after 10 minutes.
#
# It needs CIFAR-10 in your data directory; without it, the row says
# "needs data" and tells you how to get it.

# %%
grade("weekend-04", "cnn", globals())

# %% [markdown]
# ## The reference
#
# The package's versions are in `classroom.nn.im2col` (`im2col`, `col2im`,
# channels last), `classroom.nn.conv` (`Conv2d`) and `classroom.nn.pooling`
# (`MaxPool2d`); the site's API reference shows their source. **Try it yourself
# first**: the hints above say what to fix, and reading the answer before you
# have struggled with it teaches much less.
