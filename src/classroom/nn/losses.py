"""Loss functions as Modules: ``CrossEntropyLoss``, ``BCEWithLogitsLoss``, ``MSELoss``.

A loss is called like PyTorch's, ``loss = loss_fn(prediction, target)``, and
its ``backward()`` (no argument needed: the seed ``dL/dL = 1``) returns the
gradient with respect to ``prediction``, ready to hand to the model::

    logits = model(x)
    loss = loss_fn(logits, y)
    model.backward(loss_fn.backward())

With ``reduction="mean"`` or ``"sum"`` the loss is a ``numpy.float64``, which
is a Python ``float`` that also has PyTorch's ``loss.item()``; with
``reduction="none"`` it is an array with one value per sample (per element for
``MSELoss`` and ``BCEWithLogitsLoss``).

An empty batch (``N = 0``) is accepted, with PyTorch's values: the mean of no
losses is NaN (0 / 0, without a warning), their sum is 0 and ``"none"`` gives
an empty array; ``backward`` returns an empty gradient of the input's shape.
A mean that is NaN stops a ``Trainer`` (its NaN guard), so skip empty batches
rather than train on them.
"""

from __future__ import annotations

import numpy as np

from . import functional as F
from ._checks import check_float_input, check_forward_was_called, check_reduction
from .module import Module


