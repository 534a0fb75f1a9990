"""Full run of the question "How much more expensive is training from scratch than transfer learning?".

Pretrains the weekend-4 CNN (``classroom.models.cnn.cifar_cnn``) on seven
CIFAR-10 classes, then learns the other three (``--target-classes``,
default cat, deer, dog) from ``--sizes`` training images each way:

* from scratch, ``--steps`` optimizer steps;
* from scratch, ``--scratch-factor`` times as many steps;
* fine-tuned: ``transfer_weights`` from the pretrained network (all but the
  head), then ``--steps`` steps of the same recipe;
* linear probe: the pretrained feature layers frozen (``split_head``),
  features computed once, only the head trained (``--probe-steps`` steps).

Every CNN run uses the same recipe (SGD, Nesterov momentum, weight decay,
one-cycle learning rate peaking at ``--lr``, batches of 64, random crop and
flip). Records test accuracy on the target classes and training seconds.

Writes ``runs/questions/transfer-vs-scratch.json``, which the page
``docs/questions/transfer-vs-scratch.py`` reads.

Usage::

    python scripts/question_transfer_vs_scratch.py --threads 1      # about 5 minutes on one core
    python scripts/question_transfer_vs_scratch.py --widths 4 8 --pretrain-images 700 --pretrain-epochs 1 \\
        --steps 5 --sizes 30 60 --test-size 60 --out /tmp/q
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

from classroom.data import CIFAR10_CLASSES, CIFAR10_MEAN, CIFAR10_STD, load_cifar10, normalize, random_crop_flip, to_float_nchw
from classroom.models.cnn import cifar_cnn
from classroom.models.transfer import split_head, transfer_weights
from classroom.nn import CrossEntropyLoss
from classroom.nn.parallel import use_threads
from classroom.optim import SGD
from classroom.optim.lr_scheduler import OneCycleLR
from classroom.train import Trainer
from classroom.train.runs import add_run_options, apply_run_options, finish_run, start_run

ROOT = Path(__file__).resolve().parents[1]
SLUG = "transfer-vs-scratch"
BATCH = 64


def parse_arguments(argv=None) -> argparse.Namespace:
    """Read the command-line options (see ``--help``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target-classes", type=int, nargs="+", default=[3, 4, 5],
                        help="CIFAR-10 labels of the new task (default 3 4 5: cat, deer, dog); the rest pretrain")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 2000], help="target training images")
    parser.add_argument("--widths", type=int, nargs="+", default=[16, 32, 64, 128], help="CNN stage widths")
    parser.add_argument("--pretrain-images", type=int, default=35000,
                        help="pretraining images, the same number per class (default 35000: all of them)")
    parser.add_argument("--pretrain-epochs", type=int, default=3, help="pretraining epochs (default 3)")
    parser.add_argument("--steps", type=int, default=200, help="optimizer steps of each target run (default 200)")
    parser.add_argument("--scratch-factor", type=int, default=3, help="the longer scratch run's step multiple")
    parser.add_argument("--probe-steps", type=int, default=300, help="steps of the linear probe's head")
    parser.add_argument("--lr", type=float, default=0.2, help="peak learning rate of every CNN run")
    parser.add_argument("--test-size", type=int, default=3000, help="target test images (default 3000: all)")
    parser.add_argument("--threads", type=int, default=1, help="cores: worker threads that split each batch (default 1)")
    add_run_options(parser, out=ROOT / "runs" / "questions", seed=0)
    arguments = parser.parse_args(argv)
    if len(set(arguments.target_classes)) < 2 or not set(arguments.target_classes) <= set(range(10)):
        parser.error("--target-classes must be at least two different CIFAR-10 labels 0-9")
    if min(arguments.sizes) < len(arguments.target_classes) or arguments.steps < 1 or arguments.scratch_factor < 1:
        parser.error("--sizes must give at least one image per target class, --steps and --scratch-factor >= 1")
    return arguments


def to_input(images: np.ndarray) -> np.ndarray:
    """uint8 NHWC images -> normalised float32 NCHW network input."""
    return normalize(to_float_nchw(images), CIFAR10_MEAN, CIFAR10_STD)


def renumber(labels: np.ndarray, classes) -> np.ndarray:
    """Map the CIFAR-10 labels in ``classes`` to 0, 1, 2, ... in that order."""
    table = np.full(10, -1)
    table[list(classes)] = np.arange(len(classes))
    return table[labels]


def balanced_subset(indices, labels, per_class, seed) -> np.ndarray:
    """``per_class`` of ``indices`` drawn at random from each class, in random order."""
    rng = np.random.default_rng(seed)
    chosen = [rng.permutation(indices[labels[indices] == label])[:per_class] for label in np.unique(labels[indices])]
    return rng.permutation(np.concatenate(chosen))


def train_steps(model, images, labels, steps, *, seed, lr) -> float:
    """Train ``model`` for ``steps`` augmented mini-batches with the weekend-4 recipe; return the seconds."""
    rng = np.random.default_rng(seed)
    model[0].input_requires_grad = False
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
        index = order[position : position + batch]
        position += batch
        trainer.train_step(random_crop_flip(to_input(images[index]), padding=2, rng=rng), labels[index])
    return time.perf_counter() - started


def accuracy(model, inputs, labels, batch_size=500) -> float:
    """Accuracy in eval mode."""
    model.eval()
    predictions = np.concatenate([np.argmax(model(inputs[start : start + batch_size]), axis=1)
                                  for start in range(0, len(inputs), batch_size)])
    return float(np.mean(predictions == labels))


