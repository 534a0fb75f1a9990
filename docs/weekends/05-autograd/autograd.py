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
# # Autograd: letting the computer write the backward pass
#
# In weekend 1 every layer came with a hand-written `backward`. That works, but
# each new layer means new calculus and a new place for bugs. An **autograd
# engine** removes that work: every operation remembers its inputs and knows
# its own small derivative, and one generic `backward()` chains them together.
#
# This notebook uses the course engine `classroom.autograd` (under 200 lines,
# counted live below). It tells the story in four steps:
#
# 1. one number at a time, with the computation graph drawn;
# 2. whole arrays, and what broadcasting means for gradients;
# 3. a small network learning the two-moons problem;
# 4. the same engine training an MNIST classifier.

# %%
import inspect
import time

import matplotlib.pyplot as plt
import numpy as np

import classroom.nn as handwritten
from classroom.autograd import Tensor, no_grad, unbroadcast
from classroom.autograd.nn import MLP, cross_entropy
from classroom.autograd.viz import draw_graph
from classroom.config import quick_mode
from classroom.data import MNIST_MEAN, MNIST_STD, batches, load_mnist, mnist_as_float
from classroom.data.synthetic import make_moons
from classroom.optim import Adam
from classroom.train import RecordEvery

QUICK = quick_mode()
print("quick mode" if QUICK else "full mode")

# %% [markdown]
# ## 1. One number at a time
#
# Take two numbers $a = 2$ and $b = -3$ and compute
#
# $$
# e = a\,b, \qquad d = e + b^2, \qquad L = \tanh(d).
# $$
#
# The chain rule gives every derivative from local pieces. Walking backwards
# from $L$:
#
# $$
# \frac{\partial L}{\partial d} = 1 - \tanh^2(d), \qquad
# \frac{\partial L}{\partial e} = \frac{\partial L}{\partial d}\cdot 1, \qquad
# \frac{\partial L}{\partial a} = \frac{\partial L}{\partial e}\, b, \qquad
# \frac{\partial L}{\partial b} = \frac{\partial L}{\partial e}\, a + \frac{\partial L}{\partial d}\, 2b.
# $$
#
# Note the two terms for $b$: it is used twice (in $e$ and in $b^2$), so its
# gradient is the **sum** over both paths. The engine does exactly this.

# %%
a = Tensor(2.0, requires_grad=True)
b = Tensor(-3.0, requires_grad=True)
e = a * b
d = e + b**2
L = d.tanh()
L.backward()

dL_dd = 1 - np.tanh(d.item()) ** 2
print(f"L = {L.item():.6f}")
print(f"engine:  dL/da = {a.grad:.6f}   dL/db = {b.grad:.6f}")
print(f"by hand: dL/da = {dL_dd * b.item():.6f}   dL/db = {dL_dd * a.item() + dL_dd * 2 * b.item():.6f}")

# %% [markdown]
# Here is the graph the engine recorded. Boxes are tensors (their value and
# gradient), circles are the operations. `backward()` visits it from right to
# left.

# %%
draw_graph(L, {a: "a", b: "b", e: "e", d: "d", L: "L"})

# %% [markdown]
# A derivative is a limit: nudge an input by a tiny $\varepsilon$ and see how
# the output moves, $\frac{L(a+\varepsilon) - L(a-\varepsilon)}{2\varepsilon}$.
# That **finite difference** is slow (two forward passes per input number) but
# needs no calculus, so it is the standard way to test a backward pass.

# %%
def L_of(a_value, b_value):
    return np.tanh(a_value * b_value + b_value**2)


epsilon = 1e-6
numeric_a = (L_of(2 + epsilon, -3) - L_of(2 - epsilon, -3)) / (2 * epsilon)
numeric_b = (L_of(2, -3 + epsilon) - L_of(2, -3 - epsilon)) / (2 * epsilon)
print(f"finite differences: dL/da = {numeric_a:.6f}   dL/db = {numeric_b:.6f}")