class _Loss(Module):
    """Shared plumbing: reduction of per-sample losses and of the backward seed."""

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        self.reduction = check_reduction(reduction, type(self).__name__)
        # Set by forward: gradient of the *unreduced* loss (one value per
        # element of the loss array) with respect to the prediction.
        self._unreduced_shape = None
        self._count = None

    def _reduce(self, losses: np.ndarray):
        """Apply the reduction to the per-sample/per-element ``losses`` (NaN for the mean of none)."""
        self._unreduced_shape = losses.shape
        self._count = losses.size
        if self.reduction == "mean":
            return np.float64(np.mean(losses)) if losses.size else np.float64("nan")
        if self.reduction == "sum":
            return np.float64(np.sum(losses))
        return losses

    def _seed(self, grad_output, dtype) -> np.ndarray:
        """Return ``dL/d(losses)`` as an array of the unreduced loss shape."""
        name = type(self).__name__
        check_forward_was_called(self._unreduced_shape, name)
        if self.reduction == "none":
            if grad_output is None:
                return np.ones(self._unreduced_shape, dtype=dtype)
            grad = np.asarray(grad_output, dtype=dtype)
            if grad.shape != self._unreduced_shape:
                raise ValueError(
                    f"{name}(reduction='none').backward expects grad_output of shape "
                    f"{self._unreduced_shape} (one value per loss), got {grad.shape}"
                )
            return grad
        scale = 1.0 if grad_output is None else np.asarray(grad_output, dtype=dtype)
        if np.ndim(scale) != 0:
            raise ValueError(
                f"{name}(reduction='{self.reduction}') returns a scalar, so backward "
                f"expects a scalar grad_output (or none), got shape {np.shape(scale)}"
            )
        if self.reduction == "mean":
            scale = scale / max(self._count, 1)
        return np.full(self._unreduced_shape, scale, dtype=dtype)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy between logits and class labels (as ``torch.nn.CrossEntropyLoss``).

    For one sample with logits ``z`` and target distribution ``q`` the loss is
    ``-sum_c q_c * log_softmax(z)_c``; for an integer label ``y`` the target is
    the one-hot vector, so the loss is ``-log_softmax(z)_y``. Its gradient is
    the famous ``softmax(z) - q``.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default "mean"
        How to combine the per-sample losses.
    label_smoothing : float, default 0.0
        In ``[0, 1]``. The target becomes ``(1 - label_smoothing) * q +
        label_smoothing / n_classes``.

    Examples
    --------
    >>> import numpy as np
    >>> loss_fn = CrossEntropyLoss()
    >>> logits = np.array([[2.0, 0.0, 0.0]])
    >>> loss = loss_fn(logits, np.array([0]))
    >>> print(round(loss, 4))
    0.2395
    >>> loss_fn.backward().round(4)
    array([[-0.213 ,  0.1065,  0.1065]])
    """

    def __init__(self, reduction: str = "mean", label_smoothing: float = 0.0):
        super().__init__(reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
        self.label_smoothing = float(label_smoothing)
        self._probabilities = None
        self._target_distribution = None

    def forward(self, input: np.ndarray, target: np.ndarray):
        """Compute the cross-entropy of ``input`` logits against ``target``.

        Parameters
        ----------
        input : ndarray of shape (N, C)
            Unnormalised scores (logits), floating point.
        target : ndarray of shape (N,) with integer class labels in ``[0, C)``,
            or ndarray of shape (N, C) with class probabilities (floating point).

        Returns
        -------
        float or ndarray of shape (N,)
            The mean or summed loss, or the per-sample losses for ``"none"``.
        """
        logits = check_float_input(input, "CrossEntropyLoss", name="input (logits)")
        if logits.ndim != 2:
            raise ValueError(
                f"CrossEntropyLoss expects logits of shape (N, C), got {logits.shape}; "
                "for a single sample use logits[None, :]"
            )
        n_samples, n_classes = logits.shape
        target_distribution = self._target_distribution_from(target, n_samples, n_classes, logits.dtype)
        if self.label_smoothing > 0:
            target_distribution = (
                (1.0 - self.label_smoothing) * target_distribution + self.label_smoothing / n_classes
            ).astype(logits.dtype)
        log_probabilities = F.log_softmax(logits, dim=1)
        losses = -np.sum(target_distribution * log_probabilities, axis=1)
        self._probabilities = np.exp(log_probabilities)
        self._target_distribution = target_distribution
        return self._reduce(losses)

    @staticmethod
    def _target_distribution_from(target, n_samples: int, n_classes: int, dtype) -> np.ndarray:
        """Turn integer labels into one-hot rows, or check a (N, C) probability target."""
        target = np.asarray(target)
        if target.ndim == 2:
            if not np.issubdtype(target.dtype, np.floating):
                raise TypeError(
                    "CrossEntropyLoss with a target of shape (N, C) expects class "
                    f"probabilities (floating point), got dtype {target.dtype}"
                )
            if target.shape != (n_samples, n_classes):
                raise ValueError(
                    f"CrossEntropyLoss expects probability targets of shape ({n_samples}, "
                    f"{n_classes}) to match the logits, got {target.shape}"
                )
            return target.astype(dtype, copy=False)
        if target.ndim != 1:
            raise ValueError(
                f"CrossEntropyLoss expects integer labels of shape ({n_samples},) or "
                f"probabilities of shape ({n_samples}, {n_classes}), got {target.shape}"
            )
        if not np.issubdtype(target.dtype, np.integer):
            raise TypeError(
                f"CrossEntropyLoss expects integer class labels of shape ({n_samples},), "
                f"got dtype {target.dtype}; convert them with labels.astype(np.int64)"
            )
        if target.shape[0] != n_samples:
            raise ValueError(
                f"CrossEntropyLoss got logits of shape ({n_samples}, {n_classes}) but labels "
                f"of shape {target.shape}; expected labels of shape ({n_samples},)"
            )
        if target.size and (target.min() < 0 or target.max() >= n_classes):
            bad = target[(target < 0) | (target >= n_classes)][0]
            raise ValueError(
                f"CrossEntropyLoss got label {bad}, but labels must be in [0, {n_classes}) "
                f"for logits with {n_classes} classes"
            )
        one_hot = np.zeros((n_samples, n_classes), dtype=dtype)
        one_hot[np.arange(n_samples), target] = 1.0
        return one_hot

    def backward(self, grad_output=None) -> np.ndarray:
        """Return the gradient of the loss with respect to the logits.

        Parameters
        ----------
        grad_output : float or ndarray of shape (N,), optional
            Gradient of the final objective with respect to this loss's
            output; defaults to 1 (this loss *is* the objective).

        Returns
        -------
        ndarray of shape (N, C)
            ``(softmax(logits) * sum(q) - q) * seed`` per sample, where the
            seed includes ``1/N`` for ``reduction="mean"``.
        """
        check_forward_was_called(self._probabilities, "CrossEntropyLoss")
        p = self._probabilities
        seed = self._seed(grad_output, p.dtype)
        q = self._target_distribution
        # sum(q) is 1 for labels and proper probability targets.
        per_sample = p * np.sum(q, axis=1, keepdims=True) - q
        return per_sample * seed[:, None]

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, label_smoothing={self.label_smoothing}"


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits (as ``torch.nn.BCEWithLogitsLoss``).

    For a logit ``x``, target ``y`` in ``[0, 1]`` and positive weight ``w``:
    ``loss = -(w * y * log(sigmoid(x)) + (1 - y) * log(1 - sigmoid(x)))``.
    Since ``-log(sigmoid(x)) = softplus(-x)`` and ``-log(1 - sigmoid(x)) =
    softplus(x)``, it is computed without overflow or cancellation as
    ``w * y * softplus(-x) + (1 - y) * softplus(x)``.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default "mean"
        How to combine the per-element losses.
    pos_weight : array_like, optional
        Weight of the positive examples, broadcast along the last dimension
        (one weight per class, shape ``(C,)``). ``> 1`` raises recall.
    """

    def __init__(self, reduction: str = "mean", pos_weight=None):
        super().__init__(reduction)
        self.pos_weight = None if pos_weight is None else np.asarray(pos_weight, dtype=np.float64)
        self._logits = None
        self._target = None

    def forward(self, input: np.ndarray, target: np.ndarray):
        """Compute the binary cross-entropy of ``input`` logits against ``target``.

        Parameters
        ----------
        input : ndarray of any shape, e.g. (N,) or (N, C)
            Logits, floating point.
        target : ndarray of the same shape
            Targets in ``[0, 1]``, floating point.

        Returns
        -------
        float or ndarray of the input's shape
            The mean or summed loss, or the per-element losses for ``"none"``.
        """
        logits = check_float_input(input, "BCEWithLogitsLoss", name="input (logits)")
        target_array = np.asarray(target)
        if not np.issubdtype(target_array.dtype, np.floating):
            raise TypeError(
                "BCEWithLogitsLoss expects floating-point targets in [0, 1], got dtype "
                f"{target_array.dtype}; convert them with y.astype(np.float32)"
            )
        if target_array.shape != logits.shape:
            raise ValueError(
                f"BCEWithLogitsLoss expects target of the same shape as the input {logits.shape}, "
                f"got {target_array.shape}"
            )
        y = target_array.astype(logits.dtype, copy=False)
        positive_weight = self._positive_weight(logits.shape, logits.dtype)
        losses = positive_weight * y * F.softplus(-logits) + (1 - y) * F.softplus(logits)
        self._logits = logits
        self._target = y
        return self._reduce(losses.astype(logits.dtype, copy=False))

    def _positive_weight(self, shape: tuple, dtype):
        """Return ``pos_weight`` in ``dtype`` (just 1 without ``pos_weight``)."""
        if self.pos_weight is None:
            return 1.0
        try:
            np.broadcast_shapes(self.pos_weight.shape, shape)
        except ValueError:
            raise ValueError(
                f"BCEWithLogitsLoss pos_weight of shape {self.pos_weight.shape} does not "
                f"broadcast to the input shape {shape}; use one weight per class (last dimension)"
            ) from None
        return self.pos_weight.astype(dtype)

    def backward(self, grad_output=None) -> np.ndarray:
        """Return the gradient of the loss with respect to the logits.

        Parameters
        ----------
        grad_output : float or ndarray of the input's shape, optional
            Defaults to 1.

        Returns
        -------
        ndarray of the input's shape
            ``(1 - y) * sigmoid(x) - w * y * sigmoid(-x)`` times the seed;
            for ``w = 1`` that is ``sigmoid(x) - y``.
        """
        check_forward_was_called(self._logits, "BCEWithLogitsLoss")
        x, y = self._logits, self._target
        seed = self._seed(grad_output, x.dtype)
        positive_weight = self._positive_weight(x.shape, x.dtype)
        per_element = (1 - y) * F.sigmoid(x) - positive_weight * y * F.sigmoid(-x)
        return per_element * seed

    def extra_repr(self) -> str:
        if self.pos_weight is None:
            return super().extra_repr()
        return f"reduction={self.reduction!r}, pos_weight={self.pos_weight.tolist()}"


