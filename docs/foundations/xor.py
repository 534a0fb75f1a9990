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
# # XOR by hand and by gradient descent
#
# XOR ("exclusive or") outputs 1 when exactly one of its two inputs is 1:
#
# | $x_1$ | $x_2$ | XOR |
# |---|---|---|
# | 0 | 0 | 0 |
# | 0 | 1 | 1 |
# | 1 | 0 | 1 |
# | 1 | 1 | 0 |
#
# It is the smallest problem that a single neuron cannot solve. One neuron
# computes $\hat y = \sigma(w_1 x_1 + w_2 x_2 + b)$, and its decision boundary
# $w_1 x_1 + w_2 x_2 + b = 0$ is a straight line. No straight line puts
# $(0, 1)$ and $(1, 0)$ on one side and $(0, 0)$ and $(1, 1)$ on the other.
# Add one hidden layer of two neurons and the problem becomes easy.
#
# This notebook does it twice: first with weights we choose by hand, then with
# weights learned by gradient descent using the course package `classroom`.

# %%
import matplotlib.pyplot as plt
import numpy as np

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
y = np.array([0, 1, 1, 0], dtype=np.float32)

# %% [markdown]
# ## Part 1: weights set by hand
#
# Think of XOR as "OR, but not AND". A hidden neuron can compute each of those,
# and the output neuron combines them. With the **step** function
# $\operatorname{step}(z) = 1$ if $z > 0$ else $0$:
#
# $$
# h_1 = \operatorname{step}(x_1 + x_2 - 0.5) \;(\text{OR}), \qquad
# h_2 = \operatorname{step}(x_1 + x_2 - 1.5) \;(\text{AND}), \qquad
# \hat y = \operatorname{step}(h_1 - h_2 - 0.5).
# $$
#
# In matrix form that is a 2-2-1 network: $h = \operatorname{step}(x W_1^\top + b_1)$
# and $\hat y = \operatorname{step}(h W_2^\top + b_2)$.

# %%
W1 = np.array([[1.0, 1.0],    # hidden unit 1: OR
               [1.0, 1.0]])   # hidden unit 2: AND
b1 = np.array([-0.5, -1.5])
W2 = np.array([[1.0, -1.0]])  # output: OR and not AND
b2 = np.array([-0.5])


def step(z):
    """1 where z > 0, else 0."""
    return (z > 0).astype(np.float32)


def hand_network(x, activation):
    """The 2-2-1 network with the hand-chosen weights and a given activation."""
    hidden = activation(x @ W1.T + b1)
    return activation(hidden @ W2.T + b2), hidden


output, hidden = hand_network(X, step)
print(" x1  x2 | h1 (OR)  h2 (AND) | output  XOR")
for inputs, h, out, target in zip(X, hidden, output[:, 0], y):
    print(f"{inputs[0]:3.0f} {inputs[1]:3.0f} | {h[0]:7.0f} {h[1]:9.0f} | {out:6.0f} {target:4.0f}")
assert np.array_equal(output[:, 0], y), "the hand-set network should reproduce XOR exactly"

# %% [markdown]
# The step function works but is useless for learning: its derivative is zero
# everywhere (and undefined at 0), so a gradient cannot tell a weight which way
# to move. The **sigmoid** is its smooth cousin,
#
# $$
# \sigma(z) = \frac{1}{1 + e^{-z}}, \qquad \sigma'(z) = \sigma(z)\,\big(1 - \sigma(z)\big),
# $$
#
# and $\sigma(k z)$ approaches $\operatorname{step}(z)$ as the scale $k$ grows.
# Scaling all our hand-set weights by $k = 10$ gives a smooth network with almost
# the same truth table:

# %%
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def scaled_sigmoid(z, scale=10.0):
    return sigmoid(scale * z)


soft_output, _ = hand_network(X, scaled_sigmoid)
for inputs, out, target in zip(X, soft_output[:, 0], y):
    print(f"x = {inputs.astype(int)}  ->  {out:.3f}   (XOR = {target:.0f})")

