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
# # A variational autoencoder that samples faces
#
# Every model so far *labelled* data. This one *produces* it: after training on
# photos of faces, it turns random numbers into new faces that were never
# photographed.
#
# A **variational autoencoder** (VAE) has three parts:
#
# * an **encoder** that maps an image $x$ to a mean $\mu(x)$ and a log-variance
#   $\log\sigma^2(x)$ of a Gaussian over a small latent vector $z$;
# * a **random step** that draws $z$ from that Gaussian;
# * a **decoder** that maps $z$ back to an image.
#
# To generate, skip the encoder: draw $z \sim \mathcal N(0, I)$ and decode it.
# The model is `classroom.models.vae.ConvVAE` (encoder and decoder are ordinary
# `Conv2d` / `ConvTranspose2d` stacks with hand-written backward passes), the
# formulas of its loss are in `classroom.models.elbo`, and its training loop is
# `classroom.train.vae`; this notebook explains the three formulas that make it
# work, checks each of them numerically, trains a small VAE on real CelebA
# faces, and shows what it learned.

# %%
import inspect
import json
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

from classroom.config import quick_mode, project_root
from classroom.data import load_celeba, to_float_nchw
from classroom.nn.gradcheck import numerical_gradient
from classroom.models.elbo import gaussian_kl, reparameterize
from classroom.models.vae import ConvVAE
from classroom.plots import image_grid
from classroom.train.vae import train_vae

QUICK = quick_mode()
print("quick mode" if QUICK else "full mode")


def show(image, title=None, width=8):
    """Display one uint8 picture (for example an image_grid) without axes."""
    height = width * image.shape[0] / image.shape[1]
    plt.figure(figsize=(width, height))
    plt.imshow(image, interpolation="nearest")
    plt.axis("off")
    if title:
        plt.title(title)
    plt.show()


# %% [markdown]
# ## 1. The loss: the evidence lower bound
#
# We would like to maximise the likelihood $\log p(x)$ of the training faces,
# but $p(x) = \int p(x \mid z)\, p(z)\, dz$ is an integral over every possible
# code. The encoder's Gaussian $q(z \mid x)$ gives a lower bound instead, the
# **ELBO**:
#
# $$
# \log p(x) \;\ge\; \mathrm{ELBO}(x) \;=\;
# \underbrace{\mathbb E_{q(z\mid x)}\big[\log p(x \mid z)\big]}_{\text{reconstruction}}
# \;-\; \underbrace{\mathrm{KL}\big(q(z \mid x)\,\Vert\,\mathcal N(0, I)\big)}_{\text{stay close to the prior}} .
# $$
#
# We minimise the **negative** ELBO, in nats per image. The first term rewards
# codes that let the decoder rebuild $x$; the second keeps every code close to
# the prior $\mathcal N(0, I)$, which is what makes decoding *random* codes
# give sensible images.
#
# ### The KL term in closed form
#
# For $q = \mathcal N(\mu, \sigma^2)$ in one dimension and the prior $\mathcal N(0, 1)$:
#
# $$
# \mathrm{KL} = \tfrac12\left(\mu^2 + \sigma^2 - \log\sigma^2 - 1\right),
# \qquad \frac{\partial\,\mathrm{KL}}{\partial\mu} = \mu,
# \qquad \frac{\partial\,\mathrm{KL}}{\partial\log\sigma^2} = \tfrac12\left(\sigma^2 - 1\right),
# $$
#
# summed over the latent dimensions. A formula is only as good as its check:
# compare it with a Monte-Carlo estimate $\mathbb E_q[\log q(z) - \log p(z)]$.

