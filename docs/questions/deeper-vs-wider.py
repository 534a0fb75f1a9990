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
# # How much slower is a deeper network?
#
# > *"ResNet-50 is 'deeper' than ResNet-18. Does that make it slower, and by
# > how much? Is depth itself what costs time, or the number of weights?"*
#
# **Short answer.** Two things cost time: the **arithmetic** (multiply-adds,
# which grow with the number of weights a layer uses per input) and the
# **fixed cost of each layer** (a Python call, a NumPy call, reading and
# writing the activations), paid once per layer however small the layer
# is. This page separates them with our own layers. MLPs on MNIST with 1
# to 6 hidden layers are measured two ways: every hidden layer 256 wide
# (deeper = more weights), and **at an equal parameter budget** (deeper =
# narrower, about 203,000 parameters each). Then the weekend-4 CNN with 1,
# 2 and 3 convolutions per stage, and a wider one-convolution CNN with
# about as many parameters as the two-convolution one. The tables give
# parameters, multiply-adds, the time per image for one image at a time
# and for a batch, and the test accuracy after the same training. At
# equal parameters the multiply-adds stay flat while the time for a single
# image grows with depth; in a batch that fixed cost is shared and the
# arithmetic decides. ResNet-18 against ResNet-50 is the same trade at a
# larger scale; their published counts are quoted, not measured here.
#
# **Quick mode.** When the site is built with `CLASSROOM_QUICK=1`, each
# MLP trains on 8,000 MNIST images for 2 epochs (the full run: 60,000 for
# 3), so the accuracies are lower than the lessons'; the CNNs are only
# counted and timed, **not trained** (their accuracies are in the recorded
# full run at the end), and the timings use fewer calls, three rounds and
# CNN batches of 50 instead of 100.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from classroom.config import quick_mode
from classroom.data import load_mnist, mnist_as_float
from classroom.evaluation import markdown_table
from classroom.evaluation.timing import time_call
from classroom.models.cnn import cifar_cnn
from classroom.models.mlp import MLP
from classroom.nn import CrossEntropyLoss
from classroom.nn.flops import total_macs, total_parameters
from classroom.nn.parallel import use_threads
from classroom.optim import SGD
from classroom.train import Trainer
from classroom.train.runs import describe_run, read_run

QUICK = quick_mode()
DEPTHS = [1, 2, 3, 4, 5, 6]
WIDTH = 256
TRAIN_IMAGES, EPOCHS, TEST_IMAGES = (8_000, 2, 5_000) if QUICK else (60_000, 3, 10_000)
REPEATS, ROUNDS, CNN_BATCH = (10, 3, 50) if QUICK else (20, 5, 100)
use_threads(1)  # one core: the arithmetic is not spread over threads, so the comparison is per core
started_page = time.perf_counter()
print(f"{'quick' if QUICK else 'full'} mode: MLPs trained on {TRAIN_IMAGES:,} images x {EPOCHS} epochs, "
      f"{TEST_IMAGES:,} test images; CNNs {'timed only' if QUICK else 'timed and trained'}; one thread")

# %% [markdown]
# ## MLPs: deeper at equal width, and deeper at equal parameters
#
# With every hidden layer 256 wide, each extra layer adds a 256 x 256 weight
# matrix. For the equal budget, each depth gets the width whose parameter
# count is closest to that of the one-hidden-layer network
# (784-256-10: `total_parameters` from `classroom.nn.flops` counts
# weights and biases).

# %%
budget = total_parameters(MLP(784, [WIDTH], 10))


def mlp_parameters(depth, width, inputs=784, outputs=10):
    """Weights and biases of an MLP with ``depth`` hidden layers of ``width``: counted, not built."""
    return (inputs + 1) * width + (depth - 1) * (width + 1) * width + (width + 1) * outputs


def width_for_budget(depth, budget):
    """The hidden width (same for every layer) whose MLP has the parameter count closest to ``budget``."""
    return min(range(1, 2048), key=lambda width: abs(mlp_parameters(depth, width) - budget))


variants = []
for depth in DEPTHS:
    variants.append(("equal width", depth, [WIDTH] * depth))
for depth in DEPTHS:
    variants.append(("equal parameters", depth, [width_for_budget(depth, budget)] * depth))
assert all(mlp_parameters(depth, hidden[0]) == total_parameters(MLP(784, hidden, 10)) for _, depth, hidden in variants)
print(f"parameter budget {budget:,}; equal-parameter widths:",
      {depth: hidden[0] for family, depth, hidden in variants if family == "equal parameters"})

