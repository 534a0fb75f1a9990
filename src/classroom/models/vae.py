"""The course's two variational autoencoders (VAEs): ``ConvVAE`` and ``MLPVAE``.

A VAE encodes an image ``x`` into a Gaussian ``q(z | x)`` over a small latent
vector, draws ``z`` from it, and decodes ``z`` back into an image; training
maximises the evidence lower bound (ELBO) on ``log p(x)``, and sampling
decodes ``z ~ N(0, I)`` into new images. The code is in four places, one
concept each:

* :mod:`classroom.models.elbo`: the formulas (``reparameterize``,
  ``gaussian_kl``, ``gaussian_nll``, ``dequantize``, ``bits_per_dim``);
* :mod:`classroom.models.vae_base`: :class:`~classroom.models.vae_base.VAE`,
  the model for any encoder and decoder (the negative ELBO, its gradient by
  hand, sampling, reconstruction, interpolation);
* this module: the two encoder/decoder designs, convolutional and fully
  connected;
* :mod:`classroom.train.vae`: ``train_vae`` and ``evaluate_vae``, the
  training loop and the held-out ELBO; :func:`classroom.plots.image_grid`
  tiles the images for display.

A model is rebuilt from its ``architecture()`` with
:func:`classroom.models.registry.build_model` (names ``"conv_vae"`` and
``"mlp_vae"``), like every other model of the course.

Every name this module held before is still importable from it (``VAE``,
the formulas, ``train_vae``, ``evaluate_vae``, ``image_grid``, and
``build_vae``, which now warns), so older notebooks and scripts keep working.
"""

from __future__ import annotations

import importlib
import warnings

import numpy as np

from ..nn import (
    BatchNorm2d,
    Conv2d,
    ConvTranspose2d,
    Flatten,
    LeakyReLU,
    Linear,
    ReLU,
    Sequential,
    Unflatten,
)

# The formulas and the base class, importable from here as before.
from .elbo import LOG_2PI, bits_per_dim, dequantize, gaussian_kl, gaussian_nll, reparameterize  # noqa: F401
from ._seeds import rng_or_seed
from .registry import build_model, upgrade_architecture
from .vae_base import VAE

__all__ = ["ConvVAE", "MLPVAE", "VAE", "build_vae"]


