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
# # How much more expensive is training from scratch than transfer learning?
#
# > *"Everyone says: don't train from scratch, start from a pretrained
# > network. How much does that actually save, and when does it matter?"*
#
# **Short answer.** This page measures it on a small scale with our own
# network. The weekend-4 CNN is **pretrained** on seven CIFAR-10 classes.
# The task is then the other three classes (cat, deer, dog), with only
# 100, 500 or 2,000 labelled training images. Three ways to learn it:
# **from scratch** (random initial weights), **fine-tuning** (start from the
# pretrained weights with a new three-class head, `transfer_weights`, and
# train every layer), and a **linear probe** (keep the pretrained feature
# layers fixed, `split_head`, and train only the head). The two trained
# networks get the same recipe and the same number of steps, so they cost
# the same time per run; the tables compare what that time buys, and how
# much longer scratch training must run to catch up. Pretraining itself is
# a cost too, paid once: its time is printed with the others.
#
# **Quick mode.** When the site is built with `CLASSROOM_QUICK=1`, the
# network is narrow (8, 16, 32, 64 channels), pretraining sees 3,500
# images for 2 epochs, each target run is 40 steps, and the test set is 600
# images. Pretraining that short gives **weak** features (the seven-class
# accuracy printed below is far from the lesson's), so in quick mode the
# advantage of transfer is small and noisy; the recorded full run (wider
# network, all 35,000 pretraining images, 200-step runs, a scratch run
# three times longer, 3,000 test images) at the end is the one to read.

# %%
import math
import time

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from classroom.config import quick_mode
from classroom.data import (
    CIFAR10_CLASSES,
    CIFAR10_MEAN,
    CIFAR10_STD,
    load_cifar10,
    normalize,
    random_crop_flip,
    to_float_nchw,
)
from classroom.evaluation import markdown_table
from classroom.models.cnn import cifar_cnn
from classroom.models.transfer import head_name, split_head, transfer_weights
from classroom.nn import CrossEntropyLoss
from classroom.nn.parallel import use_threads
from classroom.optim import SGD
from classroom.optim.lr_scheduler import OneCycleLR
from classroom.train import Trainer
from classroom.train.runs import describe_run, read_run

QUICK = quick_mode()
TARGET_CLASSES = [3, 4, 5]  # cat, deer, dog
SOURCE_CLASSES = [label for label in range(10) if label not in TARGET_CLASSES]
SIZES = [100, 500, 2000]
WIDTHS = (8, 16, 32, 64) if QUICK else (16, 32, 64, 128)
PRETRAIN_IMAGES, PRETRAIN_EPOCHS = (3_500, 2) if QUICK else (35_000, 3)
STEPS, TEST_IMAGES, BATCH = (40, 600, 64) if QUICK else (200, 3_000, 64)
use_threads(2)
started_page = time.perf_counter()
print(f"{'quick' if QUICK else 'full'} mode: widths {WIDTHS}; pretraining on {PRETRAIN_IMAGES:,} images x "
      f"{PRETRAIN_EPOCHS} epochs; {STEPS} steps per target run; {TEST_IMAGES:,} target test images")
print("pretraining classes:", ", ".join(CIFAR10_CLASSES[label] for label in SOURCE_CLASSES))
print("target classes:     ", ", ".join(CIFAR10_CLASSES[label] for label in TARGET_CLASSES))

# %% [markdown]
# ## The data
#
# The seven pretraining classes and the three target classes share no
# image and no label. The target task's labels are renumbered 0, 1, 2. The
# training subsets have the same number of images of each class (so "100
# images" is 34 of each, 102 in all; "500" is 501 and "2,000" is 2,001, the
# nearest multiples of three), and the test images are a random subset of
# the target classes' test set.

# %%
train_images, train_labels = load_cifar10("train")
test_images, test_labels = load_cifar10("test")


def to_input(images):
    """uint8 NHWC images -> normalised float32 NCHW network input."""
    return normalize(to_float_nchw(images), CIFAR10_MEAN, CIFAR10_STD)


def renumber(labels, classes):
    """Map the CIFAR-10 labels in ``classes`` to 0, 1, 2, ... in that order."""
    table = np.full(10, -1)
    table[classes] = np.arange(len(classes))
    return table[labels]


