"""Full run of the question "What is all this about dense versus sparse networks?".

Magnitude pruning (``classroom.nn.pruning``) of two trained networks, at
every sparsity in ``--sparsities``:

* the MLP 784-300-100-10 (LeNet-300-100) on MNIST: test accuracy after
  pruning per layer, pruning globally, and pruning globally then fine-tuning
  one epoch with the masks fixed (``KeepMasks``);
* the weekend-4 CNN (``cifar_cnn``) on CIFAR-10: the same, plus the accuracy
  after only re-measuring batch norm's running statistics
  (``recalibrate_batch_norm``).

Then the timings: a forward pass of each network dense and 90% pruned (dense
NumPy does not skip zeros), the MLP's first layer as a dense product against
SciPy's CSR sparse product (when SciPy is installed), and the compressed
size of the pruned MLP.

Writes ``runs/questions/dense-vs-sparse.json``, which the page
``docs/questions/dense-vs-sparse.py`` reads.

Usage::

    python scripts/question_dense_vs_sparse.py --threads 1          # about 5 minutes on one core
    python scripts/question_dense_vs_sparse.py --mlp-train 2000 --mlp-epochs 1 --cnn-train 500 --cnn-epochs 1 \\
        --cnn-widths 4 8 --cnn-tune 200 --test-size 200 --mnist-test 500 --sparsities 0.5 0.9 --out /tmp/q
"""

from __future__ import annotations

import argparse
import io
import math
import sys
import time
from pathlib import Path

import numpy as np

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
from classroom.evaluation.timing import time_call
from classroom.models.cnn import cifar_cnn
from classroom.models.mlp import MLP
from classroom.nn import CrossEntropyLoss, Linear, Sequential
from classroom.nn.parallel import use_threads
from classroom.nn.pruning import layer_sparsity, magnitude_prune, recalibrate_batch_norm, sparsity
from classroom.optim import SGD
from classroom.optim.lr_scheduler import OneCycleLR
from classroom.train import Trainer
from classroom.train.callbacks.keep_masks import KeepMasks
from classroom.train.runs import add_run_options, apply_run_options, finish_run, start_run

ROOT = Path(__file__).resolve().parents[1]
SLUG = "dense-vs-sparse"


