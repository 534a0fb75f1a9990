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
# # Ship a classifier with train, validation and test discipline
#
# This notebook is the month-2 week in one run: a three-class image
# classifier (cat, dog, ship) built the way you would build one on your own
# photos.
#
# 1. **Set up.** Write the images to an ordinary image folder, load it with
#    `load_image_folder`, check it for duplicates and imbalance, split it
#    **once**, and lock the test set in a `HeldOutTestSet`.
# 2. **Build and train.** The weekend-4 CNN, three variants × three seeds,
#    every score measured on the **validation** set; choose the winner there.
# 3. **Deploy.** Evaluate the winner on the test set **once**, look at its
#    mistakes, watch a second look get refused, and serve the model over HTTP.
#
# **Quick mode.** With `CLASSROOM_QUICK=1` (how the site is built) it uses
# 300 training and 100 test images per class, a narrower network and two
# epochs, so it runs in well under a minute; the numbers are rough. The full run
# (2,000 training and 1,000 test images per class) is
# `scripts/month2_ablation.py`; its recorded results are on the lesson page.

# %%
import hashlib
import math
import time
import warnings

import numpy as np
from IPython.display import Markdown, display

import classroom
from classroom.plots.ablation import plot_ablation
from classroom.config import quick_mode
from classroom.data import (
    cache_dir,
    load_image_folder,
    make_image_folder_subset,
    normalize,
    random_crop_flip,
    stratified_split,
    to_float_nchw,
)
from classroom.evaluation.experiments import HeldOutTestSet, TestSetReuseError, run_ablation
from classroom.evaluation.metrics import accuracy, bootstrap_ci, confusion_matrix
from classroom.models.cnn import cifar_cnn
from classroom.nn import CrossEntropyLoss
from classroom.optim import SGD
from classroom.optim.lr_scheduler import OneCycleLR
from classroom.plots import plot_confusion_matrix, plot_history, show_images
from classroom.train import Trainer

QUICK = quick_mode()
CLASSES = ["cat", "dog", "ship"]
TRAIN_PER_CLASS, TEST_PER_CLASS = (300, 100) if QUICK else (2000, 1000)
WIDTHS = (16, 32, 64, 128) if QUICK else (32, 64, 128, 256)
EPOCHS = 2 if QUICK else 4
SEEDS = [0, 1, 2]
SPLIT_SEED = 2026  # chosen once, written down, never changed
print("quick mode: small subset, two epochs" if QUICK else "full mode")

# %% [markdown]
# ## Session 1 · Make the image folder, split it once, lock the test set
#
# **Your own photos?** Put them in one folder per class (`my_photos/cat/*.jpg`,
# `my_photos/dog/*.jpg`, ...), skip the next cell and load them with
# `load_image_folder("my_photos", size=(32, 32))`; then split the whole
# folder three ways, once, with
# `stratified_split(photos.labels, (0.7, 0.15, 0.15), seed=SPLIT_SEED)`.
#
# **The CIFAR-10 path.** `make_image_folder_subset` (also on the command line
# as `scripts/make_image_folder_subset.py`) writes three CIFAR-10 classes into
# exactly such a folder (`train/<class>/` and `test/<class>/`), from whichever
# CIFAR-10 form your data directory holds: the official binary version that
# `load_cifar10(download=True)` fetches (written as lossless PNG files) or the
# image-folder archive `cifar10-jpg.tar.gz` (its JPEG files copied unchanged).
# From here on the notebook only sees an image folder, as it would see yours.


# %%
FOLDER = cache_dir() / f"month2-{'-'.join(CLASSES)}-{TRAIN_PER_CLASS}-{TEST_PER_CLASS}"
subset = make_image_folder_subset(
    FOLDER, CLASSES, train_per_class=TRAIN_PER_CLASS, test_per_class=TEST_PER_CLASS, overwrite=True
)
print(f"{FOLDER.name}, from {subset['request']['source']} ({subset['format']}):")
for split, per_class in subset["counts"].items():
    print(f"  {split}: " + ", ".join(f"{name} {count}" for name, count in per_class.items()))

# %% [markdown]
# Load both parts of the folder. `load_image_folder` decodes every file to
# 32 × 32 RGB (a photo would be centre-cropped to a square and resized) and
# labels the classes in alphabetical order.

# %%
train_folder = load_image_folder(FOLDER, split="train", size=(32, 32))
test_folder = load_image_folder(FOLDER, split="test", size=(32, 32))
classes = train_folder.classes
print("classes:", classes)
for name, folder in (("train", train_folder), ("test", test_folder)):
    counts = np.bincount(folder.labels, minlength=len(classes))
    print(f"{name:>5}: {folder.images.shape} uint8, per class {dict(zip(classes, counts.tolist()))}")
