"""The ``classroom`` command.

Subcommands
-----------
``classroom serve --model FILE [--model FILE2] [--host 127.0.0.1] [--port 8000]``
    Serve saved models over HTTP (see :mod:`classroom.serve.app`). Every
    model file is loaded and checked *before* the server starts; a damaged or
    mismatched file stops the command with one line naming the file and the
    problem, and exit status 2.

Run ``classroom serve --help`` for every option. Without the console script,
``python -m classroom.cli serve ...`` does the same.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from classroom import __version__

__all__ = ["build_parser", "main"]

EXIT_USAGE = 2
"""Exit status for a bad command line or a model file that cannot be served."""


def _positive_int(text: str) -> int:
    """Parse a positive integer command-line value."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``classroom`` command."""
    from classroom.serve.limits import (
        DEFAULT_BLAS_THREADS,
        DEFAULT_MAX_IMAGE_PIXELS,
        DEFAULT_MAX_UPLOAD_BYTES,
    )

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

    serve = commands.add_parser(
        "serve",
        help="serve saved models over HTTP",
        description="Serve saved models over HTTP: POST an image to /predict, docs at /docs.",
    )
    serve.add_argument(
        "--model",
        dest="models",
        action="append",
        required=True,
        metavar="PATH",
        help="model file (.npz from export_model / classroom.io.save_model); repeat for more "
        "models; the first is the default",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    serve.add_argument(
        "--max-upload-bytes",
        type=_positive_int,
        default=DEFAULT_MAX_UPLOAD_BYTES,
        metavar="N",
        help="largest accepted /predict request body in bytes (default: %(default)s)",
    )
    serve.add_argument(
        "--max-image-pixels",
        type=_positive_int,
        default=DEFAULT_MAX_IMAGE_PIXELS,
        metavar="N",
        help="largest accepted image, width x height (default: %(default)s)",
    )
    serve.add_argument(
        "--blas-threads",
        type=_positive_int,
        default=DEFAULT_BLAS_THREADS,
        metavar="N",
        help="threads NumPy's matrix library may use per product (default: %(default)s; one "
        "image is too small to gain from more)",
    )
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="server log level (default: %(default)s)",
    )
    serve.add_argument(
        "--no-access-log",
        dest="access_log",
        action="store_false",
        help="do not log one line per request (slightly faster under load)",
    )
    return parser


BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
"""Environment variables that size the thread pools of NumPy's BLAS libraries."""


def _limit_blas_threads(count: int) -> None:
    """Ask NumPy's BLAS library for at most ``count`` threads.

    The environment variables only take effect if NumPy is not imported yet,
    which is the case when ``classroom serve`` runs as a command; otherwise
    ``threadpoolctl`` is used when installed.
    """
    if "numpy" not in sys.modules:
        for name in BLAS_THREAD_VARIABLES:
            os.environ[name] = str(count)
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        print(
            "classroom serve: NumPy was already imported, so --blas-threads has no effect "
            "(install threadpoolctl, or set OPENBLAS_NUM_THREADS before starting Python)",
            file=sys.stderr,
        )
        return
    threadpool_limits(count, user_api="blas")


def _serve(arguments: argparse.Namespace) -> int:
    """Load and check every model, then run uvicorn until interrupted."""
    _limit_blas_threads(arguments.blas_threads)
    try:
        import uvicorn

        from classroom.serve.app import create_app
        from classroom.serve.model_file import ModelFileError, load_served_model
    except ImportError as error:
        print(
            f"classroom serve: error: {error.name or error} is not installed; "
            "install the serving extras with: pip install 'ml-classroom[serve]'",
            file=sys.stderr,
        )
        return EXIT_USAGE

    models = []
    for path in arguments.models:
        try:
            models.append(load_served_model(path))
        except ModelFileError as error:
            print(f"classroom serve: error: {error}", file=sys.stderr)
            return EXIT_USAGE
    try:
        app = create_app(
            models,
            max_upload_bytes=arguments.max_upload_bytes,
            max_image_pixels=arguments.max_image_pixels,
        )
    except ValueError as error:
        print(f"classroom serve: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    for model in models:
        print(
            f"classroom serve: {model.name} v{model.version} from {model.path} "
            f"(sha256 {model.sha256[:12]}...)",
            file=sys.stderr,
        )
    if arguments.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"classroom serve: listening on {arguments.host}: the API is reachable from other "
            "machines; it has no authentication",
            file=sys.stderr,
        )
    uvicorn.run(
        app,
        host=arguments.host,
        port=arguments.port,
        log_level=arguments.log_level,
        access_log=arguments.access_log,
        workers=1,
    )
    return 0


def _check(arguments) -> int:
    """Run ``classroom check``: one table a workbook; 0 when all passed, 1 when not, 2 for usage errors."""
    from pathlib import Path

    from classroom.check.workbook import check_workbook, find_workbook, weekend_of

    folder = Path(arguments.dir)
    targets = list(arguments.targets)
    if arguments.all:
        names = sorted({path.stem for path in folder.glob("*") if path.suffix in {".py", ".ipynb"}})
        targets += [name for name in names if name.startswith(("weekend-", "month-"))]
    if not targets:
        print("classroom check: name a workbook (e.g. weekend-01) or use --all", file=sys.stderr)
        return EXIT_USAGE
    all_passed = True
    for target in targets:
        try:
            path = find_workbook(target, folder)
            weekend = weekend_of(path)
        except (FileNotFoundError, ValueError) as error:
            print(f"classroom check: {error}", file=sys.stderr)
            return EXIT_USAGE
        print(f"== {weekend}: {path}", flush=True)
        report = check_workbook(path, weekend)
        print(report, flush=True)
        all_passed = all_passed and report.passed
    return 0 if all_passed else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``classroom`` command and return its exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name. Default: ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success, 2 for a usage error or an unusable model file.
    """
    parser = build_parser()
    arguments = parser.parse_args(argv)
    if arguments.command == "serve":
        return _serve(arguments)
    if arguments.command == "check":
        return _check(arguments)
    parser.error(f"unknown command {arguments.command!r}")
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
