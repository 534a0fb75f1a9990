"""The ``classroom`` command.

Subcommands
-----------
``classroom serve --model FILE [--model FILE2] [--host 127.0.0.1] [--port 8000]``
    Serve saved models over HTTP (see :mod:`classroom.serve.app`). Every
    model file is loaded and checked *before* the server starts; a damaged or
    mismatched file stops the command with one line naming the file and the
    problem, and exit status 2.

``classroom check [TARGET ...] [--all] [--dir DIR]``
    Grade workbooks: ``TARGET`` is ``weekend-01`` ... ``weekend-08``,
    ``month-2`` (looked up in ``DIR``, the ``.ipynb`` or ``.py`` edited last)
    or a workbook path; ``--all`` checks every workbook in ``DIR``. One table
    a workbook; exit status 0 when every check passed, 1 when one did not,
    2 for a usage error (an unknown weekend, a missing file).
``classroom start DIR``
    Create a course folder: every workbook as ``.py`` and ``.ipynb``, a
    README with the timeline, a learning log, a ``.gitignore`` and a GitHub
    workflow that runs ``classroom check --all`` on every push. Refuses a
    folder that is not empty (exit status 2).

``classroom export-onnx MODEL.npz OUT.onnx [--part decoder] [--opset 17]``
    Export a saved model file to ONNX (see :mod:`classroom.io.onnx_export`;
    needs ``pip install "ml-classroom[onnx]"``). A layer without an ONNX
    mapping stops the command with its name, and exit status 2.

Run ``classroom COMMAND --help`` for every option. Without the console script,
``python -m classroom.cli serve ...`` does the same.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from classroom import __version__
from classroom.serve.command import EXIT_USAGE, add_serve_command, run_serve

__all__ = ["build_parser", "main"]


#: ``classroom train NAME``: the full training recipes, by name, and the script that holds each.
TRAIN_RECIPES = {
    "mnist": ("scripts/train_mnist.py", "weekend 1: the two-layer network on MNIST"),
    "regularization": ("scripts/regularization_study.py", "weekend 3: L2, dropout and early stopping compared"),
    "cifar10": ("scripts/train_cifar10.py", "weekend 4: the CNN on CIFAR-10"),
    "autograd-mnist": ("scripts/train_autograd_mnist.py", "weekend 5: the autograd engine's MLP on MNIST"),
    "optimizers": ("scripts/optimizers_mnist.py", "weekend 6: SGD, momentum, RMSprop and Adam on MNIST"),
    "vae": ("scripts/train_vae.py", "weekend 7: the VAE on CelebA faces"),
    "month2": ("scripts/month2_ablation.py", "month 2: the ablation, one test evaluation, the exported model"),
}
#: ``classroom bench NAME``: the benchmarks against PyTorch or scikit-learn, measured in the same run.
BENCHMARKS = {
    "mlp": ("scripts/bench_mnist_mlp.py", "the MNIST MLP against scikit-learn and PyTorch"),
    "cnn": ("scripts/bench_cnn.py", "the CIFAR CNN's layers and training step against PyTorch"),
    "autograd": ("scripts/bench_autograd.py", "the autograd engine against the hand-written layers and PyTorch"),
    "vae": ("scripts/bench_vae.py", "a VAE epoch against PyTorch"),
    "serve": ("scripts/load_test.py", "requests per second and latency of a running server"),
}


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``classroom`` command."""
    parser = argparse.ArgumentParser(prog="classroom", description="ML Classroom command-line tools.")
    parser.add_argument("--version", action="version", version=f"classroom {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    check = commands.add_parser(
        "check",
        help="grade your workbooks and say what to fix",
        description="Run the checks of one or more workbooks and print a table: check, result, "
        "measured error, hint. Exit status 0 when every check passed, 1 otherwise.",
    )
    check.add_argument("targets", nargs="*", metavar="TARGET", help="weekend-01 ... weekend-08, month-2, or a workbook path")
    check.add_argument("--all", action="store_true", help="check every workbook found in --dir")
    check.add_argument("--dir", default=".", help="folder holding the workbooks (default: the current folder)")

    start = commands.add_parser(
        "start",
        help="create a course folder with every workbook",
        description="Create DIR (new or empty) with every workbook as .py and .ipynb, a README with the "
        "course timeline, LEARNING_LOG.md, .gitignore and a GitHub workflow running classroom check --all.",
    )
    start.add_argument("folder", metavar="DIR", help="the folder to create, e.g. my-ml-course")

    for name, table, what in (("train", TRAIN_RECIPES, "a full training recipe"), ("bench", BENCHMARKS, "a benchmark")):
        listing = "; ".join(f"{key}: {text}" for key, (_, text) in table.items())
        command = commands.add_parser(
            name,
            help=f"run {what} of the course ({', '.join(table)})",
            description=f"Run {what} from the project's scripts/ folder with the options that follow "
            f"(see classroom {name} NAME --help). {listing}.",
        )
        command.add_argument("recipe", choices=sorted(table), metavar="NAME", help=", ".join(sorted(table)))
        command.add_argument("options", nargs=argparse.REMAINDER, help="the recipe's own options")

    add_serve_command(commands)

    export = commands.add_parser(
        "export-onnx",
        help="export a saved model file (.npz) to ONNX",
        description="Write the model in MODEL (a file saved by classroom) as an ONNX graph to OUT, in eval mode; "
        "a VAE exports its decoder. Needs the onnx package: pip install \"ml-classroom[onnx]\".",
    )
    export.add_argument("model", metavar="MODEL", help="the .npz model file")
    export.add_argument("out", metavar="OUT", help="the .onnx file to write")
    export.add_argument("--part", choices=["decoder", "encoder"], default=None, help="export one part of a VAE")
    export.add_argument("--opset", type=int, default=17, help="ONNX operator set version (default 17)")
    return parser


