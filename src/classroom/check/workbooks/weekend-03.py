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
# # Weekend 3 workbook · three regularizers
#
# You will write the three workhorses against overfitting:
#
# 1. `l2_penalty` and `l2_gradient`: weight decay, in the course's convention;
# 2. `Dropout`: inverted dropout, with a training and an evaluation mode;
# 3. `train_with_early_stopping`: stop when the validation loss stops
#    improving, and give back the best weights.
#
# After each piece, the next cell grades it against the course package and
# prints what it compared, by how much you missed and what to try. Grade the
# whole workbook from a terminal with
#
# ```bash
# classroom check weekend-03
# ```
#
# No dataset is needed: the checks use random arrays and scripted
# validation curves.

# %%
import numpy as np

from classroom.check import grade

# %% [markdown]
# ## 1. The L2 penalty
#
# Weight decay adds $\frac{\lambda}{2}\sum_W \lVert W\rVert^2$ to the loss,
# summed over the weight matrices (not the biases), with $\lambda$ =
# `weight_decay`. The $\frac12$ is the course's (and PyTorch's) convention: it
# makes the gradient exactly $\lambda W$, the term `SGD(weight_decay=λ)` adds
# to every gradient, so each step shrinks the weights by the factor
# $(1 - \eta\lambda)$. Return new arrays; do not scale the weights in place.

# %% tags=["stub"]
def l2_penalty(weights, weight_decay):
    """The L2 penalty of a list of weight arrays.

    Parameters
    ----------
    weights : list of ndarray
        The weight arrays (any shapes), e.g. [W1, W2].
    weight_decay : float

    Returns
    -------
    float
        weight_decay / 2 * sum over the arrays of np.sum(W**2).
    """
    raise NotImplementedError("write me: l2_penalty (weight_decay / 2 * sum of squares)")


def l2_gradient(weights, weight_decay):
    """Gradient of ``l2_penalty`` with respect to each weight array.

    Parameters
    ----------
    weights : list of ndarray
    weight_decay : float

    Returns
    -------
    list of ndarray
        One array per weight, of its shape: weight_decay * W.
    """
    raise NotImplementedError("write me: l2_gradient (weight_decay * W for each W)")


# %%
grade("weekend-03", "l2", globals())

# %% [markdown]
# ## 2. Inverted dropout
#
# In training mode, zero each element with probability $p$ and scale the
# survivors by $\frac{1}{1-p}$: with the mask $m$ = `rng.random(x.shape) >= p`,
# the output is $x \cdot m / (1-p)$, whose expectation is $x$. `backward`
# multiplies the gradient by the *same* mask and scale (save them in
# `forward`). In evaluation mode (`eval()`) the layer is the identity; `train()`
# switches it back on. Keep the input's dtype.

# %% tags=["stub"]
class Dropout:
    """Inverted dropout.

    Parameters
    ----------
    p : float, default 0.5
        Probability of zeroing an element, in [0, 1).
    rng : numpy.random.Generator, optional
        Draw every mask from it (np.random.default_rng() when None).

    Attributes
    ----------
    training : bool
        True after construction and train(), False after eval().
    """

    def __init__(self, p=0.5, rng=None):
        raise NotImplementedError("write me: Dropout.__init__ (p, rng, training = True)")

    def train(self):
        """Switch to training mode (drop and rescale)."""
        raise NotImplementedError("write me: Dropout.train")

    def eval(self):
        """Switch to evaluation mode (the identity)."""
        raise NotImplementedError("write me: Dropout.eval")

    def forward(self, x):
        """x of any shape -> same shape and dtype; x * mask / (1 - p) in training mode, x in eval mode."""
        raise NotImplementedError("write me: Dropout.forward (a new mask each call, rescaled by 1/(1-p))")

    def backward(self, grad_output):
        """grad_output times the last forward's mask / (1 - p) (unchanged in eval mode)."""
        raise NotImplementedError("write me: Dropout.backward (the same mask and scale as forward)")


# %%
grade("weekend-03", "dropout", globals())

# %% [markdown]
# ## 3. Early stopping
#
# After each epoch, measure the validation loss. If it is strictly lower than
# the best so far, remember it, the epoch and a **copy** of the weights
# (training changes the arrays in place, so a plain assignment would keep
# changing with them), and reset the count of epochs without improvement.
# Otherwise add one to the count and stop when it reaches `patience`. At the
# end, copy the best weights back into the same arrays
# (`params[name][...] = best[name]`): the model keeps using its own arrays.

# %% tags=["stub"]
def train_with_early_stopping(params, train_epoch, validation_loss, max_epochs, patience):
    """Train until the validation loss stops improving; leave the best weights in ``params``.

    Parameters
    ----------
    params : dict of str to ndarray
        The model's weights; train_epoch() changes these arrays in place.
    train_epoch : callable
        train_epoch() trains one epoch.
    validation_loss : callable
        validation_loss() returns the validation loss now (a float).
    max_epochs : int
        Train at most this many epochs.
    patience : int
        Stop after this many epochs in a row without a strictly lower loss.

    Returns
    -------
    best_epoch : int
        The epoch, counted from 1, with the lowest validation loss (the first on ties).
    history : list of float
        The validation loss after every epoch that ran.
    """
    raise NotImplementedError("write me: train_with_early_stopping (copy the best weights, patience, restore)")


# %%
grade("weekend-03", "early_stopping", globals())

# %% [markdown]
# ## The reference
#
# The package's versions are `classroom.optim.SGD` (its `weight_decay`),
# `classroom.nn.Dropout` and `classroom.train.EarlyStopping`; the API reference on
# the course site (Reference, `classroom.nn.dropout` and `classroom.train.callbacks`)
# shows their source. **Try it yourself first**: the hints above say what to
# fix, and reading the answer before you have struggled with it teaches much
# less.
