"""Weight initialisation, following the formulas of ``torch.nn.init``.

Every function fills its array **in place** (like the trailing underscore in
PyTorch's names says), accepts an ndarray or a ``Parameter``, draws from the
``rng`` it is given and returns the array.

The scale of the initial weights decides whether signals explode or vanish
through a deep network. The two classic recipes:

* Xavier/Glorot (for tanh/sigmoid): ``Var(w) = gain**2 * 2 / (fan_in + fan_out)``.
* Kaiming/He (for ReLU): ``Var(w) = gain**2 / fan``, with ``gain = sqrt(2)``.

For a linear weight of shape ``(out, in)``, ``fan_in = in`` and
``fan_out = out``. For a convolution kernel ``(out, in, kh, kw)`` both are
multiplied by the receptive field size ``kh * kw``.
"""

from __future__ import annotations

import math

import numpy as np

from .module import Parameter

_LINEAR_LIKE = {
    "linear",
    "identity",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
}


def _as_array(tensor) -> np.ndarray:
    """Return the ndarray behind ``tensor`` (an ndarray or a ``Parameter``)."""
    array = tensor.data if isinstance(tensor, Parameter) else tensor
    if not isinstance(array, np.ndarray):
        raise TypeError(
            f"init functions fill an ndarray or Parameter in place, got {type(tensor).__name__}"
        )
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(f"init functions need a floating-point array, got dtype {array.dtype}")
    return array


def as_generator(rng=None) -> np.random.Generator:
    """Turn the package's one way of taking randomness into a ``Generator``.

    Every constructor and function of the package that draws random numbers
    takes ``rng``, meaning the same thing everywhere:

    * an int: a seed, so ``Linear(40, 10, rng=0)`` is the same layer every time;
    * a ``numpy.random.Generator``: used as it is, so several layers built from
      one Generator draw different numbers from one stream;
    * None: a fresh, unseeded Generator.

    Parameters
    ----------
    rng : int, numpy.random.Generator or None

    Returns
    -------
    numpy.random.Generator
        ``rng`` itself when it is a Generator.

    Raises
    ------
    TypeError
        For anything else (a float, a legacy ``RandomState``), naming the three forms.

    Examples
    --------
    >>> gen = np.random.default_rng(0)
    >>> as_generator(gen) is gen
    True
    >>> float(as_generator(7).random()) == float(np.random.default_rng(7).random())
    True
    """
    if rng is None or isinstance(rng, np.random.Generator):
        return np.random.default_rng() if rng is None else rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"rng must be an int seed, a numpy.random.Generator or None, got {type(rng).__name__}; "
        "for example rng=0 or rng=np.random.default_rng(0)"
    )


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """Return the recommended gain for a non-linearity (as ``torch.nn.init.calculate_gain``).

    Parameters
    ----------
    nonlinearity : str
        One of ``"linear"``, ``"identity"``, ``"conv1d"``, ``"conv2d"``,
        ``"conv3d"``, ``"conv_transpose1d/2d/3d"``, ``"sigmoid"`` (gain 1),
        ``"tanh"`` (5/3), ``"relu"`` (sqrt(2)), ``"leaky_relu"``
        (``sqrt(2 / (1 + negative_slope**2))``) or ``"selu"`` (3/4).
    param : float, optional
        The negative slope for ``"leaky_relu"`` (default 0.01).

    Returns
    -------
    float
        The gain.
    """
    if nonlinearity in _LINEAR_LIKE:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            negative_slope = float(param)
        else:
            raise ValueError(f"negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1.0 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4.0
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


def uniform_fan_in_(weight, bias=None, *, rng=None):
    """PyTorch's default start for convolutions: weight and bias from ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``.

    (PyTorch writes it as ``kaiming_uniform_(a=sqrt(5))``, whose bound
    simplifies to ``1/sqrt(fan_in)``.) Both arrays are filled in place.

    Parameters
    ----------
    weight : ndarray or Parameter of shape (out, in, *kernel) or (in, out, *kernel)
        ``fan_in`` is computed from it as :func:`calculate_fan_in_and_fan_out` does.
    bias : ndarray or Parameter, optional
    rng : int, numpy.random.Generator or None
        One stream for both (see :func:`as_generator`).

    Returns
    -------
    weight
    """
    rng = as_generator(rng)
    fan_in, _ = calculate_fan_in_and_fan_out(weight)
    bound = 1.0 / math.sqrt(fan_in)
    uniform_(weight, -bound, bound, rng=rng)
    if bias is not None:
        uniform_(bias, -bound, bound, rng=rng)
    return weight


def calculate_fan_in_and_fan_out(tensor) -> tuple[int, int]:
    """Return ``(fan_in, fan_out)`` of a weight array.

    Parameters
    ----------
    tensor : ndarray or Parameter of shape (out, in, *kernel_size)
        A weight with at least 2 dimensions.

    Returns
    -------
    tuple of int
        ``fan_in = in * prod(kernel_size)`` and ``fan_out = out * prod(kernel_size)``.
    """
    array = _as_array(tensor)
    if array.ndim < 2:
        raise ValueError(
            "fan in and fan out need an array with at least 2 dimensions, "
            f"got shape {array.shape}"
        )
    receptive_field_size = int(np.prod(array.shape[2:])) if array.ndim > 2 else 1
    fan_in = array.shape[1] * receptive_field_size
    fan_out = array.shape[0] * receptive_field_size
    return fan_in, fan_out


def _fan(tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a: float = 0.0, b: float = 1.0, *, rng=None):
    """Fill ``tensor`` with values from ``U(a, b)``.

    Parameters
    ----------
    tensor : ndarray or Parameter
        Filled in place.
    a, b : float, default 0 and 1
        Lower and upper bound.
    rng : int, numpy.random.Generator or None, optional
        Source of randomness (a fresh unseeded one when omitted).
    """
    array = _as_array(tensor)
    array[...] = as_generator(rng).uniform(a, b, size=array.shape)
    return tensor


def normal_(tensor, mean: float = 0.0, std: float = 1.0, *, rng=None):
    """Fill ``tensor`` with values from ``N(mean, std**2)``.

    Parameters
    ----------
    tensor : ndarray or Parameter
        Filled in place.
    mean, std : float, default 0 and 1
        Mean and standard deviation.
    rng : int, numpy.random.Generator or None, optional
        Source of randomness (a fresh unseeded one when omitted).
    """
    array = _as_array(tensor)
    array[...] = as_generator(rng).normal(mean, std, size=array.shape)
    return tensor


def constant_(tensor, val: float):
    """Fill ``tensor`` with the value ``val``."""
    array = _as_array(tensor)
    array[...] = val
    return tensor


def zeros_(tensor):
    """Fill ``tensor`` with zeros (the usual start for biases)."""
    return constant_(tensor, 0.0)


def ones_(tensor):
    """Fill ``tensor`` with ones (the usual start for batch-norm scales)."""
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor, gain: float = 1.0, *, rng=None):
    """Xavier/Glorot uniform: ``U(-a, a)`` with ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    Parameters
    ----------
    tensor : ndarray or Parameter of shape (out, in, *kernel_size)
        Filled in place.
    gain : float, default 1.0
        Scale factor, see ``calculate_gain``.
    rng : int, numpy.random.Generator or None, optional
        Source of randomness.
    """
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std  # a uniform U(-b, b) has std b / sqrt(3)
    return uniform_(tensor, -bound, bound, rng=rng)