def parse_arguments(argv=None) -> argparse.Namespace:
    """Read the command-line options (see ``--help``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sparsities", type=float, nargs="+", default=[0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99],
                        help="fractions of the weights to remove (0 is always measured too)")
    parser.add_argument("--mlp-train", type=int, default=60000, help="MNIST training images (default all 60000)")
    parser.add_argument("--mlp-epochs", type=int, default=10, help="epochs of dense MLP training (default 10)")
    parser.add_argument("--cnn-train", type=int, default=15000, help="CIFAR-10 training images (default 15000)")
    parser.add_argument("--cnn-epochs", type=int, default=5, help="epochs of dense CNN training (default 5)")
    parser.add_argument("--cnn-widths", type=int, nargs="+", default=[16, 32, 64, 128], help="CNN stage widths")
    parser.add_argument("--cnn-tune", type=int, default=5000, help="CIFAR-10 images of the one-epoch fine-tune (default 5000)")
    parser.add_argument("--test-size", type=int, default=3000, help="CIFAR-10 test images, a random subset (default 3000)")
    parser.add_argument("--mnist-test", type=int, default=10000, help="MNIST test images (default all 10000)")
    parser.add_argument("--fine-tune-lr", type=float, default=0.02, help="learning rate of the fine-tune")
    parser.add_argument("--threads", type=int, default=1, help="cores: worker threads that split each batch (default 1)")
    add_run_options(parser, out=ROOT / "runs" / "questions", seed=0)
    arguments = parser.parse_args(argv)
    if any(not 0 < value < 1 for value in arguments.sparsities):
        parser.error("--sparsities must lie strictly between 0 and 1")
    return arguments


def accuracy(model, inputs, labels, batch_size=500) -> float:
    """Test accuracy in eval mode."""
    model.eval()
    predictions = np.concatenate([np.argmax(model(inputs[start : start + batch_size]), axis=1)
                                  for start in range(0, len(inputs), batch_size)])
    return float(np.mean(predictions == labels))


def fine_tune(model, masks, inputs, labels, *, lr, batch_size, seed, weight_decay=0.0) -> None:
    """One epoch of SGD (Nesterov momentum, one-cycle up to ``lr`` and down), the pruned zeros kept by KeepMasks."""
    optimizer = SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=weight_decay)
    scheduler = OneCycleLR(optimizer, max_lr=lr, epochs=1, steps_per_epoch=math.ceil(len(labels) / batch_size),
                           pct_start=0.25)
    trainer = Trainer(model, CrossEntropyLoss(), optimizer, scheduler=scheduler, scheduler_interval="step",
                      callbacks=[KeepMasks(masks)], progress=False)
    trainer.fit((inputs, labels), epochs=1, batch_size=batch_size, rng=seed)


def to_input(images: np.ndarray) -> np.ndarray:
    """uint8 NHWC images -> normalised float32 NCHW network input."""
    return normalize(to_float_nchw(images), CIFAR10_MEAN, CIFAR10_STD)


def paired_ms(models, inputs, rounds=5, repeats=5) -> list:
    """Forward-pass milliseconds of each model, timed in turns: the lowest of ``rounds`` medians each."""
    best = [math.inf] * len(models)
    for _ in range(rounds):
        for position, model in enumerate(models):
            model.eval()
            best[position] = min(best[position], time_call(lambda: model(inputs), repeats=repeats).median_ms)
    return best


def run_mlp(arguments, sparsities):
    """Train the dense MLP, prune it at every sparsity, fine-tune; return (record, model, dense state, test x)."""
    images, labels = load_mnist("train")
    test_images, test_labels = load_mnist("test")
    index = np.random.default_rng(arguments.seed).permutation(len(labels))[: arguments.mlp_train]
    test_index = np.random.default_rng(1).permutation(len(test_labels))[: arguments.mnist_test]
    x, y = mnist_as_float(images[index]), labels[index]
    x_test, y_test = mnist_as_float(test_images[test_index]), test_labels[test_index]
    model = MLP(784, [300, 100], 10, rng=arguments.seed)
    model[0].input_requires_grad = False
    started = time.perf_counter()
    Trainer(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1, momentum=0.9), progress=False).fit(
        (x, y), epochs=arguments.mlp_epochs, batch_size=64, rng=arguments.seed)
    train_seconds = time.perf_counter() - started
    dense_state = model.state_dict()
    dense_accuracy = accuracy(model, x_test, y_test)
    print(f"MLP dense: {dense_accuracy:.4f} after {train_seconds:.0f} s", flush=True)
    rows = []
    for fraction in sparsities:
        model.load_state_dict(dense_state)
        magnitude_prune(model, fraction, scope="layer")
        layer_scope = accuracy(model, x_test, y_test)
        model.load_state_dict(dense_state)
        masks = magnitude_prune(model, fraction)
        pruned = accuracy(model, x_test, y_test)
        per_layer = layer_sparsity(model)
        fine_tune(model, masks, x, y, lr=arguments.fine_tune_lr, batch_size=64, seed=arguments.seed + 1)
        rows.append({"sparsity": fraction, "layer": layer_scope, "global": pruned,
                     "fine_tuned": accuracy(model, x_test, y_test), "sparsity_after_fine_tune": sparsity(model),
                     "per_layer": per_layer})
        print(f"  MLP {fraction:.0%}: per layer {layer_scope:.3f}, global {pruned:.3f}, "
              f"fine-tuned {rows[-1]['fine_tuned']:.3f}", flush=True)
    record = {"train_images": int(len(y)), "test_images": int(len(y_test)), "epochs": arguments.mlp_epochs,
              "architecture": "MLP 784-300-100-10, ReLU", "recipe": "SGD lr 0.1 momentum 0.9, batch 64",
              "fine_tune": f"1 epoch on the training images, SGD Nesterov momentum 0.9, one-cycle to lr "
                           f"{arguments.fine_tune_lr}, KeepMasks",
              "weights": int(sum(mask.size for mask in magnitude_prune(MLP(784, [300, 100], 10), 0).values())),
              "train_seconds": round(train_seconds, 1), "dense_accuracy": dense_accuracy, "rows": rows}
    return record, dense_state, x_test


def run_cnn(arguments, sparsities):
    """Train the dense CNN, prune, recalibrate batch norm, fine-tune; return (record, dense state, test x)."""
    images, labels = load_cifar10("train")
    test_images, test_labels = load_cifar10("test")
    fraction = arguments.cnn_train / len(labels)
    index = stratified_split(labels, (fraction, 1 - fraction), seed=arguments.seed)[0]
    x, y = to_input(images[index]), labels[index]
    tune_fraction = min(1.0, arguments.cnn_tune / len(y))
    tune_index = (np.arange(len(y)) if tune_fraction >= 1 else
                  stratified_split(y, (tune_fraction, 1 - tune_fraction), seed=arguments.seed + 1)[0])
    test_index = np.random.default_rng(12345).permutation(len(test_labels))[: arguments.test_size]
    x_test, y_test = to_input(test_images[test_index]), test_labels[test_index]
    model = cifar_cnn(widths=arguments.cnn_widths, rng=arguments.seed)
    model[0].input_requires_grad = False
    optimizer = SGD(model.parameters(), lr=0.2, momentum=0.9, nesterov=True, weight_decay=5e-4)
    scheduler = OneCycleLR(optimizer, max_lr=0.2, epochs=arguments.cnn_epochs,
                           steps_per_epoch=math.ceil(len(y) / 128), pct_start=0.25)
    started = time.perf_counter()
    Trainer(model, CrossEntropyLoss(), optimizer, scheduler=scheduler, scheduler_interval="step",
            progress=False).fit((x, y), epochs=arguments.cnn_epochs, batch_size=128, rng=arguments.seed)
    train_seconds = time.perf_counter() - started
    dense_state = model.state_dict()
    dense_accuracy = accuracy(model, x_test, y_test)
    print(f"CNN dense: {dense_accuracy:.4f} after {train_seconds:.0f} s", flush=True)
    # Random order: the index arrays are sorted, and CIFAR-10 here is sorted by class; batch-norm batches must be mixed.
    calibration = x[np.random.default_rng(arguments.seed + 2).permutation(tune_index)[:1000]]
    rows = []
    for fraction in sparsities:
        model.load_state_dict(dense_state)
        magnitude_prune(model, fraction, scope="layer")
        row = {"sparsity": fraction, "layer": accuracy(model, x_test, y_test)}
        model.load_state_dict(dense_state)
        masks = magnitude_prune(model, fraction)
        row["global"] = accuracy(model, x_test, y_test)
        recalibrate_batch_norm(model, calibration, batch_size=200)
        row["recalibrated"] = accuracy(model, x_test, y_test)
        # The fine-tune starts from the recalibrated network.
        fine_tune(model, masks, x[tune_index], y[tune_index], lr=arguments.fine_tune_lr, batch_size=128,
                  seed=arguments.seed + 1, weight_decay=5e-4)
        row["fine_tuned"] = accuracy(model, x_test, y_test)
        row["per_layer"] = layer_sparsity(model)
        rows.append(row)
        print(f"  CNN {fraction:.0%}: per layer {row['layer']:.3f}, global {row['global']:.3f}, "
              f"recalibrated {row['recalibrated']:.3f}, fine-tuned {row['fine_tuned']:.3f}", flush=True)
    record = {"widths": list(arguments.cnn_widths), "train_images": int(len(y)), "test_images": int(len(y_test)),
              "epochs": arguments.cnn_epochs, "tune_images": int(len(tune_index)),
              "calibration_images": int(len(calibration)),
              "recipe": "SGD lr 0.2 Nesterov momentum 0.9, weight decay 5e-4, one-cycle, batch 128, no augmentation",
              "fine_tune": f"from the recalibrated model: 1 epoch on the tune images, SGD Nesterov momentum 0.9, "
                           f"weight decay 5e-4, one-cycle to lr {arguments.fine_tune_lr}, KeepMasks",
              "weights": int(sum(m.size for m in magnitude_prune(cifar_cnn(widths=arguments.cnn_widths), 0).values())),
              "train_seconds": round(train_seconds, 1), "dense_accuracy": dense_accuracy, "rows": rows}
    return record, dense_state, x_test


def csr_timings(weight: np.ndarray, inputs: np.ndarray, sparsities) -> list | None:
    """Dense ``W @ x`` against SciPy's CSR product for one layer pruned to each sparsity (None without SciPy)."""
    try:
        import scipy.sparse
    except ImportError:
        return None
    rows = []
    for fraction in sparsities:
        layer = Sequential(Linear(weight.shape[1], weight.shape[0]))
        layer[0].weight.data[...] = weight
        magnitude_prune(layer, fraction)
        dense = layer[0].weight.data
        sparse = scipy.sparse.csr_matrix(dense)
        row = {"sparsity": fraction, "dense_bytes": int(dense.nbytes),
               "csr_bytes": int(sparse.data.nbytes + sparse.indices.nbytes + sparse.indptr.nbytes)}
        for batch in (1, 256):
            columns = np.ascontiguousarray(inputs[:batch].T)
            row[f"dense_us_{batch}"] = time_call(lambda: dense @ columns, repeats=25, warmup=3).median * 1e6
            row[f"csr_us_{batch}"] = time_call(lambda: sparse @ columns, repeats=25, warmup=3).median * 1e6
        rows.append(row)
    return rows