# %% [markdown]
# ## Part 2: learning the weights
#
# Now we forget the hand-set weights and let gradient descent find some. The
# network is built from the `classroom` package, whose names follow PyTorch:
#
# * `Linear(2, 4)`: $z = x W^\top + b$ with $W$ of shape $(4, 2)$;
# * `Tanh()`: the hidden non-linearity, $\tanh(z) = 2\sigma(2z) - 1$;
# * `BCEWithLogitsLoss()`: binary cross-entropy computed from the raw output
#   (the *logit* $z$) for numerical stability,
#   $L = -\frac{1}{N}\sum_i \big[y_i \log \sigma(z_i) + (1 - y_i)\log(1 - \sigma(z_i))\big]$;
# * `SGD`: $\theta \leftarrow \theta - \eta\, \partial L / \partial \theta$.
#
# Each layer has a hand-written `backward`: `loss_fn.backward()` returns
# $\partial L/\partial z = (\sigma(z) - y)/N$ and `model.backward(...)` carries it
# back through the layers, filling every parameter's `.grad`.
#
# Two hidden units are enough in principle, but with only two, gradient descent
# sometimes gets stuck (both units learn the same line). Four hidden units make
# training reliable, so we use a 2-4-1 network.

# %%
from classroom.nn import BCEWithLogitsLoss, Linear, Sequential, Tanh
from classroom.optim import SGD


def train_xor(hidden_units, seed, steps=2000, lr=0.5):
    """Train a 2-hidden-1 network on the four XOR points; return the model and its loss curve."""
    rng = np.random.default_rng(seed)
    model = Sequential(Linear(2, hidden_units, rng=rng), Tanh(), Linear(hidden_units, 1, rng=rng))
    loss_fn = BCEWithLogitsLoss()
    optimizer = SGD(model.parameters(), lr=lr)
    targets = y.reshape(-1, 1)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        logits = model(X)
        loss = loss_fn(logits, targets)
        model.backward(loss_fn.backward())
        optimizer.step()
        losses.append(float(loss))
    return model, losses


def predictions(model, inputs):
    """Probability of class 1 for each input row."""
    return sigmoid(model(inputs)[:, 0])


model, losses = train_xor(hidden_units=4, seed=0)
probabilities = predictions(model, X)
for inputs, p, target in zip(X, probabilities, y):
    print(f"x = {inputs.astype(int)}  ->  p(1) = {p:.3f}   (XOR = {target:.0f})")
print(f"final loss: {losses[-1]:.4f}")
assert np.array_equal((probabilities > 0.5).astype(np.float32), y), "training should solve XOR"

# %% [markdown]
# How reliable is training with two hidden units against four? Ten seeds each,
# same number of steps; a run "solves" XOR when all four points are classified
# correctly.

# %%
for hidden_units in (2, 4):
    solved = 0
    for seed in range(10):
        trial, _ = train_xor(hidden_units, seed)
        solved += int(np.array_equal((predictions(trial, X) > 0.5).astype(np.float32), y))
    print(f"{hidden_units} hidden units: solved XOR in {solved} of 10 runs")

# %% [markdown]
# ## The loss curve and the decision boundary
#
# The loss falls slowly at first (all four predictions start near 0.5), then
# quickly once the hidden units specialise. The right-hand plot colours the
# plane by the network's probability of class 1; the white line is the decision
# boundary $\sigma(z) = 0.5$. It is not a straight line: the hidden layer bent it.

# %%
grid_x1, grid_x2 = np.meshgrid(np.linspace(-0.5, 1.5, 201), np.linspace(-0.5, 1.5, 201))
grid = np.column_stack([grid_x1.ravel(), grid_x2.ravel()]).astype(np.float32)
grid_probability = predictions(model, grid).reshape(grid_x1.shape)

figure, (loss_axis, boundary_axis) = plt.subplots(1, 2, figsize=(11, 4.5))
loss_axis.plot(losses)
loss_axis.set_xlabel("step")
loss_axis.set_ylabel("binary cross-entropy")
loss_axis.set_title("Training loss")
loss_axis.grid(alpha=0.3)