class MSELoss(_Loss):
    """Mean squared error ``mean((input - target)**2)`` (as ``torch.nn.MSELoss``).

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default "mean"
        How to combine the per-element squared errors.
    """

    def __init__(self, reduction: str = "mean"):
        super().__init__(reduction)
        self._difference = None

    def forward(self, input: np.ndarray, target: np.ndarray):
        """Compute the squared error between ``input`` and ``target``.

        Parameters
        ----------
        input : ndarray of any shape
            Predictions, floating point.
        target : ndarray of the same shape
            Targets.

        Returns
        -------
        float or ndarray of the input's shape
            The mean or summed squared error, or the per-element errors for ``"none"``.
        """
        prediction = check_float_input(input, "MSELoss", name="input (prediction)")
        target_array = np.asarray(target)
        if target_array.shape != prediction.shape:
            raise ValueError(
                f"MSELoss expects target of the same shape as the input {prediction.shape}, "
                f"got {target_array.shape}; reshape one of them (broadcasting here is "
                "almost always a bug)"
            )
        self._difference = prediction - target_array.astype(prediction.dtype, copy=False)
        return self._reduce(self._difference**2)

    def backward(self, grad_output=None) -> np.ndarray:
        """Return ``2 * (input - target)`` times the seed (``1/n`` for ``"mean"``).

        Parameters
        ----------
        grad_output : float or ndarray of the input's shape, optional
            Defaults to 1.

        Returns
        -------
        ndarray of the input's shape
        """
        check_forward_was_called(self._difference, "MSELoss")
        seed = self._seed(grad_output, self._difference.dtype)
        return 2 * self._difference * seed
