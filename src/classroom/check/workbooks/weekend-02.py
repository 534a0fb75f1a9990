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
# # Weekend 2 workbook · logistic regression from scratch
#
# You will write binary logistic regression, the one-layer neural network,
# piece by piece:
#
# 1. `sigmoid`: the logistic function, without overflowing;
# 2. `logistic_loss`: the mean cross-entropy plus an L2 penalty on the weights;
# 3. `logistic_gradient`: its gradient, "prediction minus target" times the input;
# 4. `fit`: full-batch gradient descent;
# 5. `predict_proba`: the two class probabilities, as scikit-learn returns them.
#
# After each piece, the next cell grades it against the course package on
# random inputs and prints what it compared, by how much you missed and what
# to try. Grade the whole workbook from a terminal with
#
# ```bash
# classroom check weekend-02
# ```
#
# The `fit` check trains your model on two Iris problems (the flowers ship
# with the package, no download needed) and compares the coefficients with
# the package's logistic regression, which its own tests hold within 1e-4 of
# scikit-learn's `LogisticRegression` with the same penalty.
#
# Notation: `X` is `(N, d)`, the weights `w` are `(d,)`, the intercept `b` is
# a float, the labels `y` are 0 or 1, shape `(N,)`.

# %%
import numpy as np

from classroom.check import grade

# %% [markdown]
# ## 1. The sigmoid
#
# $\sigma(z) = 1/(1 + e^{-z})$ squashes a logit into a probability. For
# $z = -10^4$, `np.exp(-z)` overflows. Write it so that `exp` only sees numbers
# $\le 0$: with $e = e^{-|z|}$, $\sigma(z) = 1/(1+e)$ when $z \ge 0$ and
# $e/(1+e)$ when $z < 0$. (`np.where` evaluates both branches, so build both
# from $e$.)

# %% tags=["stub"]
def sigmoid(z):
    """The logistic function, element-wise.

    Parameters
    ----------
    z : ndarray of any shape
        May hold values as large as 1e4 in magnitude.

    Returns
    -------
    ndarray of the same shape
        Values in [0, 1]; no overflow warnings.
    """
    raise NotImplementedError("write me: sigmoid (stable: only exponentiate -|z|)")


# %%
grade("weekend-02", "sigmoid", globals())

# %% [markdown]
# ## 2. The loss
#
# With $p = \sigma(Xw + b)$, the objective is
#
# $$
# J(w, b) = -\frac{1}{N}\sum_i \big[y_i \log p_i + (1-y_i)\log(1-p_i)\big] + \frac{\lambda}{2}\lVert w\rVert^2 ,
# $$
#
# with $\lambda$ = `weight_decay`, the course's (and PyTorch's) convention. The
# intercept $b$ is not penalised. For a confidently wrong sample $p$ rounds to
# exactly 0 and $\log p = -\infty$; compute the loss from the logit $z$
# instead: $-\log\sigma(z) = \log(1 + e^{-z})$ = `np.logaddexp(0, -z)` and
# $-\log(1-\sigma(z))$ = `np.logaddexp(0, z)`.

# %% tags=["stub"]
def logistic_loss(w, b, X, y, weight_decay=0.0):
    """Mean binary cross-entropy of ``sigmoid(X @ w + b)`` plus ``weight_decay / 2 * ||w||^2``.

    Parameters
    ----------
    w : ndarray of shape (d,)
    b : float
    X : ndarray of shape (N, d)
    y : ndarray of shape (N,)
        Labels 0 or 1.
    weight_decay : float, default 0.0

    Returns
    -------
    float
        Finite even when the logits reach 1e3.
    """
    raise NotImplementedError("write me: logistic_loss (mean cross-entropy from the logits + L2 on w)")


# %%
grade("weekend-02", "loss", globals())

# %% [markdown]
# ## 3. The gradient
#
# The derivative of the loss with respect to each logit is $p_i - y_i$, so
#
# $$
# \nabla_w J = \frac{1}{N} X^\top (p - y) + \lambda w, \qquad
# \frac{\partial J}{\partial b} = \frac{1}{N}\sum_i (p_i - y_i).
# $$

# %% tags=["stub"]
def logistic_gradient(w, b, X, y, weight_decay=0.0):
    """Gradient of ``logistic_loss`` with respect to ``w`` and ``b``.

    Parameters
    ----------
    w : ndarray of shape (d,)
    b : float
    X : ndarray of shape (N, d)
    y : ndarray of shape (N,)
    weight_decay : float, default 0.0

    Returns
    -------
    grad_w : ndarray of shape (d,)
    grad_b : float
    """
    raise NotImplementedError("write me: logistic_gradient (X.T @ (p - y) / N + weight_decay * w, mean(p - y))")


# %%
grade("weekend-02", "gradient", globals())

# %% [markdown]
# ## 4. Gradient descent
#
# Start from $w = 0$, $b = 0$ and repeat `epochs` times:
# $w \leftarrow w - \eta \nabla_w J$, $b \leftarrow b - \eta\, \partial J/\partial b$,
# with $\eta$ = `lr`, on all samples at once (full batch). The problem is
# convex, so with the same penalty every correct implementation lands on the
# same coefficients as the package and as scikit-learn's
# `LogisticRegression(C = 1 / (weight_decay * N))`.

# %% tags=["stub"]
def fit(X, y, lr=0.5, epochs=2000, weight_decay=0.01):
    """Train binary logistic regression by full-batch gradient descent from zero weights.

    Parameters
    ----------
    X : ndarray of shape (N, d)
        Standardised features.
    y : ndarray of shape (N,)
        Labels 0 or 1.
    lr : float, default 0.5
    epochs : int, default 2000
        Number of gradient steps.
    weight_decay : float, default 0.01

    Returns
    -------
    w : ndarray of shape (d,)
    b : float
    """
    raise NotImplementedError("write me: fit (gradient descent on w and b)")


# %%
grade("weekend-02", "fit", globals())

# %% [markdown]
# ## 5. Probabilities for both classes
#
# scikit-learn's `predict_proba` returns one column per class:
# `[P(y=0), P(y=1)]`. The predicted class is the column with the larger value.

# %% tags=["stub"]
def predict_proba(X, w, b):
    """Class probabilities of each sample.

    Parameters
    ----------
    X : ndarray of shape (N, d)
    w : ndarray of shape (d,)
    b : float

    Returns
    -------
    ndarray of shape (N, 2)
        Column 0 is P(y=0) = 1 - p, column 1 is P(y=1) = p; rows sum to 1.
    """
    raise NotImplementedError("write me: predict_proba (np.stack([1 - p, p], axis=1))")


# %%
grade("weekend-02", "predict_proba", globals())

# %% [markdown]
# ## The reference
#
# The package's versions are `classroom.nn.functional.sigmoid` and
# `classroom.models.logistic` (`BinaryLogisticRegression` with its
# `objective`, `fit` and `predict_proba`); the API reference on the course site
# (Reference, `classroom.models.logistic`) shows their source.
# **Try it yourself first**: the hints above say what to fix, and reading the
# answer before you have struggled with it teaches much less.
