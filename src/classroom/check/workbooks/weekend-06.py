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
# # Weekend 6 workbook · optimizers, piece by piece
#
# You will write four optimizers with PyTorch's interface (`step()`,
# `zero_grad()`):
#
# 1. `SGD` with momentum;
# 2. `RMSprop`;
# 3. `Adam`, with bias correction;
# 4. `AdamW`, Adam with decoupled weight decay.
#
# After each piece, the next cell runs your optimizer and the package's
# (`classroom.optim`) side by side for 25 steps on the same random, badly
# conditioned quadratic, compares the parameters after every step and reports
# the first step where they part, by how much, and what to try. Grade the whole
# workbook from a terminal with
#
# ```bash
# classroom check weekend-06
# ```

# %%
import numpy as np

from classroom.check import grade


class Parameter:
    """A learnable array and its gradient: what an optimizer updates."""

    def __init__(self, data):
        self.data = np.asarray(data, dtype=np.float64)
        self.grad = np.zeros_like(self.data)


class Optimizer:
    """The shared part: the parameters, one state dict per parameter, and ``zero_grad``.

    ``self.state[i]`` belongs to ``self.params[i]`` alone: keep each
    parameter's moving averages there, never one for all parameters.
    """

    def __init__(self, params):
        self.params = list(params)
        self.state = [{} for _ in self.params]

    def zero_grad(self):
        """Set every gradient to zero, in place."""
        for p in self.params:
            p.grad[...] = 0


# %% [markdown]
# ## The rules of the game
#
# `step()` reads each `p.grad` and updates `p.data` **in place**
# (`p.data -= ...`): the layers hold references to their weight arrays, and
# `p.data = p.data - ...` would leave them with the old weights. Here $g$ is the
# gradient, $\eta$ the learning rate and $t = 1, 2, \dots$ the step number.
#
# ## 1. SGD with momentum
#
# PyTorch's convention: first the buffer, then the step with it,
#
# $$ b \leftarrow \mu b + g \quad (b = g \text{ at the first step}), \qquad \theta \leftarrow \theta - \eta\, b. $$
#
# With $\mu = 0$ it is plain SGD, $\theta \leftarrow \theta - \eta g$.

# %% tags=["stub"]
class SGD(Optimizer):
    """Stochastic gradient descent with momentum (as ``torch.optim.SGD``)."""

    def __init__(self, params, lr=0.01, momentum=0.0):
        super().__init__(params)
        self.lr, self.momentum = lr, momentum

    def step(self):
        """Update every ``p.data`` in place: ``b = momentum * b + g``, ``p -= lr * b``."""
        raise NotImplementedError("write me: SGD.step")


# %%
grade("weekend-06", "sgd", globals())

# %% [markdown]
# ## 2. RMSprop
#
# Divide each step by a running root-mean-square of recent gradients:
#
# $$ v \leftarrow \alpha v + (1-\alpha)\, g^2, \qquad \theta \leftarrow \theta - \eta\, \frac{g}{\sqrt{v} + \varepsilon}, $$
#
# with $v$ starting at zero and $\varepsilon$ **outside** the square root, as in
# PyTorch.

# %% tags=["stub"]
class RMSprop(Optimizer):
    """RMSprop (as ``torch.optim.RMSprop`` without momentum or centering)."""

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8):
        super().__init__(params)
        self.lr, self.alpha, self.eps = lr, alpha, eps

    def step(self):
        """Update every ``p.data`` in place: ``v = alpha*v + (1-alpha)*g**2``, ``p -= lr*g/(sqrt(v)+eps)``."""
        raise NotImplementedError("write me: RMSprop.step")


# %%
grade("weekend-06", "rmsprop", globals())

# %% [markdown]
# ## 3. Adam
#
# Momentum and RMSprop together, with **bias correction**: $m$ and $v$ start at
# zero, so early averages are too small; dividing by $1 - \beta^t$ fixes that.
#
# $$
# m \leftarrow \beta_1 m + (1-\beta_1) g, \quad
# v \leftarrow \beta_2 v + (1-\beta_2) g^2, \quad
# \theta \leftarrow \theta - \eta\, \frac{m / (1-\beta_1^t)}{\sqrt{v / (1-\beta_2^t)} + \varepsilon}.
# $$
#
# Count the steps yourself ($t = 1$ at the first `step()`).

# %% tags=["stub"]
class Adam(Optimizer):
    """Adam (as ``torch.optim.Adam`` without weight decay)."""

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params)
        self.lr, self.betas, self.eps = lr, betas, eps

    def step(self):
        """Update every ``p.data`` in place with bias-corrected moving averages of g and g**2."""
        raise NotImplementedError("write me: Adam.step")


# %%
grade("weekend-06", "adam", globals())

# %% [markdown]
# ## 4. AdamW
#
# Weight decay the AdamW way: shrink the weights **directly**,
# $\theta \leftarrow \theta\,(1 - \eta \lambda)$, then take a plain Adam step with
# the unchanged gradient. (Adding $\lambda\theta$ to the gradient instead, L2
# regularisation, lets Adam's per-parameter scaling weaken the decay.)

# %% tags=["stub"]
class AdamW(Optimizer):
    """Adam with decoupled weight decay (as ``torch.optim.AdamW``)."""

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(params)
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay

    def step(self):
        """Update every ``p.data`` in place: ``p *= 1 - lr*weight_decay``, then the Adam step."""
        raise NotImplementedError("write me: AdamW.step")


# %%
grade("weekend-06", "adamw", globals())

# %% [markdown]
# ## The reference
#
# The package's optimizers are in `classroom.optim` (`classroom.optim.sgd`,
# `classroom.optim.rmsprop`, `classroom.optim.adam` for `Adam` and `AdamW`),
# with weight decay, Nesterov momentum, centering, AMSGrad and state
# dictionaries too; the site's API reference shows their source. **Try it
# yourself first**: the hints above say what to fix, and reading the answer
# before you have struggled with it teaches much less.