# %%
rng = np.random.default_rng(0)
mu = np.array([[0.5, -1.0, 0.0]])
logvar = np.array([[0.0, -1.0, 0.7]])
samples = 1_000_000
z, eps = reparameterize(np.repeat(mu, samples, 0), np.repeat(logvar, samples, 0), rng)
log_q_minus_log_p = np.sum(-0.5 * eps**2 - 0.5 * logvar + 0.5 * z**2, axis=1)  # the 2*pi terms cancel
closed_form = gaussian_kl(mu, logvar)[0]
estimate = log_q_minus_log_p.mean()
standard_error = log_q_minus_log_p.std() / np.sqrt(samples)
print(f"closed form KL : {closed_form:.4f} nats")
print(f"Monte Carlo    : {estimate:.4f} nats, standard error {standard_error:.4f}")
print(f"difference     : {abs(estimate - closed_form) / standard_error:.1f} standard errors")

# %% [markdown]
# ## 2. The reparameterisation trick
#
# The reconstruction term is an average over a *random* $z$. Sampling
# $z \sim \mathcal N(\mu, \sigma^2)$ is not a function we can differentiate:
# if $\mu$ changes a little, which sample would we have drawn? The trick moves
# the randomness into a fixed input $\epsilon$:
#
# $$
# z = \mu + \sigma \odot \epsilon = \mu + e^{\frac12 \log\sigma^2} \odot \epsilon,
# \qquad \epsilon \sim \mathcal N(0, I).
# $$
#
# Now $z$ is an ordinary function of $\mu$ and $\log\sigma^2$ (with
# $\epsilon$ held fixed), and the chain rule gives the backward pass:
#
# $$
# \frac{\partial z}{\partial \mu} = 1, \qquad
# \frac{\partial z}{\partial \log\sigma^2} = \tfrac12\, e^{\frac12\log\sigma^2}\,\epsilon,
# \qquad\text{so}\qquad
# \frac{\partial L}{\partial \mu} = \frac{\partial L}{\partial z} + \mu, \quad
# \frac{\partial L}{\partial \log\sigma^2} = \frac{\partial L}{\partial z}\,\tfrac12\sigma\epsilon
#   + \tfrac12\left(\sigma^2 - 1\right)
# $$
#
# (the second terms come from the KL). The encoder outputs $\mu$ and
# $\log\sigma^2$ (a log-variance can be any real number, so no constraint is
# needed). Here is the code, and a finite-difference check of both
# derivatives with the same $\epsilon$:

# %%
print(inspect.getsource(reparameterize))

mu = rng.standard_normal((1, 4))
logvar = rng.standard_normal((1, 4))
_, eps = reparameterize(mu, logvar, np.random.default_rng(1))


def z_sum(m, lv):
    z, _ = reparameterize(m, lv, np.random.default_rng(1))  # same seed: same eps
    return z.sum()


print("dz/dmu     numerical:", numerical_gradient(lambda m: z_sum(m, logvar), mu).round(6))
print("dz/dlogvar numerical:", numerical_gradient(lambda lv: z_sum(mu, lv), logvar).round(6))
print("dz/dlogvar formula  :", (0.5 * np.exp(0.5 * logvar) * eps).round(6))

# %% [markdown]
# ## 3. The likelihood, and what the numbers mean
#
# The decoder outputs a mean image; the likelihood says how likely the real
# image is around it. Pixels here are continuous values in $[0, 1]$, so we use
# a **Gaussian** with one standard deviation $\sigma_x$ shared by all pixels
# and *learned* with the weights:
#
# $$
# -\log p(x \mid z) = \frac{\lVert x - \mathrm{decoder}(z) \rVert^2}{2\sigma_x^2}
# + D \log \sigma_x + \frac D2 \log 2\pi, \qquad D = 3 \times \text{height} \times \text{width}.
# $$
#
# Two common alternatives were rejected. The binary cross-entropy loss is the
# likelihood of *black-or-white* pixels: on grey levels it is not a density,
# so its "ELBO" bounds nothing. A plain squared error is this Gaussian with a
# fixed $\sigma_x$ that silently sets the balance between reconstruction and
# KL; learning $\sigma_x$ lets the ELBO choose it ($\sigma_x^2$ ends up near
# the mean squared error).
#
# **Units.** The negative ELBO is in *nats per image*. Because it is a bound
# on a *density* over $[0, 1]^D$ it can be negative. To compare with the
# 8-bit files, the data are **dequantised**: pixel value $k$ becomes
# $(k + u)/256$ with $u \sim \mathcal U[0, 1)$. Then
#
# $$
# \text{bits/dim} = \frac{-\mathrm{ELBO}}{D \ln 2} + 8
# $$
#
# is an upper bound on the bits per sub-pixel an ideal compressor built from
# the model would need. 8 bits/dim means "no better than the raw bytes".
#
# The whole negative ELBO, through decoder, reparameterisation and encoder,
# is gradient-checked on a tiny float64 model (the same seed gives the same
# $\epsilon$ in every evaluation):