sample = np.random.default_rng(0).choice(len(train_folder), 16, replace=False)
show_images(train_folder.images[sample], train_folder.labels[sample], class_names=classes, ncols=8);

# %% [markdown]
# **Before any training: look for duplicates.** The same picture in train and
# test lets a network score by memory instead of by skill. We fingerprint
# every image's pixels and compare. (Exact copies only; near-duplicates,
# such as the same photo resized or re-encoded, need a perceptual hash. With
# your own photos, burst shots of one scene are near-duplicates: keep them in
# the same split.) If a test image also appears in training, we drop it from
# *training*: the test set is never edited to make it easier.


# %%
def fingerprints(images: np.ndarray) -> list[str]:
    """SHA-1 of each image's pixels: equal fingerprints mean identical images."""
    return [hashlib.sha1(image.tobytes()).hexdigest() for image in images]


train_prints = fingerprints(train_folder.images)
test_prints = set(fingerprints(test_folder.images))
repeated_in_train = len(train_prints) - len(set(train_prints))
in_both = np.array([fingerprint in test_prints for fingerprint in train_prints])
print(f"images repeated inside train: {repeated_in_train}")
print(f"train images that also appear in test: {int(in_both.sum())}")
keep = ~in_both
train_images, train_labels = train_folder.images[keep], train_folder.labels[keep]

# %% [markdown]
# **Split once.** The training folder becomes training (80 %) and
# validation (20 %) sets, stratified so that every class keeps its share;
# the seed is fixed above and never changes. The test images go straight
# into a `HeldOutTestSet`: it does not expose its arrays, and it answers
# exactly one `evaluate` call. After this cell the notebook has no other
# handle on them.

# %%
train_index, val_index = stratified_split(train_labels, (0.8, 0.2), seed=SPLIT_SEED)
test_set = HeldOutTestSet(test_folder.images, test_folder.labels, name=f"{'-'.join(classes)} test")
del test_folder, test_prints  # the only way back to the test images is test_set.evaluate
print(f"train {len(train_index)}, validation {len(val_index)}, test {len(test_set)} (locked)")
print("validation per class:", dict(zip(classes, np.bincount(train_labels[val_index]).tolist())))
print(test_set)

# %% [markdown]
# ## Session 2 · Build, train, and compare on validation only
#
# **Input scaling from the training images only.** Each channel is shifted
# and scaled by the mean and standard deviation of the *training* pixels.
# Computing them on all the data would let the validation and test images
# leak into the model, a little, before it is even trained.

# %%
TRAIN_MEAN = train_images[train_index].reshape(-1, 3).mean(axis=0) / 255.0
TRAIN_STD = train_images[train_index].reshape(-1, 3).std(axis=0) / 255.0


def prepare(images: np.ndarray) -> np.ndarray:
    """uint8 (n, 32, 32, 3) images -> float32 (n, 3, 32, 32), normalised with the training statistics."""
    return normalize(to_float_nchw(images), TRAIN_MEAN, TRAIN_STD)


train_data = (prepare(train_images[train_index]), train_labels[train_index])
val_data = (prepare(train_images[val_index]), train_labels[val_index])
print("channel mean", np.round(TRAIN_MEAN, 3), "std", np.round(TRAIN_STD, 3))

# %% [markdown]
# **Three variants.** Each adds one idea to the one before, so the
# differences can be read one step at a time:
#
# | variant | what changes |
# | --- | --- |
# | baseline | the weekend-4 CNN (`cifar_cnn`), SGD with Nesterov momentum and weight decay 5·10⁻⁴, one-cycle learning rate |
# | + augmentation | every training batch randomly shifted by up to 2 pixels and mirrored (`random_crop_flip`) |
# | + aug. + label smoothing | the loss aims at 0.93 / 0.033 / 0.033 instead of 1 / 0 / 0 (`label_smoothing=0.1`) |
#
# Augmentation needs one change to the training loop: the batch is
# augmented just before the training step. A four-line subclass of
# `Trainer` does it; validation and prediction see the images unchanged.


# %%
class AugmentedTrainer(Trainer):
    """A Trainer that shows every training batch randomly shifted and mirrored."""

    def train_step(self, inputs, targets):
        return super().train_step(random_crop_flip(inputs, padding=2, rng=self.rng), targets)


