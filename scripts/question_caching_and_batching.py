"""Full run of the question "Can caching speed up inference? What does batching buy?".

Starts two real ``classroom serve`` processes on free ports of 127.0.0.1
(``classroom.serve.loadgen.local_server``), one without and one with the
prediction cache (``--cache-size``), both serving an MNIST MLP and a
CIFAR-10 CNN, and measures requests per second and latency percentiles
(``send_requests``) for a stream of one repeated PNG and a stream of
never-seen PNGs, over 1 and over ``--concurrency`` connections. Every round
runs all measurements in a new random order; latencies are pooled over the
rounds. The servers are stopped however the run ends.

Also measured in this process: where a request's time goes (decode,
preprocess, forward pass, cache hit) and the model's time per image at
batch 1, 8 and 32.

The MLP (784-256-10) is trained with Adam on ``--mlp-train-size`` MNIST
images; the CNN (widths 16, 32, 64, 128, the demo model's) is untrained:
seeded random weights compute as much as trained ones.

Writes ``runs/questions/caching-and-batching.json``, which
``docs/questions/caching-and-batching.py`` reads.

Usage::

    python scripts/question_caching_and_batching.py                 # about 1 minute
    python scripts/question_caching_and_batching.py --requests 5 --rounds 2 --mlp-train-size 500 --out /tmp/q
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from classroom.data import (
    CIFAR10_CLASSES,
    CIFAR10_MEAN,
    CIFAR10_STD,
    MNIST_MEAN,
    MNIST_STD,
    load_cifar10,
    load_mnist,
    mnist_as_float,
    stratified_split,
)
from classroom.evaluation.timing import time_call
from classroom.models.registry import build_model
from classroom.nn import CrossEntropyLoss
from classroom.nn.parallel import use_threads
from classroom.optim import Adam
from classroom.serve.cache import PredictionCache
from classroom.serve.images import decode_upload
from classroom.serve.loadgen import local_server, send_requests
from classroom.serve.model_file import export_model, load_served_model
from classroom.train import Trainer
from classroom.train.runs import add_run_options, apply_run_options, finish_run, run_settings, start_run

ROOT = Path(__file__).resolve().parents[1]
SLUG = "caching-and-batching"
CACHE_SIZE = 1024


def parse_arguments(argv=None) -> argparse.Namespace:
    """Read the command-line options (see ``--help``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50, help="requests per measurement and round (default 50)")
    parser.add_argument("--rounds", type=int, default=20, help="rounds, each in a new random order (default 20)")
    parser.add_argument("--concurrency", type=int, default=4, help="connections of the second load test (default 4)")
    parser.add_argument("--mlp-train-size", type=int, default=60_000, help="MNIST training images (default 60000)")
    parser.add_argument("--mlp-epochs", type=int, default=2)
    add_run_options(parser, out=ROOT / "runs" / "questions", threads=1, seed=0)
    return parser.parse_args(argv)


