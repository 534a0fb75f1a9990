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
# # Can a model take images of other sizes?
#
# > *"The CIFAR-10 network was trained on 32 x 32 photos. Can I give it a
# > 48 x 48 or a 16 x 16 image, and will it still work?"*
#
# **Short answer.** It *runs*: the weekend-4 network ends in global average
# pooling, which turns a feature map of any height and width into one number
# per channel, so every size from 16 pixels up gives ten logits (below 16,
# its four 2 x 2 max-pools have nothing left to pool). Whether it *works* is
# another question, and this page measures it: the accuracy on CIFAR-10 test
# images resized to 16, 24, 32, 40, 48 and 64 pixels. The table below shows
# that it is best at the size it was trained on and falls away on both sides,
# because a resized object no longer matches the scale of the patterns the
# filters learned. A network with a `Flatten` head instead of the pooling
# refuses most other sizes outright, with a shape error, as the last part
# shows. The recorded full run adds a model trained on randomly resized
# batches, to see whether that flattens the curve.
#
# **Quick mode.** When the site is built with `CLASSROOM_QUICK=1`, the
# network here is half as wide (16, 32, 64, 128 channels) and trains on
# 5,000 images for 3 epochs, about twenty seconds: its accuracy is modest,
# well below the lesson's full run. The shape of the curve, not its height,
# is the point. The recorded full run (full width, more data, and the
# random-resize model) is at the end.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

from classroom.config import quick_mode
from classroom.data import (
    CIFAR10_CLASSES,
    CIFAR10_MEAN,
    CIFAR10_STD,
    load_cifar10,
    normalize,
    resize_images,
    stratified_split,
    to_float_nchw,
)
from classroom.evaluation import markdown_table
from classroom.evaluation.timing import time_call
from classroom.models.cnn import cifar_cnn
from classroom.nn import CrossEntropyLoss, Flatten, Linear, Sequential
from classroom.nn.parallel import use_threads
from classroom.optim import SGD
from classroom.optim.lr_scheduler import OneCycleLR
from classroom.train import Trainer
from classroom.train.runs import describe_run, read_run

QUICK = quick_mode()
WIDTHS = (16, 32, 64, 128) if QUICK else (32, 64, 128, 256)
TRAIN_SIZE, TEST_SIZE, EPOCHS = (5_000, 500, 3) if QUICK else (10_000, 2_000, 3)
SIZES = [16, 24, 32, 40, 48, 64]
use_threads(2)
print(f"{'quick' if QUICK else 'full'} mode: widths {WIDTHS}, {TRAIN_SIZE:,} training images, {EPOCHS} epochs, "
      f"{TEST_SIZE:,} test images")

# %% [markdown]
# ## The data, and what resizing does to it
#
# `load_cifar10` reads the photos as uint8 arrays; `to_float_nchw` and
# `normalize` make the network's input. `resize_images` (in
# `classroom.data.transforms`) resizes a whole batch at once with bilinear
# interpolation, the same filter as Pillow's `BILINEAR`, which averages
# neighbouring pixels when it shrinks. Enlarging a 32 x 32 photo adds no
# detail: a 64 x 64 version is the same picture, only blurrier and bigger.

# %%
train_images, train_labels = load_cifar10("train")
test_images, test_labels = load_cifar10("test")


def to_input(images):
    """uint8 NHWC images -> normalised float32 NCHW network input."""
    return normalize(to_float_nchw(images), CIFAR10_MEAN, CIFAR10_STD)


fraction = TRAIN_SIZE / len(train_labels)
train_index = stratified_split(train_labels, (fraction, 1 - fraction), seed=0)[0]
test_index = np.sort(np.random.default_rng(12345).permutation(len(test_labels))[:TEST_SIZE])
x_train, y_train = to_input(train_images[train_index]), train_labels[train_index]
x_test, y_test = to_input(test_images[test_index]), test_labels[test_index]
print(f"training on {len(y_train):,} images (stratified), testing on {len(y_test):,} random test images")

pixels = to_float_nchw(test_images[test_index[:1]])  # (1, 3, 32, 32) in [0, 1], for display
figure, axes = plt.subplots(1, len(SIZES), figsize=(2.2 * len(SIZES), 2.6))
for axis, size in zip(axes, SIZES):
    axis.imshow(np.clip(resize_images(pixels, size)[0].transpose(1, 2, 0), 0, 1))
    axis.set_title(f"{size} x {size}")
    axis.axis("off")
figure.suptitle(f"One test image ({CIFAR10_CLASSES[y_test[0]]}) at every size we test")
plt.show()

