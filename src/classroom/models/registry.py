"""Rebuild a model from the architecture description saved with its weights.

A model file stores weights (``state_dict`` arrays) and, in its metadata, an
*architecture* dict that says how to build the empty model they belong to:

>>> spec = {"name": "mlp", "in_features": 784, "hidden_sizes": [256], "out_features": 10}
>>> model = build_model(spec)          # doctest: +SKIP
>>> model.load_state_dict(weights)     # doctest: +SKIP

``"name"`` picks a builder function from a small registry; every other key is
passed to it as a keyword argument. Builders are registered by *import path*
(``"package.module:function"``) and imported only when first used, so a
missing or unfinished module only matters to the models that need it, and
then gives a clear error.

Registered names:

* ``"mlp"`` - :class:`classroom.models.mlp.MLP`
* ``"cifar_cnn"`` - the CIFAR-10 network in :mod:`classroom.models.cnn`

Add your own with :func:`register_architecture`.
"""

from __future__ import annotations

import importlib
from typing import Callable, Mapping

__all__ = ["build_model", "register_architecture", "registered_architectures"]

# name -> "module:attribute" (imported on first use) or the callable itself.
_BUILDERS: dict[str, str | Callable] = {
    "mlp": "classroom.models.mlp:MLP",
    "cifar_cnn": "classroom.models.cnn:cifar_cnn",
}


def register_architecture(name: str, builder: str | Callable, *, overwrite: bool = False) -> None:
    """Make ``build_model({"name": name, ...})`` call ``builder(...)``.

    Parameters
    ----------
    name : str
        The value of ``"name"`` in architecture dicts.
    builder : callable or str
        A function (or class) returning a ``Module``, or its import path
        ``"package.module:function"`` to import lazily on first use.
    overwrite : bool, default False
        Replace an existing entry instead of raising.

    Raises
    ------
    ValueError
        If ``name`` is already registered and ``overwrite`` is False.
    """
    if name in _BUILDERS and not overwrite:
        raise ValueError(
            f"architecture {name!r} is already registered ({_BUILDERS[name]!r}); "
            "pass overwrite=True to replace it"
        )
    _BUILDERS[name] = builder


def registered_architectures() -> list[str]:
    """Return the registered architecture names, sorted."""
    return sorted(_BUILDERS)


def _resolve(name: str) -> Callable:
    """Return the builder registered as ``name``, importing it if needed."""
    builder = _BUILDERS[name]
    if callable(builder):
        return builder
    module_name, _, attribute = builder.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ValueError(
            f"architecture {name!r} is built by {builder}, but {module_name} cannot be "
            f"imported ({type(error).__name__}: {error})"
        ) from None
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ValueError(
            f"architecture {name!r} is built by {builder}, but {module_name} has no "
            f"'{attribute}'"
        ) from None


def build_model(architecture: Mapping):
    """Build an untrained model from an architecture dict.

    Parameters
    ----------
    architecture : mapping
        ``"name"`` selects the builder (see :func:`registered_architectures`);
        the other keys are its keyword arguments, for example
        ``{"name": "mlp", "in_features": 784, "hidden_sizes": [256],
        "out_features": 10}``.

    Returns
    -------
    classroom.nn.Module
        A freshly initialised model; load trained weights into it with
        ``load_state_dict``.

    Raises
    ------
    ValueError
        If ``architecture`` has no name, an unknown name, its builder cannot
        be imported, or the builder rejects the arguments (the message
        repeats the builder's complaint).
    """
    if not isinstance(architecture, Mapping):
        raise ValueError(
            f"architecture must be a dict like {{'name': 'mlp', ...}}, got "
            f"{type(architecture).__name__}"
        )
    if "name" not in architecture:
        raise ValueError(
            f"architecture dict has no 'name' key (keys: {sorted(architecture)}); "
            f"known names: {registered_architectures()}"
        )
    name = architecture["name"]
    if name not in _BUILDERS:
        raise ValueError(
            f"unknown architecture {name!r}; known names: {registered_architectures()} "
            "(add one with classroom.models.registry.register_architecture)"
        )
    builder = _resolve(name)
    arguments = {key: value for key, value in architecture.items() if key != "name"}
    try:
        return builder(**arguments)
    except (TypeError, ValueError) as error:
        raise ValueError(f"cannot build architecture {name!r} from {arguments}: {error}") from None
