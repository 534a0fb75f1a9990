"""The VAE itself: any encoder and decoder, the negative ELBO, and its gradient by hand.

A VAE has two networks and one random step:

* the **encoder** maps an image ``x`` to the mean ``mu`` and log-variance
  ``logvar`` of a diagonal Gaussian ``q(z | x)`` over a small latent vector;
* the **reparameterisation trick** draws ``z = mu + exp(0.5 * logvar) * eps``
  with ``eps ~ N(0, I)`` taken from an ``rng``, so that ``z`` is an ordinary
  differentiable function of ``mu`` and ``logvar``;
* the **decoder** maps ``z`` back to the mean image of ``p(x | z)``, a
  Gaussian whose one standard deviation ``sigma`` is learned too.

:class:`VAE` holds what every such model shares, whatever its two networks:
``negative_elbo`` (the loss, from the formulas in
:mod:`classroom.models.elbo`), ``loss_and_backward`` (its gradient, worked
out step by step), and ``sample``, ``reconstruct`` and ``interpolate``.
The two networks of the course, ``ConvVAE`` and ``MLPVAE``, are in
:mod:`classroom.models.vae`.
"""

from __future__ import annotations

import math

import numpy as np

from ..nn import Module, Parameter
from ..nn.init import as_generator
from .elbo import gaussian_kl, gaussian_nll, reparameterize