def _export_onnx(arguments) -> int:
    """Run ``classroom export-onnx MODEL OUT``: 0 when written, 2 when the file or a layer cannot be exported."""
    from classroom.io.onnx_export import export_model_file
    from classroom.models.registry import build_model

    try:
        path = export_model_file(
            arguments.model, arguments.out, build_model=build_model, part=arguments.part, opset=arguments.opset
        )
    except (OSError, ValueError, ImportError) as error:  # OnnxExportError is a ValueError
        print(f"classroom export-onnx: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"classroom export-onnx: wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


def _known_weekends() -> list[str]:
    """Weekends with checks, in course order (weekend-01 ... weekend-08, month-2)."""
    from classroom.check import weekends
    from classroom.check.course import workbook_names

    order = {name: index for index, name in enumerate(workbook_names())}
    return sorted(weekends(), key=lambda name: (order.get(name, len(order)), name))


def _resolve_targets(arguments) -> list[tuple[Path, str, str]]:
    """Return ``(path, weekend, note)`` for every target; raise ``_UsageError`` for a bad one."""
    from classroom.check.workbook import SUFFIXES, find_workbook, weekend_of

    folder = Path(arguments.dir)
    if not folder.is_dir():
        raise _UsageError(f"--dir {folder}: no such folder; pass the folder that holds your workbooks")
    known = _known_weekends()
    targets = list(arguments.targets)
    if arguments.all:
        present = {path.stem for path in folder.iterdir() if path.suffix in SUFFIXES}
        names = [name for name in known if name in present]
        if not names and not targets:
            raise _UsageError(
                f"--all: no workbooks (weekend-01.ipynb ... month-2.py) in {folder.resolve()}; "
                "run the command in your course folder, pass --dir, or create one with: classroom start DIR"
            )
        targets += [name for name in names if name not in targets]
    if not targets:
        raise _UsageError("name a workbook (e.g. classroom check weekend-01) or use --all")
    resolved = []
    for target in targets:
        is_path = Path(target).suffix in SUFFIXES
        if not is_path and target not in known:
            raise _UsageError(
                f"unknown weekend {target!r}; choose one of {', '.join(known)}, or give a workbook path (weekend-01.ipynb)"
            )
        try:
            path = find_workbook(target, folder)
            weekend = weekend_of(path)
        except (FileNotFoundError, ValueError) as error:
            raise _UsageError(str(error)) from None
        if weekend not in known:
            raise _UsageError(f"{path}: {weekend} has no checks; choose one of {', '.join(known)}")
        note = ""
        if not is_path:
            other = path.with_suffix(".py" if path.suffix == ".ipynb" else ".ipynb")
            if other.is_file():
                newer = path.stat().st_mtime > other.stat().st_mtime
                note = f"using {path.name}, " + (
                    f"edited after {other.name}" if newer else f"as new as {other.name}"
                )
        resolved.append((path, weekend, note))
    return resolved


class _UsageError(Exception):
    """A command-line mistake: exit status 2 with this message."""


def _announce(check) -> None:
    """Say which slow check runs and how long it may take, before it starts."""
    from classroom.check.core import SLOW_CHECK_SECONDS, is_end_to_end

    if check.timeout >= SLOW_CHECK_SECONDS:
        minutes = check.timeout / 60
        limit = f"{minutes:.0f} min" if check.timeout >= 120 else f"{check.timeout:.0f} s"
        kind = "end-to-end check on a real dataset" if is_end_to_end(check) else "slow check"
        print(f"  running {check.name}: {kind}, stopped after {limit} at most", flush=True)


def _check(arguments) -> int:
    """Run ``classroom check``: one table a workbook; 0 when all passed, 1 when not, 2 for usage errors."""
    from classroom.check.workbook import check_workbook

    try:
        resolved = _resolve_targets(arguments)
    except _UsageError as error:
        print(f"classroom check: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    summary = []
    for path, weekend, note in resolved:
        print(f"== {weekend}: {path}" + (f" ({note})" if note else ""), flush=True)
        try:
            report = check_workbook(path, weekend, before_check=_announce)
        except KeyboardInterrupt:
            print(f"classroom check: interrupted while checking {path.name}", file=sys.stderr)
            return 130
        print(report, flush=True)
        print(flush=True)
        summary.append((path.name, sum(result.passed for result in report), len(report), report.passed))
    if len(summary) > 1:
        print("summary: " + "; ".join(f"{name} {passed}/{total}" for name, passed, total, _ in summary))
    return 0 if all(ok for *_, ok in summary) else 1


def _start(arguments) -> int:
    """Run ``classroom start DIR``."""
    from classroom.check.start import StartError, start_course

    try:
        written = start_course(arguments.folder)
    except StartError as error:
        print(f"classroom start: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"classroom start: wrote {len(written)} files to {arguments.folder}:")
    for path in written:
        print(f"  {path.as_posix()}")
    print(
        f"next: cd {arguments.folder}, open weekend-01.ipynb in Jupyter (or edit weekend-01.py), "
        "then run: classroom check weekend-01"
    )
    return 0


def _run_recipe(arguments: argparse.Namespace) -> int:
    """Run ``classroom train NAME`` or ``classroom bench NAME``: the project script, in this process."""
    import inspect
    import runpy

    from classroom.config import project_root

    table = TRAIN_RECIPES if arguments.command == "train" else BENCHMARKS
    script, _ = table[arguments.recipe]
    root = project_root()
    if root is None or not (root / script).is_file():
        print(
            f"classroom {arguments.command} {arguments.recipe}: error: the recipes live in the project's "
            f"repository ({script}), and no checkout was found from {os.getcwd()}. Clone the repository "
            "(its link is on the site's home page) and run the command inside it.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from classroom.data.errors import MissingDataError

    saved = sys.argv
    try:
        recipe = runpy.run_path(str(root / script), run_name=f"classroom_{arguments.command}_{arguments.recipe}")
        sys.argv = [f"classroom {arguments.command} {arguments.recipe}", *arguments.options]  # the name --help shows
        takes_argv = bool(inspect.signature(recipe["main"]).parameters)
        code = recipe["main"](arguments.options) if takes_argv else recipe["main"]()
        return code if isinstance(code, int) else 0
    except SystemExit as stop:
        code = stop.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except MissingDataError as error:
        print(f"classroom {arguments.command} {arguments.recipe}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        sys.argv = saved


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``classroom`` command and return its exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name. Default: ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success; 1 when ``classroom check`` finds a check that did not
        pass; 2 for a usage error or an unusable model file.
    """
    parser = build_parser()
    arguments = parser.parse_args(argv)
    if arguments.command == "serve":
        return run_serve(arguments)
    if arguments.command == "check":
        return _check(arguments)
    if arguments.command == "start":
        return _start(arguments)
    if arguments.command in ("train", "bench"):
        return _run_recipe(arguments)
    if arguments.command == "export-onnx":
        return _export_onnx(arguments)
    parser.error(f"unknown command {arguments.command!r}")
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
