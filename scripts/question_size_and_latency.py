"""Full run of the question "How big are models, how long does inference take, does it grow with size?".

For the weekend-1 MLP (``MLP(784, [width], 10)``) at several hidden widths
and the weekend-4 CNN (``cifar_cnn``) at several widths and depths, records
the parameters, the multiply-adds of one forward pass
(``classroom.nn.flops.total_macs``) and the median inference time per image
at each batch size (``classroom.evaluation.timing.time_call``), then fits
``time = overhead + 2 * MACs / rate`` per family and batch size
(``classroom.evaluation.throughput.fit_time_model``).

The models are untrained (seeded random weights): a forward pass does the
same arithmetic whatever the weights. Inputs are synthetic (random numbers
of the right shape). Runs on ``--threads`` (default 1) thread(s).

Writes ``runs/questions/size-and-latency.json``, which
``docs/questions/size-and-latency.py`` reads.

Usage::

    python scripts/question_size_and_latency.py                     # under a minute
    python scripts/question_size_and_latency.py --mlp-widths 16 64 --cnn-widths 4 --cnn-convs 1 --repeats 3 --out /tmp/q
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from classroom.evaluation.throughput import fit_time_model
from classroom.evaluation.timing import time_call
from classroom.models.cnn import cifar_cnn
from classroom.models.mlp import MLP
from classroom.nn.flops import total_macs, total_parameters
from classroom.nn.parallel import use_threads
from classroom.train.runs import add_run_options, apply_run_options, finish_run, start_run

ROOT = Path(__file__).resolve().parents[1]
SLUG = "size-and-latency"


def parse_arguments(argv=None) -> argparse.Namespace:
    """Read the command-line options (see ``--help``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mlp-widths", type=int, nargs="+", default=[16, 32, 64, 128, 256, 512, 1024, 2048, 4096],
                        help="hidden widths of MLP(784, [width], 10)")
    parser.add_argument("--cnn-widths", type=int, nargs="+", default=[8, 16, 32, 64],
                        help="first-stage widths w of cifar_cnn((w, 2w, 4w, 8w))")
    parser.add_argument("--cnn-convs", type=int, nargs="+", default=[1, 2, 3], help="convolutions per stage")
    parser.add_argument("--max-cnn-macs", type=float, default=250e6,
                        help="skip CNN variants with more multiply-adds per image (default 2.5e8)")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--repeats", type=int, default=150,
                        help="timed calls at batch 1 for the MLP (CNN: a third; larger batches: a quarter; at least 3)")
    add_run_options(parser, out=ROOT / "runs" / "questions", threads=1, seed=0)
    return parser.parse_args(argv)


def measure(model, input_shape, batches, repeats, rng) -> dict:
    """Parameters, multiply-adds and median ms per image at every batch size, in eval mode."""
    model.eval()
    entry = {"parameters": total_parameters(model), "macs": total_macs(model, input_shape), "ms_per_image": {}}
    for batch in batches:
        x = rng.standard_normal((batch, *input_shape)).astype(np.float32)
        count = repeats if batch == 1 else max(3, repeats // 4)
        entry["ms_per_image"][str(batch)] = round(time_call(lambda: model(x), repeats=count, warmup=2).median_ms / batch, 6)
    return entry


def fits(results: dict, batches) -> list[dict]:
    """The fitted overhead and rate for every family and batch size."""
    rows = []
    for family in sorted({entry["family"] for entry in results.values()}):
        entries = [entry for entry in results.values() if entry["family"] == family]
        if len({entry["macs"] for entry in entries}) < 2:
            continue
        for batch in batches:
            overhead, rate = fit_time_model([2 * entry["macs"] for entry in entries],
                                            [entry["ms_per_image"][str(batch)] / 1e3 for entry in entries])
            rows.append({"family": family, "batch": batch, "overhead_ms_per_call": round(overhead * 1e3 * batch, 5),
                         "gflops": None if rate == float("inf") else round(rate / 1e9, 2)})
    return rows


def main(argv=None) -> int:
    """Measure every model, fit the rule of thumb, write the JSON record."""
    arguments = parse_arguments(argv)
    apply_run_options(arguments)
    blas = use_threads(arguments.threads)
    start = start_run()
    rng = np.random.default_rng(arguments.seed)
    results = {}
    for width in arguments.mlp_widths:
        name = f"MLP 784-{width}-10"
        results[name] = {"family": "MLP", **measure(MLP(784, [width], 10, rng=arguments.seed), (784,),
                                                   arguments.batches, arguments.repeats, rng)}
        print(f"{name}: {results[name]}", flush=True)
    for convs in arguments.cnn_convs:
        for first in arguments.cnn_widths:
            widths = (first, 2 * first, 4 * first, 8 * first)
            model = cifar_cnn(widths=widths, convs_per_stage=convs, rng=arguments.seed)
            if total_macs(model, (3, 32, 32)) > arguments.max_cnn_macs:
                print(f"CNN {widths}, {convs} conv/stage: skipped (more than {arguments.max_cnn_macs:.3g} MACs)")
                continue
            name = f"CNN {widths}, {convs} conv/stage"
            results[name] = {"family": "CNN", **measure(model, (3, 32, 32), arguments.batches,
                                                       max(3, arguments.repeats // 3), rng)}
            print(f"{name}: {results[name]}", flush=True)
    finish_run(
        start,
        script="scripts/question_size_and_latency.py",
        argv=argv,
        arguments=arguments,
        results={
            "results": results,
            "fits": fits(results, arguments.batches),
            "note": "untrained models (seeded random weights), synthetic inputs, eval mode; median time per call "
                    "after 2 warm-ups, divided by the batch size",
        },
        out=arguments.out,
        name=SLUG,
        threads=arguments.threads,
        blas=blas,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
