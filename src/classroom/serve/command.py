"""The ``classroom serve`` subcommand: its options and what it runs.

The options are the server's limits (:mod:`classroom.serve.limits` holds
their defaults and explains each); :func:`run_serve` loads and checks every
model file before uvicorn starts, so a damaged file stops the command with
one line, not a traceback. FastAPI and uvicorn are imported only when the
command runs: ``classroom --help`` works without the serving extras.
"""

from __future__ import annotations

import argparse
import sys

from classroom.config import limit_blas_threads
from classroom.serve.limits import (
    DEFAULT_BLAS_THREADS,
    DEFAULT_BODY_TIMEOUT_SECONDS,
    DEFAULT_KEEP_ALIVE_SECONDS,
    DEFAULT_LIMIT_CONCURRENCY,
    DEFAULT_MAX_CONCURRENT_DECODES,
    DEFAULT_MAX_DECODED_BYTES,
    DEFAULT_MAX_IMAGE_PIXELS,
    DEFAULT_MAX_UPLOAD_BYTES,
    DEFAULT_MAX_WAITING_DECODES,
)

__all__ = ["EXIT_USAGE", "add_serve_command", "positive_int", "run_serve"]

EXIT_USAGE = 2
"""Exit status for a bad command line or a model file that cannot be served."""


def positive_int(text: str) -> int:
    """Parse a positive integer command-line value."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def add_serve_command(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``serve`` and its options to the ``classroom`` command's subcommands.

    Parameters
    ----------
    commands : argparse._SubParsersAction
        What ``ArgumentParser.add_subparsers()`` returned.

    Returns
    -------
    argparse.ArgumentParser
        The ``serve`` subcommand's parser.
    """
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
        type=positive_int,
        default=DEFAULT_MAX_UPLOAD_BYTES,
        metavar="N",
        help="largest accepted /predict request body in bytes (default: %(default)s)",
    )
    serve.add_argument(
        "--max-image-pixels",
        type=positive_int,
        default=DEFAULT_MAX_IMAGE_PIXELS,
        metavar="N",
        help="largest accepted image, width x height (default: %(default)s)",
    )
    serve.add_argument(
        "--blas-threads",
        type=positive_int,
        default=DEFAULT_BLAS_THREADS,
        metavar="N",
        help="threads NumPy's matrix library may use per product (default: %(default)s; one "
        "image is too small to gain from more)",
    )
    serve.add_argument(
        "--max-decoded-bytes",
        type=positive_int,
        default=DEFAULT_MAX_DECODED_BYTES,
        metavar="N",
        help="largest decoded image in bytes, from its header before decoding (default: %(default)s)",
    )
    serve.add_argument(
        "--max-concurrent-decodes",
        type=positive_int,
        default=DEFAULT_MAX_CONCURRENT_DECODES,
        metavar="N",
        help="uploads decoded at once (default: %(default)s)",
    )
    serve.add_argument(
        "--max-waiting-decodes",
        type=int,
        default=DEFAULT_MAX_WAITING_DECODES,
        metavar="N",
        help="uploads that may wait for a decode; more get 503 with Retry-After (default: %(default)s)",
    )
    serve.add_argument(
        "--body-timeout",
        type=float,
        default=DEFAULT_BODY_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help="seconds a client has to send a whole upload before it gets 408 (default: %(default)s)",
    )
    serve.add_argument(
        "--keep-alive",
        type=positive_int,
        default=DEFAULT_KEEP_ALIVE_SECONDS,
        metavar="SECONDS",
        help="seconds an idle connection stays open (default: %(default)s)",
    )
    serve.add_argument(
        "--limit-concurrency",
        type=positive_int,
        default=DEFAULT_LIMIT_CONCURRENCY,
        metavar="N",
        help="connections and requests at once before the server answers 503 (default: %(default)s)",
    )
    serve.add_argument(
        "--cache-size",
        type=int,
        default=0,
        metavar="N",
        help="decoded inputs whose predictions each model remembers; a repeated image is answered "
        "without running the model (default: %(default)s, no cache)",
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
    return serve


def run_serve(arguments: argparse.Namespace) -> int:
    """Run ``classroom serve``: load and check every model, then run uvicorn until interrupted.

    Parameters
    ----------
    arguments : argparse.Namespace
        The options :func:`add_serve_command` defines.

    Returns
    -------
    int
        0 after the server stops; :data:`EXIT_USAGE` (2) when the serving
        extras are missing or a model file cannot be served.
    """
    limit_blas_threads(arguments.blas_threads)
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
            body_timeout=arguments.body_timeout,
            max_decoded_bytes=arguments.max_decoded_bytes,
            max_concurrent_decodes=arguments.max_concurrent_decodes,
            max_waiting_decodes=arguments.max_waiting_decodes,
            cache_size=getattr(arguments, "cache_size", 0),
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
        timeout_keep_alive=arguments.keep_alive,
        limit_concurrency=arguments.limit_concurrency,
    )
    return 0
