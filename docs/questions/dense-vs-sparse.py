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
# # What is all this about dense versus sparse networks?
#
# > *"I keep reading that networks can be 'pruned' to be sparse, that 90% of
# > the weights can go. What does that mean, does the network still work,
# > and does it get faster?"*
#
# **Short answer.** Every network in this course is *dense*: each `Linear`
# layer connects every input to every output, and each convolution filter
# sees every channel. A *sparse* network has most of those connections set
# to exactly zero. The simplest way to get one is **magnitude pruning**:
# train the dense network, then zero the fraction of its weights with the
# smallest absolute value. This page prunes the weekend-1 style MLP on
# MNIST and the weekend-4 CNN on CIFAR-10 from 50% to 95% sparsity (and a
# little beyond) and measures the test accuracy three ways: right after
# pruning, after re-measuring batch norm's statistics (the CNN), and after
# a short **fine-tune** that trains the surviving weights with the zeros
# held fixed. The tables show how far each network can be pruned before
# the accuracy falls, and that fine-tuning moves that point further out.
# Then the honest part: the pruned network is **not faster** in our code.
# A zero in a dense NumPy array is multiplied like any other number, and
# the timings below show the same milliseconds at 0% and at 90%. Speed
# needs a sparse storage format and kernels that skip the zeros; the last
# measurement shows where SciPy's sparse matrix product starts to win, and
# the text says what hardware does about it.
#
# **Quick mode.** When the site is built with `CLASSROOM_QUICK=1`, the MLP
# trains on 10,000 MNIST images for 3 epochs and the CNN is narrow (8, 16,
# 32, 64 channels) and trains on 3,000 CIFAR-10 images for 3 epochs, so both
# are weaker than the lessons' models (the CNN much weaker, below 50%); the
# CNN is pruned at four sparsities only (50, 80, 90, 95%), fine-tuned on
# 1,000 images, and the test sets are random subsets (2,000 and 1,000
# images). The recorded full run at the end uses all of MNIST, a wider CNN
# on 15,000 images, and every sparsity.

# %%
import io
import time

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from classroom.config import quick_mode
from classroom.data import (
    CIFAR10_MEAN,
    CIFAR10_STD,
    load_cifar10,
    load_mnist,
    mnist_as_float,
    normalize,
    stratified_split,
    to_float_nchw,
)
from classroom.evaluation import markdown_table
from classroom.evaluation.timing import time_call
from classroom.models.cnn import cifar_cnn
from classroom.models.mlp import MLP
from classroom.nn import CrossEntropyLoss
from classroom.nn.parallel import use_threads
from classroom.nn.pruning import layer_sparsity, magnitude_prune, recalibrate_batch_norm, sparsity
from classroom.optim import SGD
from classroom.optim.lr_scheduler import OneCycleLR
from classroom.train import Trainer
from classroom.train.callbacks.keep_masks import KeepMasks
from classroom.train.runs import describe_run, read_run

QUICK = quick_mode()
SPARSITIES = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99]
MLP_TRAIN, MLP_TEST, MLP_EPOCHS = (10_000, 2_000, 3) if QUICK else (60_000, 10_000, 10)
CNN_WIDTHS = (8, 16, 32, 64) if QUICK else (16, 32, 64, 128)
CNN_TRAIN, CNN_TEST, CNN_EPOCHS, CNN_TUNE = (3_000, 1_000, 3, 1_000) if QUICK else (15_000, 3_000, 5, 5_000)
CNN_SPARSITIES = [0.5, 0.8, 0.9, 0.95] if QUICK else SPARSITIES
use_threads(2)
started_page = time.perf_counter()
print(f"{'quick' if QUICK else 'full'} mode: MLP {MLP_TRAIN:,} training images x {MLP_EPOCHS} epochs; "
      f"CNN widths {CNN_WIDTHS}, {CNN_TRAIN:,} images x {CNN_EPOCHS} epochs")