filled = boundary_axis.contourf(grid_x1, grid_x2, grid_probability, levels=20, cmap="RdBu_r", vmin=0, vmax=1)
boundary_axis.contour(grid_x1, grid_x2, grid_probability, levels=[0.5], colors="white", linewidths=2)
boundary_axis.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", edgecolors="black", s=160, vmin=0, vmax=1)
for inputs, target in zip(X, y):
    boundary_axis.annotate(f"{target:.0f}", inputs, textcoords="offset points", xytext=(10, 8), fontsize=12)
boundary_axis.set_xlabel("$x_1$")
boundary_axis.set_ylabel("$x_2$")
boundary_axis.set_title("Learned decision boundary")
figure.colorbar(filled, ax=boundary_axis, label="p(XOR = 1)")
figure.tight_layout()
plt.show()

# %% [markdown]
# ## How small can it be?
#
# Part 1 showed that **two** hidden units are enough: the OR unit and the
# AND unit. A 2-$h$-1 network has $2h + h$ parameters in its first layer
# (weights and biases) and $h + 1$ in its output layer, $4h + 1$ in all:

# %%
from IPython.display import display  # noqa: E402

from classroom.evaluation import markdown_table  # noqa: E402
from classroom.models.mlp import MLP  # noqa: E402

WIDTHS = [1, 2, 3, 4]
parameter_counts = {width: sum(p.data.size for p in MLP(2, [width], 1).parameters()) for width in WIDTHS}
print("parameters:", ", ".join(f"{width} hidden -> {count}" for width, count in parameter_counts.items()))

# %% [markdown]
# One hidden unit cannot do it, whatever the weights: the output is then a
# monotone function of a single $w_1 x_1 + w_2 x_2 + b$, so the boundary
# is one straight line again. But "enough in principle" is not what
# gradient descent finds. How often does training *succeed* with each
# width? That needs many seeds, and one run of `train_xor` takes a good
# fraction of a second (2,000 steps of Python), so `train_seeds` (in
# `classroom.train.many_seeds`) trains the same networks from 50 seeds
# at once: the same initial weights as `train_xor(hidden_units, seed)`, the
# same full-batch SGD, with the 50 networks' weights stacked in one array.
# First a check that it is the same computation:

# %%
from classroom.train.many_seeds import train_seeds  # noqa: E402

check_model, check_losses = train_xor(hidden_units=2, seed=3)
check_runs = train_seeds(X, y, hidden_units=2, seeds=[3], steps=2000, lr=0.5)
print(f"seed 3, 2 hidden units: final loss {check_losses[-1]:.6f} (train_xor) vs "
      f"{check_runs.losses[-1, 0]:.6f} (train_seeds); largest output difference "
      f"{np.max(np.abs(check_model(X) - check_runs.logits(X)[0])):.1e}")

# %%
SEEDS = range(50)
runs_by_width = {width: train_seeds(X, y, hidden_units=width, seeds=SEEDS, steps=2000, lr=0.5) for width in WIDTHS}
rows = []
for width, runs in runs_by_width.items():
    solved = runs.solved(X, y)
    steps_needed = runs.first_solved[solved]
    rows.append([width, parameter_counts[width], f"{int(solved.sum())} of {len(solved)}",
                 f"{np.median(steps_needed):.0f}" if solved.any() else "never"])
    print(f"{width} hidden unit{'s' if width > 1 else ''} ({parameter_counts[width]} parameters): solved XOR in {int(solved.sum())} "
          f"of {len(solved)} runs")
markdown_table(["hidden units", "parameters", "solved XOR (2,000 steps)", "median steps until solved"], rows)

# %% [markdown]
# What does a failed run look like? Each dot below is one seed's final
# loss. A network that classifies all four points right ends near zero.
# The failed two-unit runs sit on a plateau instead, at a loss close to
# $\ln(2)/2 \approx 0.347$: that is the loss of a network that is sure of
# two points and says probability 0.5 for the other two ($\ln 2$ each,
# averaged over four points). Gradient descent has found a way to fit half
# the data with its two units and has no downhill path from there to the
# other half. The counts printed under the plot show how many points the
# failed runs get right.

