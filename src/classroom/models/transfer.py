"""Transfer learning: reuse a trained network's feature layers under a new head.

A network trained on one task (say seven CIFAR-10 classes) has learned
feature layers (convolutions, batch norm) and a *head*, the last layer with
parameters, which maps those features to that task's classes. For a new
task with other classes, build the same architecture with a new head and
copy everything except the head:

>>> from classroom.models.cnn import cifar_cnn
>>> pretrained = cifar_cnn(widths=(8, 16), num_classes=7, rng=0)
>>> new_model = cifar_cnn(widths=(8, 16), num_classes=3, rng=1)
>>> copied = transfer_weights(pretrained, new_model)
>>> head_name(new_model), len(copied)
('10', 12)

The new model then trains as usual (*fine-tuning*: every layer learns), or
with its features frozen: :func:`split_head` gives the feature layers and the
head separately, so the features can be computed once and only the head
trained (a *linear probe*).
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from ..nn import Module, Sequential

__all__ = ["head_name", "split_head", "transfer_weights"]


def _has_parameters(module: Module) -> bool:
    return any(True for _ in module.named_parameters())


def head_name(model: Sequential) -> str:
    """Return the name of ``model``'s head: its last layer that has parameters.

    Parameters
    ----------
    model : Sequential
        For ``cifar_cnn`` the head is the final ``Linear`` layer.

    Returns
    -------
    str
        The layer's name in ``model.state_dict()`` keys (``"18"`` for the
        default ``cifar_cnn``, whose head keys are ``"18.weight"`` and ``"18.bias"``).

    Raises
    ------
    TypeError
        If ``model`` is not a ``Sequential``.
    ValueError
        If no layer has parameters.
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"head_name expects a Sequential model, got {type(model).__name__}")
    for name, layer in reversed(list(model.named_children())):
        if _has_parameters(layer):
            return name
    raise ValueError("the model has no layer with parameters, so it has no head")


def split_head(model: Sequential) -> tuple[Sequential, Module]:
    """Return ``(features, head)``: the layers before the head, and the head.

    The layers are shared, not copied: ``head(features(x))`` equals
    ``model(x)``, and training either part trains the model. Layers after
    the head (none in ``cifar_cnn``) belong to neither part.

    Parameters
    ----------
    model : Sequential

    Returns
    -------
    features : Sequential
        Maps the model's input, e.g. ``(batch, 3, height, width)`` images, to
        what the head reads, ``(batch, head.in_features)`` for ``cifar_cnn``.
    head : Module
        The last layer with parameters (see :func:`head_name`).
    """
    index = int(head_name(model))
    return Sequential(*model.layers[:index]), model.layers[index]


def transfer_weights(source: Module, target: Module, *, exclude: Iterable[str] | None = None) -> list[str]:
    """Copy every parameter and buffer of ``source`` into ``target``, except the head's.

    Parameters
    ----------
    source : Module
        The trained model (it is not modified).
    target : Module
        A model of the same architecture apart from the excluded layers, for
        example ``cifar_cnn`` with another ``num_classes``. Its excluded
        layers keep their own (fresh) values.
    exclude : iterable of str, optional
        Names of the layers not to copy (a state key is skipped when it is a
        name or starts with ``name + "."``). Default: the head of ``source``
        (:func:`head_name`).

    Returns
    -------
    list of str
        The state keys copied (parameters and buffers such as batch-norm
        running statistics), in ``state_dict`` order.

    Raises
    ------
    ValueError
        If the two models do not match outside the excluded layers: a key
        one of them has and the other lacks, or an array of another shape.
        The message lists every problem; nothing is copied then.
    """
    excluded = [head_name(source)] if exclude is None else [str(name) for name in exclude]

    def kept(key: str) -> bool:
        return not any(key == name or key.startswith(name + ".") for name in excluded)

    source_state = {key: value for key, value in source.state_dict().items() if kept(key)}
    target_state = target.state_dict()
    target_kept = {key: value for key, value in target_state.items() if kept(key)}
    problems = []
    for key in source_state:
        if key not in target_kept:
            problems.append(f"'{key}' is in the source but not in the target")
        elif np.shape(source_state[key]) != np.shape(target_kept[key]):
            problems.append(
                f"'{key}' has shape {np.shape(source_state[key])} in the source, "
                f"{np.shape(target_kept[key])} in the target"
            )
    for key in target_kept:
        if key not in source_state:
            problems.append(f"'{key}' is in the target but not in the source")
    if problems:
        listing = "\n  ".join(problems)
        raise ValueError(
            f"cannot transfer weights: the models differ outside the excluded layers {excluded}:\n  {listing}\n"
            "build the target with the same architecture as the source, changing only the excluded layers"
        )
    merged = dict(target_state)
    merged.update(source_state)  # arrays of state_dict() are copies: the models share nothing afterwards
    target.load_state_dict(merged)
    return list(source_state)
