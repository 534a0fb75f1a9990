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
# # A two-layer network on MNIST, in NumPy
#
# Weekend 1 in one notebook: a network with one hidden layer learns to read
# handwritten digits. Every piece is plain NumPy from the course package
# `classroom`: the layers (`classroom.nn`), the optimizer (`classroom.optim`),
# the training loop (`classroom.train`), the data (`classroom.data`) and the
# metrics (`classroom.evaluation.metrics`). The notebook tells the story; the package
# holds the code, with tests.
#
# The plan:
#
# 1. look at the data;
# 2. write down the forward and backward pass;
# 3. check the hand-written gradients against finite differences;
# 4. train, watch the curves, and measure the test accuracy once;
# 5. look at the mistakes and at what the hidden units learned.
#
# **Quick mode.** When the site is built with `CLASSROOM_QUICK=1`, this
# notebook trains on 6,000 images for 3 epochs so it runs in well under a
# minute; its numbers are then rougher than a full run. The full run (the
# 54,998 training images outside the validation set, 20 epochs) is
# `scripts/train_mnist.py`; its recorded results are at the end of this page.

# %%
import json
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import classroom
from classroom.config import quick_mode, project_root
from classroom.data import load_mnist, mnist_as_float, stratified_split
from classroom.nn.gradcheck import check_module_gradients, numerical_gradient
from classroom.evaluation.metrics import accuracy, bootstrap_ci, confusion_matrix
from classroom.models.mlp import MLP
from classroom.nn import CrossEntropyLoss
from classroom.optim import Adam
from classroom.optim.lr_scheduler import CosineAnnealingLR
from classroom.plots import plot_confusion_matrix, plot_history, show_images, show_weights_as_images
from classroom.train import EarlyStopping, Trainer

QUICK = quick_mode()
print("quick mode: small subset, few epochs" if QUICK else "full mode: the whole recipe")

# %% [markdown]
# ## 1. The data
#
# MNIST has 60,000 training and 10,000 test images of 28 x 28 grey pixels
# (0 = background, 255 = ink), each labelled with its digit. `load_mnist`
# reads the official files from the data directory (`CLASSROOM_DATA`).

# %%
train_images, train_labels = load_mnist("train")
test_images, test_labels = load_mnist("test")
print("train:", train_images.shape, train_images.dtype, " test:", test_images.shape)
print("images per digit in the training set:", np.bincount(train_labels))
show_images(train_images[:16], train_labels[:16], title="The first 16 training digits");

# %% [markdown]
# The network sees each image as a row of 784 numbers in $[0, 1]$
# (`mnist_as_float` flattens and divides by 255). We hold out 5,000 training
# images, the same share of every digit (`stratified_split`), as a
# **validation set** to choose the epoch; the **test set** is touched exactly
# once, at the end.

# %%
val_fraction = 5000 / len(train_labels)
fit_index, val_index = stratified_split(train_labels, (1 - val_fraction, val_fraction), seed=0)
if QUICK:
    fit_index = np.random.default_rng(0).choice(fit_index, size=6000, replace=False)
    val_index = val_index[:1000]
x_fit, y_fit = mnist_as_float(train_images[fit_index]), train_labels[fit_index]
x_val, y_val = mnist_as_float(train_images[val_index]), train_labels[val_index]
x_test = mnist_as_float(test_images)
print(f"fit on {len(y_fit):,} images, validate on {len(y_val):,}, test on {len(test_labels):,}")
print("one input row:", x_fit.shape[1], "values between", x_fit.min(), "and", x_fit.max())