class ConvVAE(VAE):
    """A convolutional VAE: strided convolutions down, transposed convolutions up.

    Encoder, for ``widths=(32, 64, 128, 256)`` and 64x64 RGB images::

        Conv2d(3->32, 4, stride 2, padding 1) -> LeakyReLU(0.2)    64 -> 32
        Conv2d(32->64, ...) -> LeakyReLU(0.2)                      32 -> 16
        Conv2d(64->128, ...) -> LeakyReLU(0.2)                     16 -> 8
        Conv2d(128->256, ...) -> LeakyReLU(0.2)                    8 -> 4
        Flatten -> Linear(256*4*4 -> 2 * latent_dim)

    Decoder, the mirror image::

        Linear(latent_dim -> 256*4*4) -> Unflatten -> ReLU
        ConvTranspose2d(256->128, 4, stride 2, padding 1) -> ReLU   4 -> 8
        ... -> ConvTranspose2d(32->3, ...)                          32 -> 64

    The last layer has no activation: it outputs the Gaussian's mean. With
    ``batch_norm=True`` a ``BatchNorm2d`` follows every convolution except the
    last (whose bias it would replace, so those convolutions have none); it
    makes the early epochs much faster. In eval mode (``sample``,
    ``reconstruct``, ``evaluate_vae``) it uses its running statistics, so the
    held-out ELBO is a per-image quantity.

    Parameters
    ----------
    image_size : int, default 64
        Height and width; must be divisible by ``2 ** len(widths)``.
    channels : int, default 3
    latent_dim : int, default 64
    widths : sequence of int, default (32, 64, 128, 256)
        Channels after each downsampling convolution.
    batch_norm : bool, default False
        Put ``BatchNorm2d`` after each hidden convolution.
    sigma, learn_sigma :
        See ``VAE``.
    rng : int, numpy.random.Generator or None, default 0
        Source of the initial weights (see :func:`classroom.nn.init.as_generator`).
    seed : int, optional
        The old name of an int ``rng``; warns, and goes away in the next release.
    dtype : numpy dtype, default float32
    """

    def __init__(
        self,
        image_size: int = 64,
        channels: int = 3,
        latent_dim: int = 64,
        widths=(32, 64, 128, 256),
        *,
        batch_norm: bool = False,
        sigma: float = 0.2,
        learn_sigma: bool = True,
        rng: int | np.random.Generator | None = 0,
        seed: int | None = None,
        dtype=np.float32,
    ):
        widths = [int(width) for width in widths]
        if not widths or min(widths) < 1:
            raise ValueError(f"ConvVAE needs at least one width >= 1, got widths={widths}")
        factor = 2 ** len(widths)
        if image_size % factor != 0 or image_size < factor:
            raise ValueError(
                f"ConvVAE with {len(widths)} downsampling steps needs image_size divisible by "
                f"{factor}, got {image_size}; use fewer widths or another size"
            )
        rng = rng_or_seed(rng, seed, "ConvVAE")
        final_size = image_size // factor
        flat = widths[-1] * final_size * final_size

        encoder_layers = []
        previous = channels
        for width in widths:
            encoder_layers.append(Conv2d(previous, width, 4, stride=2, padding=1, bias=not batch_norm, rng=rng, dtype=dtype))
            if batch_norm:
                encoder_layers.append(BatchNorm2d(width, dtype=dtype))
            encoder_layers.append(LeakyReLU(0.2))
            previous = width
        encoder_layers += [Flatten(), Linear(flat, 2 * latent_dim, rng=rng, dtype=dtype)]
        # The images need no gradient: the first convolution skips its input
        # gradient (as in PyTorch, where the input has requires_grad=False).
        encoder_layers[0].input_requires_grad = False

        decoder_layers = [
            Linear(latent_dim, flat, rng=rng, dtype=dtype),
            Unflatten(1, (widths[-1], final_size, final_size)),
            ReLU(),
        ]
        outputs = list(reversed(widths[:-1])) + [channels]
        for index, (width_in, width_out) in enumerate(zip(reversed(widths), outputs)):
            is_last = index == len(widths) - 1
            normalised = batch_norm and not is_last
            decoder_layers.append(
                ConvTranspose2d(width_in, width_out, 4, stride=2, padding=1, bias=not normalised, rng=rng, dtype=dtype)
            )
            if normalised:
                decoder_layers.append(BatchNorm2d(width_out, dtype=dtype))
            if not is_last:
                decoder_layers.append(ReLU())

        super().__init__(
            Sequential(*encoder_layers),
            Sequential(*decoder_layers),
            latent_dim,
            (channels, image_size, image_size),
            sigma=sigma,
            learn_sigma=learn_sigma,
            dtype=dtype,
        )
        self.widths = tuple(widths)
        self.batch_norm = bool(batch_norm)

    def architecture(self) -> dict:
        """Return ``{"name": "conv_vae", ...}``: the constructor arguments, for ``build_model``."""
        channels, image_size, _ = self.image_shape
        return {
            "name": "conv_vae",
            "image_size": image_size,
            "channels": channels,
            "latent_dim": self.latent_dim,
            "widths": list(self.widths),
            "batch_norm": self.batch_norm,
            "learn_sigma": self.learn_sigma,
        }


