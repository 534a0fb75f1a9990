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
# # Weekend 1 workbook · a two-layer network from arrays
#
# You will write, in plain NumPy, every piece of the network that reads
# handwritten digits:
#
# 1. `softmax`: logits to probabilities, without overflowing;
# 2. `cross_entropy` and `cross_entropy_grad`: the loss and the gradient that starts the backward pass;
# 3. `Linear`: the fully connected layer, forward and backward;
# 4. `ReLU`: the non-linearity, forward and backward;
# 5. `TwoLayerNet`: `Linear -> ReLU -> Linear`;
# 6. `train_epoch`: one shuffled pass of mini-batch gradient descent.
#
# After each piece, the next cell grades it against the course package on
# random inputs and prints what it compared, by how much you missed and what
# to try. Grade the whole workbook from a terminal with
#
# ```bash
# classroom check weekend-01
# ```
#
# The last check trains *your* network on the real MNIST digits and wants 97%
# on the 10,000 test images. It needs the `mnist/` folder in your data
# directory; without it that row says "needs data" and tells you how to get it.

# %%
import numpy as np

from classroom.check import grade

# %% [markdown]
# ## 1. Softmax
#
# The network's last layer outputs one score (*logit*) per class. Softmax turns
# a row of logits into probabilities:
# $p_k = e^{z_k} / \sum_j e^{z_j}$. Written like that it overflows: `np.exp(1000.0)`
# is `inf`. Adding the same number to every logit of a row does not change the
# result, so subtract the row's maximum first; then `exp` only sees numbers
# $\le 0$.

# %% tags=["stub"]
def softmax(z):
    """Turn each row of logits into probabilities.

    Parameters
    ----------
    z : ndarray of shape (N, C)
        Logits: N samples, C classes. May be as large as 1e4.

    Returns
    -------
    ndarray of shape (N, C)
        Non-negative; each row sums to 1. Never inf or nan.
    """
    raise NotImplementedError("write me: softmax (subtract the row max, exponentiate, normalise each row)")


# %%
grade("weekend-01", "softmax", globals())

# %% [markdown]
# ## 2. Cross-entropy and its gradient
#
# For logits $Z$ of shape $(N, C)$ and integer labels $y$, the loss is the mean
# negative log-probability of the true class,
# $L = -\frac{1}{N}\sum_i \log p_{i, y_i}$. Compute the log-probabilities
# directly, $\log p = z - \max - \log\sum e^{z - \max}$ (the *log-softmax*):
# `np.log(softmax(z))` gives `log(0) = -inf` when a prediction is confidently
# wrong.
#
# The gradient with respect to the logits is "prediction minus target",
# averaged over the batch: $\partial L/\partial Z = (P - Y)/N$, with $Y$ the
# one-hot labels.

# %% tags=["stub"]
def cross_entropy(logits, labels):
    """Mean cross-entropy of a batch.

    Parameters
    ----------
    logits : ndarray of shape (N, C)
    labels : ndarray of shape (N,)
        Integer class labels in [0, C).

    Returns
    -------
    float
        -mean_i log softmax(logits)[i, labels[i]]; finite even for logits of size 1e4.
    """
    raise NotImplementedError("write me: cross_entropy (mean negative log-softmax of the true class)")


def cross_entropy_grad(logits, labels):
    """Gradient of ``cross_entropy(logits, labels)`` with respect to the logits.

    Parameters
    ----------
    logits : ndarray of shape (N, C)
    labels : ndarray of shape (N,)

    Returns
    -------
    ndarray of shape (N, C)
        (softmax(logits) - onehot(labels)) / N.
    """
    raise NotImplementedError("write me: cross_entropy_grad ((softmax - onehot) / N)")


# %%
grade("weekend-01", "cross_entropy", globals())

# %% [markdown]
# ## 3. The linear layer
#
# `Linear` computes $Y = X W^\top + b$ with $W$ of shape `(out_features,
# in_features)`, one row per output unit (PyTorch's convention). Start the
# weights small and random, e.g. uniform in $\pm 1/\sqrt{\text{in\_features}}$:
# all-equal weights would make every unit learn the same thing.
#
# `forward` saves $X$; `backward` receives $G = \partial L/\partial Y$ and
#
# * sets `self.grad_weight = G.T @ X` (shape of `weight`) and `self.grad_bias = G.sum(axis=0)`,
# * returns $\partial L/\partial X = G W$ for the layer below.
#
# No division by the batch size here: `cross_entropy_grad` already did it.
# Overwrite the gradients on every call (`=`, not `+=`).

# %% tags=["stub"]
class Linear:
    """A fully connected layer ``y = x @ weight.T + bias``.

    Parameters
    ----------
    in_features, out_features : int
    rng : numpy.random.Generator, optional
        Source of the random initial weights (``np.random.default_rng()`` when None).

    Attributes
    ----------
    weight : ndarray of shape (out_features, in_features)
    bias : ndarray of shape (out_features,)
    grad_weight, grad_bias : ndarray of the same shapes
        Set by ``backward``.

    The check may replace ``weight`` and ``bias`` with its own arrays
    (``layer.weight = ...``), so always read them from ``self``.
    """

    def __init__(self, in_features, out_features, rng=None):
        raise NotImplementedError("write me: Linear.__init__ (random weight (out, in), bias (out,))")

    def forward(self, x):
        """x of shape (N, in_features) -> (N, out_features); keep x's dtype."""
        raise NotImplementedError("write me: Linear.forward (x @ weight.T + bias)")

    def backward(self, grad_output):
        """grad_output (N, out_features) -> dL/dx (N, in_features); set grad_weight and grad_bias."""
        raise NotImplementedError("write me: Linear.backward (grad_weight, grad_bias, return dL/dx)")


