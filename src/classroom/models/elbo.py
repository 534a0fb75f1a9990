"""The formulas of a VAE's loss, the evidence lower bound (ELBO), and its units.

A VAE (see :mod:`classroom.models.vae`) is trained by maximising::

    ELBO(x) = E_q[log p(x | z)] - KL(q(z | x) || N(0, I))
            = -(reconstruction + kl)

so its loss is the negative ELBO, in **nats per image**. This module holds
the formulas that loss is made of, each a plain NumPy function:

* :func:`reparameterize`: draw ``z ~ q(z | x)`` as a differentiable function
  of the encoder's ``mu`` and ``logvar``;
* :func:`gaussian_kl`: the KL term, in closed form;
* :func:`gaussian_nll`: the reconstruction term, a Gaussian likelihood;
* :func:`dequantize` and :func:`bits_per_dim`: how 8-bit images become
  continuous data, and how the loss on them becomes bits per dimension.

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
"""

from __future__ import annotations

import math

import numpy as np

from ..nn.init import as_generator

__all__ = [
    "LOG_2PI",
    "bits_per_dim",
    "dequantize",
    "gaussian_kl",
    "gaussian_nll",
    "reparameterize",
]

#: ``log(2 pi)``, the constant of every Gaussian log-density.
LOG_2PI = math.log(2.0 * math.pi)


def reparameterize(mu: np.ndarray, logvar: np.ndarray, rng: np.random.Generator):
    """Draw ``z ~ N(mu, exp(logvar))`` as a differentiable function of ``mu`` and ``logvar``.

    ``z = mu + exp(0.5 * logvar) * eps`` with ``eps ~ N(0, I)``. The noise is
    returned too, because the backward pass needs it::

        dz/dmu = 1,    dz/dlogvar = 0.5 * exp(0.5 * logvar) * eps

    Parameters
    ----------
    mu, logvar : ndarray of shape (batch, latent_dim)
        Mean and log-variance of ``q(z | x)``.
    rng : int or numpy.random.Generator
        Source of ``eps``.

    Returns
    -------
    z : ndarray of shape (batch, latent_dim)
        Same dtype as ``mu``.
    eps : ndarray of shape (batch, latent_dim)
        The standard-normal noise used.
    """
    rng = as_generator(rng)
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
    ``D`` the number of values per example. Its gradients are
    ``d/dmean = (mean - x) / sigma^2`` and
    ``d/dlog_sigma = D - sum((x - mean)^2) / sigma^2``.

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
    rng : int or numpy.random.Generator
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
    rng = as_generator(rng)
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
