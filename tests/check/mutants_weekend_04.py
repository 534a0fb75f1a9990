"""Learner-style solutions of weekend 4, correct by default, with switches for known mistakes.

Written the way the workbook asks (loops over the k*k kernel offsets only),
independently of the package. Each switch injects one mistake that a check
must name with its hint_id (see test_weekend_04.py).
"""

from __future__ import annotations

import numpy as np


def make_im2col(*, order="kkc", pad=True, use_stride=True):
    """Return an ``im2col(x, kernel_size, stride=1, padding=0)``.

    order : "kkc" (correct) or "ckk" (channels first inside a row); pad=False
    forgets the padding; use_stride=False ignores the stride.
    """

    def im2col(x, kernel_size, stride=1, padding=0):
        batch, channels, height, width = x.shape
        k = kernel_size
        s = stride if use_stride else 1
        p = padding if pad else 0
        padded = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        out_h, out_w = (height + 2 * p - k) // s + 1, (width + 2 * p - k) // s + 1
        cols = np.empty((batch, out_h, out_w, k, k, channels), dtype=x.dtype)
        for i in range(k):
            for j in range(k):
                window = padded[:, :, i : i + s * (out_h - 1) + 1 : s, j : j + s * (out_w - 1) + 1 : s]
                cols[:, :, :, i, j, :] = window.transpose(0, 2, 3, 1)
        if order == "ckk":
            cols = cols.transpose(0, 1, 2, 5, 3, 4)
        return cols.reshape(batch * out_h * out_w, -1)

    return im2col


def make_col2im(*, accumulate=True, crop=True):
    """Return a ``col2im(cols, input_shape, kernel_size, stride=1, padding=0)``.

    accumulate=False assigns instead of adding; crop=False returns the padded image.
    """

    def col2im(cols, input_shape, kernel_size, stride=1, padding=0):
        batch, channels, height, width = input_shape
        k, s, p = kernel_size, stride, padding
        out_h, out_w = (height + 2 * p - k) // s + 1, (width + 2 * p - k) // s + 1
        six = cols.reshape(batch, out_h, out_w, k, k, channels)
        out = np.zeros((batch, channels, height + 2 * p, width + 2 * p), dtype=cols.dtype)
        for i in range(k):
            for j in range(k):
                target = out[:, :, i : i + s * (out_h - 1) + 1 : s, j : j + s * (out_w - 1) + 1 : s]
                if accumulate:
                    target += six[:, :, :, i, j, :].transpose(0, 3, 1, 2)
                else:
                    target[...] = six[:, :, :, i, j, :].transpose(0, 3, 1, 2)
        return out[:, :, p : p + height, p : p + width] if crop else out

    return col2im


IM2COL, COL2IM = make_im2col(), make_col2im()