# %% [markdown]
# ## Pruning in three functions
#
# `classroom.nn.pruning` holds the whole idea:
#
# * `magnitude_prune(model, sparsity, scope="global")` sets exactly
#   `round(sparsity * n)` of the `n` prunable weights to zero (the ones with
#   the smallest absolute value) and returns one boolean **mask** per
#   weight matrix, True where a weight is kept. *Prunable* means the
#   `weight` of every `Linear` and `Conv2d`; biases only with
#   `include_bias=True`, batch norm never. `scope="global"` ranks all the
#   weights of the model together; `scope="layer"` removes the same fraction
#   from each layer.
# * `sparsity(model)` counts the exact zeros among those weights.
# * `KeepMasks(masks)` is a training callback that puts the zeros back
#   after every optimizer step: a pruned weight still gets a gradient, and
#   SGD's momentum and weight decay would revive it at the first step.
#
# A tiny example, a 4-8-2 network pruned to 75%:

# %%
from classroom.nn import Linear, ReLU, Sequential  # noqa: E402

tiny = Sequential(Linear(4, 8, rng=0), ReLU(), Linear(8, 2, rng=1))
masks = magnitude_prune(tiny, 0.75)
print(f"sparsity {sparsity(tiny):.2f}; kept weights per layer:",
      {name: f"{int(mask.sum())} of {mask.size}" for name, mask in masks.items()})
print(np.round(tiny[0].weight.data, 2))

# %% [markdown]
# ## The MLP on MNIST
#
# The network is the classic LeNet-300-100 of the pruning papers: two
# hidden layers of 300 and 100 units, 266,200 weights. Train it dense with
# SGD and momentum, the weekend-1 recipe.

# %%
def accuracy(model, inputs, labels, batch_size=500):
    """Test accuracy in eval mode."""
    model.eval()
    predictions = np.concatenate([np.argmax(model(inputs[start:start + batch_size]), axis=1)
                                  for start in range(0, len(inputs), batch_size)])
    return float(np.mean(predictions == labels))


mnist_images, mnist_labels = load_mnist("train")
mnist_test_images, mnist_test_labels = load_mnist("test")
mlp_index = np.random.default_rng(0).permutation(len(mnist_labels))[:MLP_TRAIN]
mlp_test_index = np.random.default_rng(1).permutation(len(mnist_test_labels))[:MLP_TEST]
x_mnist, y_mnist = mnist_as_float(mnist_images[mlp_index]), mnist_labels[mlp_index]
x_mnist_test, y_mnist_test = mnist_as_float(mnist_test_images[mlp_test_index]), mnist_test_labels[mlp_test_index]

mlp = MLP(784, [300, 100], 10, rng=0)
mlp[0].input_requires_grad = False
started = time.perf_counter()
Trainer(mlp, CrossEntropyLoss(), SGD(mlp.parameters(), lr=0.1, momentum=0.9), progress=False).fit(
    (x_mnist, y_mnist), epochs=MLP_EPOCHS, batch_size=64, rng=0)
mlp_dense_state = mlp.state_dict()
mlp_dense_accuracy = accuracy(mlp, x_mnist_test, y_mnist_test)
MLP_WEIGHTS = sum(mask.size for mask in magnitude_prune(MLP(784, [300, 100], 10), 0).values())
print(f"dense MLP: {MLP_WEIGHTS:,} weights, "
      f"test accuracy {mlp_dense_accuracy:.3f} after {time.perf_counter() - started:.1f} s of training")

# %% [markdown]
# Why pruning can work at all: most trained weights are small. The
# histogram shows the first layer's weights, with the magnitude below which
# global pruning removes a weight at 50%, 90% and 95% sparsity.

# %%
all_magnitudes = np.sort(np.concatenate([np.abs(mlp_dense_state[name]).ravel()
                                         for name in ("0.weight", "2.weight", "4.weight")]))
figure, axis = plt.subplots(figsize=(6.5, 3.2))
axis.hist(mlp_dense_state["0.weight"].ravel(), bins=200, color="tab:blue")
for fraction, colour in ((0.5, "tab:green"), (0.9, "tab:orange"), (0.95, "tab:red")):
    threshold = all_magnitudes[int(round(fraction * len(all_magnitudes))) - 1]
    for sign in (-1, 1):
        axis.axvline(sign * threshold, color=colour, linewidth=1,
                     label=f"{fraction:.0%}: |w| <= {threshold:.3f}" if sign == 1 else None)
axis.set(xlabel="weight value", ylabel="count", title="First layer of the trained MLP (235,200 weights)")
axis.legend(fontsize=8)
plt.show()

