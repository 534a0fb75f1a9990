"""Train one tiny network from many seeds at once, to measure how often training succeeds.

Whether gradient descent solves a small problem (XOR, say) depends on the
initial weights: some seeds succeed, some get stuck. Measuring *how often*
needs hundreds of runs, and a ``Sequential`` trained step by step spends
almost all of its time in Python, not in arithmetic, when the data is four
points. :func:`train_seeds` trains every seed's network in the same NumPy
operations instead: the weights of ``R`` networks are stacked along a first
axis, and one step of all of them costs about as much as one step of one.

The networks are exactly those of::

    rng = np.random.default_rng(seed)
    Sequential(Linear(in_features, hidden_units, rng=rng), Tanh(), Linear(hidden_units, out_features, rng=rng))

trained with ``BCEWithLogitsLoss`` (mean over every output) and plain
``SGD(lr)`` on the whole dataset at every step (full-batch gradient
descent): same initial weights, same updates, up to float rounding.

Examples
--------
>>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
>>> y = np.array([[0], [1], [1], [0]], dtype=np.float32)
>>> runs = train_seeds(X, y, hidden_units=4, seeds=range(5), steps=300)
>>> runs.logits(X).shape, runs.losses.shape
((5, 4, 1), (300, 5))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from ..nn import Linear

__all__ = ["SeedRuns", "train_seeds"]


def _tanh_derivative(pre_activation: np.ndarray, activation: np.ndarray) -> np.ndarray:
    return 1 - activation**2


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(0.5 * z))  # no overflow for large |z|


_ACTIVATIONS = {
    "tanh": (np.tanh, _tanh_derivative),
    "sigmoid": (_sigmoid, lambda pre, act: act * (1 - act)),
    "relu": (lambda z: np.maximum(z, 0), lambda pre, act: (pre > 0).astype(pre.dtype)),
}


def _softplus(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


@dataclass
class SeedRuns:
    """The result of :func:`train_seeds`: ``R`` trained networks, stacked.

    Attributes
    ----------
    seeds : tuple of int
        The seed of each network, in order.
    weights : dict of str to ndarray
        ``"0.weight"`` of shape ``(R, hidden, in)``, ``"0.bias"`` ``(R, hidden)``,
        ``"2.weight"`` ``(R, out, hidden)``, ``"2.bias"`` ``(R, out)``: network
        ``r``'s ``state_dict`` is ``{key: value[r] for key, value in weights.items()}``.
    losses : ndarray of shape (steps, R)
        Each network's loss before each step.
    first_solved : ndarray of shape (R,), int
        The number of updates after which the network first put every
        output on the right side of 0.5 (0: already at its initial weights);
        -1 when that never happened within the steps.
    activation : str
        The hidden non-linearity.
    solved_after : dict of int to ndarray of bool
        For every checkpoint ``k`` asked for (and for ``steps``): which
        networks classified every input right after exactly ``k`` updates,
        so one long run also answers "how many after fewer steps?".
    """

    seeds: tuple
    weights: dict
    losses: np.ndarray
    first_solved: np.ndarray
    activation: str
    solved_after: dict

    def logits(self, inputs: np.ndarray) -> np.ndarray:
        """Every network's outputs (logits) for ``inputs`` of shape ``(n, in)``: shape ``(R, n, out)``."""
        inputs = np.asarray(inputs, dtype=self.weights["0.weight"].dtype)
        act, _ = _ACTIVATIONS[self.activation]
        hidden = act(np.einsum("ni,rhi->rnh", inputs, self.weights["0.weight"]) + self.weights["0.bias"][:, None, :])
        return np.einsum("rnh,roh->rno", hidden, self.weights["2.weight"]) + self.weights["2.bias"][:, None, :]

    def solved(self, inputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Boolean ``(R,)``: True where the network classifies every input right (probability above 0.5 for 1)."""
        targets = np.asarray(targets).reshape(len(inputs), -1)
        return np.all((self.logits(inputs) > 0) == (targets[None] > 0.5), axis=(1, 2))


def train_seeds(
    inputs: np.ndarray,
    targets: np.ndarray,
    *,
    hidden_units: int,
    seeds: Iterable[int],
    steps: int = 2000,
    lr: float = 0.5,
    activation: str = "tanh",
    checkpoints: Iterable[int] = (),
    dtype=np.float32,
) -> SeedRuns:
    """Train the in-hidden-out network from every seed, all at once, with full-batch gradient descent.

    Parameters
    ----------
    inputs : ndarray of shape (n, in_features)
        The whole training set (XOR: the four corners of the square).
    targets : ndarray of shape (n, out_features) or (n,)
        Binary targets in [0, 1].
    hidden_units : int
        Width of the hidden layer, at least 1.
    seeds : iterable of int
        One network per seed; its initial weights are those of
        ``Linear(in, hidden, rng=rng)`` then ``Linear(hidden, out, rng=rng)``
        with ``rng = numpy.random.default_rng(seed)``.
    steps : int, default 2000
        Gradient-descent steps, each on the whole dataset.
    lr : float, default 0.5
        Learning rate of plain SGD.
    activation : {"tanh", "sigmoid", "relu"}, default "tanh"
        The hidden non-linearity.
    checkpoints : iterable of int, optional
        Numbers of updates (from 0 to ``steps``) after which to record which
        networks are solved, in ``SeedRuns.solved_after``.
    dtype : numpy dtype, default float32
        Dtype of the weights and arithmetic (float32, as ``Linear``'s default).

    Returns
    -------
    SeedRuns
        The trained weights, the loss curves and the step at which each
        network first classified every point right.

    Raises
    ------
    ValueError
        On a bad shape, no seeds, ``hidden_units`` or ``steps`` below 1, a
        learning rate that is not positive, or an unknown activation.
    """
    inputs = np.asarray(inputs, dtype=dtype)
    if inputs.ndim != 2 or inputs.shape[0] == 0:
        raise ValueError(f"inputs must have shape (n, in_features) with n >= 1, got {inputs.shape}")
    targets = np.asarray(targets, dtype=dtype)
    if targets.ndim == 1:
        targets = targets[:, None]
    if targets.ndim != 2 or targets.shape[0] != inputs.shape[0]:
        raise ValueError(f"targets must have shape (n,) or (n, out) with n = {inputs.shape[0]}, got {targets.shape}")
    if activation not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}")
    for value, name in ((hidden_units, "hidden_units"), (steps, "steps")):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr}")
    checkpoints = sorted({int(count) for count in checkpoints})
    if checkpoints and not 0 <= checkpoints[0] <= checkpoints[-1] <= steps:
        raise ValueError(f"checkpoints must lie between 0 and steps={steps}, got {checkpoints}")
    seeds = tuple(int(seed) for seed in seeds)
    if not seeds:
        raise ValueError("give at least one seed")

    n, in_features = inputs.shape
    out_features = targets.shape[1]
    first_layers, second_layers = [], []
    for seed in seeds:  # the initial weights of the Sequential the docstring names
        rng = np.random.default_rng(seed)
        first_layers.append(Linear(in_features, hidden_units, rng=rng, dtype=dtype))
        second_layers.append(Linear(hidden_units, out_features, rng=rng, dtype=dtype))
    w1 = np.stack([layer.weight.data for layer in first_layers])  # (R, hidden, in)
    b1 = np.stack([layer.bias.data for layer in first_layers])  # (R, hidden)
    w2 = np.stack([layer.weight.data for layer in second_layers])  # (R, out, hidden)
    b2 = np.stack([layer.bias.data for layer in second_layers])  # (R, out)

    act, derivative = _ACTIVATIONS[activation]
    lr = np.dtype(dtype).type(lr)
    count = n * out_features  # the loss is the mean over every output of every input
    positive = targets[None] > 0.5
    losses = np.empty((steps, len(seeds)), dtype=dtype)
    first_solved = np.full(len(seeds), -1, dtype=np.int64)
    solved_after = {}
    for step in range(steps):
        pre = np.einsum("ni,rhi->rnh", inputs, w1) + b1[:, None, :]  # (R, n, hidden)
        hidden = act(pre)
        logits = np.einsum("rnh,roh->rno", hidden, w2) + b2[:, None, :]  # (R, n, out)
        losses[step] = np.mean(targets * _softplus(-logits) + (1 - targets) * _softplus(logits), axis=(1, 2))
        solved = np.all((logits > 0) == positive, axis=(1, 2))
        if step in checkpoints:
            solved_after[step] = solved.copy()
        newly = solved & (first_solved < 0)
        first_solved[newly] = step  # these logits are those of the model after ``step`` updates
        grad_logits = (_sigmoid(logits) - targets) / count
        grad_w2 = np.einsum("rno,rnh->roh", grad_logits, hidden)
        grad_b2 = grad_logits.sum(axis=1)
        grad_pre = np.einsum("rno,roh->rnh", grad_logits, w2) * derivative(pre, hidden)
        grad_w1 = np.einsum("rnh,ni->rhi", grad_pre, inputs)
        grad_b1 = grad_pre.sum(axis=1)
        w1 -= lr * grad_w1
        b1 -= lr * grad_b1
        w2 -= lr * grad_w2
        b2 -= lr * grad_b2
    runs = SeedRuns(seeds=seeds, weights={"0.weight": w1, "0.bias": b1, "2.weight": w2, "2.bias": b2},
                    losses=losses, first_solved=first_solved, activation=activation, solved_after=solved_after)
    final = runs.solved(inputs, targets)
    first_solved[final & (first_solved < 0)] = steps
    solved_after[steps] = final
    return runs
