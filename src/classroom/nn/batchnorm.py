"""Batch normalisation: ``BatchNorm1d`` and ``BatchNorm2d``.

In training mode each channel is normalised with the mean and variance of
the current batch (over the batch and, for images, all pixels)::

    x_hat = (x - mean) / sqrt(var + eps)
    out   = weight * x_hat + bias

and an exponential moving average of those statistics is kept in the buffers
``running_mean`` and ``running_var``. In evaluation mode the running
statistics are used instead, so a prediction does not depend on the other
images in the batch. Everything follows PyTorch, including the *unbiased*
variance (divided by ``count - 1``) in ``running_var`` while the batch itself
is normalised with the biased one.

Inside, the input is viewed as a ``(count, channels)`` matrix with channels
last (free for the channels-last memory that ``Conv2d`` produces), so every
statistic is a column reduction. ``forward`` and ``backward`` below are the
formulas; the reductions as BLAS calls and the element-wise passes split
between worker threads are in ``classroom.nn._fast``.
"""

from __future__ import annotations

import numpy as np

from . import init
from ._checks import check_forward_was_called, check_grad_shape, check_input_shape
from ._fast import batch_norm_input_gradient, center, column_sums, column_sums_and_dots, scale_and_shift
from .module import Module, Parameter


class _BatchNorm(Module):
    """Shared code: subclasses define which input shapes they accept."""

    #: The accepted input layouts, as the names of their axes (see ``check_input_shape``).
    layouts: tuple = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum=0.1, affine: bool = True, *, dtype=np.float32):
        super().__init__()
        if int(num_features) < 1:
            raise ValueError(f"{type(self).__name__} needs num_features >= 1, got {num_features}")
        self.num_features = int(num_features)
        self.eps = float(eps)
        self.momentum = momentum
        self.affine = bool(affine)
        if self.affine:
            self.weight = Parameter(np.empty(self.num_features, dtype=dtype))
            self.bias = Parameter(np.empty(self.num_features, dtype=dtype))
        else:
            self.weight = None
            self.bias = None
        self.register_buffer("running_mean", np.empty(self.num_features, dtype=dtype))
        self.register_buffer("running_var", np.empty(self.num_features, dtype=dtype))
        self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        self.reset_parameters()
        self._cache = None

    def reset_running_stats(self) -> None:
        """Forget the running statistics: mean 0, variance 1, no batches seen (as PyTorch)."""
        init.zeros_(self.running_mean)
        init.ones_(self.running_var)
        self.num_batches_tracked = np.array(0, dtype=np.int64)

    def reset_parameters(self) -> None:
        """Reset the running statistics and, with ``affine``, set ``weight`` to 1 and ``bias`` to 0 (as PyTorch)."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    # ------------------------------------------------------------ layout
    @staticmethod
    def _as_matrix(x):
        """View ``x`` (channels on axis 1) as a C-contiguous ``(count, channels)`` matrix."""
        channels_last = np.moveaxis(x, 1, -1)
        return np.ascontiguousarray(channels_last).reshape(-1, x.shape[1]), channels_last.shape

    @staticmethod
    def _from_matrix(matrix, channels_last_shape):
        """Undo ``_as_matrix``: return a channels-on-axis-1 view of the matrix."""
        return np.moveaxis(matrix.reshape(channels_last_shape), -1, 1)

    # ----------------------------------------------------------- forward
    def forward(self, x):
        """Normalise each channel (batch statistics in training, running ones in eval).

        Parameters
        ----------
        x : ndarray with channels on axis 1
            See the subclass for the accepted shapes.

        Returns
        -------
        ndarray of the same shape as ``x``

        Raises
        ------
        ValueError
            In training mode, for a single value per channel (no variance).
            A batch of 0 is accepted, as in PyTorch: the output is empty, the
            running statistics are unchanged (``num_batches_tracked`` still
            counts the call) and backward gives zero parameter gradients.
        """
        x = check_input_shape(x, self, self.layouts, self.num_features)
        matrix, channels_last_shape = self._as_matrix(x)
        count = matrix.shape[0]
        if self.training and count == 1:
            raise ValueError(
                f"{self!r} in training mode needs more than one value per channel to "
                f"compute a variance, got input of shape {x.shape}; use a larger batch or eval()"
            )
        if self.training:
            self.num_batches_tracked = self.num_batches_tracked + 1  # every training batch, as PyTorch
        # An empty batch (count 0) has no mean or variance: as in PyTorch, it
        # leaves the running statistics alone and is normalised with them.
        batch_statistics = self.training and count > 0
        if batch_statistics:
            # The mean and the (biased) variance of every channel: column sums.
            mean = column_sums(matrix) / count
            centered, squares = center(matrix, mean)  # matrix - mean, and its squares summed per channel
            var = squares / count
            self._update_running_stats(mean, var, count)
        else:
            mean = self.running_mean.astype(matrix.dtype)
            var = self.running_var.astype(matrix.dtype)
            centered = matrix - mean
        inv_std = (1.0 / np.sqrt(var + self.eps)).astype(matrix.dtype)
        # out = weight * (centered * inv_std) + bias, with the two per-channel
        # factors multiplied first: one pass over the big array instead of two.
        scale = inv_std * self.weight.data if self.affine else inv_std
        out = scale_and_shift(centered, scale, self.bias.data if self.affine else None)
        # Backward rebuilds x_hat = centered * inv_std from these when it needs it.
        self._cache = (centered, inv_std, channels_last_shape, x.shape, batch_statistics)
        return self._from_matrix(out, channels_last_shape)

    def _update_running_stats(self, mean, var, count: int) -> None:
        """Blend the batch statistics into the running ones (PyTorch's rule)."""
        if self.momentum is None:  # cumulative moving average
            factor = 1.0 / float(self.num_batches_tracked)
        else:
            factor = float(self.momentum)
        unbiased_var = var * (count / (count - 1))
        dtype = self.running_mean.dtype
        self.running_mean = ((1 - factor) * self.running_mean + factor * mean).astype(dtype)
        self.running_var = ((1 - factor) * self.running_var + factor * unbiased_var).astype(dtype)

    # ---------------------------------------------------------- backward
    def backward(self, grad_output):
        """Return the input gradient; add the gradients of ``weight`` and ``bias``.

        Parameters
        ----------
        grad_output : ndarray of the same shape as the last input

        Returns
        -------
        ndarray of the same shape as the last input

        Notes
        -----
        In training mode the mean and variance depend on every input, which
        gives the well-known formula (``g`` the output gradient, ``N`` the
        count per channel)::

            dx = weight * inv_std * (g - mean(g) - x_hat * mean(g * x_hat))

        In evaluation mode (and for an empty batch, normalised with the
        running statistics) the statistics are constants: ``dx = weight * inv_std * g``.
        """
        check_forward_was_called(self._cache, self)
        centered, inv_std, channels_last_shape, input_shape, batch_statistics = self._cache
        grad, _ = self._as_matrix(check_grad_shape(grad_output, input_shape, self))
        grad = grad.astype(centered.dtype, copy=False)
        count = grad.shape[0]
        # Per channel: sum(g), and sum(g * x_hat) without building x_hat = centered * inv_std.
        grad_sum, grad_dot_centered = column_sums_and_dots(grad, centered)
        grad_dot_normalized = grad_dot_centered * inv_std
        if self.affine:
            self.weight.grad += grad_dot_normalized
            self.bias.grad += grad_sum
            scale = self.weight.data * inv_std
        else:
            scale = inv_std
        if not batch_statistics:
            return self._from_matrix(scale_and_shift(grad, scale), channels_last_shape)  # dx = scale * g
        # dx = scale * (g - mean(g) - x_hat * mean(g * x_hat)), where
        # x_hat * mean(g * x_hat) = centered * (inv_std * grad_dot_normalized / count).
        centered_factor = -inv_std * grad_dot_normalized / count
        grad_input = batch_norm_input_gradient(grad, centered, centered_factor, grad_sum / count, scale)
        return self._from_matrix(grad_input, channels_last_shape)

    def extra_repr(self) -> str:
        """Describe the layer like PyTorch does."""
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation for images: one mean and variance per channel.

    Parameters
    ----------
    num_features : int
        Number of channels ``C`` of the input ``(batch, C, height, width)``.
    eps : float, default 1e-5
        Added to the variance before the square root.
    momentum : float or None, default 0.1
        Weight of the newest batch in the running statistics; None means a
        plain cumulative average (as in PyTorch).
    affine : bool, default True
        Learn a per-channel scale ``weight`` (init 1) and shift ``bias`` (init 0).
    dtype : numpy dtype, default float32
        dtype of parameters and buffers.

    Attributes
    ----------
    running_mean, running_var : ndarray of shape (num_features,)
        Buffers (saved in ``state_dict``), initialised to 0 and 1.
    num_batches_tracked : ndarray of shape ()
        int64 count of training batches seen.

    Examples
    --------
    >>> bn = BatchNorm2d(3)
    >>> out = bn(np.random.default_rng(0).normal(5.0, 2.0, size=(8, 3, 4, 4)))
    >>> bool(abs(out.mean()) < 1e-6)
    True
    """

    layouts = (("batch", "channels", "height", "width"),)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation for feature vectors ``(batch, C)`` or sequences ``(batch, C, length)``.

    Parameters
    ----------
    num_features : int
        Number of features ``C``.
    eps : float, default 1e-5
        Added to the variance before the square root.
    momentum : float or None, default 0.1
        Weight of the newest batch in the running statistics.
    affine : bool, default True
        Learn a per-feature scale and shift.
    dtype : numpy dtype, default float32
        dtype of parameters and buffers.
    """

    layouts = (("batch", "channels"), ("batch", "channels", "length"))