# %% [markdown]
# ## 2. The network, forward and backward
#
# For a mini-batch $X$ of shape $(N, 784)$ with labels $y$, the two-layer
# network computes
#
# $$
# A = X W_1^\top + b_1, \qquad H = \max(0, A), \qquad Z = H W_2^\top + b_2,
# $$
#
# with $W_1$ of shape $(H_{\text{units}}, 784)$ and $W_2$ of shape
# $(10, H_{\text{units}})$ (PyTorch's convention: one row per output unit).
# The scores $Z$ (*logits*) become probabilities with the softmax, and the
# loss is the mean cross-entropy:
#
# $$
# P_{ik} = \frac{e^{Z_{ik}}}{\sum_j e^{Z_{ij}}}, \qquad
# L = -\frac{1}{N} \sum_{i=1}^{N} \log P_{i, y_i}.
# $$
#
# The backward pass applies the chain rule from the loss back to the input.
# With $Y$ the one-hot labels:
#
# $$
# \frac{\partial L}{\partial Z} = \frac{P - Y}{N}, \quad
# \frac{\partial L}{\partial W_2} = \Big(\frac{\partial L}{\partial Z}\Big)^{\!\top} H, \quad
# \frac{\partial L}{\partial b_2} = \sum_i \frac{\partial L}{\partial Z_{i,:}}, \quad
# \frac{\partial L}{\partial H} = \frac{\partial L}{\partial Z} W_2,
# $$
#
# $$
# \frac{\partial L}{\partial A} = \frac{\partial L}{\partial H} \odot [A > 0], \quad
# \frac{\partial L}{\partial W_1} = \Big(\frac{\partial L}{\partial A}\Big)^{\!\top} X, \quad
# \frac{\partial L}{\partial b_1} = \sum_i \frac{\partial L}{\partial A_{i,:}}.
# $$
#
# Every gradient has the shape of its parameter. In the package,
# `CrossEntropyLoss.backward()` returns $\partial L/\partial Z$, and each
# layer's `backward` turns the gradient of its output into the gradient of
# its input, adding its parameters' gradients to `.grad` on the way.
# `MLP(784, [512], 10)` is `Linear(784, 512) -> ReLU -> Linear(512, 10)`:

# %%
HIDDEN = 512
model = MLP(784, [HIDDEN], 10, rng=np.random.default_rng(0))
print(model)
n_parameters = sum(parameter.data.size for parameter in model.parameters())
print(f"{n_parameters:,} parameters, dtype {model[0].weight.data.dtype}")

# %% [markdown]
# ## 3. Checking the gradients
#
# A wrong backward pass often still trains, just worse, so we check it
# against the definition of a derivative. For each parameter $\theta_j$ the
# central difference
# $\frac{f(\theta_j + \varepsilon) - f(\theta_j - \varepsilon)}{2\varepsilon}$
# approximates $\partial f/\partial \theta_j$ with an error of order
# $\varepsilon^2$. It takes two forward passes per number, so we check a
# **tiny float64 copy** of the architecture (784 -> 8 -> 10) on 3 real
# digits: the same code, few enough weights to nudge one by one. Float64
# matters: in float32, rounding errors are larger than the difference we
# measure.

# %%
tiny = MLP(784, [8], 10, rng=np.random.default_rng(1), dtype=np.float64)
tiny_inputs = x_fit[:3].astype(np.float64)
start = time.perf_counter()
report = check_module_gradients(tiny, tiny_inputs, rng=np.random.default_rng(2))
print(report)
print(f"all gradients match: {report.passed} ({time.perf_counter() - start:.1f} s)")

# %% [markdown]
# `check_module_gradients` checked the layers; the loss's gradient
# $\partial L/\partial Z = (P - Y)/N$ gets the same treatment:

# %%
loss_fn = CrossEntropyLoss()
logits = tiny(tiny_inputs)
loss_fn(logits, y_fit[:3])
analytic = loss_fn.backward()
numerical = numerical_gradient(lambda z: loss_fn(z, y_fit[:3]), logits.copy())
print("largest difference, dL/dZ analytic vs numerical:", np.abs(analytic - numerical).max())
assert np.allclose(analytic, numerical, atol=1e-8)

