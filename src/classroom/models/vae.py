"""A variational autoencoder (VAE) with every gradient written out by hand.

The model
---------
A VAE has two networks and one random step:

* the **encoder** maps an image ``x`` to the mean ``mu`` and log-variance
  ``logvar`` of a diagonal Gaussian ``q(z | x)`` over a small latent vector;
* the **reparameterisation trick** draws ``z = mu + exp(0.5 * logvar) * eps``
  with ``eps ~ N(0, I)`` taken from an ``rng``, so that ``z`` is an ordinary
  differentiable function of ``mu`` and ``logvar``;
* the **decoder** maps ``z`` back to the mean image of ``p(x | z)``.

Training maximises the evidence lower bound (ELBO) on ``log p(x)``::

    ELBO(x) = E_q[log p(x | z)] - KL(q(z | x) || N(0, I))
            = -(reconstruction + kl)

so the loss is the negative ELBO, in **nats per image**.

The likelihood: a Gaussian with one learned variance
----------------------------------------------------
Pixels here are continuous numbers in [0, 1], so the decoder defines a
density: ``p(x | z) = N(x; decoder(z), sigma^2 I)`` with a single standard
deviation ``sigma`` shared by all pixels and learned with the weights (its
log is the parameter ``log_sigma``). Per image, with ``D`` pixel values::

    reconstruction = sum((x - mean)^2) / (2 sigma^2) + D log(sigma) + D/2 log(2 pi)

Why not the popular Bernoulli (binary cross-entropy) loss? It is the
likelihood of *binary* pixels; on grey levels it is not a normalised density,
so its "ELBO" is not a bound on anything. Why learn ``sigma``? A fixed
``sigma`` silently sets the balance between reconstruction and KL (it is the
``beta`` of a beta-VAE in disguise); learning it picks the balance that
maximises the ELBO, and ``sigma^2`` settles at the mean squared error.

Bits per dimension
------------------
A density on continuous pixels is compared with the 8-bit images they came
from by **dequantisation**: pixel value ``k`` in 0..255 becomes
``(k + u) / 256`` with ``u ~ Uniform[0, 1)``. The probability of the 8-bit
image is the density integrated over its little cube of side ``1/256``, so::

    -log2 P(image) <= -ELBO / ln 2 + D * 8

and ``bits_per_dim = (-ELBO / (D ln 2)) + 8`` is an *upper bound* on the
number of bits per sub-pixel an ideal code built from the model would need
(8 means "no better than storing raw bytes"). The negative ELBO in nats is
a bound on ``-log`` of a density on ``[0, 1]^D`` and can be negative.

Layout
------
``VAE`` holds the shared logic (``loss_and_backward``, ``sample``,
``reconstruct``, ``interpolate``); ``ConvVAE`` and ``MLPVAE`` build the two
networks. ``train_vae`` is a plain training loop, ``evaluate_vae`` computes
the held-out ELBO.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ..nn import (
    BatchNorm2d,
    Conv2d,
    ConvTranspose2d,
    Flatten,
    LeakyReLU,
    Linear,
    Module,
    Parameter,
    ReLU,
    Sequential,
    Unflatten,
)
from ..optim import Adam

__all__ = [
    "ConvVAE",
    "MLPVAE",
    "VAE",
    "bits_per_dim",
    "build_vae",
    "dequantize",
    "evaluate_vae",
    "gaussian_kl",
    "gaussian_nll",
    "image_grid",
    "reparameterize",
    "train_vae",
]

LOG_2PI = math.log(2.0 * math.pi)


# --------------------------------------------------------------------------
# The three formulas: reparameterisation, KL, Gaussian likelihood
# --------------------------------------------------------------------------
def reparameterize(mu: np.ndarray, logvar: np.ndarray, rng: np.random.Generator):
    """Draw ``z ~ N(mu, exp(logvar))`` as a differentiable function of ``mu`` and ``logvar``.

    ``z = mu + exp(0.5 * logvar) * eps`` with ``eps ~ N(0, I)``. The noise is
    returned too, because the backward pass needs it::

        dz/dmu = 1,    dz/dlogvar = 0.5 * exp(0.5 * logvar) * eps

    Parameters
    ----------
    mu, logvar : ndarray of shape (batch, latent_dim)
        Mean and log-variance of ``q(z | x)``.
    rng : numpy.random.Generator
        Source of ``eps``.

    Returns
    -------
    z : ndarray of shape (batch, latent_dim)
        Same dtype as ``mu``.
    eps : ndarray of shape (batch, latent_dim)
        The standard-normal noise used.
    """
    eps = rng.standard_normal(mu.shape).astype(mu.dtype, copy=False)
    z = mu + np.exp(0.5 * logvar) * eps
    return z, eps


def gaussian_kl(mu: np.ndarray, logvar: np.ndarray) -> np.ndarray:
    """KL divergence from ``N(mu, exp(logvar))`` to the prior ``N(0, I)``, per example.

    Closed form for diagonal Gaussians, summed over the latent dimensions::

        KL = 0.5 * sum(mu^2 + exp(logvar) - logvar - 1)

    Its gradients are ``dKL/dmu = mu`` and ``dKL/dlogvar = 0.5 * (exp(logvar) - 1)``.

    Parameters
    ----------
    mu, logvar : ndarray of shape (batch, latent_dim)

    Returns
    -------
    ndarray of shape (batch,)
        KL in nats, float64.
    """
    mu = mu.astype(np.float64)
    logvar = logvar.astype(np.float64)
    return 0.5 * np.sum(mu**2 + np.exp(logvar) - logvar - 1.0, axis=1)


def gaussian_nll(x: np.ndarray, mean: np.ndarray, log_sigma: float) -> np.ndarray:
    """Negative log-density of ``x`` under ``N(mean, sigma^2 I)``, per example, in nats.

    ``sum((x - mean)^2) / (2 sigma^2) + D log(sigma) + D/2 log(2 pi)`` with
    ``D`` the number of values per example.

    Parameters
    ----------
    x, mean : ndarray of shape (batch, ...)
        Data and decoder output.
    log_sigma : float
        Log of the shared standard deviation.

    Returns
    -------
    ndarray of shape (batch,)
        float64.
    """
    batch = x.shape[0]
    squared_error = ((x - mean).astype(np.float64) ** 2).reshape(batch, -1).sum(axis=1)
    values_per_example = x[0].size
    variance = math.exp(2.0 * log_sigma)
    return squared_error / (2.0 * variance) + values_per_example * (log_sigma + 0.5 * LOG_2PI)


def bits_per_dim(neg_elbo_nats: float, values_per_example: int) -> float:
    """Convert a negative ELBO on dequantised ``[0, 1]`` data into bits per dimension.

    ``neg_elbo / (D ln 2) + 8``: an upper bound on ``-log2 P(image) / D`` for
    the 8-bit images (see the module docstring).

    Parameters
    ----------
    neg_elbo_nats : float
        Negative ELBO per example, nats, of data made by ``dequantize``.
    values_per_example : int
        ``D``, e.g. ``3 * 64 * 64``.

    Returns
    -------
    float
    """
    return neg_elbo_nats / (values_per_example * math.log(2.0)) + 8.0


def dequantize(images: np.ndarray, rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
    """Turn uint8 images into continuous values in ``[0, 1)``: ``(pixel + u) / 256``.

    Parameters
    ----------
    images : ndarray of shape (batch, height, width, channels), dtype uint8
        NHWC, as returned by ``classroom.data.load_celeba``.
    rng : numpy.random.Generator
        Source of the uniform noise ``u``.
    dtype : numpy dtype, default float32

    Returns
    -------
    ndarray of shape (batch, channels, height, width)
        NCHW-shaped view of channels-last memory (what ``Conv2d`` likes best).

    Raises
    ------
    TypeError
        If ``images`` is not uint8.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4:
        raise TypeError(
            f"dequantize expects uint8 images of shape (batch, height, width, channels), "
            f"got {images.dtype} array of shape {images.shape}"
        )
    dtype = np.dtype(dtype)
    noise = rng.random(images.shape, dtype=dtype)
    values = (images.astype(dtype) + noise) / dtype.type(256.0)
    return values.transpose(0, 3, 1, 2)


