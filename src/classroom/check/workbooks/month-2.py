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
# # Month 2 workbook · split once, look at the test set once
#
# The rule of the month: **the test set answers one question, once.** You
# will write the two pieces that enforce it:
#
# 1. `split_indices`: a train / validation / test split that is disjoint,
#    covers every sample, keeps the class proportions in every part
#    (*stratified*) and is the same every time for the same seed;
# 2. `OnceTestSet`: a small class that keeps the test arrays to itself and
#    hands them to an evaluation function exactly once; a second evaluation is
#    refused with a clear error.
#
# After each piece, the next cell grades it against the package's reference on
# seeded, deliberately imbalanced labels. Grade the whole workbook from a
# terminal with
#
# ```bash
# classroom check month-2
# ```
#
# One check repeats the split on the real MNIST training labels (it needs the
# `mnist/` folder in your data directory; without it that row says
# "needs data" and how to get it).

# %%
import numpy as np

from classroom.check import grade

# %% [markdown]
# ## 1. A stratified split, made once
#
# Shuffle **each class separately** with one seeded generator
# (`rng = np.random.default_rng(seed)`), cut it into pieces of the given
# fractions and join the pieces of all classes. A plain shuffle of all samples
# can leave a rare class almost absent from the small validation and test
# parts; two independent draws (one for train, one for test) put some samples
# in both, and the test score then measures memory.

# %% tags=["stub"]
def split_indices(labels, fractions=(0.7, 0.15, 0.15), seed=0):
    """Split sample indices into train, validation and test, keeping class proportions.

    Parameters
    ----------
    labels : ndarray of shape (n_samples,)
        Class of each sample.
    fractions : sequence of 3 floats, default (0.7, 0.15, 0.15)
        Shares of train, validation and test; they sum to 1.
    seed : int, default 0
        Seed of the shuffle: the same seed gives the same split, another seed another one.

    Returns
    -------
    train, validation, test : ndarray of shape (n_part,), int
        Indices into ``labels``. Disjoint, together covering every sample once;
        each class appears in each part in (about) its share.
    """
    raise NotImplementedError("write me: split_indices (stratified train/validation/test split)")


# %%
grade("month-2", "split_indices", globals())

# %% [markdown]
# ## 2. A test set you can evaluate only once
#
# Put the test arrays inside an object whose only door is
# `evaluate(evaluate_fn)`: it runs `evaluate_fn(inputs, targets)` and returns
# the result the first time, and raises an error that says why on every later
# call, **before** running `evaluate_fn`. Keep the arrays in private attributes
# (`self._inputs`), and the count on the instance, not the class.

# %% tags=["stub"]
class OnceTestSet:
    """A held-out test set that can be evaluated exactly once.

    Parameters
    ----------
    inputs : ndarray of shape (n, ...)
        Test inputs.
    targets : ndarray of shape (n, ...)
        Test labels.

    Methods
    -------
    evaluate(evaluate_fn)
        First call: return ``evaluate_fn(inputs, targets)``. Later calls: raise
        an error (for example ``RuntimeError``) whose message says the test set
        was already used, without calling ``evaluate_fn``.
    """

    def __init__(self, inputs, targets):
        raise NotImplementedError("write me: OnceTestSet.__init__ (store the arrays privately)")

    def evaluate(self, evaluate_fn):
        raise NotImplementedError("write me: OnceTestSet.evaluate (answer once, then refuse)")


# %%
grade("month-2", "OnceTestSet", globals())

# %% [markdown]
# ## The reference
#
# The package's versions are `stratified_split` in `classroom.data.splits` and
# `HeldOutTestSet` (with its `TestSetReuseError` and an explicit, logged
# `override=True`) in `classroom.evaluation.experiments`; the site's API reference shows
# their source. **Try it yourself first**: the hints above say what to fix,
# and reading the answer before you have tried teaches much less.