def make_conv2d(*, weight_layout=True, batch_scale=1.0, zero_weight_grad=False, flip_sign=False,
                input_grad_zero=False, upcast=False, bias_only=False, mix_batch=False):
    """Return a ``Conv2d`` class with the workbook's API.

    weight_layout=False reshapes the weight gradient without transposing;
    batch_scale divides every gradient by the batch size when it is "divide"
    ("multiply" multiplies); zero_weight_grad leaves grad_weight at zero;
    flip_sign negates the parameter gradients; input_grad_zero returns a zero input
    gradient; upcast computes in float64; bias_only forgets the matrix product in forward;
    mix_batch reads the product's rows as (out_h, out_w, batch) instead of (batch, out_h, out_w),
    consistently in forward and backward, so images of a batch get mixed up.
    """

    class Conv2d:
        def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, rng=None, dtype=np.float64):
            rng = np.random.default_rng(rng)
            fan_in = in_channels * kernel_size * kernel_size
            shape = (out_channels, in_channels, kernel_size, kernel_size)
            self.weight = (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(dtype)
            self.bias = np.zeros(out_channels, dtype=dtype)
            self.grad_weight = np.zeros_like(self.weight)
            self.grad_bias = np.zeros_like(self.bias)
            self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

        def _matrix(self):
            out_channels = self.weight.shape[0]
            return self.weight.transpose(2, 3, 1, 0).reshape(-1, out_channels)

        def forward(self, x):
            if upcast:
                x = x.astype(np.float64)
            batch, _, height, width = x.shape
            k, s, p = self.kernel_size, self.stride, self.padding
            out_h, out_w = (height + 2 * p - k) // s + 1, (width + 2 * p - k) // s + 1
            self.cols = IM2COL(x, k, s, p)
            self.x_shape = x.shape
            out = self.cols @ self._matrix() + self.bias
            if bias_only:
                out = np.zeros_like(out) + self.bias
            if mix_batch:
                return out.reshape(out_h, out_w, batch, -1).transpose(2, 3, 0, 1)
            return out.reshape(batch, out_h, out_w, -1).transpose(0, 3, 1, 2)

        def backward(self, grad_output):
            batch, out_channels = grad_output.shape[0], grad_output.shape[1]
            k, in_channels = self.kernel_size, self.weight.shape[1]
            if mix_batch:
                grad = grad_output.transpose(2, 3, 0, 1).reshape(-1, out_channels)
            else:
                grad = grad_output.transpose(0, 2, 3, 1).reshape(-1, out_channels)
            grad_matrix = self.cols.T @ grad  # (k*k*in, out)
            if weight_layout:
                grad_weight = grad_matrix.reshape(k, k, in_channels, out_channels).transpose(3, 2, 0, 1)
            else:
                grad_weight = grad_matrix.T.reshape(out_channels, in_channels, k, k)
            grad_bias = grad.sum(axis=0)
            grad_cols = grad @ self._matrix().T
            grad_input = COL2IM(grad_cols, self.x_shape, k, self.stride, self.padding)
            factor = {1.0: 1.0, "divide": 1.0 / batch, "multiply": float(batch)}[batch_scale]
            sign = -1.0 if flip_sign else 1.0
            self.grad_weight = np.zeros_like(self.weight) if zero_weight_grad else sign * factor * grad_weight
            self.grad_bias = sign * factor * grad_bias
            if input_grad_zero:
                return np.zeros_like(grad_input)
            return factor * grad_input

    return Conv2d


def make_maxpool2d(*, route="argmax", accumulate=True):
    """Return a ``MaxPool2d`` class with the workbook's API.

    route="every" sends the gradient to every window position, "top-left" to
    the first position of each window; accumulate=False assigns where windows overlap.
    """

    class MaxPool2d:
        def __init__(self, kernel_size, stride=None):
            self.kernel_size = kernel_size
            self.stride = kernel_size if stride is None else stride

        def _windows(self, array, out_h, out_w):
            k, s = self.kernel_size, self.stride
            for i in range(k):
                for j in range(k):
                    yield i, j, (slice(None), slice(None), slice(i, i + s * (out_h - 1) + 1, s),
                                 slice(j, j + s * (out_w - 1) + 1, s))

        def forward(self, x):
            _, _, height, width = x.shape
            k, s = self.kernel_size, self.stride
            out_h, out_w = (height - k) // s + 1, (width - k) // s + 1
            stack = np.stack([x[index] for _, _, index in self._windows(x, out_h, out_w)], axis=-1)
            self.argmax = stack.argmax(axis=-1)
            self.x_shape, self.out_size = x.shape, (out_h, out_w)
            return stack.max(axis=-1)

        def backward(self, grad_output):
            grad_input = np.zeros(self.x_shape, dtype=grad_output.dtype)
            for position, (_, _, index) in enumerate(self._windows(grad_input, *self.out_size)):
                if route == "every":
                    mask = 1.0
                elif route == "top-left":
                    mask = position == 0
                else:
                    mask = self.argmax == position
                if accumulate:
                    grad_input[index] += grad_output * mask
                else:
                    grad_input[index] = grad_output * mask
            return grad_input

    return MaxPool2d


def learner_solutions(**overrides):
    """The correct learner-style namespace, with some entries replaced."""
    namespace = {"im2col": IM2COL, "col2im": COL2IM, "Conv2d": make_conv2d(), "MaxPool2d": make_maxpool2d()}
    namespace.update(overrides)
    return namespace