# %% [markdown]
# ### How `backward()` works
#
# Each operation returns a new `Tensor` that keeps its `parents` and a
# `backward_fn`: given $\partial L/\partial\,\text{output}$, it returns
# $\partial L/\partial\,\text{input}$ for each input. `backward()` first puts
# the nodes in **topological order** (every node after everything it was
# computed from) with an explicit stack instead of recursion, so a graph
# 100,000 operations deep is fine. Then it walks that order backwards, adding
# each incoming gradient into a dictionary keyed by node. Here is the code,
# read live from the package:

# %%
print(inspect.getsource(Tensor.backward))

# %% [markdown]
# And here is how multiplication records itself: the local derivatives of
# $x y$ are $y$ and $x$.

# %%
print(inspect.getsource(Tensor.__mul__))

# %% [markdown]
# ## 2. Whole arrays, and broadcasting
#
# micrograd works on single numbers. Our engine applies the same idea to NumPy
# arrays: a `Tensor` wraps an array, and each backward function works on whole
# arrays at once (that is what makes it fast enough to train real networks).
#
# One new question appears: **broadcasting**. Adding a column of shape
# $(3, 1)$ to a row of shape $(1, 4)$ gives a $(3, 4)$ table: each entry of
# the column was *copied* four times. A value used in several places gets the
# sum of their gradients, so the gradient of the column is the $(3, 4)$
# gradient summed over the copied axis.

# %%
column = Tensor(np.array([[1.0], [2.0], [3.0]]), requires_grad=True)
row = Tensor(np.array([[10.0, 20.0, 30.0, 40.0]]), requires_grad=True)
table = column + row
weights = np.arange(12.0).reshape(3, 4)  # make every output entry matter differently
(table * weights).sum().backward()
print("table shape:", table.shape)
print("column.grad (shape", column.grad.shape, "):", column.grad.ravel(), "= row sums of the weights")
print("row.grad    (shape", row.grad.shape, "):", row.grad.ravel(), "= column sums of the weights")
print("unbroadcast does the summing:", unbroadcast(weights, (3, 1)).ravel())

# %% [markdown]
# Matrix products follow the same recipe. For $Y = X W^\top$ with an upstream
# gradient $G = \partial L / \partial Y$:
#
# $$
# \frac{\partial L}{\partial X} = G\, W, \qquad \frac{\partial L}{\partial W} = G^\top X.
# $$
#
# We never write these for the layer: the engine combines the rules of `@` and
# of the transpose. Let us check them against finite differences on random
# (synthetic) numbers, in float64.

# %%
rng = np.random.default_rng(0)
X_value, W_value, G = rng.normal(size=(5, 4)), rng.normal(size=(3, 4)), rng.normal(size=(5, 3))
X, W = Tensor(X_value, requires_grad=True), Tensor(W_value, requires_grad=True)
((X @ W.T) * G).sum().backward()

numeric = np.zeros_like(W_value)
for i, j in np.ndindex(W_value.shape):
    W_plus, W_minus = W_value.copy(), W_value.copy()
    W_plus[i, j] += 1e-6
    W_minus[i, j] -= 1e-6
    numeric[i, j] = (((X_value @ W_plus.T) * G).sum() - ((X_value @ W_minus.T) * G).sum()) / 2e-6
print("engine dL/dW matches G.T @ X:      ", np.allclose(W.grad, G.T @ X_value))
print("engine dL/dX matches G @ W:        ", np.allclose(X.grad, G @ W_value))
print("largest gap to finite differences: ", np.abs(W.grad - numeric).max())

# %% [markdown]
# The layers of `classroom.autograd.nn` are built from these operations only.
# On the same weights and inputs they give the same gradients as the
# hand-written layers of `classroom.nn` from weekend 1:

# %%
reference = handwritten.Sequential(
    handwritten.Linear(4, 8, rng=rng, dtype=np.float64), handwritten.ReLU(),
    handwritten.Linear(8, 3, rng=rng, dtype=np.float64),
)
engine_model = MLP([4, 8, 3], rng=rng, dtype=np.float64)
for engine_layer, reference_layer in zip(engine_model.layers, reference.layers[::2]):
    engine_layer.weight.data[...] = reference_layer.weight.data
    engine_layer.bias.data[...] = reference_layer.bias.data

