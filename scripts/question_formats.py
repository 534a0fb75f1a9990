"""Full run of the question "Why pickle, and is there a standard interchange format?".

Saves the same trained model in five ways and measures, for each, the size
on disk, the median time to save it and the median time to load it back
into something that answers (``classroom.evaluation.timing.time_call``):

* ``pickle`` of the whole model object, and of its ``state_dict`` only;
* the course's ``.npz`` file with JSON metadata (``classroom.io.save_model``);
* safetensors (``classroom.io.safetensors``);
* ONNX (``classroom.io.onnx_export.save_onnx``; loaded as an ONNX Runtime
  session when ``onnxruntime`` is installed), skipped with a note when the
  ``onnx`` package is missing.

Every file goes through the same ``atomic_write`` (fsync included), so the
save times compare formats. Each reloaded model's outputs on 1,000 test
inputs are compared with the original's.

Two models: the weekend-1 MLP (784-512-10) trained on MNIST, and the
weekend-4 CIFAR-10 CNN (``cifar_cnn``) trained for a short epoch (sizes and
times do not depend on how well it learned). ``--skip-cnn`` leaves the CNN out.

Writes ``runs/questions/formats.json``, which ``docs/questions/formats.py`` reads.

Usage::

    python scripts/question_formats.py                       # about 2 minutes with --threads 1
    python scripts/question_formats.py --mlp-train-size 2000 --skip-cnn --repeats 3 --out /tmp/q
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import pickle
import sys
import tempfile
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
from classroom.io import load_model_state, save_model
from classroom.io.atomic import atomic_write
from classroom.io.safetensors import load_safetensors, save_safetensors
from classroom.models.registry import build_model
from classroom.nn import CrossEntropyLoss
from classroom.nn.flops import total_parameters
from classroom.nn.module import Parameter
from classroom.nn.parallel import use_threads
from classroom.optim import SGD, Adam
from classroom.train import Trainer
from classroom.train.runs import add_run_options, apply_run_options, finish_run, start_run

ROOT = Path(__file__).resolve().parents[1]
SLUG = "formats"


def parse_arguments(argv=None) -> argparse.Namespace:
    """Read the command-line options (see ``--help``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=21, help="timed repeats of every save and load (default 21)")
    parser.add_argument("--mlp-train-size", type=int, default=55_000, help="MNIST training images (default 55000)")
    parser.add_argument("--mlp-epochs", type=int, default=3)
    parser.add_argument("--cnn-train-size", type=int, default=5_000, help="CIFAR-10 training images (default 5000)")
    parser.add_argument("--cnn-widths", type=int, nargs="+", default=[32, 64, 128, 256])
    parser.add_argument("--skip-cnn", action="store_true", help="measure the MLP only")
    add_run_options(parser, out=ROOT / "runs" / "questions", threads=1, seed=0)
    return parser.parse_args(argv)


def arrays_inside(model) -> dict:
    """Bytes of the NumPy arrays an object holds (what pickle must write): weights, gradients, the rest."""
    totals = {"parameters (data)": 0, "gradients (grad)": 0, "buffers and cached arrays": 0}
    seen = set()

    def walk(value, kind):
        if id(value) in seen:
            return
        seen.add(id(value))
        if isinstance(value, np.ndarray):
            totals[kind] += value.nbytes
        elif isinstance(value, Parameter):
            walk(value.data, "parameters (data)")
            walk(value.grad, "gradients (grad)")
        elif isinstance(value, dict):
            for item in value.values():
                walk(item, kind)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item, kind)
        elif hasattr(value, "__dict__"):
            for item in vars(value).values():
                walk(item, kind)

    walk(model, "buffers and cached arrays")
    return totals


