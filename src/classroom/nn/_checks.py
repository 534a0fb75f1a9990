"""Input checks shared by the layers and losses.

Every check raises an error that names the layer, what it expected, what it
got and how to fix it, so a learner never has to read a deep NumPy traceback
to find a shape or dtype mistake.
"""

from __future__ import annotations

import numpy as np


def check_float_input(x, where: str, name: str = "input") -> np.ndarray:
    """Return ``x`` as an ndarray, raising ``TypeError`` unless it holds floats.

    Parameters
    ----------
    x : array_like
        The value to check.
    where : str
        The layer description used in the message, e.g. ``"Linear(784, 10)"``.
    name : str, default "input"
        What ``x`` is, used in the message.
    """
    array = np.asarray(x)
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(
            f"{where} expects a floating-point {name} (float32 or float64), "
            f"got dtype {array.dtype}; convert it with x.astype(np.float32)"
        )
    return array


def check_same_dtype(x: np.ndarray, parameter_dtype, where: str) -> None:
    """Raise ``TypeError`` when the input dtype differs from the parameters' dtype.

    Mixing float32 parameters with float64 inputs would silently make every
    result float64 (slow) or lose precision in a gradient check, so, like
    PyTorch, the layers refuse it.
    """
    parameter_dtype = np.dtype(parameter_dtype)
    if x.dtype != parameter_dtype:
        raise TypeError(
            f"{where} has {parameter_dtype} parameters but got {x.dtype} input; "
            f"cast the input with x.astype(np.{parameter_dtype}) or the layer with "
            f".to(np.{x.dtype})"
        )


def check_forward_was_called(cache, where: str) -> None:
    """Raise ``RuntimeError`` when ``backward`` runs before any ``forward``."""
    if cache is None:
        raise RuntimeError(
            f"{where}.backward() was called before forward(); run the forward pass "
            "first, because backward uses values saved during forward"
        )


def check_grad_shape(grad_output, expected_shape: tuple, where: str) -> np.ndarray:
    """Return ``grad_output`` as an ndarray, checking it has the forward output's shape."""
    grad = np.asarray(grad_output)
    if grad.shape != tuple(expected_shape):
        raise ValueError(
            f"{where}.backward expects grad_output of shape {tuple(expected_shape)} "
            f"(the shape of the forward output), got {grad.shape}"
        )
    return grad


def check_reduction(reduction: str, where: str) -> str:
    """Return ``reduction`` after checking it is ``"none"``, ``"mean"`` or ``"sum"``."""
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(
            f"{where} reduction must be 'none', 'mean' or 'sum', got {reduction!r}"
        )
    return reduction