# %% [markdown]
# ## 4. Training
#
# The recipe: Adam with learning rate $10^{-3}$, decayed along a cosine to 0
# over the run, mini-batches of 128 shuffled images. After each epoch the
# `Trainer` measures the validation loss and accuracy; `EarlyStopping`
# remembers the weights of the epoch with the best validation accuracy and
# puts them back at the end (it also stops if 8 epochs pass without
# improvement).

# %%
EPOCHS = 3 if QUICK else 20
rng = np.random.default_rng(0)
optimizer = Adam(model.parameters(), lr=1e-3)
scheduler = CosineAnnealingLR(optimizer, T_max=EPOCHS)
early_stopping = EarlyStopping(monitor="val_accuracy", patience=8)
trainer = Trainer(model, CrossEntropyLoss(), optimizer, scheduler=scheduler, callbacks=[early_stopping])
start = time.perf_counter()
history = trainer.fit((x_fit, y_fit), (x_val, y_val), epochs=EPOCHS, batch_size=128, rng=rng)
seconds = time.perf_counter() - start
for epoch, loss, val_accuracy in zip(history.epochs, history["loss"], history["val_accuracy"]):
    print(f"epoch {epoch:2d}: training loss {loss:.4f}, validation accuracy {val_accuracy:.4f}")
print(f"{seconds:.1f} s ({seconds / len(history):.1f} s per epoch); kept epoch {early_stopping.best_epoch}")

# %% [markdown]
# Training loss (dashed) and validation loss (solid) per epoch. The dot marks
# the best validation epoch. When the validation curve turns up while the
# training curve keeps falling, the network has started to memorise:
# weekend 3 is about that.

# %%
plot_history(history, title="Two-layer network on MNIST");

# %% [markdown]
# ## 5. The test set, once
#
# Only now, with the model chosen, do we look at the test images. The 95%
# bootstrap interval says how much the number would move on another 10,000
# digits drawn the same way.

# %%
test_logits = trainer.predict(x_test)
test_predictions = np.argmax(test_logits, axis=1)
test_accuracy = accuracy(test_labels, test_predictions)
interval = bootstrap_ci((test_labels, test_predictions), rng=np.random.default_rng(0))
print(f"test accuracy: {test_accuracy:.4f}  (95% CI {interval.low:.4f} to {interval.high:.4f})")
print(f"{int(np.sum(test_predictions != test_labels))} of {len(test_labels):,} test digits misread")

# %%
plot_confusion_matrix(confusion_matrix(test_labels, test_predictions, n_classes=10), title="Test set");

# %% [markdown]
# ### The mistakes
#
# Sixteen misread test digits, with the network's guess and the true label.
# Some are honest mistakes a person might make, some are not.

# %%
wrong = np.flatnonzero(test_predictions != test_labels)[:16]
show_images(test_images[wrong], test_labels[wrong], test_predictions[wrong], title="Misread test digits");

# %% [markdown]
# ### What the hidden units look for
#
# Row $j$ of $W_1$ holds one weight per pixel: unit $j$'s activation before
# the ReLU is the sum of the image weighted by that row. Shown as a 28 x 28
# image (red: ink here raises the unit, blue: ink here lowers it). Much of
# what you see is still the random start: with 512 units, each one only
# needs to move a little, so faint strokes and blobs show through the
# noise. Try `MLP(784, [16], 10)` and train again: with few units, each row
# must do more work, and clear strokes and loops appear (a unit that never
# fires, a "dead" ReLU, keeps its random start).

# %%
show_weights_as_images(model[0].weight.data, (28, 28), count=32, title="First-layer weights (32 of 512 units)");