# --------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------
class VAE(Module):
    """A VAE from any encoder and decoder, with a Gaussian likelihood of learned variance.

    Parameters
    ----------
    encoder : Module
        Maps images of shape ``(batch, *image_shape)`` to ``(batch, 2 * latent_dim)``:
        the first half is ``mu``, the second ``logvar``.
    decoder : Module
        Maps ``(batch, latent_dim)`` to mean images ``(batch, *image_shape)``.
    latent_dim : int
        Size of ``z``.
    image_shape : tuple of int
        ``(channels, height, width)``.
    sigma : float, default 0.2
        Initial (or, with ``learn_sigma=False``, fixed) standard deviation of
        the likelihood, in pixel units of ``[0, 1]``.
    learn_sigma : bool, default True
        Learn ``log_sigma`` as a parameter; otherwise it is a fixed buffer.
    dtype : numpy dtype, default float32
        dtype of ``log_sigma`` (match the networks).

    Attributes
    ----------
    log_sigma : Parameter of shape (1,) or ndarray buffer of shape (1,)
    """

    def __init__(
        self,
        encoder: Module,
        decoder: Module,
        latent_dim: int,
        image_shape: tuple,
        *,
        sigma: float = 0.2,
        learn_sigma: bool = True,
        dtype=np.float32,
    ):
        super().__init__()
        if latent_dim < 1:
            raise ValueError(f"latent_dim must be >= 1, got {latent_dim}")
        if sigma <= 0:
            raise ValueError(f"sigma must be positive, got {sigma}")
        self.encoder = encoder
        self.decoder = decoder
        self.latent_dim = int(latent_dim)
        self.image_shape = tuple(int(size) for size in image_shape)
        self.learn_sigma = bool(learn_sigma)
        initial = np.full(1, math.log(sigma), dtype=dtype)
        if self.learn_sigma:
            self.log_sigma = Parameter(initial)
        else:
            self.register_buffer("log_sigma", initial)

    # ------------------------------------------------------------- helpers
    @property
    def values_per_example(self) -> int:
        """``D``: channels * height * width."""
        return int(np.prod(self.image_shape))

    @property
    def sigma(self) -> float:
        """The likelihood's current standard deviation."""
        return float(np.exp(self._log_sigma_array()[0]))

    def _log_sigma_array(self) -> np.ndarray:
        return self.log_sigma.data if self.learn_sigma else self.log_sigma

    @property
    def dtype(self):
        """The dtype of the parameters (and of the images the model expects)."""
        return self._log_sigma_array().dtype

    def _check_images(self, x) -> np.ndarray:
        if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
            raise TypeError(
                f"VAE expects float images of shape (batch, {', '.join(map(str, self.image_shape))}) "
                f"in [0, 1], got {type(x).__name__ if not isinstance(x, np.ndarray) else x.dtype}; "
                "convert uint8 images with classroom.models.vae.dequantize or to_float_nchw"
            )
        if x.ndim != 4 or tuple(x.shape[1:]) != self.image_shape:
            raise ValueError(
                f"VAE expects images of shape (batch, {', '.join(map(str, self.image_shape))}), "
                f"got {x.shape}"
            )
        if x.dtype != self.dtype:
            raise TypeError(
                f"VAE has {self.dtype} parameters but got {x.dtype} images; "
                f"use x.astype(np.{self.dtype})"
            )
        return x

    # ------------------------------------------------------------- forward
    def encode(self, x: np.ndarray):
        """Return ``mu`` and ``logvar`` of ``q(z | x)``.

        Parameters
        ----------
        x : ndarray of shape (batch, channels, height, width)

        Returns
        -------
        mu, logvar : ndarray of shape (batch, latent_dim)
        """
        stats = self.encoder(self._check_images(x))
        return stats[:, : self.latent_dim], stats[:, self.latent_dim :]

    def decode(self, z: np.ndarray) -> np.ndarray:
        """Return the decoder's mean image for each latent vector.

        Parameters
        ----------
        z : ndarray of shape (batch, latent_dim)

        Returns
        -------
        ndarray of shape (batch, channels, height, width)
            Not clipped; ``sample`` and ``reconstruct`` clip to [0, 1] for display.
        """
        z = np.asarray(z)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"decode expects z of shape (batch, {self.latent_dim}), got {z.shape}")
        return self.decoder(z.astype(self.dtype, copy=False))

    def forward(self, x: np.ndarray, rng: np.random.Generator):
        """Encode, sample ``z`` and decode: the pieces of the ELBO.

        Parameters
        ----------
        x : ndarray of shape (batch, channels, height, width)
        rng : numpy.random.Generator
            Source of the reparameterisation noise.

        Returns
        -------
        dict
            ``mu``, ``logvar``, ``eps``, ``z`` (batch, latent_dim) and ``mean``
            (batch, channels, height, width).
        """
        mu, logvar = self.encode(x)
        z, eps = reparameterize(mu, logvar, rng)
        mean = self.decoder(z)
        return {"mu": mu, "logvar": logvar, "eps": eps, "z": z, "mean": mean}

    def negative_elbo(self, x: np.ndarray, rng: np.random.Generator):
        """Per-example negative ELBO and its two terms (one sample of ``z`` each).

        Parameters
        ----------
        x : ndarray of shape (batch, channels, height, width)
        rng : numpy.random.Generator

        Returns
        -------
        neg_elbo, reconstruction, kl : ndarray of shape (batch,)
            In nats, float64; ``neg_elbo = reconstruction + kl``.
        """
        out = self.forward(x, rng)
        reconstruction = gaussian_nll(x, out["mean"], float(self._log_sigma_array()[0]))
        kl = gaussian_kl(out["mu"], out["logvar"])
        return reconstruction + kl, reconstruction, kl

    # ------------------------------------------------------------ backward
    def loss_and_backward(self, x: np.ndarray, rng: np.random.Generator):
        """Compute the batch-mean negative ELBO and add its gradient to every parameter.

        The loss is ``mean over the batch of (reconstruction + kl)``. Its
        gradient, worked backwards (``B`` = batch size, ``D`` = values per image):

        1. reconstruction -> decoder output: ``(mean - x) / (sigma^2 B)``;
           -> ``log_sigma``: ``sum(D - (x - mean)^2 / sigma^2) / B``;
        2. the decoder's ``backward`` turns that into ``dL/dz``;
        3. through ``z = mu + exp(0.5 logvar) * eps``:
           ``dL/dmu = dL/dz``, ``dL/dlogvar = dL/dz * 0.5 * exp(0.5 logvar) * eps``;
        4. plus the KL term: ``mu / B`` and ``0.5 (exp(logvar) - 1) / B``;
        5. the encoder's ``backward`` takes ``[dL/dmu, dL/dlogvar]``.

        Gradients are *added* to ``Parameter.grad``: call ``zero_grad()`` first.

        Parameters
        ----------
        x : ndarray of shape (batch, channels, height, width)
            Images in [0, 1] (use ``dequantize`` for 8-bit data), the model's dtype.
        rng : numpy.random.Generator
            Source of the reparameterisation noise.

        Returns
        -------
        neg_elbo, reconstruction, kl : float
            Batch averages in nats per image.
        """
        batch = x.shape[0]
        out = self.forward(x, rng)
        mu, logvar, eps, mean = out["mu"], out["logvar"], out["eps"], out["mean"]
        log_sigma = float(self._log_sigma_array()[0])
        variance = math.exp(2.0 * log_sigma)
        reconstruction = gaussian_nll(x, mean, log_sigma)
        kl = gaussian_kl(mu, logvar)

        # 1. Reconstruction term.
        error = mean - x
        grad_mean = (error / (variance * batch)).astype(mean.dtype, copy=False)
        if self.learn_sigma:
            squared_error = float(np.sum(error.astype(np.float64) ** 2))
            grad_log_sigma = (batch * self.values_per_example - squared_error / variance) / batch
            self.log_sigma.grad += np.asarray([grad_log_sigma], dtype=self.log_sigma.grad.dtype)
        # 2. Through the decoder.
        grad_z = self.decoder.backward(grad_mean)
        # 3. Through the reparameterisation  z = mu + exp(0.5 logvar) * eps.
        std = np.exp(0.5 * logvar)
        grad_mu = grad_z
        grad_logvar = grad_z * 0.5 * std * eps
        # 4. The KL term, averaged over the batch.
        grad_mu = grad_mu + mu / batch
        grad_logvar = grad_logvar + 0.5 * (std * std - 1.0) / batch
        # 5. Through the encoder.
        self.encoder.backward(np.concatenate([grad_mu, grad_logvar], axis=1).astype(mu.dtype, copy=False))

        return float(np.mean(reconstruction + kl)), float(np.mean(reconstruction)), float(np.mean(kl))

    # ----------------------------------------------------------- inference
    def _inference(self, function):
        """Run ``function`` in eval mode and restore the previous mode."""
        was_training = self.training
        self.eval()
        try:
            return function()
        finally:
            self.train(was_training)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Generate ``n`` images: ``z ~ N(0, I)`` through the decoder.

        The decoder's *mean* image is returned (not a noisy draw from
        ``p(x | z)``, which would add pixel noise of size ``sigma``), clipped
        to [0, 1].

        Parameters
        ----------
        n : int
            Number of images.
        rng : numpy.random.Generator
            Source of the latent vectors.

        Returns
        -------
        ndarray of shape (n, channels, height, width)
        """
        if n < 1:
            raise ValueError(f"sample needs n >= 1, got {n}")
        z = rng.standard_normal((n, self.latent_dim)).astype(self.dtype)
        return np.clip(self._inference(lambda: self.decode(z)), 0.0, 1.0)

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        """Encode ``x`` and decode its mean code ``mu`` (no sampling noise).

        Parameters
        ----------
        x : ndarray of shape (batch, channels, height, width)
            Images in [0, 1], the model's dtype.

        Returns
        -------
        ndarray of shape (batch, channels, height, width)
            Clipped to [0, 1].
        """

        def run():
            mu, _ = self.encode(x)
            return self.decode(mu)

        return np.clip(self._inference(run), 0.0, 1.0)

    def interpolate(self, a: np.ndarray, b: np.ndarray, steps: int = 8) -> np.ndarray:
        """Decode evenly spaced points on the line between the codes of two images.

        Parameters
        ----------
        a, b : ndarray of shape (channels, height, width)
            The two images, in [0, 1].
        steps : int, default 8
            Number of images, ``a``'s reconstruction first and ``b``'s last.

        Returns
        -------
        ndarray of shape (steps, channels, height, width)
            Clipped to [0, 1].
        """
        if steps < 2:
            raise ValueError(f"interpolate needs steps >= 2, got {steps}")
        pair = np.stack([np.asarray(a), np.asarray(b)]).astype(self.dtype, copy=False)

        def run():
            mu, _ = self.encode(pair)
            weights = np.linspace(0.0, 1.0, steps, dtype=mu.dtype)[:, None]
            codes = (1.0 - weights) * mu[0] + weights * mu[1]
            return self.decode(codes)

        return np.clip(self._inference(run), 0.0, 1.0)

    def architecture(self) -> dict:
        """Describe how to rebuild this model (JSON-friendly); see ``build_vae``."""
        raise NotImplementedError(f"{type(self).__name__} does not describe its architecture")

    def extra_repr(self) -> str:
        return f"latent_dim={self.latent_dim}, image_shape={self.image_shape}, learn_sigma={self.learn_sigma}"


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
    seed : int, default 0
        Seed for the initial weights, used when ``rng`` is not given.
    rng : numpy.random.Generator, optional
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
        seed: int | None = 0,
        rng: np.random.Generator | None = None,
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
        rng = np.random.default_rng(seed) if rng is None else rng
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
        """Return ``{"kind": "conv", ...}``: the constructor arguments, for ``build_vae``."""
        channels, image_size, _ = self.image_shape
        return {
            "kind": "conv",
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
    sigma, learn_sigma, seed, rng, dtype :
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
        seed: int | None = 0,
        rng: np.random.Generator | None = None,
        dtype=np.float32,
    ):
        hidden = [int(size) for size in hidden]
        if min(hidden, default=1) < 1:
            raise ValueError(f"MLPVAE hidden sizes must be >= 1, got {hidden}")
        rng = np.random.default_rng(seed) if rng is None else rng
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
        """Return ``{"kind": "mlp", ...}``: the constructor arguments, for ``build_vae``."""
        channels, image_size, _ = self.image_shape
        return {
            "kind": "mlp",
            "image_size": image_size,
            "channels": channels,
            "latent_dim": self.latent_dim,
            "hidden": list(self.hidden),
            "learn_sigma": self.learn_sigma,
        }


def build_vae(architecture: dict, *, seed: int | None = 0, dtype=np.float32) -> VAE:
    """Rebuild a ``ConvVAE`` or ``MLPVAE`` from the dict of its ``architecture()``.

    Parameters
    ----------
    architecture : dict
        With ``"kind"`` equal to ``"conv"`` or ``"mlp"`` and the constructor arguments.
    seed : int, default 0
        Seed of the (to-be-overwritten) initial weights.
    dtype : numpy dtype, default float32

    Returns
    -------
    VAE
    """
    arguments = dict(architecture)
    kind = arguments.pop("kind", None)
    classes = {"conv": ConvVAE, "mlp": MLPVAE}
    if kind not in classes:
        raise ValueError(f"architecture['kind'] must be 'conv' or 'mlp', got {kind!r}")
    return classes[kind](**arguments, seed=seed, dtype=dtype)


# --------------------------------------------------------------------------
# Training and evaluation
# --------------------------------------------------------------------------
def evaluate_vae(model: VAE, images: np.ndarray, *, rng: np.random.Generator, batch_size: int = 256) -> dict:
    """Average negative ELBO of 8-bit images (dequantised), in nats and bits per dimension.

    One sample of ``z`` and one dequantisation per image: an unbiased
    estimate of the average negative ELBO.

    Parameters
    ----------
    model : VAE
    images : ndarray of shape (n, height, width, channels), uint8
    rng : numpy.random.Generator
        Source of the dequantisation and reparameterisation noise.
    batch_size : int, default 256

    Returns
    -------
    dict
        ``neg_elbo``, ``reconstruction``, ``kl`` (nats per image) and
        ``bits_per_dim`` (see ``bits_per_dim``).
    """
    totals = np.zeros(3)
    was_training = model.training
    model.eval()
    try:
        for start in range(0, len(images), batch_size):
            x = dequantize(images[start : start + batch_size], rng, dtype=model.dtype)
            neg_elbo, reconstruction, kl = model.negative_elbo(x, rng)
            totals += [neg_elbo.sum(), reconstruction.sum(), kl.sum()]
    finally:
        model.train(was_training)
    neg_elbo, reconstruction, kl = totals / len(images)
    return {
        "neg_elbo": float(neg_elbo),
        "reconstruction": float(reconstruction),
        "kl": float(kl),
        "bits_per_dim": bits_per_dim(float(neg_elbo), model.values_per_example),
    }


def train_vae(
    model: VAE,
    train_images: np.ndarray,
    held_out_images: np.ndarray,
    *,
    epochs: int,
    batch_size: int = 64,
    lr: float = 1e-3,
    rng: np.random.Generator,
    log=print,
    on_epoch=None,
    max_seconds: float | None = None,
) -> dict:
    """Train with Adam on the negative ELBO; evaluate on held-out images after every epoch.

    Parameters
    ----------
    model : VAE
    train_images, held_out_images : ndarray of shape (n, height, width, channels), uint8
    epochs : int
    batch_size : int, default 64
    lr : float, default 1e-3
        Adam's learning rate.
    rng : numpy.random.Generator
        Shuffling, dequantisation and reparameterisation noise.
    log : callable or None, default print
        Called with one line of text per epoch.
    on_epoch : callable, optional
        ``on_epoch(epoch, history)`` after each epoch (e.g. to save images).
    max_seconds : float, optional
        Time budget: stop before an epoch that would end after ``max_seconds``
        (estimated from the slowest epoch so far). Default None: no limit.

    Returns
    -------
    dict of lists
        Per epoch: ``epoch``, ``train_neg_elbo``, ``train_reconstruction``,
        ``train_kl``, ``held_out_neg_elbo``, ``held_out_reconstruction``,
        ``held_out_kl``, ``held_out_bits_per_dim``, ``sigma``, ``seconds``
        (training time of the epoch); per batch: ``batch_neg_elbo``,
        ``batch_reconstruction``, ``batch_kl``. All in nats per image.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    if len(train_images) < batch_size:
        raise ValueError(f"need at least batch_size={batch_size} training images, got {len(train_images)}")
    optimizer = Adam(model.parameters(), lr=lr)
    keys = ["epoch", "train_neg_elbo", "train_reconstruction", "train_kl", "held_out_neg_elbo",
            "held_out_reconstruction", "held_out_kl", "held_out_bits_per_dim", "sigma", "seconds",
            "batch_neg_elbo", "batch_reconstruction", "batch_kl"]
    history: dict = {key: [] for key in keys}
    dtype = model.dtype
    model.train()
    run_start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        if max_seconds is not None and history["seconds"]:
            elapsed = time.perf_counter() - run_start
            if elapsed + max(history["seconds"]) > max_seconds:
                if log is not None:
                    log(f"stopping after {epoch - 1} epochs: the time budget of {max_seconds:.0f} s is nearly used")
                break
        start = time.perf_counter()
        order = rng.permutation(len(train_images))
        sums = np.zeros(3)
        count = 0
        for first in range(0, len(order) - batch_size + 1, batch_size):  # drop the last partial batch
            x = dequantize(train_images[order[first : first + batch_size]], rng, dtype=dtype)
            model.zero_grad()
            neg_elbo, reconstruction, kl = model.loss_and_backward(x, rng)
            optimizer.step()
            history["batch_neg_elbo"].append(neg_elbo)
            history["batch_reconstruction"].append(reconstruction)
            history["batch_kl"].append(kl)
            sums += [neg_elbo * len(x), reconstruction * len(x), kl * len(x)]
            count += len(x)
        seconds = time.perf_counter() - start
        held_out = evaluate_vae(model, held_out_images, rng=rng)
        history["epoch"].append(epoch)
        history["train_neg_elbo"].append(float(sums[0] / count))
        history["train_reconstruction"].append(float(sums[1] / count))
        history["train_kl"].append(float(sums[2] / count))
        history["held_out_neg_elbo"].append(held_out["neg_elbo"])
        history["held_out_reconstruction"].append(held_out["reconstruction"])
        history["held_out_kl"].append(held_out["kl"])
        history["held_out_bits_per_dim"].append(held_out["bits_per_dim"])
        history["sigma"].append(model.sigma)
        history["seconds"].append(seconds)
        if log is not None:
            log(
                f"epoch {epoch:3d}  train -ELBO {sums[0] / count:10.1f}  held-out -ELBO "
                f"{held_out['neg_elbo']:10.1f} nats ({held_out['bits_per_dim']:.3f} bits/dim)  "
                f"KL {held_out['kl']:6.1f}  sigma {model.sigma:.4f}  {seconds:6.1f} s"
            )
        if on_epoch is not None:
            on_epoch(epoch, history)
    return history


# --------------------------------------------------------------------------
# Display
# --------------------------------------------------------------------------
def image_grid(images: np.ndarray, columns: int = 8, padding: int = 2) -> np.ndarray:
    """Tile images into one picture, ready for ``plt.imshow`` or a PNG file.

    Parameters
    ----------
    images : ndarray of shape (n, channels, height, width), floats in [0, 1]
    columns : int, default 8
    padding : int, default 2
        White pixels between tiles.

    Returns
    -------
    ndarray of shape (rows * (height + padding) + padding, columns * (width + padding) + padding, channels), uint8
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"image_grid expects (n, channels, height, width), got {images.shape}")
    count, channels, height, width = images.shape
    columns = max(1, min(columns, count))
    rows = math.ceil(count / columns)
    grid = np.full(
        (rows * (height + padding) + padding, columns * (width + padding) + padding, channels), 255, dtype=np.uint8
    )
    pixels = np.round(np.clip(images, 0.0, 1.0) * 255.0).astype(np.uint8).transpose(0, 2, 3, 1)
    for index in range(count):
        row, column = divmod(index, columns)
        top = padding + row * (height + padding)
        left = padding + column * (width + padding)
        grid[top : top + height, left : left + width] = pixels[index]
    return grid