def png(pixels: np.ndarray) -> bytes:
    """A uint8 image array as PNG bytes."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def export_models(folder: Path, arguments) -> tuple[list[Path], str]:
    """Train and export the MNIST MLP, export the untrained CNN; return the paths and a description."""
    train_images, train_labels = load_mnist("train")
    test_images, test_labels = load_mnist("test")
    fraction = min(arguments.mlp_train_size / len(train_labels), 1.0)
    index = (np.arange(len(train_labels)) if fraction == 1.0 else
             stratified_split(train_labels, (fraction, 1 - fraction), seed=arguments.seed)[0])
    architecture = {"name": "mlp", "in_features": 784, "hidden_sizes": [256], "out_features": 10}
    mlp = build_model(architecture)
    trainer = Trainer(mlp, CrossEntropyLoss(), Adam(mlp.parameters(), lr=1e-3), progress=False)
    trainer.fit((mnist_as_float(train_images[index]), train_labels[index]), epochs=arguments.mlp_epochs,
                batch_size=128, rng=np.random.default_rng(arguments.seed))
    accuracy = float(np.mean(np.argmax(trainer.predict(mnist_as_float(test_images)), axis=1) == test_labels))
    mlp_path = export_model(folder / "mnist_mlp.npz", mlp.eval(), metadata={
        "name": "mnist-mlp", "version": "1", "architecture": architecture, "input_shape": [784],
        "classes": [str(digit) for digit in range(10)], "metrics": {"test_accuracy": accuracy},
        "preprocess": {"mode": "L", "size": [28, 28], "mean": [MNIST_MEAN], "std": [MNIST_STD], "invert": "auto"}})
    cnn_architecture = {"name": "cifar_cnn", "widths": [16, 32, 64, 128], "convs_per_stage": 1, "seed": arguments.seed}
    cnn_path = export_model(folder / "cifar_cnn_untrained.npz", build_model(cnn_architecture).eval(), metadata={
        "name": "cifar-cnn-untrained", "version": "1", "architecture": cnn_architecture, "input_shape": [3, 32, 32],
        "classes": list(CIFAR10_CLASSES),
        "preprocess": {"mode": "RGB", "size": [32, 32], "mean": list(CIFAR10_MEAN), "std": list(CIFAR10_STD)}})
    description = (f"mnist-mlp: MLP 784-256-10, {arguments.mlp_epochs} epoch(s) of Adam on {len(index):,} MNIST images, "
                   f"test accuracy {accuracy:.3f}; cifar-cnn-untrained: cifar_cnn widths [16, 32, 64, 128], untrained")
    return [mlp_path, cnn_path], description


def make_uploads(count: int) -> dict:
    """``count`` distinct PNG test images per model (CIFAR-10 in a random order: its test file is sorted by class)."""
    mnist_test, _ = load_mnist("test")
    cifar_test, _ = load_cifar10("test")
    if count > min(len(mnist_test), len(cifar_test)):
        raise ValueError(f"{count} distinct uploads are more than the test sets hold; lower --requests or --rounds")
    order = np.random.default_rng(1).permutation(10_000)[:count]
    return {"mnist-mlp": [png(mnist_test[i]) for i in order], "cifar-cnn-untrained": [png(cifar_test[i]) for i in order]}


def breakdown(paths, uploads, repeats: int = 50) -> dict:
    """Median ms of decode, preprocess, forward pass and a cache hit, per model, in this process."""
    steps = {}
    for path in paths:
        served = load_served_model(path)
        data = uploads[served.name][0]
        image = decode_upload(data)
        x = served.preprocessing(image)[None]
        cached = PredictionCache(served.predict, max_entries=16)
        cached(x)
        steps[served.name] = {
            "decode": round(time_call(lambda: decode_upload(data), repeats=repeats).median_ms, 4),
            "preprocess": round(time_call(lambda: served.preprocessing(image), repeats=repeats).median_ms, 4),
            "model forward": round(time_call(lambda: served.predict(x), repeats=repeats).median_ms, 4),
            "cache hit instead": round(time_call(lambda: cached(x), repeats=repeats).median_ms, 4),
        }
    return steps


def batching(paths, uploads, batches=(1, 8, 32)) -> dict:
    """The model's median ms per image at each batch size (``served.predict``, what the server calls)."""
    times = {}
    for path in paths:
        served = load_served_model(path)
        inputs = np.stack([served.preprocessing(decode_upload(data)) for data in uploads[served.name][:max(batches)]])
        times[served.name] = {
            str(batch): round(time_call(lambda: served.predict(inputs[:batch]), repeats=30 if batch < 32 else 10,
                                        warmup=2).median_ms / batch, 4)
            for batch in batches
        }
    return times


