# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Weekend 7 workbook · a variational autoencoder, piece by piece
#
# You will write the four pieces that make a VAE train:
#
# 1. `reparameterize`: draw $z = \mu + \sigma \odot \epsilon$ so that gradients reach $\mu$ and $\log\sigma^2$;
# 2. `gaussian_kl`: the closed-form KL divergence from $q(z \mid x)$ to the prior $\mathcal N(0, I)$;
# 3. `gaussian_nll`: the reconstruction term, a Gaussian negative log-likelihood per image;
# 4. `loss_and_backward`: the negative ELBO of a whole VAE and its gradient, written out by hand.
#
# After each piece, the next cell grades it against the package's reference
# implementation on random inputs and prints what it compared, by how much you
# missed and what to try. Grade the whole workbook from a terminal with
#
# ```bash
# classroom check weekend-07
# ```
#
# The last check trains a small VAE on real CelebA faces with your
# `loss_and_backward` (it needs the `celeba/` folder in your data directory;
# without it that row says "needs data" and tells you how to get it).

# %%
import math

import numpy as np

from classroom.check import grade

# %% [markdown]
# ## 1. The reparameterisation trick
#
# Sampling $z \sim \mathcal N(\mu, \sigma^2)$ is not a differentiable function of
# $\mu$ and $\sigma$. Draw the noise alone, $\epsilon \sim \mathcal N(0, I)$, and
# compute $z = \mu + \sigma \epsilon$ from it: now $\partial z / \partial \mu = 1$
# and $\partial z / \partial \log\sigma^2 = \tfrac12 \sigma \epsilon$. The encoder
# predicts the **log-variance** $\log\sigma^2$ (any real number), so
# $\sigma = \exp(\tfrac12 \log\sigma^2)$.

# %% tags=["stub"]
def reparameterize(mu, logvar, rng):
    """Draw ``z ~ N(mu, exp(logvar))`` as a differentiable function of ``mu`` and ``logvar``.

    Parameters
    ----------
    mu, logvar : ndarray of shape (batch, latent_dim)
        Mean and log-variance of q(z | x).
    rng : numpy.random.Generator
        Draw the noise with one call, ``rng.standard_normal(mu.shape)``, so the
        check can reproduce it from the same seed.

    Returns
    -------
    z : ndarray of shape (batch, latent_dim)
        ``mu + exp(0.5 * logvar) * eps``, in mu's dtype.
    eps : ndarray of shape (batch, latent_dim)
        The standard-normal noise you drew (the backward pass needs it), cast
        to mu's dtype (the models train in float32).
    """
    raise NotImplementedError("write me: reparameterize (z = mu + std * eps)")


# %%
grade("weekend-07", "reparameterize", globals())

# %% [markdown]
# ## 2. The KL term
#
# For a diagonal Gaussian against $\mathcal N(0, I)$ the KL divergence has a
# closed form, summed over the latent units of each example:
#
# $$\mathrm{KL} = \tfrac12 \sum_j \left(\mu_j^2 + \sigma_j^2 - \log\sigma_j^2 - 1\right).$$
#
# It is zero when $q$ is the prior and positive otherwise.

# %% tags=["stub"]
def gaussian_kl(mu, logvar):
    """KL divergence from ``N(mu, exp(logvar))`` to ``N(0, I)``, one value per example.

    Parameters
    ----------
    mu, logvar : ndarray of shape (batch, latent_dim)

    Returns
    -------
    ndarray of shape (batch,)
        KL in nats (float64), summed over the latent dimensions.
    """
    raise NotImplementedError("write me: gaussian_kl (closed-form KL to the prior)")


# %%
grade("weekend-07", "gaussian_kl", globals())

# %% [markdown]
# ## 3. The reconstruction term
#
# The decoder outputs the mean image of $p(x \mid z) = \mathcal N(x; \text{mean}, \sigma^2 I)$,
# with one standard deviation $\sigma = \exp(\text{log\_sigma})$ shared by all $D$
# values of an image. Its negative log-density, per image, is
#
# $$\frac{\sum (x - \text{mean})^2}{2\sigma^2} + D \log\sigma + \frac{D}{2}\log 2\pi .$$

# %% tags=["stub"]
def gaussian_nll(x, mean, log_sigma):
    """Negative log-density of ``x`` under ``N(mean, sigma^2 I)``, per image, in nats.

    Parameters
    ----------
    x, mean : ndarray of shape (batch, channels, height, width)
        Images in [0, 1] and the decoder's output.
    log_sigma : float
        Log of the shared standard deviation.

    Returns
    -------
    ndarray of shape (batch,)
        float64; summed (not averaged) over the D = channels * height * width values.
    """
    raise NotImplementedError("write me: gaussian_nll (Gaussian negative log-likelihood per image)")


# %%
grade("weekend-07", "gaussian_nll", globals())

# %% [markdown]
# ## 4. The negative ELBO and its gradient
#
# The loss is the batch mean of `reconstruction + kl`. Work its gradient
# backwards (``B`` = batch size, ``D`` = values per image):
#
# 1. to the decoder output: `(mean - x) / (sigma**2 * B)`; to `log_sigma`: `sum(D - (x - mean)**2 / sigma**2) / B`;
# 2. `model.decoder.backward(...)` turns that into the gradient with respect to `z`;
# 3. through `z = mu + std * eps`: `dL/dmu = dL/dz`, `dL/dlogvar = dL/dz * 0.5 * std * eps`;
# 4. plus the KL term: `mu / B` and `0.5 * (exp(logvar) - 1) / B`;
# 5. `model.encoder.backward(np.concatenate([dL_dmu, dL_dlogvar], axis=1))`.
#
# Use the three functions you wrote above.

# %% tags=["stub"]
def loss_and_backward(model, x, rng):
    """Negative ELBO of a VAE on one batch; add its gradient to every parameter's ``.grad``.

    Parameters
    ----------
    model : classroom.models.vae.VAE
        Has ``model.encoder`` (images -> (batch, 2 * latent_dim): first half mu,
        second half logvar), ``model.decoder`` (z -> mean images),
        ``model.latent_dim`` and the learned ``model.log_sigma`` (a Parameter of
        shape (1,): read ``model.log_sigma.data[0]``, add to ``model.log_sigma.grad``).
        Each network's ``backward(grad_output)`` adds to its weights' gradients
        and returns the gradient with respect to its input.
    x : ndarray of shape (batch, channels, height, width)
        Images in [0, 1], the model's dtype.
    rng : numpy.random.Generator
        Pass it to your ``reparameterize``.

    Returns
    -------
    neg_elbo, reconstruction, kl : float
        Batch means, nats per image (``neg_elbo = reconstruction + kl``).
    """
    raise NotImplementedError("write me: loss_and_backward (negative ELBO and its gradient)")


# %%
grade("weekend-07", "loss_and_backward", globals())

# %% [markdown]
# ## 5. Train it on faces
#
# The last check trains a small fully connected VAE (`MLPVAE`, 32x32 faces, a
# 16-dimensional latent) for five epochs on 2,000 CelebA faces with your
# `loss_and_backward`, then again with the package's, from the same initial
# weights and seeds. Your held-out negative ELBO must improve at least 90 % as
# much as the package's.

# %%
grade("weekend-07", "train", globals())

# %% [markdown]
# ## The reference
#
# The package's versions are in `classroom.models.vae` (`reparameterize`,
# `gaussian_kl`, `gaussian_nll` and `VAE.loss_and_backward`); the site's API
# reference shows their source. **Try it yourself first**: the hints above say
# what to fix, and reading the answer before you have struggled with it teaches
# much less.