# %% [markdown]
# The timing: forward passes in eval mode, for **one image** (the latency
# a user waiting for an answer sees) and for a **batch of 256** (the
# throughput of a server or of training), divided by the number of images.
# This machine is shared, so a burst of someone else's work can land on
# any measurement: the models take turns, for several rounds (five in the
# full run), and each reports the median of all its calls (`time_call`
# times the calls of one turn).

# %%
images, labels = load_mnist("train")
test_images, test_labels = load_mnist("test")
train_index = np.random.default_rng(0).permutation(len(labels))[:TRAIN_IMAGES]
test_index = np.random.default_rng(1).permutation(len(test_labels))[:TEST_IMAGES]
x_train, y_train = mnist_as_float(images[train_index]), labels[train_index]
x_test, y_test = mnist_as_float(test_images[test_index]), test_labels[test_index]


def per_image_microseconds(models, inputs, repeats, rounds=ROUNDS):
    """Forward-pass time of ``inputs`` per image in µs for each model: the median of all its calls.

    The models take turns, round after round, so a slow spell of the
    machine is spread over all of them instead of landing on one.
    """
    calls = [[] for _ in models]
    for _ in range(rounds):
        for position, model in enumerate(models):
            model.eval()
            calls[position] += time_call(lambda: model(inputs), repeats=repeats, warmup=2).seconds
    return [float(np.median(seconds)) * 1e6 / len(inputs) for seconds in calls]


def accuracy(model, inputs, labels, batch_size=1000):
    model.eval()
    predictions = np.concatenate([np.argmax(model(inputs[start:start + batch_size]), axis=1)
                                  for start in range(0, len(inputs), batch_size)])
    return float(np.mean(predictions == labels))


mlp_rows, mlp_models = [], []
for family, depth, hidden in variants:
    model = MLP(784, hidden, 10, rng=0)
    model[0].input_requires_grad = False
    started = time.perf_counter()
    Trainer(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.05, momentum=0.9), progress=False).fit(
        (x_train, y_train), epochs=EPOCHS, batch_size=64, rng=0)
    train_seconds = time.perf_counter() - started
    mlp_models.append(model)
    mlp_rows.append({"family": family, "depth": depth, "width": hidden[0], "parameters": total_parameters(model),
                     "macs": total_macs(model, (784,)),
                     "train_us_per_image": train_seconds * 1e6 / (EPOCHS * len(y_train)),
                     "accuracy": accuracy(model, x_test, y_test)})
for key, batch, repeats in (("us_batch_1", 1, REPEATS * 5), ("us_batch_256", 256, REPEATS)):
    for row, microseconds in zip(mlp_rows, per_image_microseconds(mlp_models, x_test[:batch], repeats)):
        row[key] = microseconds


def mlp_table(rows):
    return markdown_table(
        ["family", "hidden layers", "width", "parameters", "multiply-adds", "µs / image, 1 at a time",
         "µs / image, batch of 256", "training µs / image", "test accuracy"],
        [[row["family"], row["depth"], row["width"], f"{row['parameters']:,}", f"{row['macs']:,}",
          f"{row['us_batch_1']:.1f}", f"{row['us_batch_256']:.2f}", f"{row['train_us_per_image']:.1f}",
          f"{row['accuracy']:.3f}"] for row in rows])


mlp_table(mlp_rows)

# %%
def plot_mlp(rows, title):
    figure, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    for family, style in (("equal width", "o-"), ("equal parameters", "s--")):
        part = [row for row in rows if row["family"] == family]
        depths = [row["depth"] for row in part]
        axes[0].plot(depths, [row["us_batch_1"] for row in part], style, label=family)
        axes[1].plot(depths, [row["us_batch_256"] for row in part], style, label=family)
        axes[2].plot(depths, [row["accuracy"] for row in part], style, label=family)
    axes[0].set(xlabel="hidden layers", ylabel="µs per image", title="one image at a time", ylim=(0, None))
    axes[1].set(xlabel="hidden layers", ylabel="µs per image", title="batch of 256", ylim=(0, None))
    axes[2].set(xlabel="hidden layers", ylabel="test accuracy", title="accuracy")
    for axis in axes:
        axis.legend(fontsize=8)
    figure.suptitle(title)
    figure.tight_layout()
    plt.show()


plot_mlp(mlp_rows, f"MLPs on MNIST ({'quick' if QUICK else 'full'} mode)")