# %% [markdown]
# Now prune copies of the trained network at each sparsity, globally and
# layer by layer, and test them as they are. Then fine-tune each globally
# pruned copy for **one epoch** with `KeepMasks`: SGD with a learning rate
# that rises to 0.02 (a fifth of training's) and falls back to zero.
# Fine-tuning is extra training, so the fair reference is the dense network
# fine-tuned for the same epoch (the "0%" row).

# %%
def fine_tune(model, masks, inputs, labels, *, lr, weight_decay=0.0, batch_size=64):
    """One epoch of SGD (Nesterov momentum, one-cycle up to ``lr`` and down), the pruned zeros kept by KeepMasks."""
    optimizer = SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=weight_decay)
    scheduler = OneCycleLR(optimizer, max_lr=lr, epochs=1, steps_per_epoch=int(np.ceil(len(labels) / batch_size)),
                           pct_start=0.25)
    trainer = Trainer(model, CrossEntropyLoss(), optimizer, scheduler=scheduler, scheduler_interval="step",
                      callbacks=[KeepMasks(masks)], progress=False)
    trainer.fit((inputs, labels), epochs=1, batch_size=batch_size, rng=1)


mlp_rows = []
started = time.perf_counter()
for fraction in [0.0] + SPARSITIES:
    mlp.load_state_dict(mlp_dense_state)
    magnitude_prune(mlp, fraction, scope="layer")
    layer_scope = accuracy(mlp, x_mnist_test, y_mnist_test)
    mlp.load_state_dict(mlp_dense_state)
    masks = magnitude_prune(mlp, fraction, scope="global")
    pruned = accuracy(mlp, x_mnist_test, y_mnist_test)
    fine_tune(mlp, masks, x_mnist, y_mnist, lr=0.02)
    assert abs(sparsity(mlp) - fraction) < 1e-6, "fine-tuning must keep the zeros"
    mlp_rows.append({"sparsity": fraction, "layer": layer_scope, "global": pruned,
                     "fine_tuned": accuracy(mlp, x_mnist_test, y_mnist_test), "per_layer": layer_sparsity(mlp)})
print(f"{len(mlp_rows)} sparsities pruned, tested and fine-tuned in {time.perf_counter() - started:.1f} s")
markdown_table(
    ["sparsity", "weights kept", "pruned per layer", "pruned globally", "globally + 1 epoch fine-tune"],
    [[f"{row['sparsity']:.0%}", f"{MLP_WEIGHTS - round(row['sparsity'] * MLP_WEIGHTS):,}", f"{row['layer']:.3f}",
      f"{row['global']:.3f}", f"{row['fine_tuned']:.3f}"] for row in mlp_rows],
)

# %% [markdown]
# Where did global pruning take the weights from? At 90% it does not empty
# every layer equally: the big first layer loses the most, the small
# output layer the least. Part of the reason is scale: a layer's initial
# weights are of the order of $1/\sqrt{\text{fan-in}}$, so a layer that
# reads 784 inputs has smaller weights than one that reads 100. Part is
# redundancy: the weights that read border pixels (0 in every MNIST image)
# never receive a gradient, and removing them changes nothing at all.
# Pruning every layer by the same fraction ignores both, and cuts the
# output layer as deep as the first.

# %%
at_90 = next(row for row in mlp_rows if row["sparsity"] == 0.9)
markdown_table(["layer", "shape", "pruned at 90% global"],
               [[name, "x".join(map(str, mlp_dense_state[name].shape)), f"{fraction:.1%}"]
                for name, fraction in at_90["per_layer"].items()])

# %%
def plot_rows(axis, rows, columns, title, dense):
    """Accuracy against sparsity, one line per column."""
    for key, label, style in columns:
        points = [(row["sparsity"], row[key]) for row in rows if row.get(key) is not None]
        axis.plot([p[0] * 100 for p in points], [p[1] for p in points], style, label=label)
    axis.axhline(dense, color="grey", linestyle="--", linewidth=1, label="dense")
    axis.set(xlabel="sparsity (% of weights zero)", ylabel="test accuracy", ylim=(0, 1), title=title)
    axis.legend(fontsize=8, loc="lower left")


figure, axis = plt.subplots(figsize=(6.5, 3.8))
plot_rows(axis, mlp_rows, [("layer", "pruned per layer", "s:"), ("global", "pruned globally", "o-"),
                           ("fine_tuned", "globally + fine-tune", "^-")],
          f"MLP on MNIST ({len(y_mnist_test):,} test images)", mlp_dense_accuracy)