VARIANTS = {
    "baseline": {"augment": False, "label_smoothing": 0.0},
    "+ augmentation": {"augment": True, "label_smoothing": 0.0},
    "+ aug. + label smoothing": {"augment": True, "label_smoothing": 0.1},
}
LEARNING_RATE, BATCH_SIZE = 0.05, 64
runs = {}  # (variant, seed) -> trained Trainer


def train_variant(name: str, seed: int) -> float:
    """Train one variant with one seed on the training set; return its VALIDATION accuracy."""
    settings = VARIANTS[name]
    rng = np.random.default_rng(seed)  # initial weights, batch order and augmentation
    model = cifar_cnn(WIDTHS, num_classes=len(classes), rng=rng)
    optimizer = SGD(model.parameters(), lr=LEARNING_RATE, momentum=0.9, nesterov=True, weight_decay=5e-4)
    steps_per_epoch = math.ceil(len(train_data[1]) / BATCH_SIZE)
    scheduler = OneCycleLR(optimizer, max_lr=LEARNING_RATE, epochs=EPOCHS, steps_per_epoch=steps_per_epoch)
    trainer_class = AugmentedTrainer if settings["augment"] else Trainer
    trainer = trainer_class(
        model, CrossEntropyLoss(label_smoothing=settings["label_smoothing"]), optimizer,
        scheduler=scheduler, scheduler_interval="step", progress=False,
    )
    started = time.perf_counter()
    trainer.fit(train_data, val_data, epochs=EPOCHS, batch_size=BATCH_SIZE, rng=rng)
    runs[(name, seed)] = trainer
    score = trainer.history["val_accuracy"][-1]
    print(f"{name:<26} seed {seed}: validation accuracy {score:.3f} ({time.perf_counter() - started:.0f} s)")
    return score


# %% [markdown]
# **The ablation.** `run_ablation` trains every variant with the same three
# seeds and reports the mean validation accuracy with a 95 % confidence
# interval (Student's *t*, two degrees of freedom: with three seeds the
# interval is wide, about 2.5 standard deviations on each side).

# %%
ablation = run_ablation({name: (lambda seed, name=name: train_variant(name, seed)) for name in VARIANTS}, SEEDS)
display(Markdown(ablation.to_markdown(digits=3)))

# %% [markdown]
# **Choose on validation.** The winner is the variant with the best mean
# validation accuracy. Whether it is *clearly* better is a separate question:
# if its interval overlaps the others', these runs cannot tell them apart, and
# more seeds or more data would be needed to claim a difference.

# %%
winner = max(ablation.rows, key=lambda row: row.mean)
runner_up = max((row for row in ablation.rows if row.name != winner.name), key=lambda row: row.mean)
print(f"chosen on validation: {winner.name!r}, {winner.mean:.3f} [{winner.low:.3f}, {winner.high:.3f}]")
separated = winner.low > runner_up.high
print(f"runner-up {runner_up.name!r}: {runner_up.mean:.3f} [{runner_up.low:.3f}, {runner_up.high:.3f}] -> "
      + ("the intervals do not overlap" if separated else "the intervals overlap: not shown to be better"))
plot_ablation(ablation, ylabel="validation accuracy", highlight=winner.name);

# %% [markdown]
# The final model is the winner trained with the **first** seed, not its
# luckiest one: picking the best of three seeds would be one more choice
# made on validation noise. Its learning curves:

# %%
final_trainer = runs[(winner.name, SEEDS[0])]
plot_history(final_trainer.history, title=f"{winner.name}, seed {SEEDS[0]}");

# %% [markdown]
# ## Session 3 · One look at the test set, then deploy
#
# Everything is decided: the variant, the seed, the epochs. Now, and only
# now, the test set is evaluated. The evaluation function receives the
# locked images and returns everything we want to report, so there is no
# reason to come back.


# %%
def test_report(trainer):
    """Return a function for ``test_set.evaluate`` that measures ``trainer``'s model."""

    def evaluate(images, labels):
        predictions = np.argmax(trainer.predict(prepare(images)), axis=1)
        wrong = np.flatnonzero(predictions != labels)
        return {
            "accuracy": accuracy(labels, predictions),
            "labels": labels,
            "predictions": predictions,
            "wrong_images": images[wrong],
            "wrong_index": wrong,
        }

    return evaluate


final = test_set.evaluate(test_report(final_trainer), note=f"final model: {winner.name}, seed {SEEDS[0]}")
estimate, low, high = bootstrap_ci((final["labels"], final["predictions"]), rng=np.random.default_rng(0))
validation_score = final_trainer.history["val_accuracy"][-1]
print(f"test accuracy {estimate:.3f}, 95% bootstrap CI [{low:.3f}, {high:.3f}] on {len(test_set)} images")
print(f"validation accuracy of the same model: {validation_score:.3f}")