# %% [markdown]
# ### Watch the weights turn into stroke detectors
#
# The same idea, replayed as training happens. A network with only 16
# hidden units, `MLP(784, [16], 10)`, trains on the same images with the
# same optimizer, and every few steps we take a picture of its 16 rows of
# $W_1$ (each on its own colour scale: red raises the unit, blue lowers
# it). `RecordEvery` is the callback that takes the pictures; the player
# below shows them in order (press play, or drag the slider). Step 0 is
# the random start, pure noise. As the steps go by, the middle of each tile,
# where digits have ink, organises into smooth red and blue strokes, arcs
# and loops: each unit has become a detector for some pieces of some
# digits. The border keeps its random start to the end: no digit has ink
# there, so those inputs are always 0, and a weight multiplying 0 gets a
# gradient of exactly 0.

# %%
import math

from IPython.display import HTML, display
from matplotlib import colormaps

from classroom.plots import animate_images, image_grid
from classroom.train import RecordEvery

small_model = MLP(784, [16], 10, rng=1)
SMALL_EPOCHS = 2 if QUICK else 4
small_steps = SMALL_EPOCHS * math.ceil(len(y_fit) / 128)


def first_layer_picture():
    """The 16 rows of W1 as 28 x 28 tiles, each on its own symmetric red-blue scale (an RGB array)."""
    rows = small_model[0].weight.data.reshape(-1, 28, 28)
    scaled = rows / np.abs(rows).max(axis=(1, 2), keepdims=True)
    coloured = colormaps["RdBu_r"]((scaled + 1) / 2)[..., :3]  # (16, 28, 28, 3)
    return image_grid(coloured.transpose(0, 3, 1, 2), columns=8)


weight_pictures = RecordEvery(first_layer_picture, every=max(1, small_steps // 40), unit="step")
small_trainer = Trainer(small_model, CrossEntropyLoss(), Adam(small_model.parameters(), lr=3e-3),
                        callbacks=[weight_pictures])
small_trainer.fit((x_fit, y_fit), (x_val, y_val), epochs=SMALL_EPOCHS, batch_size=128, rng=np.random.default_rng(1))
small_accuracy = small_trainer.history["val_accuracy"][-1]
print(f"{len(weight_pictures)} pictures over {small_steps} steps; 16 units reach validation accuracy {small_accuracy:.3f}")
display(HTML(animate_images(weight_pictures.values, titles=[f"step {step}" for step in weight_pictures.at],
                            scale=2.5, interval=250)))

# %% [markdown]
# ## 6. The full run
#
# Quick mode trades accuracy for build time. The full recipe (the 54,998
# training images outside the validation set, 20 epochs) runs as a script
# that saves the trained model for serving (`runs/mnist/mnist_mlp.npz`,
# loaded by `classroom serve`) and its numbers (`runs/mnist/metrics.json`):
#
# ```bash
# python scripts/train_mnist.py
# ```
#
# Recorded run (`python scripts/train_mnist.py --threads 1`, 2026-11-22, one
# thread of a busy 2-core CPU): **test accuracy 0.9809** (95% bootstrap CI
# 0.9782-0.9834, test loss 0.061); the best validation accuracy, 0.9846, came
# at epoch 14 of 20, whose weights were kept; 379 s of training, 19 s per
# epoch. The cell below reads the numbers of your own run when
# `runs/mnist/metrics.json` exists.

# %%
root = project_root()
metrics_path = root / "runs" / "mnist" / "metrics.json" if root else None
if metrics_path is not None and metrics_path.is_file():
    full_run = json.loads(metrics_path.read_text())
    low, high = full_run["test_accuracy_ci95"]
    print(f"command:        {full_run['command']}")
    print(f"date:           {full_run['date']}")
    print(f"test accuracy:  {full_run['test_accuracy']:.4f} (95% CI {low:.4f}-{high:.4f})")
    print(f"best epoch:     {full_run['best_epoch']} of {full_run['epochs_run']}")
    print(f"time:           {full_run['fit_seconds']:.0f} s ({full_run['seconds_per_epoch']:.1f} s per epoch)")
    plot_history(full_run["history"], title="Full run (scripts/train_mnist.py)")
    plt.show()
else:
    print("No runs/mnist/metrics.json here: run `python scripts/train_mnist.py` to produce it.")