plt.show()

# %% [markdown]
# ## The CNN on CIFAR-10
#
# The weekend-4 network: stages of convolution, batch norm, max-pooling and
# ReLU, trained with SGD, Nesterov momentum and a one-cycle learning rate.
# Its convolutions have few weights for the work they do, and each weight
# is used at every pixel, so one would expect less to spare than in the MLP.
#
# A CNN with batch norm has a second thing to repair after pruning: every
# batch-norm layer normalises with a running mean and variance measured on
# the *dense* network's activations. `recalibrate_batch_norm` measures them
# again on training images (forward passes only, no weight changes), which
# separates "the weights are gone" from "the statistics are stale".

# %%
cifar_images, cifar_labels = load_cifar10("train")
cifar_test_images, cifar_test_labels = load_cifar10("test")


def to_input(images):
    """uint8 NHWC images -> normalised float32 NCHW network input."""
    return normalize(to_float_nchw(images), CIFAR10_MEAN, CIFAR10_STD)


fraction = CNN_TRAIN / len(cifar_labels)
cnn_index = stratified_split(cifar_labels, (fraction, 1 - fraction), seed=0)[0]
x_cifar, y_cifar = to_input(cifar_images[cnn_index]), cifar_labels[cnn_index]
tune_index = stratified_split(y_cifar, (CNN_TUNE / CNN_TRAIN, 1 - CNN_TUNE / CNN_TRAIN), seed=1)[0]
cnn_test_index = np.random.default_rng(12345).permutation(len(cifar_test_labels))[:CNN_TEST]
x_cifar_test, y_cifar_test = to_input(cifar_test_images[cnn_test_index]), cifar_test_labels[cnn_test_index]

cnn = cifar_cnn(widths=CNN_WIDTHS, rng=0)
cnn[0].input_requires_grad = False
optimizer = SGD(cnn.parameters(), lr=0.2, momentum=0.9, nesterov=True, weight_decay=5e-4)
scheduler = OneCycleLR(optimizer, max_lr=0.2, epochs=CNN_EPOCHS, steps_per_epoch=int(np.ceil(CNN_TRAIN / 128)),
                       pct_start=0.25)
started = time.perf_counter()
Trainer(cnn, CrossEntropyLoss(), optimizer, scheduler=scheduler, scheduler_interval="step", progress=False).fit(
    (x_cifar, y_cifar), epochs=CNN_EPOCHS, batch_size=128, rng=0)
cnn_dense_state = cnn.state_dict()
cnn_dense_accuracy = accuracy(cnn, x_cifar_test, y_cifar_test)
cnn_weights = sum(mask.size for mask in magnitude_prune(cifar_cnn(widths=CNN_WIDTHS), 0).values())
print(f"dense CNN: {cnn_weights:,} prunable weights, test accuracy {cnn_dense_accuracy:.3f} "
      f"after {time.perf_counter() - started:.1f} s of training")

# %%
# Batch norm must see mixed batches: the index arrays are sorted, and the images are sorted by class.
calibration_images = x_cifar[np.random.default_rng(2).permutation(tune_index)[:1000]]
cnn_rows = []
started = time.perf_counter()
for fraction in [0.0] + CNN_SPARSITIES:
    cnn.load_state_dict(cnn_dense_state)
    magnitude_prune(cnn, fraction, scope="layer")
    row = {"sparsity": fraction, "layer": accuracy(cnn, x_cifar_test, y_cifar_test)}
    cnn.load_state_dict(cnn_dense_state)
    masks = magnitude_prune(cnn, fraction)
    row["global"] = accuracy(cnn, x_cifar_test, y_cifar_test)
    recalibrate_batch_norm(cnn, calibration_images, batch_size=200)
    row["recalibrated"] = accuracy(cnn, x_cifar_test, y_cifar_test)
    fine_tune(cnn, masks, x_cifar[tune_index], y_cifar[tune_index], lr=0.02, weight_decay=5e-4, batch_size=128)
    row["fine_tuned"] = accuracy(cnn, x_cifar_test, y_cifar_test)
    cnn_rows.append(row)