# %% [markdown]
# Which class is mistaken for which, and some of the mistakes themselves
# (red: predicted class, then true class):

# %%
cm = confusion_matrix(final["labels"], final["predictions"], n_classes=len(classes))
plot_confusion_matrix(cm, classes, title="Test set, final model");
shown = np.sort(np.random.default_rng(0).choice(len(final["wrong_index"]), min(16, len(final["wrong_index"])),
                                                replace=False))  # a random few, from every class
wrong = final["wrong_index"][shown]
show_images(final["wrong_images"][shown], final["labels"][wrong], final["predictions"][wrong],
            class_names=classes, ncols=8, title="Misclassified test images");

# %% [markdown]
# **A second look is refused.** Suppose the test score disappoints and we
# are tempted to try the runner-up on the test set "just to see". The
# `HeldOutTestSet` refuses, and says why:

# %%
runner_up_trainer = runs[(runner_up.name, SEEDS[0])]
try:
    test_set.evaluate(test_report(runner_up_trainer), note="runner-up, just to see")
except TestSetReuseError as error:
    print("TestSetReuseError:", error)

# %% [markdown]
# **The explicit override.** Sometimes a second evaluation is legitimate,
# for example to report the runner-up's test score in the write-up *after*
# the choice was made. `override=True` allows it, loudly: a warning is
# issued and the log keeps every evaluation, so the report can say how many
# times the test set was used.

# %%
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    extra = test_set.evaluate(
        test_report(runner_up_trainer), override=True,
        note=f"runner-up ({runner_up.name}), for the report only, after the final choice",
    )
print("warning:", caught[0].message)
print(f"runner-up test accuracy {extra['accuracy']:.3f} (not used to choose anything)")
for number, record in enumerate(test_set.log, start=1):
    print(f"evaluation {number}: override={record['override']}, accuracy {record['result']['accuracy']:.3f}, "
          f"note: {record['note']}")

# %% [markdown]
# **Serve it.** The model file carries its weights, its architecture, its
# class names and the preprocessing (the training mean and standard
# deviation), so the server prepares an upload exactly as `prepare` did.
# `classroom serve --model month2_cat_dog_ship.npz` runs it for real (see
# weekend 8); here FastAPI's test client sends one JPEG of the validation
# set to the same application in memory.

# %%
with warnings.catch_warnings():  # newer Starlette versions warn about the httpx client it still uses
    warnings.filterwarnings("ignore", message=".*httpx")
    from fastapi.testclient import TestClient  # noqa: E402

from classroom.serve.app import create_app  # noqa: E402
from classroom.serve.model_file import export_model  # noqa: E402

model_path = export_model(
    cache_dir() / "month2_cat_dog_ship.npz",
    final_trainer.model,
    metadata={
        "name": "cat-dog-ship",
        "version": "1",
        "architecture": {"name": "cifar_cnn", "widths": list(WIDTHS), "convs_per_stage": 1,
                         "num_classes": len(classes), "seed": SEEDS[0]},
        "input_shape": [3, 32, 32],
        "classes": classes,
        "preprocess": {"mode": "RGB", "size": [32, 32], "mean": TRAIN_MEAN.tolist(), "std": TRAIN_STD.tolist()},
        "metrics": {"validation_accuracy": validation_score, "test_accuracy": final["accuracy"]},
    },
)
client = TestClient(create_app([model_path]))
kept_paths = [path for path, kept in zip(train_folder.paths, keep) if kept]
photo = FOLDER / kept_paths[val_index[0]]
response = client.post("/predict", files={"file": (photo.name, photo.read_bytes(), "image/jpeg")})
served = response.json()["predictions"][0]
logits = final_trainer.predict(val_data[0][:1])[0]  # the same image, prepared by the notebook
offline = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
print(f"POST /predict -> {response.status_code}: {served['label']} with probability {served['probability']:.4f}")
print(f"same image in the notebook: {classes[int(np.argmax(offline))]} with probability {offline.max():.4f}")

# %% [markdown]
# ## Reflect
#
# Write the 300-word reflection described on the lesson page: the
# validation and test numbers side by side (with their intervals), whether
# the ablation separated the variants, what the confusion matrix and the
# mistakes above tell you about the data, and what you would change with
# another week. Then run `scripts/month2_ablation.py` for the full-size
# numbers.