def xavier_normal_(tensor, gain: float = 1.0, *, rng=None):
    """Xavier/Glorot normal: ``N(0, std**2)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    Parameters
    ----------
    tensor : ndarray or Parameter of shape (out, in, *kernel_size)
        Filled in place.
    gain : float, default 1.0
        Scale factor, see ``calculate_gain``.
    rng : int, numpy.random.Generator or None, optional
        Source of randomness.
    """
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, rng=rng)


def kaiming_uniform_(
    tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    *,
    rng=None,
):
    """Kaiming/He uniform: ``U(-b, b)`` with ``b = gain * sqrt(3 / fan)``.

    Parameters
    ----------
    tensor : ndarray or Parameter of shape (out, in, *kernel_size)
        Filled in place.
    a : float, default 0.0
        Negative slope of the leaky ReLU that follows (only used when
        ``nonlinearity="leaky_relu"``). ``Linear`` uses ``a=sqrt(5)``, which
        gives ``b = 1 / sqrt(fan_in)``.
    mode : {"fan_in", "fan_out"}, default "fan_in"
        Preserve the variance in the forward (``fan_in``) or backward pass.
    nonlinearity : str, default "leaky_relu"
        See ``calculate_gain``.
    rng : int, numpy.random.Generator or None, optional
        Source of randomness.
    """
    fan = _fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan) if fan > 0 else 0.0
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, rng=rng)


def kaiming_normal_(
    tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    *,
    rng=None,
):
    """Kaiming/He normal: ``N(0, std**2)`` with ``std = gain / sqrt(fan)``.

    Parameters
    ----------
    tensor : ndarray or Parameter of shape (out, in, *kernel_size)
        Filled in place.
    a : float, default 0.0
        Negative slope of the leaky ReLU that follows.
    mode : {"fan_in", "fan_out"}, default "fan_in"
        Preserve the variance in the forward (``fan_in``) or backward pass.
    nonlinearity : str, default "leaky_relu"
        See ``calculate_gain``.
    rng : int, numpy.random.Generator or None, optional
        Source of randomness.
    """
    fan = _fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan) if fan > 0 else 0.0
    return normal_(tensor, 0.0, std, rng=rng)