# %%
figure, axis = plt.subplots(figsize=(6.5, 3.2))
for width, runs in runs_by_width.items():
    solved = runs.solved(X, y)
    jitter = np.random.default_rng(width).uniform(-0.15, 0.15, len(solved))
    axis.scatter(width + jitter[solved], runs.losses[-1, solved], s=14, color="tab:blue",
                 label="solved" if width == WIDTHS[-1] else None)
    axis.scatter(width + jitter[~solved], runs.losses[-1, ~solved], s=14, color="tab:red", marker="x",
                 label="not solved" if width == 1 else None)
axis.set(xlabel="hidden units", ylabel="final loss (2,000 steps)", xticks=WIDTHS,
         title=f"XOR from {len(SEEDS)} seeds per width")
axis.legend()
plt.show()
points_right = {width: np.sum((runs.logits(X)[:, :, 0] > 0) == (y > 0.5), axis=1)
                for width, runs in runs_by_width.items()}
failed = ~runs_by_width[2].solved(X, y)
print(f"2 hidden units, {int(failed.sum())} failed runs: points classified right ->",
      {int(count): int(np.sum(points_right[2][failed] == count)) for count in np.unique(points_right[2][failed])},
      f"; median final loss {np.median(runs_by_width[2].losses[-1, failed]):.3f} (ln(2)/2 = {np.log(2) / 2:.3f})")

# %% [markdown]
# The smallest network that *can* solve XOR (two hidden units, 9
# parameters) is not the smallest that *reliably learns* it: a few more
# units give gradient descent more ways to reach a solution from a random
# start. That is a small model of a large fact: networks are usually
# trained much bigger than the smallest that could represent the answer,
# and pruning (making them small *after* training) works better than
# training the small one from scratch.
#
# ### The recorded run
#
# `scripts/question_smallest_network.py` asks the same question with 1,000
# seeds, more widths, ten times more steps, and a sigmoid hidden layer:

# %%
from classroom.train.runs import describe_run, read_run  # noqa: E402

record = read_run("runs/questions/smallest-network.json")
if record is not None:
    print(describe_run(record))
    recorded_steps = record["settings"]["steps"]
    display(markdown_table(
        ["hidden units", "parameters"] + [f"solved, {steps:,} steps" for steps in recorded_steps],
        [[row["hidden_units"], row["parameters"]]
         + [f"{row['solved'][str(steps)]} of {record['seeds']} ({row['solved'][str(steps)] / record['seeds']:.0%})"
            for steps in recorded_steps] for row in record["results"]["tanh"]]))
    if "sigmoid" in record["results"]:
        display(markdown_table(
            ["hidden units", f"sigmoid hidden layer, solved ({recorded_steps[0]:,} steps)"],
            [[row["hidden_units"], f"{row['solved'][str(recorded_steps[0])]} of {record['seeds']}"]
             for row in record["results"]["sigmoid"]]))

# %% [markdown]
# In the recorded run, compare the two step columns: ten times more
# steps barely changes how many two-unit networks succeed. The failed runs
# are stuck on their plateau, not slow, and no amount of patience gets
# them off it; a wider network avoids the plateau instead.

# %% [markdown]
# ## What to take away
#
# * One neuron draws one line; a hidden layer lets the network combine lines
#   into a bent boundary.
# * The step function shows *what* a network computes; a smooth activation is
#   needed so that gradients can say *how* to change it.
# * The learned weights are not the ones we chose by hand. Many weight settings
#   solve the same problem, and gradient descent finds one of them.
# * Two hidden units can represent XOR, but gradient descent from a random
#   start often fails with two and rarely with four (the table in "How
#   small can it be?"): a network that can represent the answer is not
#   always one that learns it.
#
# **Try it yourself:** replace `Tanh()` with `Sigmoid()` (also in `classroom.nn`)
# and compare the loss curves; set `hidden_units=1` and explain the result; print
# `model[0].weight.data` and draw the lines the hidden units learned.