# %%
tiny = ConvVAE(image_size=8, channels=3, latent_dim=2, widths=(3, 4), dtype=np.float64, rng=1)
x_tiny = np.random.default_rng(2).random((2, 3, 8, 8))  # synthetic images


def tiny_loss(_):
    return tiny.negative_elbo(x_tiny, np.random.default_rng(7))[0].mean()


tiny.zero_grad()
tiny.loss_and_backward(x_tiny, np.random.default_rng(7))
for name, parameter in tiny.named_parameters():
    numerical = numerical_gradient(tiny_loss, parameter.data)
    error = np.max(np.abs(parameter.grad - numerical)) / np.max(np.abs(numerical))
    print(f"{name:18s} {str(parameter.shape):16s} max error / max gradient = {error:.1e}")

# %% [markdown]
# ## 4. Train on real faces
#
# CelebA faces (aligned celebrity photos, centre-cropped to squares). The last
# faces in file order are **held out**: the held-out ELBO is measured on them
# after every epoch. This notebook trains at 32x32 so that it runs in about a
# minute; the 64x64 run further down comes from `scripts/train_vae.py`.
#
# The network (`ConvVAE`): three `Conv2d(4x4, stride 2)` + `BatchNorm2d` +
# `LeakyReLU` halve the image 32 -> 16 -> 8 -> 4, a `Linear` layer outputs
# $\mu$ and $\log\sigma^2$; the decoder mirrors it with
# `ConvTranspose2d(4x4, stride 2)`.
#
# The recipe is the one that makes samples look like faces (section 5 shows
# how it was found): a 32-dimensional latent space and a **fixed**
# $\sigma_x = 0.25$. Learning $\sigma_x$ gives the better ELBO, but it
# shrinks $\sigma_x$ to about 0.1, which makes the reconstruction term so
# heavy that the KL term can no longer hold the codes near the prior; then
# $z \sim \mathcal N(0, I)$ lands where no face was ever encoded.

# %%
size = 32
n_faces = 2000 if QUICK else 10000
held_out_count = 250 if QUICK else 1000
epochs = 4 if QUICK else 15
faces = load_celeba(size=size, limit=n_faces)
train_faces, held_out_faces = faces[:-held_out_count], faces[-held_out_count:]
print(f"{len(train_faces)} training faces, {len(held_out_faces)} held out, {size}x{size}")

model = ConvVAE(image_size=size, channels=3, latent_dim=32, widths=(32, 64, 128), batch_norm=True,
                sigma=0.25, learn_sigma=False, rng=0)


def samples_picture():
    """16 samples decoded from the same 16 codes z (seed 3) every time: the same faces, improving."""
    return image_grid(model.sample(16, np.random.default_rng(3)), columns=8)


samples_by_epoch = [samples_picture()]  # before training: the untrained decoder
start = time.perf_counter()
history = train_vae(
    model, train_faces, held_out_faces, epochs=epochs, batch_size=32, lr=1e-3, rng=np.random.default_rng(0),
    on_epoch=lambda epoch, history: samples_by_epoch.append(samples_picture()),
)
print(f"trained in {time.perf_counter() - start:.0f} s")

# %% [markdown]
# ### Curves
#
# The negative ELBO splits into its two terms. The reconstruction term falls
# as the decoder learns; the KL term *rises* at first: codes that say
# something about the face must move away from the prior, and that costs
# nats. Their sum, the negative ELBO, falls on held-out faces too.

# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 3.6))
steps_per_epoch = len(history["batch_neg_elbo"]) / len(history["epoch"])
epoch_axis = np.array(history["epoch"]) * steps_per_epoch
for axis, key, title in zip(
    axes, ["neg_elbo", "reconstruction", "kl"], ["negative ELBO", "reconstruction -log p(x|z)", "KL(q(z|x) || p(z))"]
):
    axis.plot(history[f"batch_{key}"], lw=0.8, label="training batches")
    axis.plot(epoch_axis, history[f"held_out_{key}"], "o-", label="held out (end of epoch)")
    axis.set_title(title + " (nats per image)")
    axis.set_xlabel("step")
axes[0].set_ylim(top=min(3000, max(history["batch_neg_elbo"])))
axes[1].set_ylim(top=min(3000, max(history["batch_reconstruction"])))
axes[0].legend()
plt.tight_layout()
plt.show()
print(
    f"held-out negative ELBO {history['held_out_neg_elbo'][-1]:.0f} nats per image "
    f"= {history['held_out_bits_per_dim'][-1]:.3f} bits/dim; sigma_x {model.sigma:.3f} (fixed)"
)

# %% [markdown]
# ### Reconstructions, samples, interpolation
#
# **Reconstructions** encode held-out faces and decode their mean codes $\mu$:
# originals on the odd rows, reconstructions below them. **Samples** decode
# $z \sim \mathcal N(0, I)$: these faces do not exist. The **interpolation**
# decodes points on the straight line between the codes of two held-out faces.
# Expect blur: the Gaussian likelihood is maximised by the *average* of the
# plausible images, and an average of faces is smooth.

# %%
originals = to_float_nchw(held_out_faces[:16])
reconstructions = model.reconstruct(originals)
pairs = np.concatenate([originals[:8], reconstructions[:8], originals[8:], reconstructions[8:]])
show(image_grid(pairs, columns=8), "held-out faces (rows 1, 3) and their reconstructions (rows 2, 4)")
trained_on = f"{epochs} epochs on {len(train_faces):,} faces at {size}x{size}" + (", quick mode" if QUICK else "")
show(image_grid(model.sample(32, np.random.default_rng(3)), columns=8),
     f"samples from the prior, temperature 1 ({trained_on}; the recorded 64x64 run is in section 5)")
show(image_grid(model.interpolate(originals[0], originals[1], steps=10), columns=10), "interpolation", width=10)

# %% [markdown]
# ### Do the codes fill the prior?
#
# Samples are faces only where $z \sim \mathcal N(0, I)$ lands among the
# codes of real faces. A quick test: over held-out faces, each latent
# coordinate of the codes should vary about as much as the prior does,
# $\operatorname{Var}(\mu_j) + \mathbb E[\sigma_j^2] \approx 1$. Much more
# than 1 means the codes sit on a wider shell than the prior's samples, and
# those samples fall between the faces.

# %%
model.eval()
mu, logvar = model.encode(to_float_nchw(held_out_faces))
model.train()
spread = mu.var(axis=0) + np.exp(logvar).mean(axis=0)
print(f"Var(mu) + E[sigma^2] per latent coordinate, over {len(held_out_faces)} held-out faces: "
      f"median {np.median(spread):.2f}, range {spread.min():.2f} to {spread.max():.2f} (the prior: 1)")

# %% [markdown]
# ### Watch the samples improve
#
# The same 16 codes $z$, drawn once from the prior with a fixed seed, decoded
# after every epoch (frame 0 is the untrained decoder). Because the codes
# never change, each tile follows *one* imagined face as the decoder learns:
# from the untrained decoder's flat noise towards the average face, a light
# oval on a darker background, and from there (with enough epochs) to hair,
# eyes and mouth of its own. Quick mode stops after 4 epochs on 1,750 faces,
# when the tiles are still dim blobs with a lighter centre; the full mode of
# this notebook trains 15 epochs on 9,000 faces, and the 64x64 run below
# longer still.

# %%
from IPython.display import HTML, display

from classroom.plots import animate_images

display(HTML(animate_images(samples_by_epoch, titles=[f"epoch {epoch}" for epoch in range(len(samples_by_epoch))],
                            scale=4, interval=600)))