def balanced_subset(indices, labels, per_class, seed):
    """``per_class`` of ``indices`` drawn at random from each class, in random order."""
    rng = np.random.default_rng(seed)
    classes = np.unique(labels[indices])
    chosen = [rng.permutation(indices[labels[indices] == label])[:per_class] for label in classes]
    return rng.permutation(np.concatenate(chosen))


source_pool = np.flatnonzero(np.isin(train_labels, SOURCE_CLASSES))
target_pool = np.flatnonzero(np.isin(train_labels, TARGET_CLASSES))
pretrain_index = balanced_subset(source_pool, train_labels, PRETRAIN_IMAGES // len(SOURCE_CLASSES), seed=0)
target_index = {size: balanced_subset(target_pool, train_labels, math.ceil(size / len(TARGET_CLASSES)), seed=1)
                for size in SIZES}
target_test = np.random.default_rng(12345).permutation(np.flatnonzero(np.isin(test_labels, TARGET_CLASSES)))
target_test = target_test[:TEST_IMAGES]
source_test = np.random.default_rng(12345).permutation(np.flatnonzero(np.isin(test_labels, SOURCE_CLASSES)))[:2000]
x_test, y_test = to_input(test_images[target_test]), renumber(test_labels[target_test], TARGET_CLASSES)
print(f"pretraining images: {len(pretrain_index):,}; target training sets: "
      + ", ".join(f"{len(index):,} ({np.bincount(renumber(train_labels[index], TARGET_CLASSES)).tolist()})"
                  for index in target_index.values())
      + f"; target test images: {len(y_test):,}")

# %% [markdown]
# ## Training, the same way every time
#
# Every network here trains with the weekend-4 recipe for a fixed number of
# optimizer steps: SGD with Nesterov momentum and weight decay, a one-cycle
# learning rate peaking at 0.2, mini-batches of 64 drawn from reshuffled
# passes over the training images, each batch randomly cropped and
# flipped. A fixed number of *steps* (not epochs) makes the runs on 100
# and on 2,000 images cost the same, so the time column measures the
# method, not the dataset size.

# %%
def train_steps(model, images, labels, steps, *, seed, lr=0.2):
    """Train ``model`` for ``steps`` mini-batches with augmentation; return the seconds it took."""
    rng = np.random.default_rng(seed)
    model[0].input_requires_grad = False  # the images need no gradient
    optimizer = SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    scheduler = OneCycleLR(optimizer, max_lr=lr, epochs=1, steps_per_epoch=steps, pct_start=0.25)
    trainer = Trainer(model, CrossEntropyLoss(), optimizer, scheduler=scheduler, scheduler_interval="step",
                      progress=False)
    batch = min(BATCH, len(labels))
    order, position = rng.permutation(len(labels)), 0
    started = time.perf_counter()
    for _ in range(steps):
        if position + batch > len(labels):
            order, position = rng.permutation(len(labels)), 0
        index = order[position:position + batch]
        position += batch
        trainer.train_step(random_crop_flip(to_input(images[index]), padding=2, rng=rng), labels[index])
    return time.perf_counter() - started


def accuracy(model, inputs, labels, batch_size=500):
    """Accuracy in eval mode."""
    model.eval()
    predictions = np.concatenate([np.argmax(model(inputs[start:start + batch_size]), axis=1)
                                  for start in range(0, len(inputs), batch_size)])
    return float(np.mean(predictions == labels))

# %% [markdown]
# ## Pretraining on seven classes

# %%
pretrained = cifar_cnn(widths=WIDTHS, num_classes=len(SOURCE_CLASSES), rng=0)
pretrain_steps = PRETRAIN_EPOCHS * math.ceil(len(pretrain_index) / BATCH)
pretrain_seconds = train_steps(pretrained, train_images[pretrain_index],
                               renumber(train_labels[pretrain_index], SOURCE_CLASSES), pretrain_steps, seed=0)
source_accuracy = accuracy(pretrained, to_input(test_images[source_test]),
                           renumber(test_labels[source_test], SOURCE_CLASSES))
print(f"pretraining: {pretrain_steps} steps in {pretrain_seconds:.1f} s; seven-class test accuracy "
      f"{source_accuracy:.3f} (guessing: {1 / len(SOURCE_CLASSES):.3f})")

# %% [markdown]
# ## Three ways to learn the new task
#
# `transfer_weights(pretrained, model)` copies every parameter and
# batch-norm statistic except the head (the last layer with parameters,
# `head_name`), which stays freshly initialised with three outputs.
# `split_head(model)` returns the feature layers and the head as two
# pieces that share the model's layers: the linear probe computes the
# features of the training images **once** (no augmentation, eval mode)
# and trains only the head on them, for 300 steps of a `Linear` layer on
# those features, which costs very little.

# %%
def linear_probe(pretrained_model, images, labels, *, steps=300, seed=0):
    """Train only a new head on fixed pretrained features; return (model, seconds)."""
    model = cifar_cnn(widths=WIDTHS, num_classes=len(TARGET_CLASSES), rng=1)
    transfer_weights(pretrained_model, model)
    features, head = split_head(model)
    started = time.perf_counter()
    features.eval()
    train_features = np.concatenate([features(to_input(images[start:start + 500]))
                                     for start in range(0, len(images), 500)])
    Trainer(head, CrossEntropyLoss(), SGD(head.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4),
            progress=False).fit((train_features, labels), epochs=math.ceil(steps / math.ceil(len(labels) / BATCH)),
                                batch_size=BATCH, rng=seed)
    return model, time.perf_counter() - started


print(f"head of the pretrained model: layer '{head_name(pretrained)}', {pretrained[int(head_name(pretrained))]}")
results = []
for size in SIZES:
    images = train_images[target_index[size]]
    labels = renumber(train_labels[target_index[size]], TARGET_CLASSES)
    scratch = cifar_cnn(widths=WIDTHS, num_classes=len(TARGET_CLASSES), rng=1)
    scratch_seconds = train_steps(scratch, images, labels, STEPS, seed=1)
    tuned = cifar_cnn(widths=WIDTHS, num_classes=len(TARGET_CLASSES), rng=1)
    copied = transfer_weights(pretrained, tuned)
    tuned_seconds = train_steps(tuned, images, labels, STEPS, seed=1)
    probe, probe_seconds = linear_probe(pretrained, images, labels)
    results.append({"size": size, "scratch": accuracy(scratch, x_test, y_test), "scratch_seconds": scratch_seconds,
                    "fine_tuned": accuracy(tuned, x_test, y_test), "fine_tuned_seconds": tuned_seconds,
                    "probe": accuracy(probe, x_test, y_test), "probe_seconds": probe_seconds})
    print(f"{len(labels):>5} images: scratch {results[-1]['scratch']:.3f}, fine-tuned {results[-1]['fine_tuned']:.3f}, "
          f"linear probe {results[-1]['probe']:.3f}", flush=True)
print(f"transfer_weights copied {len(copied)} arrays (parameters and batch-norm statistics), all but the head's")

markdown_table(
    ["target training images", "from scratch", "fine-tuned", "linear probe",
     "scratch seconds", "fine-tune seconds", "probe seconds"],
    [[f"{row['size']:,}", f"{row['scratch']:.3f}", f"{row['fine_tuned']:.3f}", f"{row['probe']:.3f}",
      f"{row['scratch_seconds']:.1f}", f"{row['fine_tuned_seconds']:.1f}", f"{row['probe_seconds']:.2f}"]
     for row in results],
)

# %%
def plot_results(axis, rows, title, extra=None):
    """Accuracy against the number of target training images, one line per method."""
    sizes = [row["size"] for row in rows]
    for key, label, style in [("scratch", "from scratch", "o-"), ("fine_tuned", "fine-tuned", "^-"),
                              ("probe", "linear probe", "s--")] + (extra or []):
        axis.plot(sizes, [row[key] for row in rows], style, label=label)
    axis.axhline(1 / len(TARGET_CLASSES), color="grey", linestyle=":", linewidth=1, label="guessing")
    axis.set(xscale="log", xticks=sizes, xticklabels=[f"{size:,}" for size in sizes], ylim=(0, 1),
             xlabel="target training images (cat, deer, dog)", ylabel="test accuracy", title=title)
    axis.legend(fontsize=8)


figure, axis = plt.subplots(figsize=(6.5, 3.8))
plot_results(axis, results, f"{len(y_test):,} test images, {STEPS} steps per run")
plt.show()
print(f"pretraining took {pretrain_seconds:.1f} s, once; each fine-tune run {np.mean([r['fine_tuned_seconds'] for r in results]):.1f} s, "
      f"each scratch run {np.mean([r['scratch_seconds'] for r in results]):.1f} s")
print(f"page executed in {time.perf_counter() - started_page:.0f} s ({'quick' if QUICK else 'full'} mode)")

# %% [markdown]
# Reading the table: a fine-tune run and a scratch run take the same time
# (same network, same steps), so at equal training time the difference in
# accuracy is what the pretrained weights bring. The linear probe costs a
# fraction of either, because it trains only the last layer and computes
# the features once; its accuracy is bounded by how well features learned
# on *other* classes separate these three. The pretraining time is the
# price of all this, paid once and shared by every task that reuses the
# network; for the networks people download (trained on ImageNet for days
# on many GPUs) someone else paid it.

# %% [markdown]
# ## The recorded full run
#
# `scripts/question_transfer_vs_scratch.py` runs the same comparison with
# the wider network, pretraining on all 35,000 images of the seven classes,
# 200 steps per run, all 3,000 target test images, and one more run per
# size: **from scratch for three times as many steps**, to see whether
# spending more compute closes the gap. Its numbers:

# %%
record = read_run("runs/questions/transfer-vs-scratch.json")
if record is not None:
    print(describe_run(record))
    pretraining = record["pretraining"]
    print(f"widths {record['widths']}; pretraining: {pretraining['images']:,} images, {pretraining['steps']} steps, "
          f"{pretraining['seconds']:.0f} s, seven-class test accuracy {pretraining['source_accuracy']:.3f}")
    rows = record["results"]
    longer = record["settings"]["scratch_factor"]
    display(markdown_table(
        ["images", "scratch", f"scratch, {longer}x steps", "fine-tuned", "linear probe",
         "scratch s", f"scratch {longer}x s", "fine-tune s", "probe s"],
        [[f"{row['size']:,}", f"{row['scratch']:.3f}", f"{row['scratch_long']:.3f}", f"{row['fine_tuned']:.3f}",
          f"{row['probe']:.3f}", f"{row['scratch_seconds']:.0f}", f"{row['scratch_long_seconds']:.0f}",
          f"{row['fine_tuned_seconds']:.0f}", f"{row['probe_seconds']:.1f}"] for row in rows]))
    figure, axis = plt.subplots(figsize=(6.5, 3.8))
    plot_results(axis, rows, f"Recorded: {record['test_images']:,} test images, {record['settings']['steps']} steps",
                 extra=[("scratch_long", f"from scratch, {longer}x steps", "o:")])
    plt.show()

# %% [markdown]
# ## What to take away
#
# * At the **same training time**, fine-tuning from pretrained weights gives
#   a higher accuracy than training from scratch at every size of the
#   recorded run, and the gap is largest with the fewest images. In quick
#   mode, with a short pretraining, the two are close: transfer is only as
#   good as the features it transfers.
# * **How much more expensive is scratch?** In the recorded run, three times
#   the steps (three times the time) from scratch nearly catches up at
#   2,000 images, but closes only a small part of the gap at 100 and 500:
#   with few images, scratch training lacks data more than time, and no
#   reasonable budget buys what the pretrained features bring.
# * A **linear probe** (features frozen, head trained on features
#   computed once) costs a small fraction of either. In the recorded run it
#   beats scratch training with 100 images and falls behind fine-tuning at
#   every size: features learned on other classes separate these three only
#   partly, and fine-tuning adapts them.
# * The **pretraining** takes far longer than any single fine-tune (the
#   times are printed above): it pays off when it is shared by many tasks,
#   which is why one downloads pretrained networks rather than pretraining
#   them.
#
# Where this comes up: [Weekend 4: convolutions](../weekends/04-convolutions/index.md).
# The code used here: [`transfer_weights`, `head_name`, `split_head`](../reference/classroom/models/transfer.md),
# [`cifar_cnn`](../reference/classroom/models/cnn.md), [`Trainer`](../reference/classroom/train/loop.md),
# [`random_crop_flip`](../reference/classroom/data/augment.md).