print(f"pruned, recalibrated and fine-tuned in {time.perf_counter() - started:.1f} s")
markdown_table(
    ["sparsity", "pruned per layer", "pruned globally", "+ batch norm re-measured", "+ 1 epoch fine-tune"],
    [[f"{row['sparsity']:.0%}", f"{row['layer']:.3f}", f"{row['global']:.3f}", f"{row['recalibrated']:.3f}",
      f"{row['fine_tuned']:.3f}"] for row in cnn_rows],
)

# %%
figure, axis = plt.subplots(figsize=(6.5, 3.8))
plot_rows(axis, cnn_rows, [("layer", "pruned per layer", "s:"), ("global", "pruned globally", "o-"),
                           ("recalibrated", "+ batch norm re-measured", "d-"),
                           ("fine_tuned", "+ fine-tune", "^-")],
          f"CNN on CIFAR-10 ({len(y_cifar_test):,} test images)", cnn_dense_accuracy)
plt.show()

# %% [markdown]
# The columns build on each other: the fine-tune starts from the network
# whose batch-norm statistics were re-measured, and trains the surviving
# weights to make up for the lost ones (with the training recipe's weight
# decay, at a learning rate rising to 0.02 and back to zero). At 0% the
# repairs change little, as they should: there is nothing to repair.

# %% [markdown]
# ## Does the sparse network run faster?
#
# Not in our code. `Linear.forward` computes `x @ weight.T` with NumPy's
# matrix product, which calls a BLAS library that multiplies every entry,
# zero or not. A zero costs exactly as much as 0.37. Time a forward pass of
# the dense and the 90%-pruned networks (the same shapes, the same code),
# on one core, taking turns over seven rounds:

# %%
def paired_ms(models, inputs, rounds=7, repeats=3):
    """Forward-pass milliseconds of each model: the median of all its calls, the models timed in turns.

    Taking turns for several rounds spreads a burst of other work on this
    shared machine over every model instead of landing on one.
    """
    calls = [[] for _ in models]
    for _ in range(rounds):
        for position, model in enumerate(models):
            model.eval()
            calls[position] += time_call(lambda: model(inputs), repeats=repeats).seconds
    return [float(np.median(seconds)) * 1e3 for seconds in calls]


use_threads(1)  # time on one core: two threads add their own scheduling noise
timing_rows = []
for name, build, state, inputs in (("MLP, batch of 256", lambda: MLP(784, [300, 100], 10), mlp_dense_state,
                                    x_mnist_test[:256]),
                                   ("CNN, batch of 100", lambda: cifar_cnn(widths=CNN_WIDTHS), cnn_dense_state,
                                    x_cifar_test[:100])):
    dense_model, pruned_model = build(), build()
    dense_model.load_state_dict(state)
    pruned_model.load_state_dict(state)
    magnitude_prune(pruned_model, 0.9)
    dense_ms, pruned_ms = paired_ms([dense_model, pruned_model], inputs)
    timing_rows.append([name, f"{dense_ms:.2f} ms", f"{pruned_ms:.2f} ms", f"{sparsity(pruned_model):.0%}"])
markdown_table(["forward pass", "dense", "pruned", "pruned model's sparsity"], timing_rows)

# %% [markdown]
# To gain time, the zeros must not be stored or multiplied at all. A
# **sparse format** keeps only the non-zero weights: CSR (compressed sparse
# row) stores each one's value and its column index, plus where each row
# starts. Its matrix product walks those lists instead of the full rows.
# SciPy has one (`scipy.sparse`, installed with scikit-learn; not part of
# `classroom`). Take the MLP's first layer (300 x 784), prune it to each
# sparsity, and time `W @ x` dense against CSR, for one image and for a
# batch of 256, on one core:

# %%
try:
    import scipy.sparse
except ImportError:  # SciPy comes with scikit-learn; without it this measurement is skipped
    scipy = None
