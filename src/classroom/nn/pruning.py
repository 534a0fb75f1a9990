"""Magnitude pruning: set the smallest weights of a trained network to zero.

A trained network has many weights close to zero. *Magnitude pruning*
removes the fraction ``sparsity`` of them with the smallest absolute value:
it sets them to exactly 0 and remembers where they are in a **mask** (True
where a weight is kept, False where it was pruned). The network is then
*sparse*: most of its connections are gone, but its arrays keep their shape.

* ``scope="global"`` ranks every prunable weight of the model together, so
  a layer with many small weights loses more of them than a layer with few;
* ``scope="layer"`` prunes the same fraction of every layer.

The prunable parameters are the ``weight`` of every ``Linear``, ``Conv2d``
and ``ConvTranspose2d`` layer (the connections); their ``bias`` only when
asked (``include_bias=True``). Batch-norm scales and shifts are never
pruned: they are not connections but one number per channel.

After pruning, training would bring the zeros back (their gradients are not
zero). To *fine-tune* a pruned network with its mask fixed, apply the masks
again after every optimizer step: :func:`apply_masks` does it, and the
training callback :class:`classroom.train.callbacks.keep_masks.KeepMasks`
calls it for ``Trainer.fit``.

Pruning also makes a network's batch-norm running statistics stale: they
were averaged over the outputs of the unpruned layers.
:func:`recalibrate_batch_norm` measures them again on some training images
(forward passes only, no weight changes), the cheapest repair there is.

Zeros in a dense array do not make NumPy faster: ``x @ W.T`` multiplies by
every zero too. The gain needs a sparse format and kernels that skip the
zeros (see the question page "dense versus sparse networks").

Examples
--------
>>> import numpy as np
>>> from classroom.nn import Linear, ReLU, Sequential
>>> model = Sequential(Linear(4, 8, rng=0), ReLU(), Linear(8, 2, rng=1))
>>> masks = magnitude_prune(model, 0.75)
>>> sorted(masks), sparsity(model)
(['0.weight', '2.weight'], 0.75)
>>> int(masks["0.weight"].sum() + masks["2.weight"].sum())  # 48 weights, 12 kept
12
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from .batchnorm import BatchNorm1d, BatchNorm2d
from .conv import Conv2d
from .conv_transpose import ConvTranspose2d
from .linear import Linear
from .module import Module, Parameter

__all__ = [
    "apply_masks",
    "layer_sparsity",
    "magnitude_prune",
    "prunable_parameters",
    "recalibrate_batch_norm",
    "sparsity",
]

#: The layers whose parameters are connections that pruning may remove.
PRUNABLE_LAYERS = (Linear, Conv2d, ConvTranspose2d)


def prunable_parameters(model: Module, *, include_bias: bool = False) -> dict[str, Parameter]:
    """Return the parameters pruning works on, keyed by their ``state_dict`` names.

    Parameters
    ----------
    model : Module
        Any model built from ``classroom.nn`` layers.
    include_bias : bool, default False
        Also return the ``bias`` of those layers.

    Returns
    -------
    dict of str to Parameter
        ``{"0.weight": Parameter, ...}`` in model order: the ``weight`` of
        every ``Linear``, ``Conv2d`` and ``ConvTranspose2d``, and their
        ``bias`` (when they have one) with ``include_bias=True``.

    Raises
    ------
    TypeError
        If ``model`` is not a ``Module``.
    """
    if not isinstance(model, Module):
        raise TypeError(f"pruning works on a classroom.nn Module, got {type(model).__name__}")
    found: dict[str, Parameter] = {}
    for module_name, module in model.named_modules():
        if not isinstance(module, PRUNABLE_LAYERS):
            continue
        prefix = f"{module_name}." if module_name else ""
        found[prefix + "weight"] = module.weight
        if include_bias and module.bias is not None:
            found[prefix + "bias"] = module.bias
    return found


def _check_sparsity(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"sparsity must be a number between 0 and 1, got {value!r}")
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"sparsity is the fraction of weights to remove: between 0 and 1, got {value}")
    return value


def _smallest_mask(magnitudes: np.ndarray, count: int) -> np.ndarray:
    """Boolean mask of ``magnitudes`` (1-D) that is False on the ``count`` smallest, True elsewhere.

    Ties are broken by position (a stable sort), so exactly ``count`` entries are removed.
    """
    keep = np.ones(magnitudes.shape, dtype=bool)
    if count > 0:
        keep[np.argsort(magnitudes, kind="stable")[:count]] = False
    return keep


def magnitude_prune(
    model: Module,
    sparsity: float,
    *,
    scope: str = "global",
    include_bias: bool = False,
) -> dict[str, np.ndarray]:
    """Zero the fraction ``sparsity`` of ``model``'s weights with the smallest magnitude, in place.

    Parameters
    ----------
    model : Module
        A (usually trained) model; its prunable parameters are changed in place.
    sparsity : float in [0, 1]
        Fraction of the prunable numbers to remove. ``round(sparsity * n)``
        of them are set to zero: of all ``n`` prunable numbers together
        (``scope="global"``) or of each parameter's own ``n``
        (``scope="layer"``). Numbers already zero count as the smallest, so
        pruning a pruned model further keeps its earlier zeros.
    scope : {"global", "layer"}, default "global"
        Rank the magnitudes across the whole model, or within each layer.
    include_bias : bool, default False
        Prune biases too (see :func:`prunable_parameters`).

    Returns
    -------
    dict of str to ndarray of bool
        One mask per pruned parameter, the parameter's shape, True where the
        weight is kept. Pass it to :func:`apply_masks` (or to ``KeepMasks``)
        to keep the zeros during fine-tuning.

    Raises
    ------
    TypeError
        If ``model`` is not a ``Module`` or ``sparsity`` is not a number.
    ValueError
        If ``sparsity`` is outside [0, 1], ``scope`` is unknown, or the model
        has nothing to prune.
    """
    sparsity = _check_sparsity(sparsity)
    if scope not in ("global", "layer"):
        raise ValueError(f"scope must be 'global' (rank all weights together) or 'layer' (each layer alone), got {scope!r}")
    parameters = prunable_parameters(model, include_bias=include_bias)
    if not parameters:
        raise ValueError("the model has no Linear, Conv2d or ConvTranspose2d layer: nothing to prune")
    masks: dict[str, np.ndarray] = {}
    if scope == "layer":
        for name, parameter in parameters.items():
            magnitudes = np.abs(parameter.data).ravel()
            count = int(round(sparsity * magnitudes.size))
            masks[name] = _smallest_mask(magnitudes, count).reshape(parameter.shape)
    else:
        magnitudes = np.concatenate([np.abs(parameter.data).ravel() for parameter in parameters.values()])
        count = int(round(sparsity * magnitudes.size))
        keep = _smallest_mask(magnitudes, count)
        start = 0
        for name, parameter in parameters.items():
            size = parameter.data.size
            masks[name] = keep[start : start + size].reshape(parameter.shape)
            start += size
    apply_masks(model, masks)
    return masks


def apply_masks(model: Module, masks: Mapping[str, np.ndarray]) -> None:
    """Set ``model``'s parameters to zero where their mask is False, in place.

    Call it after every optimizer step to fine-tune with the masks fixed:
    the optimizer (its momentum, its weight decay) moves pruned weights away
    from zero, and this puts them back.

    Parameters
    ----------
    model : Module
    masks : mapping of str to ndarray of bool
        From :func:`magnitude_prune`: parameter name to a mask of the
        parameter's shape, True where the weight is kept.

    Raises
    ------
    KeyError
        If a mask names a parameter the model does not have.
    ValueError
        If a mask's shape differs from its parameter's.
    """
    named = dict(model.named_parameters())
    for name, mask in masks.items():
        if name not in named:
            raise KeyError(f"mask for '{name}', but the model has no such parameter (it has {sorted(named)[:6]}...)")
        parameter = named[name]
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != parameter.shape:
            raise ValueError(f"the mask for '{name}' has shape {mask.shape}, the parameter {parameter.shape}")
        parameter.data[~mask] = 0


def layer_sparsity(model: Module, *, include_bias: bool = False) -> dict[str, float]:
    """Return the fraction of exact zeros in each prunable parameter.

    Parameters
    ----------
    model : Module
    include_bias : bool, default False
        Report the biases too.

    Returns
    -------
    dict of str to float
        ``{"0.weight": 0.93, ...}`` (0.0 for an empty parameter).
    """
    return {
        name: float(np.mean(parameter.data == 0)) if parameter.data.size else 0.0
        for name, parameter in prunable_parameters(model, include_bias=include_bias).items()
    }


def sparsity(model: Module, *, include_bias: bool = False) -> float:
    """Return the fraction of exact zeros among all of ``model``'s prunable numbers.

    Parameters
    ----------
    model : Module
    include_bias : bool, default False
        Count the biases of the prunable layers too.

    Returns
    -------
    float
        Zeros divided by the number of prunable numbers (0.0 when there are none).
    """
    parameters = prunable_parameters(model, include_bias=include_bias).values()
    total = sum(parameter.data.size for parameter in parameters)
    if total == 0:
        return 0.0
    zeros = sum(int(np.count_nonzero(parameter.data == 0)) for parameter in parameters)
    return zeros / total


def recalibrate_batch_norm(model: Module, inputs: np.ndarray, *, batch_size: int = 256) -> int:
    """Measure every batch-norm layer's running statistics again on ``inputs``.

    Each ``BatchNorm1d``/``BatchNorm2d`` forgets its running mean and
    variance, then the model runs forward in training mode over ``inputs``
    with a *cumulative* average (``momentum=None``), so afterwards the
    statistics are the average over those batches, as if the pruned
    network had been trained with them. No parameter changes; the model is
    left in evaluation mode and every layer's ``momentum`` is restored.

    Parameters
    ----------
    model : Module
    inputs : ndarray of shape (n, ...)
        Training inputs (a thousand or so is plenty), e.g.
        ``(n, channels, height, width)`` images, **in random order**: each
        batch should be a mix like a training batch. Batches of one class
        each (a dataset sorted by label) give a mean close to the right one
        but too small a variance, and a worse network.
    batch_size : int, default 256
        Images per forward pass; each batch counts once in the average.

    Returns
    -------
    int
        The number of batch-norm layers recalibrated (0: nothing to do).

    Raises
    ------
    ValueError
        If ``inputs`` is empty or ``batch_size`` < 1.
    """
    inputs = np.asarray(inputs)
    if inputs.ndim == 0 or inputs.shape[0] == 0:
        raise ValueError("recalibrate_batch_norm needs at least one input")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    layers = [module for module in model.modules() if isinstance(module, (BatchNorm1d, BatchNorm2d))]
    if not layers:
        return 0
    momenta = [layer.momentum for layer in layers]
    try:
        for layer in layers:
            layer.reset_running_stats()
            layer.momentum = None
        model.train()
        for start in range(0, inputs.shape[0], batch_size):
            model(inputs[start : start + batch_size])
    finally:
        for layer, momentum in zip(layers, momenta):
            layer.momentum = momentum
        model.eval()
    return len(layers)