def format_functions(model, architecture: dict, input_shape) -> tuple[dict, str | None]:
    """``{name: (suffix, save(path), load(path))}`` for every format, and a note when ONNX is skipped."""

    def pickle_whole(path):
        with atomic_write(path) as stream:
            pickle.dump(model, stream, protocol=pickle.HIGHEST_PROTOCOL)

    def unpickle_whole(path):
        with open(path, "rb") as stream:
            return pickle.load(stream)

    def pickle_state(path):
        with atomic_write(path) as stream:
            pickle.dump(model.state_dict(), stream, protocol=pickle.HIGHEST_PROTOCOL)

    def unpickle_state(path):
        fresh = build_model(architecture)
        with open(path, "rb") as stream:
            fresh.load_state_dict(pickle.load(stream))
        return fresh.eval()

    def npz_save(path):
        save_model(path, model, metadata={"name": "model", "architecture": architecture, "input_shape": list(input_shape)})

    def npz_load(path):
        state, metadata = load_model_state(path)
        fresh = build_model(metadata["architecture"])
        fresh.load_state_dict(state)
        return fresh.eval()

    def safetensors_save(path):
        save_safetensors(path, model.state_dict(), metadata={"architecture": json.dumps(architecture)})

    def safetensors_load(path):
        arrays, metadata = load_safetensors(path)
        fresh = build_model(json.loads(metadata["architecture"]))
        fresh.load_state_dict(arrays)
        return fresh.eval()

    formats = {
        "pickle, whole model object": (".pkl", pickle_whole, unpickle_whole),
        "pickle, state_dict only": (".pkl", pickle_state, unpickle_state),
        ".npz + JSON metadata (save_model)": (".npz", npz_save, npz_load),
        "safetensors": (".safetensors", safetensors_save, safetensors_load),
    }
    if importlib.util.find_spec("onnx") is None:
        return formats, "the onnx package is not installed: no ONNX row (pip install 'ml-classroom[onnx]')"
    from classroom.io.onnx_export import save_onnx

    have_runtime = importlib.util.find_spec("onnxruntime") is not None

    def onnx_save(path):
        save_onnx(model, path, tuple(input_shape))

    def onnx_load(path):
        if have_runtime:
            import onnxruntime

            session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
            return lambda x: session.run(None, {"input": x})[0]
        import onnx

        onnx.load(str(path))
        return None

    formats["ONNX (graph + weights)"] = (".onnx", onnx_save, onnx_load)
    note = None if have_runtime else "onnxruntime is not installed: the ONNX load time is onnx.load (parsing) only"
    return formats, note