if scipy is not None:
    layer_weight = mlp_dense_state["0.weight"]
    csr_rows = []
    for fraction in [0.0, 0.5, 0.8, 0.9, 0.95, 0.99]:
        single = Sequential(Linear(784, 300))
        single[0].weight.data[...] = layer_weight
        magnitude_prune(single, fraction)
        weight = single[0].weight.data
        sparse_weight = scipy.sparse.csr_matrix(weight)
        row = [f"{fraction:.0%}", f"{weight.nbytes / 1e3:.0f} kB",
               f"{(sparse_weight.data.nbytes + sparse_weight.indices.nbytes + sparse_weight.indptr.nbytes) / 1e3:.0f} kB"]
        for batch in (1, 256):
            inputs_t = np.ascontiguousarray(x_mnist_test[:batch].T)  # (784, batch)
            dense_us = time_call(lambda: weight @ inputs_t, repeats=15, warmup=2).median * 1e6
            sparse_us = time_call(lambda: sparse_weight @ inputs_t, repeats=15, warmup=2).median * 1e6
            row += [f"{dense_us:.0f} µs", f"{sparse_us:.0f} µs ({dense_us / sparse_us:.1f}x)"]
        csr_rows.append(row)
    display(markdown_table(["sparsity", "dense bytes", "CSR bytes", "dense, 1 image", "CSR, 1 image",
                            "dense, 256 images", "CSR, 256 images"], csr_rows))

# %% [markdown]
# The factor in brackets is how many times faster CSR is than the dense
# product (below 1: slower). A CSR weight costs a value *and* an index, so
# at 50% sparsity it takes as much memory as the dense array, and its
# scattered reads are slower per number than BLAS's tight loops over
# contiguous memory. On this machine it pays only from somewhere around 90%
# sparsity upwards (the exact break-even moves with the batch size, the
# library and the machine). The zeros do help one thing with no special
# code: **storage**. A compressed file of the pruned network is smaller,
# because runs of zeros compress well:

# %%
def compressed_kilobytes(state):
    """Size of ``numpy.savez_compressed`` of a state dict, in kB."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **state)
    return buffer.getbuffer().nbytes / 1e3


size_rows = []
for fraction in [0.0, 0.5, 0.9, 0.95]:
    mlp.load_state_dict(mlp_dense_state)
    magnitude_prune(mlp, fraction)
    size_rows.append([f"{fraction:.0%}", f"{compressed_kilobytes(mlp.state_dict()):.0f} kB"])
markdown_table(["MLP sparsity", "compressed .npz (float32)"], size_rows)

# %% [markdown]
# ### What a speed-up from sparsity needs
#
# * **A format and a kernel that skip the zeros**, as CSR above. With
#   *unstructured* sparsity (any weight may be zero, which is what magnitude
#   pruning gives) the kernel has to follow an index for every weight; on
#   CPUs and GPUs that beats dense BLAS only at high sparsity.
# * **Structure, so dense hardware can use it.** Removing whole neurons or
#   whole convolution filters (*structured* or channel pruning) makes the
#   layers smaller dense layers: our own NumPy code gets faster at once,
#   with no new kernel, at some cost in accuracy for the same number of
#   weights removed.
# * **Hardware built for a pattern.** NVIDIA's Ampere GPUs (2020) have
#   "sparse tensor cores" for a *2:4* pattern, at most two non-zeros in
#   every group of four weights (50% sparsity), which they describe as
#   doubling the math throughput of the matrix units (Mishra et al.,
#   [Accelerating Sparse Deep Neural Networks](https://arxiv.org/abs/2104.08378), 2021).
#   That is a published claim about their hardware, not something measured
#   here.
# * **Sparse training is another matter**: the pruning here starts from a
#   trained dense network, so the dense training cost is paid in full.
#
# Han et al. ([Learning both Weights and Connections for Efficient Neural
# Networks](https://arxiv.org/abs/1506.02626), 2015) reported that
# LeNet-300-100 keeps its accuracy with 8% of its weights (12 times fewer)
# when pruning and retraining are repeated; their retraining is much longer
# than the one epoch here.

# %%
print(f"page executed in {time.perf_counter() - started_page:.0f} s ({'quick' if QUICK else 'full'} mode)")

# %% [markdown]
# ## The recorded full run
#
# `scripts/question_dense_vs_sparse.py` runs the same measurements at full
# size: the MLP on all 60,000 MNIST training images for 10 epochs, tested on
# all 10,000 test images; the CNN at widths 16, 32, 64, 128 on 15,000
# images for 5 epochs, fine-tuned on 5,000 at every sparsity and tested on
# 3,000; one core. Its numbers:

# %%
record = read_run("runs/questions/dense-vs-sparse.json")
if record is not None:
    print(describe_run(record))
    mlp_record, cnn_record = record["mlp"], record["cnn"]
    print(f"MLP: {mlp_record['train_images']:,} training images x {mlp_record['epochs']} epochs, dense accuracy "
          f"{mlp_record['dense_accuracy']:.3f}; CNN widths {cnn_record['widths']}, {cnn_record['train_images']:,} "
          f"images x {cnn_record['epochs']} epochs, dense accuracy {cnn_record['dense_accuracy']:.3f}")
    display(markdown_table(
        ["sparsity", "MLP per layer", "MLP global", "MLP + fine-tune", "CNN global", "CNN + batch norm", "CNN + fine-tune"],
        [[f"{m['sparsity']:.0%}", f"{m['layer']:.3f}", f"{m['global']:.3f}", f"{m['fine_tuned']:.3f}",
          f"{c['global']:.3f}", f"{c['recalibrated']:.3f}", f"{c['fine_tuned']:.3f}"]
         for m, c in zip(mlp_record["rows"], cnn_record["rows"])]))
    figure, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    plot_rows(axes[0], mlp_record["rows"], [("layer", "per layer", "s:"), ("global", "global", "o-"),
                                             ("fine_tuned", "global + fine-tune", "^-")],
              "Recorded: MLP on MNIST", mlp_record["dense_accuracy"])
    plot_rows(axes[1], cnn_record["rows"], [("global", "global", "o-"), ("recalibrated", "+ batch norm", "d-"),
                                             ("fine_tuned", "+ fine-tune", "^-")],
              "Recorded: CNN on CIFAR-10", cnn_record["dense_accuracy"])
    plt.show()
    display(markdown_table(["forward pass (recorded)", "dense", "90% zero"],
                           [[name, f"{t['dense_ms']:.2f} ms", f"{t['pruned_ms']:.2f} ms"]
                            for name, t in record["forward_ms"].items()]))
    if record.get("csr"):
        display(markdown_table(["sparsity", "dense, 256 images", "CSR, 256 images", "dense, 1 image", "CSR, 1 image"],
                               [[f"{r['sparsity']:.0%}", f"{r['dense_us_256']:.0f} µs", f"{r['csr_us_256']:.0f} µs",
                                 f"{r['dense_us_1']:.0f} µs", f"{r['csr_us_1']:.0f} µs"] for r in record["csr"]]))

# %% [markdown]
# ## What to take away
#
# * **Sparse** means most weights are exactly zero; **magnitude pruning**
#   gets there by removing the smallest weights of a trained dense network.
#   In both networks the accuracy holds up to some sparsity and then
#   collapses; the MLP, with most of its weights in one big first layer,
#   tolerates far more than the CNN.
# * **Global** ranking (all layers together) beats removing the same
#   fraction of every layer wherever either is well above guessing: it
#   takes most from the layers with most small weights, as the per-layer
#   table shows.
# * A short **fine-tune with the mask fixed** (`KeepMasks`) recovers much of
#   what pruning lost, and pushes the collapse to a higher sparsity. In the
#   CNN, a large part of the damage is only batch norm's stale statistics:
#   re-measuring them, with no training at all, recovers most of the loss
#   at moderate sparsity.
# * **Zeros in dense arrays are not faster**: the forward-pass timings of
#   the dense and the 90% pruned networks agree to within this shared
#   machine's noise. Speed needs a sparse format and kernel (CSR won here
#   only from about 90% sparsity), structured pruning that shrinks the
#   layers, or hardware made for a sparsity pattern. Compressed files do get
#   smaller at once.
#
# Where this comes up: [Weekend 1: a network in NumPy](../weekends/01-numpy-network/index.md)
# (the MLP and its weights), [Weekend 3: regularization](../weekends/03-regularization/index.md)
# (weight decay pulls weights towards zero; pruning sets them there), and
# [Weekend 4: convolutions](../weekends/04-convolutions/index.md) (the CNN).
# The code used here: [`magnitude_prune`, `sparsity`, `recalibrate_batch_norm`](../reference/classroom/nn/pruning.md),
# [`KeepMasks`](../reference/classroom/train/callbacks/keep_masks.md),
# [`MLP`](../reference/classroom/models/mlp.md), [`cifar_cnn`](../reference/classroom/models/cnn.md),
# [`time_call`](../reference/classroom/evaluation/timing.md).