# %% [markdown]
# Where does the time of one image go? At equal parameters the
# multiply-adds are the same at every depth, yet one image at a time gets
# slower with every layer. Subtracting, the cost of one more layer
# (a `Linear` and a `ReLU`: two Python calls, input checks, two NumPy
# calls and their small arrays) is what the slope measures:

# %%
equal = [row for row in mlp_rows if row["family"] == "equal parameters"]
slope = np.polyfit([row["depth"] for row in equal], [row["us_batch_1"] for row in equal], 1)[0]
ratio = equal[-1]["us_batch_1"] / equal[0]["us_batch_1"]
print(f"equal parameters, one image: {slope:.1f} µs more per hidden layer; 6 layers take {ratio:.1f}x "
      f"the time of 1, for {equal[-1]['macs'] / equal[0]['macs']:.2f}x the multiply-adds")
batch_ratio = equal[-1]["us_batch_256"] / equal[0]["us_batch_256"]
print(f"equal parameters, batch of 256: 6 layers take {batch_ratio:.1f}x the time of 1")

# %% [markdown]
# ## CNNs: more convolutions per stage, or wider stages
#
# `cifar_cnn(widths, convs_per_stage)` builds the weekend-4 network with
# 1, 2 or 3 convolution blocks in each of its four stages (4, 8 or 12
# convolutions). The last row is **wider instead of deeper**: one
# convolution per stage, with widths chosen to give about as many
# parameters as the two-convolution network.

# %%
CNN_WIDTHS = (16, 32, 64, 128)
WIDE_WIDTHS = (28, 56, 112, 224)
cnn_variants = [(f"{convs} conv{'s' if convs > 1 else ''} per stage", CNN_WIDTHS, convs) for convs in (1, 2, 3)]
cnn_variants.append(("1 conv per stage, wider", WIDE_WIDTHS, 1))
image_batch = np.random.default_rng(0).standard_normal((CNN_BATCH, 3, 32, 32)).astype(np.float32)  # timing only
cnn_models = [cifar_cnn(widths=widths, convs_per_stage=convs, rng=0).eval() for _, widths, convs in cnn_variants]
cnn_rows = [{"name": name, "widths": list(widths), "convs_per_stage": convs, "conv_layers": 4 * convs,
             "parameters": total_parameters(model), "macs": total_macs(model, (3, 32, 32))}
            for (name, widths, convs), model in zip(cnn_variants, cnn_models)]
for key, batch, repeats in (("us_batch_1", 1, REPEATS), ("us_batch_many", CNN_BATCH, 3)):
    for row, microseconds in zip(cnn_rows, per_image_microseconds(cnn_models, image_batch[:batch], repeats)):
        row[key] = microseconds
markdown_table(
    ["network", "widths", "conv layers", "parameters", "multiply-adds", "µs / image, 1 at a time",
     f"µs / image, batch of {CNN_BATCH}"],
    [[row["name"], ", ".join(map(str, row["widths"])), row["conv_layers"], f"{row['parameters']:,}",
      f"{row['macs']:,}", f"{row['us_batch_1']:.0f}", f"{row['us_batch_many']:.0f}"] for row in cnn_rows],
)

# %% [markdown]
# In a CNN the multiply-adds are large (millions per image, against a few
# hundred thousand for the MLPs), so the time grows with them at both batch
# sizes; one image at a time costs more per image than a batch (small
# matrix products run slower, and the fixed costs are not shared), but it
# still follows the arithmetic. The wider network and the two-convolution
# network have about the same parameters, but not the same multiply-adds:
# a convolution's cost is its weights *times the pixels it slides over*,
# and the extra convolutions of the deeper network sit at every
# resolution, including the expensive 32 x 32 stage.

# %%
print(f"page executed in {time.perf_counter() - started_page:.0f} s ({'quick' if QUICK else 'full'} mode)")