def measure_formats(model, architecture, input_shape, check: np.ndarray, repeats: int) -> dict:
    """Sizes, times and output agreement of every format for ``model`` (which answers ``check`` first)."""
    model.eval()
    reference = model(check)  # the pickle of the whole object is written right after this pass
    holds = arrays_inside(model)
    formats, note = format_functions(model, architecture, input_shape)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        raw = b"".join(parameter.data.tobytes() for parameter in model.parameters())

        def write_raw():
            with atomic_write(Path(folder) / "raw.bin") as stream:
                stream.write(raw)

        floor_ms = time_call(write_raw, repeats=repeats).median_ms
        for name, (suffix, save, load) in formats.items():
            path = Path(folder) / f"model{suffix}"
            save_timing = time_call(lambda: save(path), repeats=repeats, warmup=1)
            load_timing = time_call(lambda: load(path), repeats=repeats, warmup=1)
            loaded = load(path)
            difference = None if loaded is None else float(np.max(np.abs(loaded(check) - reference)))
            results[name] = {"bytes": path.stat().st_size, "save_ms": round(save_timing.median_ms, 3),
                             "load_ms": round(load_timing.median_ms, 3), "max_difference": difference}
            print(f"  {name}: {results[name]}", flush=True)
    build_ms = time_call(lambda: build_model(architecture), repeats=repeats).median_ms
    model(check[:1])
    pickled_after_one = len(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
    return {"formats": results, "pickle_holds": holds, "pickled_after_one_input": pickled_after_one,
            "check_inputs": int(len(check)), "floor_ms": round(floor_ms, 3), "build_model_ms": round(build_ms, 3),
            "onnx_note": note}


def train_mlp(arguments) -> tuple:
    """The weekend-1 MLP trained with Adam on ``--mlp-train-size`` MNIST images; returns (model, arch, info, check)."""
    train_images, train_labels = load_mnist("train")
    test_images, test_labels = load_mnist("test")
    fraction = min(arguments.mlp_train_size / len(train_labels), 1.0)
    index = stratified_split(train_labels, (fraction, 1 - fraction), seed=arguments.seed)[0] if fraction < 1 else \
        np.arange(len(train_labels))
    architecture = {"name": "mlp", "in_features": 784, "hidden_sizes": [512], "out_features": 10}
    model = build_model(architecture)
    trainer = Trainer(model, CrossEntropyLoss(), Adam(model.parameters(), lr=1e-3), progress=False)
    started = time.perf_counter()
    trainer.fit((mnist_as_float(train_images[index]), train_labels[index]), epochs=arguments.mlp_epochs,
                batch_size=128, rng=np.random.default_rng(arguments.seed))
    seconds = time.perf_counter() - started
    x_test = mnist_as_float(test_images)
    accuracy = float(np.mean(np.argmax(trainer.predict(x_test), axis=1) == test_labels))
    info = (f"trained {arguments.mlp_epochs} epoch(s) on {len(index):,} MNIST images in {seconds:.0f} s, "
            f"test accuracy {accuracy:.3f}")
    return model.eval(), architecture, (784,), info, x_test[:1000]


def train_cnn(arguments) -> tuple:
    """The weekend-4 CNN, one epoch of SGD on ``--cnn-train-size`` CIFAR-10 images."""
    train_images, train_labels = load_cifar10("train")
    test_images, test_labels = load_cifar10("test")
    fraction = arguments.cnn_train_size / len(train_labels)
    index = stratified_split(train_labels, (fraction, 1 - fraction), seed=arguments.seed)[0]

    def to_input(images):
        return normalize(to_float_nchw(images), CIFAR10_MEAN, CIFAR10_STD)

    architecture = {"name": "cifar_cnn", "widths": list(arguments.cnn_widths), "convs_per_stage": 1,
                    "seed": arguments.seed}
    model = build_model(architecture)
    model[0].input_requires_grad = False
    optimizer = SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
    trainer = Trainer(model, CrossEntropyLoss(), optimizer, progress=False)
    started = time.perf_counter()
    trainer.fit((to_input(train_images[index]), train_labels[index]), epochs=1, batch_size=128,
                rng=np.random.default_rng(arguments.seed))
    seconds = time.perf_counter() - started
    test_index = np.random.default_rng(12345).permutation(len(test_labels))[:1000]  # the file is sorted by class
    x_test = to_input(test_images[test_index])
    accuracy = float(np.mean(np.argmax(trainer.predict(x_test), axis=1) == test_labels[test_index]))
    info = (f"trained 1 epoch on {len(index):,} CIFAR-10 images in {seconds:.0f} s, accuracy on 1,000 random test images "
            f"{accuracy:.3f} (a short run: the sizes and times do not depend on it)")
    # 100 check images, not 1,000: the whole-object pickle holds the convolutions' im2col workspaces
    # for the last batch, about 1 MB per image at these widths.
    return model.eval(), architecture, (3, 32, 32), info, x_test[:100]


def main(argv=None) -> int:
    """Train the models, measure every format, write the JSON record."""
    arguments = parse_arguments(argv)
    apply_run_options(arguments)
    blas = use_threads(arguments.threads)
    start = start_run()
    builders = {"weekend-1 MLP 784-512-10 (MNIST)": train_mlp}
    if not arguments.skip_cnn:
        builders[f"weekend-4 CNN, widths {arguments.cnn_widths} (CIFAR-10)"] = train_cnn
    models = {}
    note = None
    for name, builder in builders.items():
        print(f"{name}: training", flush=True)
        model, architecture, input_shape, info, check = builder(arguments)
        print(f"  {info}", flush=True)
        entry = measure_formats(model, architecture, input_shape, check, arguments.repeats)
        note = entry.pop("onnx_note") or note
        models[name] = {"parameters": total_parameters(model), "architecture": architecture, "training": info,
                        **entry}

    finish_run(
        start,
        script="scripts/question_formats.py",
        argv=argv,
        arguments=arguments,
        results={
            "models": models,
            "onnx_note": note,
            "timing_note": f"median of {arguments.repeats} timed calls after one warm-up; every save through "
                           "atomic_write (fsync); load = file to a model that answers (ONNX: an ONNX Runtime session)",
        },
        out=arguments.out,
        name=SLUG,
        threads=arguments.threads,
        blas=blas,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