def load_test(paths, uploads, *, requests: int, rounds: int, concurrencies, seed: int) -> dict:
    """Pooled requests/s and latency percentiles: ``{"<n> connection(s)": [row, ...]}``."""
    order_rng = np.random.default_rng(seed)
    pooled = {}
    with local_server(paths) as (plain_url, _), local_server(paths, "--cache-size", str(CACHE_SIZE)) as (cached_url, _):
        cells = [(concurrency, server, url, model, stream) for concurrency in concurrencies
                 for server, url in (("cache off", plain_url), ("cache on", cached_url))
                 for model in uploads for stream in ("repeated", "distinct")]
        for round_number in range(rounds):
            for position in order_rng.permutation(len(cells)):
                concurrency, server, url, model, stream = cells[position]
                offset = round_number * requests * len(concurrencies) + list(concurrencies).index(concurrency) * requests
                files = uploads[model][:1] if stream == "repeated" else uploads[model][offset:offset + requests]
                result = send_requests(url, files, requests=requests, concurrency=concurrency,
                                       path=f"/predict?model={model}&top_k=1", time_limit=60)
                if result.errors:
                    raise RuntimeError(f"{server}, {model}, {stream}, {concurrency} connection(s): {result.errors[:3]}")
                entry = pooled.setdefault((concurrency, model, stream, server), {"latencies": [], "elapsed": 0.0})
                entry["latencies"].extend(result.latencies.tolist())
                entry["elapsed"] += result.elapsed
            print(f"  round {round_number + 1}/{rounds} done", flush=True)
    tables = {}
    for (concurrency, model, stream, server), entry in pooled.items():
        latencies = np.array(entry["latencies"]) * 1e3
        label = f"{concurrency} connection" + ("s" if concurrency > 1 else "")
        tables.setdefault(label, []).append({
            "model": model, "inputs": stream, "server": server, "requests": int(len(latencies)),
            "rps": round(len(latencies) / entry["elapsed"], 1),
            "p50_ms": round(float(np.percentile(latencies, 50)), 3),
            "p90_ms": round(float(np.percentile(latencies, 90)), 3),
            "p99_ms": round(float(np.percentile(latencies, 99)), 3),
        })
    return tables


def main(argv=None) -> int:
    """Export the models, run the load tests and the in-process measurements, write the JSON record."""
    arguments = parse_arguments(argv)
    apply_run_options(arguments)
    blas = use_threads(arguments.threads)
    start = start_run()
    concurrencies = [1] if arguments.concurrency == 1 else [1, arguments.concurrency]
    with tempfile.TemporaryDirectory(prefix="caching-") as folder:
        paths, models = export_models(Path(folder), arguments)
        print(models, flush=True)
        uploads = make_uploads(arguments.requests * arguments.rounds * len(concurrencies))
        steps = breakdown(paths, uploads)
        print(f"breakdown (ms): {steps}", flush=True)
        tables = load_test(paths, uploads, requests=arguments.requests, rounds=arguments.rounds,
                           concurrencies=concurrencies, seed=arguments.seed)
        batch_times = batching(paths, uploads)
        print(f"ms per image by batch: {batch_times}")
    for label, rows in tables.items():
        for row in rows:
            print(f"{label}: {row}")
    finish_run(
        start,
        script="scripts/question_caching_and_batching.py",
        argv=argv,
        arguments=arguments,
        results={
            "models": models,
            "note": (f"two classroom serve processes on 127.0.0.1 (--cache-size 0 and {CACHE_SIZE}), PNG test images, "
                     f"{arguments.rounds} rounds of {arguments.requests} requests per measurement in a random order, "
                     "latencies pooled; the client shares the machine's cores with the servers"),
            "breakdown_ms": steps,
            "load": tables,
            "batching_ms_per_image": batch_times,
        },
        out=arguments.out,
        name=SLUG,
        threads=arguments.threads,
        blas=blas,
        settings=run_settings(arguments) | {"cache_size": CACHE_SIZE},
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