# %% [markdown]
# ## 5. The full run: 64x64 faces
#
# `scripts/train_vae.py` trains the same design at 64x64 (four downsampling
# steps, widths 32-64-128-256, batch norm, a 32-dimensional latent space,
# $\sigma_x = 0.25$ fixed) on 9,000 faces and holds out 1,000:
#
# ```bash
# python scripts/train_vae.py --size 64 --epochs 60 --max-minutes 30 --threads 1 --batch-norm --latent-dim 32 --fixed-sigma --sigma 0.25
# ```
#
# It writes `runs/vae/metrics.json`, the picture grids and the model. If that
# run exists on this machine, its results appear below; otherwise the copies
# of its pictures saved next to this lesson are shown.

# %%
root = project_root()
run = root / "runs" / "vae" if root is not None else None
if run is None or not (run / "metrics.json").exists():
    print("No full run on this machine. Produce it from the repository root with:")
    print("    python scripts/train_vae.py --size 64 --epochs 60 --max-minutes 30 --threads 1 --batch-norm "
          "--latent-dim 32 --fixed-sigma --sigma 0.25")
    copies = root / "docs" / "weekends" / "07-generative" / "images" if root is not None else None
    for name, title in [("full-run-reconstructions.png", "reconstructions"), ("vae-samples.png", "samples"),
                        ("full-run-traversal.png", "latent traversal")]:
        if copies is not None and (copies / name).exists():
            show(np.asarray(Image.open(copies / name).convert("RGB")), f"64x64 {title} (saved copy of the full run)", width=10)
else:
    metrics = json.loads((run / "metrics.json").read_text())
    full = metrics["history"]
    final = metrics.get("final_held_out", {})
    if not metrics.get("finished"):
        print("(this run has not finished: the results so far)")
    print(
        f"{len(full['epoch'])} epochs, {sum(full['seconds']) / 60:.1f} minutes of training; held-out negative ELBO "
        f"{full['held_out_neg_elbo'][-1]:.0f} nats per image = {full['held_out_bits_per_dim'][-1]:.3f} bits/dim"
    )
    if final:
        print(f"final evaluation: {final['neg_elbo']:.0f} nats, {final['bits_per_dim']:.3f} bits/dim, KL {final['kl']:.1f} nats")
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.4))
    axes[0].plot(full["epoch"], full["held_out_bits_per_dim"], "o-")
    axes[0].set_title("held-out bits/dim (64x64)")
    axes[0].set_xlabel("epoch")
    axes[1].plot(full["epoch"], full["held_out_kl"], "o-", color="C1")
    axes[1].set_title("held-out KL (nats per image)")
    axes[1].set_xlabel("epoch")
    plt.tight_layout()
    plt.show()
    for name, title in [
        ("reconstructions.png", "64x64: held-out faces and reconstructions"),
        ("samples.png", "64x64: samples from the prior"),
        ("interpolation.png", "64x64: interpolation"),
        ("traversal.png", "64x64: latent traversal (rows: the six most-used coordinates, -3 to 3)"),
    ]:
        if (run / name).exists():
            show(np.asarray(Image.open(run / name).convert("RGB")), title, width=10)

# %% [markdown]
# ## What to try next
#
# * Learn $\sigma_x$ instead (`learn_sigma=True`): a better ELBO, sharper
#   reconstructions, and samples that fall apart; run the spread test above
#   on that model. A fixed $\sigma_x$ is the $\beta$ of a $\beta$-VAE in
#   disguise: larger values weigh the KL term more.
# * Sample at a lower temperature, `model.sample(32, rng, temperature=0.7)`,
#   and compare with temperature 1.
# * `model.traverse(face, dimensions=[0, 1, 2], values=np.linspace(-3, 3, 9))`:
#   what does each coordinate of $z$ change?
# * Use a 2-D latent space (`latent_dim=2`) and plot where the held-out faces land.
# * Average the codes of smiling and non-smiling faces and walk along the difference.
#
# CelebA is available for non-commercial research and education only.
