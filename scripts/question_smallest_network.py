"""Full run of "How small can it be?", the smallest network question of the XOR notebook.

Trains the 2-h-1 tanh network of ``docs/foundations/xor.py`` on the four XOR
points from ``--seeds`` seeds for every width in ``--widths``, with plain
full-batch gradient descent (``classroom.train.many_seeds.train_seeds``: the
same networks and updates as the notebook's ``train_xor``, every seed at
once), and counts how often training solves XOR (all four points on the
right side of 0.5) after each number of steps in ``--steps``. A second
pass uses a sigmoid hidden layer, for the shortest step count only
(``--no-sigmoid`` skips it).

Writes ``runs/questions/smallest-network.json``, which the XOR notebook
reads.

Usage::

    python scripts/question_smallest_network.py --threads 1            # about 4 minutes on one core
    python scripts/question_smallest_network.py --seeds 20 --widths 1 2 --steps 200 500 --out /tmp/q
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from classroom.train.many_seeds import train_seeds
from classroom.train.runs import NOT_TAKEN, add_run_options, apply_run_options, finish_run, start_run

ROOT = Path(__file__).resolve().parents[1]
SLUG = "smallest-network"
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
Y = np.array([0, 1, 1, 0], dtype=np.float32)


def parse_arguments(argv=None) -> argparse.Namespace:
    """Read the command-line options (see ``--help``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=1000, help="seeds per width: 0, 1, ..., N-1 (default 1000)")
    parser.add_argument("--widths", type=int, nargs="+", default=[1, 2, 3, 4, 8], help="hidden units to try")
    parser.add_argument("--steps", type=int, nargs="+", default=[2000, 20000],
                        help="count the solved runs after each of these numbers of steps (default 2000 20000)")
    parser.add_argument("--lr", type=float, default=0.5, help="learning rate (default 0.5, as the notebook)")
    parser.add_argument("--no-sigmoid", action="store_true",
                        help="skip the sigmoid hidden layer (trained for the shortest of --steps only)")
    # No --seed: the seeds are the numbered runs themselves (0 to --seeds - 1).
    add_run_options(parser, out=ROOT / "runs" / "questions", threads=1, seed=NOT_TAKEN)
    arguments = parser.parse_args(argv)
    if arguments.seeds < 1 or min(arguments.widths) < 1 or min(arguments.steps) < 1:
        parser.error("--seeds, --widths and --steps must be at least 1")
    return arguments


def measure(width: int, seeds: int, steps: list[int], lr: float, activation: str) -> dict:
    """Train ``seeds`` networks of ``width`` hidden units; how many are solved after each step count.

    One run of the longest count, with the shorter counts as checkpoints: the
    first ``k`` steps of a longer run are exactly a ``k``-step run.
    """
    started = time.perf_counter()
    runs = train_seeds(X, Y, hidden_units=width, seeds=range(seeds), steps=max(steps), lr=lr, activation=activation,
                       checkpoints=steps)
    solved = {str(count): int(runs.solved_after[count].sum()) for count in sorted(steps)}
    ok = runs.solved(X, Y)
    return {"hidden_units": width, "parameters": 4 * width + 1, "solved": solved,
            "median_steps_to_solve": float(np.median(runs.first_solved[ok])) if ok.any() else None,
            "median_final_loss": {"solved": float(np.median(runs.losses[-1, ok])) if ok.any() else None,
                                  "failed": float(np.median(runs.losses[-1, ~ok])) if (~ok).any() else None},
            "seconds": round(time.perf_counter() - started, 2)}


def main(argv=None) -> int:
    """Train every width from every seed, write the JSON record."""
    arguments = parse_arguments(argv)
    blas = apply_run_options(arguments)
    start = start_run()
    results = {}
    for activation in ("tanh",) + (() if arguments.no_sigmoid else ("sigmoid",)):
        results[activation] = []
        steps = arguments.steps if activation == "tanh" else [min(arguments.steps)]
        for width in arguments.widths:
            row = measure(width, arguments.seeds, steps, arguments.lr, activation)
            results[activation].append(row)
            print(f"{activation} {width} hidden: " + ", ".join(
                f"{count} steps {solved}/{arguments.seeds}" for count, solved in row["solved"].items()), flush=True)
    finish_run(
        start,
        script="scripts/question_smallest_network.py",
        argv=argv,
        arguments=arguments,
        results={
            "seeds": arguments.seeds,
            "network": "Linear(2, h) -> tanh (or sigmoid) -> Linear(h, 1), BCEWithLogitsLoss, full-batch SGD, "
                       "initial weights as Linear(rng=numpy.random.default_rng(seed))",
            "solved_means": "all four XOR points on the right side of probability 0.5 after training",
            "results": results,
        },
        out=arguments.out,
        name=SLUG,
        threads=arguments.threads,
        blas=blas,
        settings={"widths": arguments.widths, "steps": sorted(arguments.steps), "lr": arguments.lr},
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
