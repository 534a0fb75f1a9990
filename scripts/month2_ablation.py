"""Full run of the month-2 week: ship a three-class classifier with train/val/test discipline.

The same steps as the notebook ``docs/month-2/ship_a_classifier.py``, at full size:

1. ``scripts/make_image_folder_subset.py`` writes an image folder of three
   CIFAR-10 classes (default cat, dog, ship; 2,000 training and 1,000 test
   images per class), loaded with ``classroom.data.load_image_folder``;
2. training images that also appear in the test folder (exact pixel copies)
   are dropped from training; the training folder is split once into
   training (80 %) and validation (20 %), stratified, with a fixed seed; the
   test folder goes into a ``HeldOutTestSet``;
3. ``run_ablation``: three variants of the weekend-4 CNN (baseline;
   + random crop/flip augmentation; + augmentation + label smoothing), each
   trained with three seeds and scored on the **validation** set;
4. the variant with the best mean validation accuracy wins; its first-seed
   model is evaluated **once** on the test set (accuracy with a bootstrap
   95 % interval, confusion matrix).

Outputs in ``--out`` (default ``runs/month2/``): ``metrics.json`` (settings,
command, date, per-seed scores, the table, the test result and the test set's
evaluation log), ``ablation.png``, ``confusion.png``, and the chosen model
as ``cat_dog_ship.npz`` (+ ``.sha256``) for ``classroom serve``.

Usage::

    python scripts/month2_ablation.py                      # full run, about 5-8 minutes on 2 cores
    python scripts/month2_ablation.py --train-per-class 300 --test-per-class 100 --epochs 1 \\
        --widths 16 32 64 128 --out /tmp/month2-try       # a quick try
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import math
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

from classroom.data import (
    cache_dir,
    load_image_folder,
    normalize,
    random_crop_flip,
    stratified_split,
    to_float_nchw,
)
from classroom.evaluation.experiments import HeldOutTestSet, run_ablation
from classroom.evaluation.metrics import accuracy, bootstrap_ci, confusion_matrix
from classroom.io.atomic import atomic_write
from classroom.models.cnn import cifar_cnn
from classroom.nn import CrossEntropyLoss
from classroom.optim import SGD
from classroom.optim.lr_scheduler import OneCycleLR
from classroom.plots.ablation import plot_ablation
from classroom.train import Trainer
from classroom.train.runs import (
    NOT_TAKEN,
    add_run_options,
    apply_run_options,
    command_record,
    machine_record,
)

SPLIT_SEED = 2026
#: name -> (augment with random_crop_flip, label smoothing)
VARIANTS = {
    "baseline": (False, 0.0),
    "+ augmentation": (True, 0.0),
    "+ aug. + label smoothing": (True, 0.1),
}


class AugmentedTrainer(Trainer):
    """A Trainer that shows every training batch randomly shifted (up to 2 pixels) and mirrored."""

    def train_step(self, inputs, targets):
        return super().train_step(random_crop_flip(inputs, padding=2, rng=self.rng), targets)


def parse_args(argv=None) -> argparse.Namespace:
    """Read the command-line options (see ``--help``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--classes", nargs="+", default=["cat", "dog", "ship"], help="CIFAR-10 classes (default cat dog ship)")
    parser.add_argument("--train-per-class", type=int, default=2000, help="training-folder images per class (default 2000)")
    parser.add_argument("--test-per-class", type=int, default=1000, help="test images per class (default 1000)")
    parser.add_argument("--epochs", type=int, default=4, help="epochs per run (default 4)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds (default 0 1 2)")
    parser.add_argument("--widths", type=int, nargs="+", default=[32, 64, 128, 256], help="CNN stage widths")
    parser.add_argument("--batch-size", type=int, default=64, help="mini-batch size (default 64)")
    parser.add_argument("--lr", type=float, default=0.05, help="peak learning rate of the one-cycle schedule")
    parser.add_argument("--folder", type=Path, default=None, help="image folder to write/reuse (default: in the data cache)")
    add_run_options(parser, out=ROOT / "runs" / "month2", threads=2, seed=NOT_TAKEN)  # --seeds: one run per seed
    args = parser.parse_args(argv)
    for name in ("train_per_class", "test_per_class", "epochs", "batch_size", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if len(args.seeds) < 2:
        parser.error(f"--seeds needs at least 2 seeds for a confidence interval, got {args.seeds}")
    if not args.lr > 0:
        parser.error(f"--lr must be positive, got {args.lr}")
    return args


def make_folder(args) -> Path:
    """Write (or reuse) the image folder with ``scripts/make_image_folder_subset.py``; return it."""
    spec = importlib.util.spec_from_file_location("make_image_folder_subset", ROOT / "scripts" / "make_image_folder_subset.py")
    subset_script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(subset_script)
    folder = args.folder or cache_dir() / f"month2-{'-'.join(args.classes)}-{args.train_per_class}-{args.test_per_class}"
    manifest = subset_script.make_subset(
        folder, args.classes, train_per_class=args.train_per_class, test_per_class=args.test_per_class
    )
    print(f"image folder {folder.name}: {manifest['counts']} ({'reused' if manifest['reused'] else 'written'})")
    return folder


def save_figure(figure, path: Path) -> None:
    """Save a matplotlib figure as PNG, atomically."""
    with atomic_write(path, "wb") as stream:
        figure.savefig(stream, format="png", dpi=100)


def main(argv=None) -> int:
    """Run the whole week at full size; write the outputs; print the summary."""
    args = parse_args(argv)
    blas = apply_run_options(args)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from classroom.plots import plot_confusion_matrix
    from classroom.serve.model_file import export_model

    args.out.mkdir(parents=True, exist_ok=True)
    started_at = dt.datetime.now(dt.timezone.utc)
    started = time.perf_counter()

    # 1. The image folder, loaded as a learner loads their photos.
    folder = make_folder(args)
    train_folder = load_image_folder(folder, split="train", size=(32, 32))
    test_folder = load_image_folder(folder, split="test", size=(32, 32))
    classes = train_folder.classes

    # 2. Duplicates out of training, split once, lock the test set.
    test_prints = {image.tobytes() for image in test_folder.images}
    keep = np.array([image.tobytes() not in test_prints for image in train_folder.images])
    train_images, train_labels = train_folder.images[keep], train_folder.labels[keep]
    train_index, val_index = stratified_split(train_labels, (0.8, 0.2), seed=SPLIT_SEED)
    test_set = HeldOutTestSet(test_folder.images, test_folder.labels, name=f"{'-'.join(classes)} test")
    del test_folder, test_prints
    mean = train_images[train_index].reshape(-1, 3).mean(axis=0) / 255.0
    std = train_images[train_index].reshape(-1, 3).std(axis=0) / 255.0

    def prepare(images):
        return normalize(to_float_nchw(images), mean, std)

    train_data = (prepare(train_images[train_index]), train_labels[train_index])
    val_data = (prepare(train_images[val_index]), train_labels[val_index])
    print(f"train {len(train_index)}, validation {len(val_index)}, test {len(test_set)} (locked); "
          f"{int((~keep).sum())} training images dropped as copies of test images")

    # 3. The ablation, scored on validation.
    runs = {}

    def train_variant(name, seed):
        augment, label_smoothing = VARIANTS[name]
        rng = np.random.default_rng(seed)
        model = cifar_cnn(args.widths, num_classes=len(classes), rng=rng)
        optimizer = SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
        steps = math.ceil(len(train_data[1]) / args.batch_size)
        scheduler = OneCycleLR(optimizer, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=steps)
        trainer = (AugmentedTrainer if augment else Trainer)(
            model, CrossEntropyLoss(label_smoothing=label_smoothing), optimizer,
            scheduler=scheduler, scheduler_interval="step", progress=False,
        )
        run_started = time.perf_counter()
        trainer.fit(train_data, val_data, epochs=args.epochs, batch_size=args.batch_size, rng=rng)
        runs[(name, seed)] = trainer
        score = trainer.history["val_accuracy"][-1]
        print(f"{name:<26} seed {seed}: validation accuracy {score:.4f} ({time.perf_counter() - run_started:.0f} s)",
              flush=True)
        return score

    ablation = run_ablation({name: (lambda seed, name=name: train_variant(name, seed)) for name in VARIANTS}, args.seeds)
    winner = max(ablation.rows, key=lambda row: row.mean)
    print(ablation.to_markdown(digits=4))
    print(f"chosen on validation: {winner.name}")
    figure = plot_ablation(ablation, ylabel="validation accuracy", highlight=winner.name)
    save_figure(figure, args.out / "ablation.png")
    plt.close(figure)

    # 4. The single test evaluation.
    final_trainer = runs[(winner.name, args.seeds[0])]

    def evaluate(images, labels):
        predictions = np.argmax(final_trainer.predict(prepare(images)), axis=1)
        return {"accuracy": accuracy(labels, predictions), "labels": labels, "predictions": predictions}

    final = test_set.evaluate(evaluate, note=f"final model: {winner.name}, seed {args.seeds[0]}")
    estimate, low, high = bootstrap_ci((final["labels"], final["predictions"]), rng=np.random.default_rng(0))
    cm = confusion_matrix(final["labels"], final["predictions"], n_classes=len(classes))
    figure = plot_confusion_matrix(cm, classes, title=f"Test set, {winner.name}, seed {args.seeds[0]}")
    save_figure(figure, args.out / "confusion.png")
    plt.close(figure)
    validation_score = final_trainer.history["val_accuracy"][-1]
    seconds = time.perf_counter() - started
    print(f"test accuracy {estimate:.4f}, 95% bootstrap CI [{low:.4f}, {high:.4f}] on {len(test_set)} images; "
          f"validation {validation_score:.4f}; {seconds:.0f} s in all")

    architecture = {"name": "cifar_cnn", "widths": list(args.widths), "convs_per_stage": 1,
                    "num_classes": len(classes), "seed": args.seeds[0]}
    model_path = export_model(
        args.out / f"{'_'.join(classes)}.npz",
        final_trainer.model,
        metadata={
            "name": "-".join(classes),
            "version": "1",
            "architecture": architecture,
            "input_shape": [3, 32, 32],
            "classes": classes,
            "preprocess": {"mode": "RGB", "size": [32, 32], "mean": mean.tolist(), "std": std.tolist()},
            "metrics": {"validation_accuracy": validation_score, "test_accuracy": estimate,
                        "test_accuracy_ci95": [low, high]},
        },
    )
    command = command_record("scripts/month2_ablation.py", argv)
    metrics = {
        "command": command,
        "date": started_at.strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": round(seconds, 1),
        "data": {"classes": classes, "train": len(train_index), "validation": len(val_index), "test": len(test_set),
                 "dropped_test_copies": int((~keep).sum()), "split_seed": SPLIT_SEED},
        "settings": {"epochs": args.epochs, "widths": list(args.widths), "batch_size": args.batch_size,
                     "lr": args.lr, "optimizer": "SGD(momentum=0.9, nesterov=True, weight_decay=5e-4)",
                     "schedule": "OneCycleLR per step", "augmentation": "random_crop_flip(padding=2)",
                     "label_smoothing": 0.1, "threads": args.threads},
        "ablation": ablation.to_dict(),
        "ablation_markdown": ablation.to_markdown(digits=4),
        "winner": winner.name,
        "final": {"validation_accuracy": validation_score, "test_accuracy": estimate, "test_ci95": [low, high],
                  "confusion_matrix": cm.tolist()},
        "test_set_log": [{key: record[key] for key in ("time", "note", "override")} for record in test_set.log],
        "model_file": model_path.name,
        "machine": machine_record(threads=args.threads, blas=blas),
    }
    with atomic_write(args.out / "metrics.json", "w") as stream:
        json.dump(metrics, stream, indent=2)
    print(f"outputs in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