inputs, labels = rng.normal(size=(6, 4)), rng.integers(0, 3, size=6)
loss_fn = handwritten.CrossEntropyLoss()
loss_fn(reference(inputs), labels)
reference.backward(loss_fn.backward())
cross_entropy(engine_model(inputs), labels).backward()
gaps = [np.abs(p.grad - q.grad).max() for p, q in zip(engine_model.parameters(), reference.parameters())]
print(f"largest gradient difference: {max(gaps):.2e}")

# %% [markdown]
# ## 3. Two moons
#
# Two interleaving half circles (synthetic data from `make_moons`): no straight
# line separates them, so a linear model fails and a small MLP with ReLU
# succeeds. The training loop is the usual four lines: clear the gradients,
# compute the loss, `backward()`, update.

# %%
rng = np.random.default_rng(0)
points, point_labels = make_moons(300, noise=0.12, rng=rng)
test_points, test_point_labels = make_moons(1000, noise=0.12, rng=rng)

moons_model = MLP([2, 16, 16, 2], rng=rng, dtype=np.float64)
optimizer = Adam(moons_model.parameters(), lr=0.03)
moons_losses = []
# For the animation at the end of this section: the predicted probability on a
# coarse grid, every 10 steps (no_grad: looking does not change training).
frame_x, frame_y = np.meshgrid(np.linspace(-1.6, 2.6, 140), np.linspace(-1.2, 1.7, 100))


def probability_on_frame_grid():
    with no_grad():
        outputs = moons_model(np.column_stack([frame_x.ravel(), frame_y.ravel()]))
    return outputs.log_softmax().exp().data[:, 1].reshape(frame_x.shape)


boundary_snapshots = RecordEvery(probability_on_frame_grid, every=10)
boundary_snapshots.record(0)
for step in range(300):
    moons_model.zero_grad()
    loss = cross_entropy(moons_model(points), point_labels)
    loss.backward()
    optimizer.step()
    moons_losses.append(loss.item())
    boundary_snapshots.tick(step + 1)

with no_grad():
    moons_accuracy = np.mean(moons_model(test_points).data.argmax(axis=1) == test_point_labels)
print(f"final training loss {moons_losses[-1]:.4f}, accuracy on 1000 new points {moons_accuracy:.3f}")

# %%
grid_x, grid_y = np.meshgrid(np.linspace(-1.6, 2.6, 300), np.linspace(-1.2, 1.7, 300))
grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
with no_grad():
    probability_lower = moons_model(grid).log_softmax().exp().data[:, 1].reshape(grid_x.shape)

figure, (loss_axis, boundary_axis) = plt.subplots(1, 2, figsize=(11, 4))
loss_axis.plot(moons_losses)
loss_axis.set(xlabel="step", ylabel="cross-entropy", yscale="log", title="Training loss")
boundary_axis.contourf(grid_x, grid_y, probability_lower, levels=20, cmap="RdBu_r", alpha=0.6)
boundary_axis.contour(grid_x, grid_y, probability_lower, levels=[0.5], colors="black")
boundary_axis.scatter(points[:, 0], points[:, 1], c=point_labels, cmap="RdBu_r", edgecolors="white", s=18)
boundary_axis.set(title="Decision boundary (black line: p = 0.5)", xlabel="$x_1$", ylabel="$x_2$")
plt.tight_layout()
plt.show()

# %% [markdown]
# ### Watch the boundary form
#
# The same run replayed: the network's prediction every 10 steps, from the
# random start (step 0) to step 300. Watch the black line ($p = 0.5$) start
# as a nearly straight cut, which is all a freshly initialised network
# offers, then bend around the tips of the two moons as the loss falls. Most
# of the change happens in the first hundred steps; after that the line only
# settles into the gap between the moons.

# %%
from IPython.display import HTML, display

from classroom.plots import animate_figure

figure, frame_axis = plt.subplots(figsize=(5.6, 4.0))
probability_image = frame_axis.imshow(
    boundary_snapshots.values[0], origin="lower", extent=(-1.6, 2.6, -1.2, 1.7), aspect="auto",
    cmap="RdBu_r", vmin=0, vmax=1, alpha=0.6,
)
frame_axis.scatter(points[:, 0], points[:, 1], c=point_labels, cmap="RdBu_r", edgecolors="white", s=14)
frame_axis.set(xlabel="$x_1$", ylabel="$x_2$")
figure.tight_layout()
boundary_line = []


