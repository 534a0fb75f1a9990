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
* ``"conv_vae"`` - :class:`classroom.models.vae.ConvVAE`
* ``"mlp_vae"`` - :class:`classroom.models.vae.MLPVAE`

Add your own with :func:`register_architecture`.

Older files
-----------
VAE files saved before the VAEs joined the registry describe their model
with a ``"kind"`` key instead of ``"name"`` (``{"kind": "conv", ...}``).
:func:`build_model` reads them too: :func:`upgrade_architecture` translates
the old form into the current one.
"""

from __future__ import annotations

import importlib
from typing import Callable, Mapping

__all__ = ["build_model", "register_architecture", "registered_architectures", "upgrade_architecture"]

# name -> "module:attribute" (imported on first use) or the callable itself.
_BUILDERS: dict[str, str | Callable] = {
    "mlp": "classroom.models.mlp:MLP",
    "cifar_cnn": "classroom.models.cnn:cifar_cnn",
    "conv_vae": "classroom.models.vae:ConvVAE",
    "mlp_vae": "classroom.models.vae:MLPVAE",
}

# The old ``"kind"`` of a VAE architecture -> its registry name.
_OLD_VAE_KINDS = {"conv": "conv_vae", "mlp": "mlp_vae"}


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


def upgrade_architecture(architecture: Mapping) -> dict:
    """Return an architecture dict in the current form, keyed by ``"name"``.

    The VAEs used to describe themselves with ``"kind"`` (``"conv"`` or
    ``"mlp"``); those dicts become ``{"name": "conv_vae", ...}`` or
    ``{"name": "mlp_vae", ...}``, the other keys unchanged. A dict with a
    ``"name"`` (or without either key) is returned as a copy, unchanged.
    A saved ``"seed"`` (an int) becomes the builders' ``"rng"``, which means
    the same (see :func:`classroom.nn.init.as_generator`).

    Parameters
    ----------
    architecture : mapping
        As saved in a model file's metadata.

    Returns
    -------
    dict
        A new dict; ``architecture`` is not modified.

    Raises
    ------
    ValueError
        If an old-form dict has a ``"kind"`` other than ``"conv"`` or ``"mlp"``.

    Examples
    --------
    >>> upgrade_architecture({"kind": "mlp", "latent_dim": 2})
    {'name': 'mlp_vae', 'latent_dim': 2}
    """
    arguments = dict(architecture)
    if "seed" in arguments and "rng" not in arguments:
        arguments["rng"] = arguments.pop("seed")  # files record the int seed; the builders call it rng
    if "name" in arguments or "kind" not in arguments:
        return arguments
    kind = arguments.pop("kind")
    if kind not in _OLD_VAE_KINDS:
        raise ValueError(
            f"architecture has the old VAE form with 'kind' = {kind!r}; "
            f"known kinds: {sorted(_OLD_VAE_KINDS)}"
        )
    return {"name": _OLD_VAE_KINDS[kind], **arguments}


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
        "out_features": 10}``. The old VAE form with ``"kind"`` instead of
        ``"name"`` is read too (see :func:`upgrade_architecture`).

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
    architecture = upgrade_architecture(architecture)
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