# %% [markdown]
# ## ResNet-18 against ResNet-50, as published
#
# Not measured here: these networks are trained on ImageNet (224 x 224
# photos, 1,000 classes) and far beyond a NumPy classroom. The numbers
# below are the ones published with torchvision's ImageNet weights
# (`IMAGENET1K_V1`, from the
# [torchvision model documentation](https://pytorch.org/vision/stable/models.html))
# and, for the multiply-adds, Table 1 of He et al.,
# [Deep Residual Learning for Image Recognition](https://arxiv.org/abs/1512.03385) (2016),
# which calls them FLOPs.
#
# | | ResNet-18 | ResNet-50 |
# |---|---|---|
# | layers with weights | 18 | 50 |
# | parameters (torchvision) | 11,689,512 | 25,557,032 |
# | multiply-adds per 224 x 224 image (He et al., "FLOPs") | 1.8 billion | 3.8 billion |
# | GFLOPS listed by torchvision | 1.81 | 4.09 |
# | ImageNet top-1 accuracy (torchvision V1 weights) | 69.76% | 76.13% |
#
# ResNet-50 has 2.8 times the layers of ResNet-18 but about 2.2 times its
# parameters and 2.1 times its multiply-adds (2.3 times by torchvision's
# count, whose ResNet-50 is the "V1.5" variant): its *bottleneck* blocks use
# cheap 1 x 1 convolutions to stay narrow where the 3 x 3 convolutions are,
# the same trade as our equal-parameter MLPs. The measurements above say
# what to expect: with big batches the time follows the arithmetic (about
# twice as slow), and for one image at a time the extra layers add their
# fixed cost on top. On a GPU that fixed cost (one kernel launch or more
# per layer) is relatively larger still, because each layer's arithmetic
# is so fast there.

# %% [markdown]
# ## The recorded full run
#
# `scripts/question_deeper_vs_wider.py` trains every MLP on all 60,000
# MNIST images for 3 epochs and tests it on all 10,000, times with more
# repeats, and also **trains the four CNNs** (6,000 CIFAR-10 images, 3
# epochs, the weekend-4 recipe) for their accuracy and training time. Its
# numbers:

# %%
record = read_run("runs/questions/deeper-vs-wider.json")
if record is not None:
    print(describe_run(record))
    print(f"MLPs: {record['mlp']['train_images']:,} images x {record['mlp']['epochs']} epochs; CNNs: "
          f"{record['cnn']['train_images']:,} images x {record['cnn']['epochs']} epochs, "
          f"{record['cnn']['test_images']:,} test images")
    display(mlp_table(record["mlp"]["rows"]))
    plot_mlp(record["mlp"]["rows"], "Recorded: MLPs on MNIST")
    display(markdown_table(
        ["network", "conv layers", "parameters", "multiply-adds", "µs / image, 1", "µs / image, batch of 100",
         "training ms / image", "test accuracy"],
        [[row["name"], row["conv_layers"], f"{row['parameters']:,}", f"{row['macs']:,}", f"{row['us_batch_1']:.0f}",
          f"{row['us_batch_100']:.0f}", f"{row['train_ms_per_image']:.2f}", f"{row['accuracy']:.3f}"]
         for row in record["cnn"]["rows"]]))

# %% [markdown]
# ## What to take away
#
# * A deeper network is slower for two reasons: usually it has **more
#   arithmetic** (more weights used per input), and every layer has a
#   **fixed cost** that does not shrink with the layer's size. At equal
#   parameters the MLPs' multiply-adds stay flat, and the one-image time
#   still grows with every layer; in a batch of 256 the fixed cost is shared
#   and the time stays much closer to flat.
# * In the CNNs the arithmetic dominates: time follows the multiply-adds,
#   and a convolution at high resolution costs far more than its parameter
#   count suggests. Parameters measure memory, multiply-adds measure work.
#   At about equal parameters, the wider one-convolution CNN does fewer
#   multiply-adds than the two-convolution one and runs faster.
# * More depth did not buy accuracy here. In the recorded run the MLPs all
#   end within about a point of each other, and the deeper CNNs end *lower*
#   after the same three epochs (the recorded table); in the shorter
#   quick-mode training the deepest MLPs lag behind too. Plain deep networks
#   learn more slowly; residual connections (ResNet) exist to make depth
#   trainable, and pay off with more data and longer training than these
#   runs have.
# * ResNet-50 against ResNet-18: about twice the parameters and
#   multiply-adds for 2.8 times the layers, and 6 points more ImageNet
#   top-1 accuracy, by their published numbers.
#
# Width against time, and where the per-call overhead ends, is the subject
# of [How big are models, how long does inference take?](size-and-latency.md).
#
# Where this comes up: [Weekend 4: convolutions](../weekends/04-convolutions/index.md)
# (the CNN, its stages and its cost) and [Weekend 1: a network in NumPy](../weekends/01-numpy-network/index.md)
# (the MLP). The code used here: [`total_parameters` and `total_macs`](../reference/classroom/nn/flops.md),
# [`time_call`](../reference/classroom/evaluation/timing.md), [`MLP`](../reference/classroom/models/mlp.md),
# [`cifar_cnn`](../reference/classroom/models/cnn.md).