# %%
grade("weekend-01", "linear", globals())

# %% [markdown]
# ## 4. ReLU
#
# $\text{ReLU}(x) = \max(0, x)$, element by element. Its derivative is 1 where
# the input was positive and 0 elsewhere, so `backward` lets the gradient
# through only where the *forward input* was positive. Return a new array in
# `forward`: the input belongs to the layer below.

# %% tags=["stub"]
class ReLU:
    """Rectified linear unit, element-wise."""

    def forward(self, x):
        """Return max(x, 0), same shape and dtype as x; do not modify x."""
        raise NotImplementedError("write me: ReLU.forward (np.maximum(x, 0), remember where x > 0)")

    def backward(self, grad_output):
        """Return grad_output * (x > 0), with x the input of the last forward."""
        raise NotImplementedError("write me: ReLU.backward (gradient only where the input was positive)")


# %%
grade("weekend-01", "relu", globals())

# %% [markdown]
# ## 5. The two-layer network
#
# Put the layers in a list, `self.layers = [Linear(in, hidden), ReLU(),
# Linear(hidden, out)]`. `forward` runs them in order and returns the
# **logits** (softmax belongs to the loss); `backward` runs them in reverse,
# each layer's `backward` returning the gradient for the one below.

# %% tags=["stub"]
class TwoLayerNet:
    """``Linear(in_features, hidden) -> ReLU -> Linear(hidden, out_features)``.

    Parameters
    ----------
    in_features, hidden, out_features : int
    rng : numpy.random.Generator, optional
        Pass it to both Linear layers.

    Attributes
    ----------
    layers : list
        ``[Linear, ReLU, Linear]``, your own classes.
    """

    def __init__(self, in_features, hidden, out_features, rng=None):
        raise NotImplementedError("write me: TwoLayerNet.__init__ (self.layers = [Linear, ReLU, Linear])")

    def forward(self, x):
        """x (N, in_features) -> logits (N, out_features)."""
        raise NotImplementedError("write me: TwoLayerNet.forward (each layer in order)")

    def backward(self, grad_logits):
        """grad_logits (N, out_features) -> dL/dx (N, in_features); sets every layer's gradients."""
        raise NotImplementedError("write me: TwoLayerNet.backward (each layer in reverse order)")


# %%
grade("weekend-01", "network", globals())

# %% [markdown]
# ## 6. One epoch of training
#
# An epoch visits every training sample once, in a new random order:
#
# 1. `order = rng.permutation(N)`, then take consecutive slices of `batch_size` indices;
# 2. for each batch: `logits = model.forward(xb)`, the loss with `cross_entropy`,
#    `model.backward(cross_entropy_grad(logits, yb))`;
# 3. update every layer that has a weight: `weight -= lr * grad_weight`, `bias -= lr * grad_bias`.
#
# Return the mean of the batch losses (each computed before its update).

# %% tags=["stub"]
def train_epoch(model, x, y, lr, batch_size, rng):
    """One shuffled pass of mini-batch gradient descent over (x, y).

    Parameters
    ----------
    model : TwoLayerNet
        Use only model.forward, model.backward and model.layers.
    x : ndarray of shape (N, in_features)
    y : ndarray of shape (N,)
        Integer labels.
    lr : float
        Learning rate.
    batch_size : int
    rng : numpy.random.Generator
        Shuffle with rng.permutation(N).

    Returns
    -------
    float
        Mean of the batch losses over the epoch.
    """
    raise NotImplementedError("write me: train_epoch (shuffle, mini-batches, forward, backward, update)")


# %%
grade("weekend-01", "training", globals())

# %% [markdown]
# ## 7. Read MNIST
#
# The last check builds `TwoLayerNet(784, 128, 10)`, sets its initial weights
# (the same for everyone, so the result does not depend on luck) and trains
# it with your `train_epoch` on the 60,000 training images for 5 epochs
# (batches of 64, learning rate 0.5 for three epochs, then 0.1 and 0.02).
# It first runs a short sanity phase (one epoch on 2,000 images must lower
# the loss) so a broken piece fails in seconds. With code as fast as the
# package's the whole check takes about 10 seconds; it prints its progress.
# It must reach 97% on the 10,000 test images.

# %%
grade("weekend-01", "mnist", globals())

# %% [markdown]
# ## The reference
#
# The package's versions are `classroom.nn.functional.softmax`,
# `classroom.nn.CrossEntropyLoss`, `classroom.nn.Linear`, `classroom.nn.ReLU`,
# `classroom.models.mlp.MLP` and `classroom.train.Trainer`; the API reference on
# the course site (Reference, `classroom.nn`) shows their source.
# **Try it yourself first**: the hints above say what to fix, and reading the
# answer before you have struggled with it teaches much less.