def linear_probe(pretrained, images, labels, arguments, classes):
    """Train only a new head on fixed pretrained features; return (model, seconds)."""
    model = cifar_cnn(widths=arguments.widths, num_classes=classes, rng=arguments.seed + 1)
    transfer_weights(pretrained, model)
    features, head = split_head(model)
    started = time.perf_counter()
    features.eval()
    train_features = np.concatenate([features(to_input(images[start : start + 500]))
                                     for start in range(0, len(images), 500)])
    epochs = math.ceil(arguments.probe_steps / math.ceil(len(labels) / BATCH))
    Trainer(head, CrossEntropyLoss(), SGD(head.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4),
            progress=False).fit((train_features, labels), epochs=epochs, batch_size=BATCH, rng=arguments.seed)
    return model, time.perf_counter() - started


def main(argv=None) -> int:
    """Pretrain, then learn the target task four ways at every size; write the JSON record."""
    arguments = parse_arguments(argv)
    apply_run_options(arguments)
    blas = use_threads(arguments.threads)
    start = start_run()
    target_classes = list(arguments.target_classes)
    source_classes = [label for label in range(10) if label not in target_classes]
    train_images, train_labels = load_cifar10("train")
    test_images, test_labels = load_cifar10("test")

    source_pool = np.flatnonzero(np.isin(train_labels, source_classes))
    target_pool = np.flatnonzero(np.isin(train_labels, target_classes))
    pretrain_index = balanced_subset(source_pool, train_labels, arguments.pretrain_images // len(source_classes),
                                     seed=arguments.seed)
    rng = np.random.default_rng(12345)
    target_test = rng.permutation(np.flatnonzero(np.isin(test_labels, target_classes)))[: arguments.test_size]
    source_test = np.random.default_rng(12345).permutation(np.flatnonzero(np.isin(test_labels, source_classes)))[:3000]
    x_test, y_test = to_input(test_images[target_test]), renumber(test_labels[target_test], target_classes)

    pretrained = cifar_cnn(widths=arguments.widths, num_classes=len(source_classes), rng=arguments.seed)
    pretrain_steps = arguments.pretrain_epochs * math.ceil(len(pretrain_index) / BATCH)
    print(f"pretraining on {len(pretrain_index)} images, {pretrain_steps} steps", flush=True)
    pretrain_seconds = train_steps(pretrained, train_images[pretrain_index],
                                   renumber(train_labels[pretrain_index], source_classes), pretrain_steps,
                                   seed=arguments.seed, lr=arguments.lr)
    source_accuracy = accuracy(pretrained, to_input(test_images[source_test]),
                               renumber(test_labels[source_test], source_classes))
    print(f"pretrained in {pretrain_seconds:.0f} s, seven-class accuracy {source_accuracy:.3f}", flush=True)

    results = []
    classes = len(target_classes)
    for size in arguments.sizes:
        index = balanced_subset(target_pool, train_labels, math.ceil(size / classes), seed=arguments.seed + 1)
        images, labels = train_images[index], renumber(train_labels[index], target_classes)
        row = {"size": size, "images": int(len(labels))}
        for name, steps, transfer in (("scratch", arguments.steps, False),
                                      ("scratch_long", arguments.steps * arguments.scratch_factor, False),
                                      ("fine_tuned", arguments.steps, True)):
            model = cifar_cnn(widths=arguments.widths, num_classes=classes, rng=arguments.seed + 1)
            if transfer:
                row["arrays_copied"] = len(transfer_weights(pretrained, model))
            row[f"{name}_seconds"] = train_steps(model, images, labels, steps, seed=arguments.seed + 1, lr=arguments.lr)
            row[name] = accuracy(model, x_test, y_test)
        probe, row["probe_seconds"] = linear_probe(pretrained, images, labels, arguments, classes)
        row["probe"] = accuracy(probe, x_test, y_test)
        results.append(row)
        print(f"{len(labels)} images: scratch {row['scratch']:.3f} ({row['scratch_seconds']:.0f} s), "
              f"scratch x{arguments.scratch_factor} {row['scratch_long']:.3f} ({row['scratch_long_seconds']:.0f} s), "
              f"fine-tuned {row['fine_tuned']:.3f} ({row['fine_tuned_seconds']:.0f} s), "
              f"probe {row['probe']:.3f} ({row['probe_seconds']:.1f} s)", flush=True)

    finish_run(
        start,
        script="scripts/question_transfer_vs_scratch.py",
        argv=argv,
        arguments=arguments,
        results={
            "widths": list(arguments.widths),
            "source_classes": [CIFAR10_CLASSES[label] for label in source_classes],
            "target_classes": [CIFAR10_CLASSES[label] for label in target_classes],
            "recipe": f"SGD Nesterov momentum 0.9, weight decay 5e-4, one-cycle to lr {arguments.lr}, batch {BATCH}, "
                      "random crop (padding 2) and flip; fixed number of steps",
            "pretraining": {"images": int(len(pretrain_index)), "steps": pretrain_steps,
                            "seconds": round(pretrain_seconds, 1), "source_accuracy": source_accuracy,
                            "source_test_images": int(len(source_test))},
            "test_images": int(len(y_test)),
            "results": results,
        },
        out=arguments.out,
        name=SLUG,
        threads=arguments.threads,
        blas=blas,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