def compressed_kilobytes(state) -> float:
    """Size of ``numpy.savez_compressed`` of a state dict, in kB."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **state)
    return buffer.getbuffer().nbytes / 1e3


def main(argv=None) -> int:
    """Train, prune, fine-tune, time; write the JSON record."""
    arguments = parse_arguments(argv)
    apply_run_options(arguments)
    blas = use_threads(arguments.threads)
    start = start_run()
    sparsities = [0.0] + sorted(arguments.sparsities)

    mlp_record, mlp_state, mnist_test = run_mlp(arguments, sparsities)
    cnn_record, cnn_state, cifar_test = run_cnn(arguments, sparsities)

    forward = {}
    for name, build, state, inputs in (
        ("MLP, batch of 256", lambda: MLP(784, [300, 100], 10), mlp_state, mnist_test[:256]),
        ("CNN, batch of 100", lambda: cifar_cnn(widths=arguments.cnn_widths), cnn_state, cifar_test[:100]),
    ):
        dense_model, pruned_model = build(), build()
        dense_model.load_state_dict(state)
        pruned_model.load_state_dict(state)
        magnitude_prune(pruned_model, 0.9)
        dense_ms, pruned_ms = paired_ms([dense_model, pruned_model], inputs)
        forward[name] = {"dense_ms": dense_ms, "pruned_ms": pruned_ms, "pruned_sparsity": sparsity(pruned_model)}
        print(f"{name}: dense {dense_ms:.2f} ms, 90% pruned {pruned_ms:.2f} ms", flush=True)
    csr = csr_timings(mlp_state["0.weight"], mnist_test, [0.0, 0.5, 0.8, 0.9, 0.95, 0.99])
    sizes = {}
    for fraction in (0.0, 0.5, 0.9, 0.95):
        model = MLP(784, [300, 100], 10)
        model.load_state_dict(mlp_state)
        magnitude_prune(model, fraction)
        sizes[f"{fraction:g}"] = compressed_kilobytes(model.state_dict())

    finish_run(
        start,
        script="scripts/question_dense_vs_sparse.py",
        argv=argv,
        arguments=arguments,
        results={
            "mlp": mlp_record,
            "cnn": cnn_record,
            "forward_ms": forward,
            "forward_note": "lowest of 5 medians of 5 forward passes, dense and pruned timed in turns, eval mode",
            "csr": csr,
            "csr_note": "the MLP's first layer (300 x 784) pruned by magnitude; W @ x with x of 1 or 256 columns; "
                        "median of 25 calls; scipy.sparse.csr_matrix (None when SciPy is not installed)",
            "compressed_kilobytes": sizes,
        },
        out=arguments.out,
        name=SLUG,
        threads=arguments.threads,
        blas=blas,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