# %% [markdown]
# ## Train the network at 32 x 32
#
# The weekend-4 recipe: SGD with Nesterov momentum and weight decay, a
# one-cycle learning rate peaking at 0.2, mini-batches of 128.

# %%
model = cifar_cnn(widths=WIDTHS, rng=0)
model[0].input_requires_grad = False  # the images need no gradient
steps_per_epoch = int(np.ceil(len(y_train) / 128))
optimizer = SGD(model.parameters(), lr=0.2, momentum=0.9, nesterov=True, weight_decay=5e-4)
scheduler = OneCycleLR(optimizer, max_lr=0.2, epochs=EPOCHS, steps_per_epoch=steps_per_epoch, pct_start=0.25)
trainer = Trainer(model, CrossEntropyLoss(), optimizer, scheduler=scheduler, scheduler_interval="step", progress=False)
started = time.perf_counter()
history = trainer.fit((x_train, y_train), epochs=EPOCHS, batch_size=128, rng=np.random.default_rng(0))
print(f"{time.perf_counter() - started:.1f} s of training; final training loss {history['loss'][-1]:.3f}")

# %% [markdown]
# ## Accuracy by size
#
# Each test image is resized, then classified; the network never saw a
# resized image during training. The time column is the median of three
# forward passes over a batch of 100 images (after a warm-up), per image:
# the work of every convolution grows with the number of pixels.

# %%
model.eval()
accuracy_by_size, ms_by_size = {}, {}
for size in SIZES:
    resized = resize_images(x_test, size)
    predictions = np.argmax(trainer.predict(resized, batch_size=250), axis=1)
    accuracy_by_size[size] = float(np.mean(predictions == y_test))
    batch = resized[:100]
    ms_by_size[size] = time_call(lambda: model(batch), repeats=3, warmup=1).median_ms / len(batch)

markdown_table(
    ["image size", "test accuracy", "ms per image"],
    [[f"{size} x {size}" + (" (trained)" if size == 32 else ""), f"{accuracy_by_size[size]:.3f}",
      f"{ms_by_size[size]:.2f}"] for size in SIZES],
)

# %%
figure, axis = plt.subplots(figsize=(6, 3.5))
axis.plot(SIZES, [accuracy_by_size[size] for size in SIZES], "o-", label="trained at 32 x 32")
axis.axvline(32, color="grey", linestyle="--", linewidth=1)
axis.axhline(0.1, color="grey", linestyle=":", linewidth=1, label="guessing")
axis.set(xlabel="test image size (pixels)", ylabel="test accuracy", ylim=(0, 1), xticks=SIZES,
         title=f"{len(y_test):,} CIFAR-10 test images, resized")
axis.legend()
plt.show()
print(f"best size: {max(accuracy_by_size, key=accuracy_by_size.get)} px")

# %% [markdown]
# Why it falls off: every filter looks at a 3 x 3 window, and after each
# pooling that window covers twice as many original pixels. A cat's eye
# that filled one window at 32 x 32 fills four at 64 x 64 and a quarter of
# one at 16 x 16. Global pooling makes the *shape* fit, not the *scale*.

# %% [markdown]
# ## Why a `Flatten` head cannot do this
#
# Many networks (and weekend 1's MLP) end with `Flatten` and a `Linear`
# layer instead: the final feature map is unrolled into one long vector,
# and the `Linear` layer has one weight per entry of it. Build that variant
# of our network: the same convolution stages, then `Flatten` and a
# `Linear` layer sized for what a 32 x 32 image leaves, a
# `channels x 2 x 2` map.

# %%
trunk = cifar_cnn(widths=WIDTHS, rng=0).layers[:-3]  # the stages, without AdaptiveAvgPool2d, Flatten, Linear
final_side = 32 // 2 ** len(WIDTHS)
flatten_model = Sequential(*trunk, Flatten(), Linear(WIDTHS[-1] * final_side**2, 10, rng=0)).eval()
print(f"Flatten head: Linear({WIDTHS[-1]} x {final_side} x {final_side} = {WIDTHS[-1] * final_side**2}, 10)")
print("32 x 32 input ->", flatten_model(x_test[:2]).shape)
try:
    flatten_model(resize_images(x_test[:2], 48))
except ValueError as error:
    print("48 x 48 input -> ValueError:", error)

# %% [markdown]
# At 48 x 48 the stages leave a `3 x 3` map, nine numbers per channel
# instead of four, and the `Linear` layer has no weights for the extra
# ones. Which sizes does each head accept? Try every size from 8 to 70
# pixels on both networks (untrained weights are enough to test shapes):

