#!/usr/bin/env python3
"""One entry point for contributors: set up, serve the site, build it, run the tests.

Usage (from the repository root, with Python 3.10+)::

    python3 scripts/dev.py serve      # set up .venv, build and serve the site on 127.0.0.1:8000
    python3 scripts/dev.py test       # set up .venv, run the whole test suite
    python3 scripts/dev.py build      # set up .venv, build the site strictly into site/
    python3 scripts/dev.py setup [--torch]   # only create/refresh .venv

Each command creates ``.venv`` on first use and installs the pinned versions
from ``requirements/constraints.txt``; later runs skip the install unless
``pyproject.toml`` or the constraints changed. ``--torch`` also installs the
CPU build of PyTorch, which the tests use as an oracle (they skip cleanly
without it). Set ``CLASSROOM_TORCH_INDEX_URL`` to install it from another
index, e.g. ``https://download.pytorch.org/whl/cpu`` (the CPU-only wheels,
which CI uses on Linux).

Options of this script may come anywhere; every other argument goes to
pytest or mkdocs: ``python3 scripts/dev.py test --torch tests/site -x``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
STAMP = VENV / ".classroom-installed"
TORCH_REQUIREMENT = "torch==2.13.0"


def venv_python() -> Path:
    """Return the path of the virtual environment's Python."""
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def run(command: list, **kwargs) -> None:
    """Run a command from the repository root; stop with its exit code if it fails."""
    print("+", " ".join(str(part) for part in command), flush=True)
    result = subprocess.run([str(part) for part in command], cwd=ROOT, **kwargs)
    if result.returncode != 0:
        sys.exit(result.returncode)


def install_fingerprint(with_torch: bool) -> str:
    """Hash of everything that decides what gets installed."""
    digest = hashlib.sha256()
    for path in (ROOT / "pyproject.toml", CONSTRAINTS):
        digest.update(path.read_bytes() if path.exists() else b"")
    digest.update(b"torch" if with_torch else b"")
    digest.update(os.environ.get("CLASSROOM_TORCH_INDEX_URL", "").encode() if with_torch else b"")
    return digest.hexdigest()


def setup(with_torch: bool = False) -> Path:
    """Create ``.venv`` and install the project with pinned dependencies."""
    if sys.version_info < (3, 10):
        sys.exit(f"ML Classroom needs Python 3.10 or newer; this is {sys.version.split()[0]}.")
    if not venv_python().exists():
        print(f"Creating the virtual environment in {VENV.name}/", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = install_fingerprint(with_torch)
    if STAMP.exists() and STAMP.read_text() == wanted:
        return venv_python()
    python = venv_python()
    run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    pins = ["-c", CONSTRAINTS] if CONSTRAINTS.exists() else []
    run([python, "-m", "pip", "install", "--quiet", *pins, "-e", ".[tests,docs,serve]"])
    if with_torch:
        index_url = os.environ.get("CLASSROOM_TORCH_INDEX_URL")
        index = ["--index-url", index_url] if index_url else []
        run([python, "-m", "pip", "install", "--quiet", *index, TORCH_REQUIREMENT])
    STAMP.write_text(wanted)
    return python


def main(argv: list | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
        epilog="Any other arguments go to pytest (test) or mkdocs (serve, build), e.g. "
        "'dev.py test --torch tests/site -x' or 'dev.py test -m \"not slow\"'.",
    )
    parser.add_argument("command", choices=["setup", "serve", "build", "test"])
    parser.add_argument("--torch", action="store_true", help="also install the CPU build of PyTorch (a test oracle)")
    parser.add_argument("--port", type=int, default=8000, help="port for 'serve' (default 8000)")
    # Options of this script may appear anywhere ('test --torch -x' works); the
    # rest is passed on unchanged, in order. A '--' ends this script's options.
    if argv is None:
        argv = sys.argv[1:]
    if "--" in argv:
        split = argv.index("--")
        ours, passed_on = argv[:split], argv[split + 1 :]
    else:
        ours, passed_on = argv, []
    args, rest = parser.parse_known_args(ours)
    rest = rest + passed_on

    python = setup(with_torch=args.torch)
    if args.command == "serve":
        run([python, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{args.port}", *rest])
    elif args.command == "build":
        run([python, "-m", "mkdocs", "build", "--strict", *rest])
    elif args.command == "test":
        run([python, "-m", "pytest", *rest])
    elif rest:
        parser.error(f"'setup' takes no extra arguments, got {rest}")


if __name__ == "__main__":
    main()
