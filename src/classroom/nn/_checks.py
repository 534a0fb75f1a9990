"""Input checks shared by the layers and losses.

Every check raises an error that names the layer, what it expected, what it
got and how to fix it, so a learner never has to read a deep NumPy traceback
to find a shape or dtype mistake. Each mistake has one check, used by every
layer: the same mistake gets the same message everywhere.

``where`` names the layer in the message: a string such as
``"Linear(784, 10)"``, or the layer itself, which is printed (its ``repr``)
only when there is an error to report, so a check costs almost nothing when
the input is fine.

* ``forward``: ``check_float_input`` (dtype), ``check_input_shape`` and
  ``check_image_batch`` (axes and channels), ``check_same_dtype`` (input
  against parameters), ``check_window_fits`` (a kernel or pooling window
  larger than the padded image);
* ``backward``: ``check_forward_was_called`` and ``check_grad_shape``;
* constructors: ``check_conv_arguments``, ``check_reduction``.
"""

from __future__ import annotations

import numpy as np

from .im2col import as_pair

#: The layout of a batch of images, the input of every convolution and pooling layer.
IMAGE_BATCH = (("batch", "channels", "height", "width"),)


def check_float_input(x, where, name: str = "input") -> np.ndarray:
    """Return ``x`` as an ndarray, raising ``TypeError`` unless it holds floats.

    Parameters
    ----------
    x : array_like
        The value to check.
    where : str or Module
        The layer, or its description, used in the message, e.g. ``"Linear(784, 10)"``.
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


def check_same_dtype(x: np.ndarray, parameter_dtype, where) -> None:
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


def check_forward_was_called(cache, where, *, training_mode: bool = False) -> None:
    """Raise ``RuntimeError`` when ``backward`` runs before any ``forward``.

    Parameters
    ----------
    cache : object
        What ``forward`` saved for ``backward``; None means nothing was saved.
    where : str or Module
        The layer, or its description, used in the message.
    training_mode : bool, default False
        True for layers that save nothing in evaluation mode (``Conv2d``,
        pooling): the message then says to call ``model.train()``.
    """
    if cache is None:
        message = (
            f"{where}.backward() was called before forward(); run the forward pass "
            "first, because backward uses values saved during forward"
        )
        if training_mode:
            message += (
                " (in training mode: a forward() in eval mode saves nothing, so call "
                "model.train() before training)"
            )
        raise RuntimeError(message)


def check_grad_shape(grad_output, expected_shape: tuple, where) -> np.ndarray:
    """Return ``grad_output`` as an ndarray, checking it has the forward output's shape."""
    grad = np.asarray(grad_output)
    if grad.shape != tuple(expected_shape):
        raise ValueError(
            f"{where}.backward expects grad_output of shape {tuple(expected_shape)} "
            f"(the shape of the forward output), got {grad.shape}"
        )
    return grad


def check_reduction(reduction: str, where) -> str:
    """Return ``reduction`` after checking it is ``"none"``, ``"mean"`` or ``"sum"``."""
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(
            f"{where} reduction must be 'none', 'mean' or 'sum', got {reduction!r}"
        )
    return reduction


def check_input_shape(x, where, layouts=IMAGE_BATCH, channels: int | None = None) -> np.ndarray:
    """Return ``x`` as a float ndarray after checking its number of axes and, optionally, its channels.

    Parameters
    ----------
    x : array_like
        The value to check (see ``check_float_input``).
    where : str or Module
        The layer, or its description, used in the message.
    layouts : tuple of tuple of str, default ``IMAGE_BATCH``
        The accepted layouts, each as the names of its axes, for example
        ``(("batch", "channels", "height", "width"),)``. The number of axes
        must match one of them.
    channels : int, optional
        The expected size of axis 1 (the channels); not checked when None.

    Raises
    ------
    TypeError
        If ``x`` does not hold floats.
    ValueError
        If ``x`` has the wrong number of axes or of channels.
    """
    array = check_float_input(x, where)
    ndims = [len(axes) for axes in layouts]
    if array.ndim in ndims and (channels is None or array.shape[1] == channels):
        return array
    expected = " or ".join("(" + ", ".join(axes) + ")" for axes in layouts)
    if channels is not None:
        expected += f" with channels={channels}"
    if array.ndim not in ndims:
        hint = "; add a batch axis with x[None] for a single example" if array.ndim + 1 in ndims else ""
        raise ValueError(f"{where} expects input of shape {expected}, got {array.shape}{hint}")
    raise ValueError(
        f"{where} expects input of shape {expected}, got {array.shape}: "
        f"{array.shape[1]} channels instead of {channels}"
    )


def check_image_batch(x, where, channels: int | None = None) -> np.ndarray:
    """Return ``x`` as a float ndarray of shape ``(batch, channels, height, width)``, or raise.

    ``check_input_shape`` with the image layout: the check of every
    convolution and pooling layer.
    """
    return check_input_shape(x, where, IMAGE_BATCH, channels)


def check_window_fits(input_shape: tuple, kernel_size: tuple, padding: tuple, where) -> None:
    """Raise ``ValueError`` when a sliding window is larger than the padded image.

    Parameters
    ----------
    input_shape : tuple of int
        ``(batch, channels, height, width)``.
    kernel_size, padding : tuple of int
        ``(kernel_h, kernel_w)`` and ``(pad_h, pad_w)`` (added on each side).
    where : str or Module
        The layer, or its description, used in the message.
    """
    _, _, height, width = input_shape
    (kernel_h, kernel_w), (pad_h, pad_w) = kernel_size, padding
    if height + 2 * pad_h < kernel_h or width + 2 * pad_w < kernel_w:
        raise ValueError(
            f"{where} got input of shape {tuple(input_shape)}: the padded image "
            f"({height + 2 * pad_h}x{width + 2 * pad_w}) is smaller than the {kernel_h}x{kernel_w} "
            "window (kernel_size); use a larger image, a smaller kernel or more padding"
        )


def check_conv_arguments(layer_name: str, in_channels, out_channels, kernel_size, stride, padding):
    """Validate a convolution's constructor arguments and turn sizes into pairs.

    Parameters
    ----------
    layer_name : str
        Used in error messages, e.g. ``"Conv2d"``.
    in_channels, out_channels : int
        At least 1 each.
    kernel_size, stride, padding : int or tuple of 2 int
        ``kernel_size >= 1``, ``stride >= 1``, ``padding >= 0``.

    Returns
    -------
    tuple
        ``(in_channels, out_channels, kernel_size, stride, padding)`` with
        the last three as ``(height, width)`` pairs.

    Raises
    ------
    ValueError
        Naming the argument that is out of range and the values given.
    """
    channels_in, channels_out = int(in_channels), int(out_channels)
    kernel_pair = as_pair(kernel_size, "kernel_size")
    stride_pair = as_pair(stride, "stride")
    padding_pair = as_pair(padding, "padding")
    if channels_in < 1 or channels_out < 1:
        raise ValueError(
            f"{layer_name} needs at least one input and one output channel, got "
            f"in_channels={in_channels}, out_channels={out_channels}"
        )
    if min(kernel_pair) < 1 or min(stride_pair) < 1 or min(padding_pair) < 0:
        raise ValueError(
            f"{layer_name} needs kernel_size >= 1, stride >= 1 and padding >= 0, got "
            f"kernel_size={kernel_size}, stride={stride}, padding={padding}"
        )
    return channels_in, channels_out, kernel_pair, stride_pair, padding_pair