# %%
def accepted_sizes(network, sizes):
    """The sizes at which ``network`` returns logits instead of raising a shape error."""
    accepted = []
    for size in sizes:
        try:
            network(np.zeros((1, 3, size, size), dtype=np.float32))
            accepted.append(size)
        except ValueError:
            pass
    return accepted


def as_ranges(sizes):
    """[16, 17, 18, 30] -> '16-18, 30'."""
    runs = []
    for size in sizes:
        if runs and size == runs[-1][-1] + 1:
            runs[-1].append(size)
        else:
            runs.append([size])
    return ", ".join(f"{run[0]}-{run[-1]}" if len(run) > 1 else f"{run[0]}" for run in runs) or "none"


candidates = list(range(8, 71))
gap_model = cifar_cnn(widths=WIDTHS, rng=0).eval()
print("global average pooling head accepts:", as_ranges(accepted_sizes(gap_model, candidates)), "px")
print("Flatten head accepts:              ", as_ranges(accepted_sizes(flatten_model, candidates)), "px")
try:
    gap_model(np.zeros((1, 3, 8, 8), dtype=np.float32))
except ValueError as error:
    print("8 x 8 on the pooling head -> ValueError:", error)

# %% [markdown]
# The `Flatten` head accepts exactly the sizes whose four halvings (each
# rounding down) end on the same `2 x 2` map as 32 x 32; anything else is a
# shape error. Even inside that band the numbers it reads mean something
# else: at 40 x 40 each of the four cells summarises a larger patch of the
# image than the weights were trained on. The pooling head accepts every
# size at which the four max-pools still have a pixel to work on.

# %% [markdown]
# ## The recorded full run
#
# `scripts/question_other_input_sizes.py` measures the same curve for the
# full-width network (the lesson's recorded model `runs/cifar10/model.npz`
# when there is one, otherwise the weekend-4 recipe trained by the script,
# with random crops and flips), and for a second network trained with
# **random-resize augmentation**: every training batch resized to a size
# drawn from a list. Its numbers:

# %%
record = read_run("runs/questions/other-input-sizes.json")
recorded_table = None
if record is not None:
    print(describe_run(record))
    print(f"data:    {record['data']['train_images']:,} training images, {record['data']['test_images']:,} test images; "
          f"widths {record['widths']} (load average at start {record['machine'].get('load_average_at_start')})")
    recorded_sizes = record["settings"]["sizes"]
    display_rows = []
    for name, result in record["results"].items():
        trained = f"{result['train_seconds']:.0f} s" if result["train_seconds"] is not None else "recorded"
        display_rows.append([name, trained] + [f"{result['accuracy'][str(size)]:.3f}" for size in recorded_sizes])
    display_rows.append(["ms per image (first model)", ""] +
                        [f"{record['milliseconds_per_image'][str(size)]:.2f}" for size in recorded_sizes])
    recorded_table = markdown_table(["model", "training"] + [f"{size} px" for size in recorded_sizes], display_rows)
    figure, axis = plt.subplots(figsize=(6, 3.5))
    for name, result in record["results"].items():
        axis.plot(recorded_sizes, [result["accuracy"][str(size)] for size in recorded_sizes], "o-", label=name)
    axis.axvline(32, color="grey", linestyle="--", linewidth=1)
    axis.set(xlabel="test image size (pixels)", ylabel="test accuracy", ylim=(0, 1), xticks=recorded_sizes,
             title="Recorded full run")
    axis.legend(fontsize=8)
    plt.show()
recorded_table

# %% [markdown]
# ## What to take away
#
# * A network whose head is **global average pooling** + `Linear` accepts
#   any image size large enough for its pooling stages; one that ends in
#   **`Flatten`** + `Linear` fixes the size of its input (up to rounding in
#   the pooling) and fails with a shape error otherwise.
# * Accepting a size is not handling it: the filters learned patterns at the
#   scale of the training images, so accuracy is highest at the training
#   size and drops as the test size moves away, as both tables show.
# * If images of other sizes are expected, resize them to the training size
#   first (what `classroom.serve` does with uploaded photos), or train on
#   several sizes: the random-resize row of the recorded run shows how far
#   that goes.
# * Bigger inputs cost more: the time per image grows with the number of
#   pixels.
#
# Where this comes up: [Weekend 4: convolutions](../weekends/04-convolutions/index.md).
# The code used here: [`cifar_cnn`](../reference/classroom/models/cnn.md),
# [`resize_images`](../reference/classroom/data/transforms.md),
# [`AdaptiveAvgPool2d` and `MaxPool2d`](../reference/classroom/nn/pooling.md),
# [`Flatten`](../reference/classroom/nn/flatten.md),
# [`time_call`](../reference/classroom/evaluation/timing.md).