def draw_boundary(frame):
    """Show the probabilities recorded at this frame's step, and their p = 0.5 line."""
    probability = boundary_snapshots.values[frame]
    probability_image.set_data(probability)
    for artist in boundary_line:
        artist.remove()
    boundary_line[:] = [frame_axis.contour(frame_x, frame_y, probability, levels=[0.5], colors="black")]
    step = boundary_snapshots.at[frame]
    loss_text = f"loss {moons_losses[step - 1]:.3f}" if step else "before training"
    frame_axis.set_title(f"step {step}: {loss_text}")


display(HTML(animate_figure(figure, draw_boundary, len(boundary_snapshots))))

# %% [markdown]
# ## 4. MNIST with the engine
#
# The same engine, a bigger network: 784 pixels, 256 hidden ReLU units, 10
# classes, Adam, mini-batches of 128 real MNIST digits. In quick mode (used to
# build the site fast) it trains on a subset for two epochs; the full run
# (all 60,000 images, 10 epochs) is `scripts/train_autograd_mnist.py`.

# %%
train_images, train_labels = load_mnist("train")
test_images, test_labels = load_mnist("test")
train_count, epochs = (5_120, 2) if QUICK else (60_000, 10)  # 5,120 = 40 full batches
x_train = (mnist_as_float(train_images[:train_count]) - np.float32(MNIST_MEAN)) / np.float32(MNIST_STD)
y_train = train_labels[:train_count]
x_test = (mnist_as_float(test_images) - np.float32(MNIST_MEAN)) / np.float32(MNIST_STD)

rng = np.random.default_rng(0)
mnist_model = MLP([784, 256, 10], rng=rng)  # float32 parameters
optimizer = Adam(mnist_model.parameters(), lr=1e-3)
mnist_losses = []
start = time.perf_counter()
for epoch in range(epochs):
    for x_batch, y_batch in batches(x_train, y_train, batch_size=128, rng=rng):
        mnist_model.zero_grad()
        loss = cross_entropy(mnist_model(x_batch), y_batch)
        loss.backward()
        optimizer.step()
        mnist_losses.append(loss.item())
seconds = time.perf_counter() - start

with no_grad():
    predictions = mnist_model(x_test).data.argmax(axis=1)
test_accuracy = np.mean(predictions == test_labels)
print(f"{train_count} training images, {epochs} epochs, {seconds:.1f} s: test accuracy {test_accuracy:.4f}")

# %%
window = max(1, len(mnist_losses) // 20)
smoothed = np.convolve(mnist_losses, np.ones(window) / window, mode="valid")
figure, loss_axis = plt.subplots(figsize=(8, 3.5))
loss_axis.plot(mnist_losses, alpha=0.35, label="per batch")
loss_axis.plot(np.arange(window - 1, len(mnist_losses)), smoothed, label=f"mean of {window} batches")
loss_axis.set(xlabel="step", ylabel="cross-entropy", yscale="log", title="MNIST training loss (engine)")
loss_axis.legend()
plt.show()

# %% [markdown]
# The full run, `python scripts/train_autograd_mnist.py` (all 60,000 training
# images, 10 epochs, the same network and settings as the full mode of this
# notebook), reached **97.59% test accuracy** on 2026-11-22.
#
# Some test digits the network gets wrong (predicted / true label):

# %%
wrong = np.flatnonzero(predictions != test_labels)[:10]
figure, axes = plt.subplots(1, len(wrong), figsize=(1.2 * len(wrong), 1.6))
for axis, index in zip(np.atleast_1d(axes), wrong):
    axis.imshow(test_images[index], cmap="gray_r")
    axis.set_title(f"{predictions[index]} / {test_labels[index]}", fontsize=10)
    axis.axis("off")
plt.show()

# %% [markdown]
# ## How small is it?
#
# The engine file is counted with a simple rule: every line that is not blank
# and not only a `#` comment counts, docstrings included.

# %%
import inspect

import classroom.autograd.engine as engine_module

engine_lines = inspect.getsource(engine_module).splitlines()
counted = [line for line in engine_lines if line.strip() and not line.strip().startswith("#")]
print(f"classroom/autograd/engine.py: {len(counted)} counted lines")