class MLPVAE(VAE):
    """A fully connected VAE: the first step before the convolutional one.

    Encoder ``Flatten -> [Linear -> LeakyReLU(0.2)] * len(hidden) -> Linear(2 * latent_dim)``;
    decoder ``[Linear -> ReLU] * len(hidden) -> Linear(D) -> Unflatten``.

    Parameters
    ----------
    image_size : int, default 32
    channels : int, default 3
    latent_dim : int, default 32
    hidden : sequence of int, default (512,)
        Hidden layer sizes of the encoder (the decoder uses them reversed).
    sigma, learn_sigma, rng, seed, dtype :
        As ``ConvVAE``.
    """

    def __init__(
        self,
        image_size: int = 32,
        channels: int = 3,
        latent_dim: int = 32,
        hidden=(512,),
        *,
        sigma: float = 0.2,
        learn_sigma: bool = True,
        rng: int | np.random.Generator | None = 0,
        seed: int | None = None,
        dtype=np.float32,
    ):
        hidden = [int(size) for size in hidden]
        if min(hidden, default=1) < 1:
            raise ValueError(f"MLPVAE hidden sizes must be >= 1, got {hidden}")
        rng = rng_or_seed(rng, seed, "MLPVAE")
        values = channels * image_size * image_size

        encoder_layers = [Flatten()]
        previous = values
        for size in hidden:
            encoder_layers += [Linear(previous, size, rng=rng, dtype=dtype), LeakyReLU(0.2)]
            previous = size
        encoder_layers.append(Linear(previous, 2 * latent_dim, rng=rng, dtype=dtype))

        decoder_layers = []
        previous = latent_dim
        for size in reversed(hidden):
            decoder_layers += [Linear(previous, size, rng=rng, dtype=dtype), ReLU()]
            previous = size
        decoder_layers += [
            Linear(previous, values, rng=rng, dtype=dtype),
            Unflatten(1, (channels, image_size, image_size)),
        ]
        super().__init__(
            Sequential(*encoder_layers),
            Sequential(*decoder_layers),
            latent_dim,
            (channels, image_size, image_size),
            sigma=sigma,
            learn_sigma=learn_sigma,
            dtype=dtype,
        )
        self.hidden = tuple(hidden)

    def architecture(self) -> dict:
        """Return ``{"name": "mlp_vae", ...}``: the constructor arguments, for ``build_model``."""
        channels, image_size, _ = self.image_shape
        return {
            "name": "mlp_vae",
            "image_size": image_size,
            "channels": channels,
            "latent_dim": self.latent_dim,
            "hidden": list(self.hidden),
            "learn_sigma": self.learn_sigma,
        }



def build_vae(architecture: dict, *, seed: int | None = 0, dtype=np.float32) -> VAE:
    """Rebuild a VAE from its architecture dict (deprecated: use ``build_model``).

    Kept for one release; it warns and calls
    :func:`classroom.models.registry.build_model`, which rebuilds every model
    of the course, VAEs included, and reads both the current form
    (``{"name": "conv_vae", ...}``) and the old one (``{"kind": "conv", ...}``).

    Parameters
    ----------
    architecture : dict
        A model's ``architecture()``, in either form.
    seed : int, default 0
        Seed of the (to-be-overwritten) initial weights.
    dtype : numpy dtype, default float32

    Returns
    -------
    VAE

    Raises
    ------
    ValueError
        If the dict does not describe a VAE.
    """
    warnings.warn(
        "build_vae is deprecated and goes away in the next release; use "
        "classroom.models.registry.build_model(architecture), which rebuilds VAEs too",
        DeprecationWarning,
        stacklevel=2,
    )
    arguments = upgrade_architecture(architecture)
    if arguments.get("name") not in ("conv_vae", "mlp_vae"):
        raise ValueError(
            "build_vae rebuilds the course's VAEs ('conv_vae', 'mlp_vae'), got architecture "
            f"{arguments.get('name')!r}; use classroom.models.registry.build_model"
        )
    return build_model({**arguments, "rng": seed, "dtype": dtype})


# The training loop, the evaluation and the image grid moved to the layers
# they belong to (train/ and plots/ come after models/, so models/ does not
# import them); the old names still work, imported on first use.
_MOVED = {
    "train_vae": "classroom.train.vae",
    "evaluate_vae": "classroom.train.vae",
    "image_grid": "classroom.plots.grids",
}


def __getattr__(name: str):
    """Hand out a moved name (``from classroom.models.vae import train_vae``) from its new module."""
    if name in _MOVED:
        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MOVED))