__all__ = ["VAE"]


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
                "convert uint8 images with classroom.models.elbo.dequantize or classroom.data.to_float_nchw"
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
        rng : int or numpy.random.Generator
            Source of the reparameterisation noise.

        Returns
        -------
        dict
            ``mu``, ``logvar``, ``eps``, ``z`` (batch, latent_dim) and ``mean``
            (batch, channels, height, width).
        """
        rng = as_generator(rng)
        mu, logvar = self.encode(x)
        z, eps = reparameterize(mu, logvar, rng)
        mean = self.decoder(z)
        return {"mu": mu, "logvar": logvar, "eps": eps, "z": z, "mean": mean}

    def negative_elbo(self, x: np.ndarray, rng: np.random.Generator):
        """Per-example negative ELBO and its two terms (one sample of ``z`` each).

        Parameters
        ----------
        x : ndarray of shape (batch, channels, height, width)
        rng : int or numpy.random.Generator

        Returns
        -------
        neg_elbo, reconstruction, kl : ndarray of shape (batch,)
            In nats, float64; ``neg_elbo = reconstruction + kl``.
        """
        rng = as_generator(rng)
        out = self.forward(x, rng)
        reconstruction = gaussian_nll(x, out["mean"], float(self._log_sigma_array()[0]))
        kl = gaussian_kl(out["mu"], out["logvar"])
        return reconstruction + kl, reconstruction, kl

    # ------------------------------------------------------------ backward
    def loss_and_backward(self, x: np.ndarray, rng: np.random.Generator, kl_weight: float = 1.0):
        """Compute the batch-mean negative ELBO and add its gradient to every parameter.

        The loss is ``mean over the batch of (reconstruction + kl)``. Its
        gradient, worked backwards (``B`` = batch size, ``D`` = values per image):

        1. reconstruction -> decoder output: ``(mean - x) / (sigma^2 B)``;
           -> ``log_sigma``: ``sum(D - (x - mean)^2 / sigma^2) / B``;
        2. the decoder's ``backward`` turns that into ``dL/dz``;
        3. through ``z = mu + exp(0.5 logvar) * eps``:
           ``dL/dmu = dL/dz``, ``dL/dlogvar = dL/dz * 0.5 * exp(0.5 logvar) * eps``;
        4. plus the KL term: ``mu / B`` and ``0.5 (exp(logvar) - 1) / B``
           (times ``kl_weight``);
        5. the encoder's ``backward`` takes ``[dL/dmu, dL/dlogvar]``.

        Gradients are *added* to ``Parameter.grad``: call ``zero_grad()`` first.

        Parameters
        ----------
        x : ndarray of shape (batch, channels, height, width)
            Images in [0, 1] (use ``dequantize`` for 8-bit data), the model's dtype.
        rng : int or numpy.random.Generator
            Source of the reparameterisation noise.
        kl_weight : float, default 1.0
            Weight of the KL term in the *gradient* (a KL warm-up starts it
            near 0 and raises it to 1). The returned values are always the
            true, unweighted negative ELBO and its terms.

        Returns
        -------
        neg_elbo, reconstruction, kl : float
            Batch averages in nats per image.
        """
        rng = as_generator(rng)
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
        grad_mu = grad_mu + kl_weight * mu / batch
        grad_logvar = grad_logvar + kl_weight * 0.5 * (std * std - 1.0) / batch
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

    def sample(self, n: int, rng: np.random.Generator, temperature: float = 1.0) -> np.ndarray:
        """Generate ``n`` images: ``z ~ N(0, I)`` through the decoder.

        The decoder's *mean* image is returned (not a noisy draw from
        ``p(x | z)``, which would add pixel noise of size ``sigma``), clipped
        to [0, 1].

        Parameters
        ----------
        n : int
            Number of images.
        rng : int or numpy.random.Generator
            Source of the latent vectors.
        temperature : float, default 1.0
            Scale of the latent draws, ``z = temperature * eps`` with
            ``eps ~ N(0, I)``. 1 samples the model's own prior; below 1 keeps
            ``z`` nearer the centre, where the training codes are densest
            (cleaner, less varied images: say so when you show them).

        Returns
        -------
        ndarray of shape (n, channels, height, width)
        """
        rng = as_generator(rng)
        if n < 1:
            raise ValueError(f"sample needs n >= 1, got {n}")
        if not temperature > 0:
            raise ValueError(f"sample needs temperature > 0, got {temperature}")
        z = (temperature * rng.standard_normal((n, self.latent_dim))).astype(self.dtype)
        return np.clip(self._inference(lambda: self.decode(z)), 0.0, 1.0)

    def traverse(self, x: np.ndarray, dimensions, values) -> np.ndarray:
        """Decode one image's code with single latent coordinates swept over ``values``.

        A *latent traversal*: encode ``x`` to its mean code ``mu``, then for
        every dimension ``d`` in ``dimensions`` and every ``v`` in ``values``
        decode ``mu`` with ``mu[d]`` replaced by ``v``. Each row of the result
        shows what one coordinate of ``z`` controls (pose, light, hair...).

        Parameters
        ----------
        x : ndarray of shape (channels, height, width)
            One image in [0, 1].
        dimensions : sequence of int
            Latent coordinates to sweep, each in ``[0, latent_dim)``.
        values : sequence of float
            The values each swept coordinate takes (e.g. ``np.linspace(-3, 3, 8)``).

        Returns
        -------
        ndarray of shape (len(dimensions) * len(values), channels, height, width)
            Row-major: all values of the first dimension, then the next. Clipped to [0, 1].
        """
        dimensions = [int(d) for d in dimensions]
        values = np.asarray(values, dtype=np.float64).ravel()
        if not dimensions or values.size == 0:
            raise ValueError("traverse needs at least one dimension and one value")
        bad = [d for d in dimensions if not 0 <= d < self.latent_dim]
        if bad:
            raise ValueError(f"traverse: dimensions {bad} are outside [0, {self.latent_dim})")
        image = np.asarray(x, dtype=self.dtype)[None]

        def run():
            mu, _ = self.encode(image)
            codes = np.repeat(mu, len(dimensions) * values.size, axis=0)
            for row, dimension in enumerate(dimensions):
                codes[row * values.size : (row + 1) * values.size, dimension] = values
            return self.decode(codes)

        return np.clip(self._inference(run), 0.0, 1.0)

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
        """Describe how to rebuild this model: a JSON-friendly dict with its registry ``"name"``.

        ``classroom.models.registry.build_model(model.architecture())`` builds
        an untrained copy, ready for ``load_state_dict``.
        """
        raise NotImplementedError(f"{type(self).__name__} does not describe its architecture")

    def extra_repr(self) -> str:
        return f"latent_dim={self.latent_dim}, image_shape={self.image_shape}, learn_sigma={self.learn_sigma}"
