#!/usr/bin/env python3
"""One entry point for contributors: set up, serve the site, build it, run the tests.

Usage (from the repository root, with Python 3.10+)::

    python3 scripts/dev.py serve      # set up .venv, build (quick mode) and serve on 127.0.0.1:8000
    python3 scripts/dev.py serve --full   # the same with the full training budgets (an hour or more)
    python3 scripts/dev.py test       # set up .venv, run the whole test suite
    python3 scripts/dev.py build      # set up .venv, build the site strictly into site/
    python3 scripts/dev.py setup [--torch]   # only create/refresh .venv

Each command creates ``.venv`` on first use and installs the pinned versions:
with `uv <https://docs.astral.sh/uv/>`_ when it is installed (``uv sync``
against the committed ``uv.lock``), otherwise with pip and
``requirements/constraints.txt`` (``--installer pip|uv`` or
``CLASSROOM_INSTALLER`` chooses). Later runs skip the install unless
``pyproject.toml``, the lock or the constraints changed. ``--torch`` also
installs the CPU build of PyTorch, which the tests use as an oracle (they
skip cleanly without it). Set ``CLASSROOM_TORCH_INDEX_URL`` to install it
from another index, e.g. ``https://download.pytorch.org/whl/cpu`` (the
CPU-only wheels, which CI uses on Linux).

``serve`` and ``build`` run the notebooks in quick mode (small subsets, few
epochs: minutes) unless ``--full`` is given or ``CLASSROOM_QUICK`` is set.
``serve`` builds every page even when a dataset is missing: the notebook
pages that need it say which dataset, where it was looked for and the
command that fixes it, and the terminal prints one summary. ``build`` is
strict: a missing dataset fails it with the same message.

``test`` runs pytest on every core (pytest-xdist: ``-n auto --dist
loadfile``, so each test file stays on one worker and its module fixtures
are made once); pass ``-n 0`` to run in one process, e.g. with ``--pdb``.

Options of this script may come anywhere; every other argument goes to
pytest or mkdocs: ``python3 scripts/dev.py test --torch tests/site -x``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
LOCK = ROOT / "uv.lock"
STAMP = VENV / ".classroom-installed"
TORCH_REQUIREMENT = "torch==2.13.0"
EXTRAS = ("tests", "docs", "serve", "data")
#: The constraints were resolved on this Python; older ones get the newest compatible versions.
PINNED_PYTHON = (3, 11, 5)


def venv_python() -> Path:
    """Return the path of the virtual environment's Python."""
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def parallel_options(pytest_arguments: list[str]) -> list[str]:
    """pytest-xdist options for ``test``: every core, one test file per worker at a time.

    Nothing is added when the arguments already choose (``-n``, ``--numprocesses``,
    ``--dist``, ``-p no:xdist``) or ask for an interactive debugger (``--pdb``),
    which needs a single process.
    """
    chosen = ("-n", "--numprocesses", "--dist", "--pdb", "no:xdist")
    if any(argument.startswith(chosen) for argument in pytest_arguments):
        return []
    return ["-n", "auto", "--dist", "loadfile"]


def run(command: list, **kwargs) -> None:
    """Run a command from the repository root; stop with its exit code if it fails."""
    print("+", " ".join(str(part) for part in command), flush=True)
    result = subprocess.run([str(part) for part in command], cwd=ROOT, **kwargs)
    if result.returncode != 0:
        sys.exit(result.returncode)


def choose_installer(requested: str | None = None) -> str:
    """Return ``"uv"`` or ``"pip"``: the one asked for, else uv when it is on PATH and a lock exists."""
    requested = requested or os.environ.get("CLASSROOM_INSTALLER") or "auto"
    if requested not in {"auto", "uv", "pip"}:
        sys.exit(f"unknown installer {requested!r}: use 'uv' or 'pip'")
    if requested == "uv" and shutil.which("uv") is None:
        sys.exit("uv is not installed: see https://docs.astral.sh/uv/ or use '--installer pip'")
    if requested == "auto":
        return "uv" if shutil.which("uv") and LOCK.exists() else "pip"
    return requested


def install_fingerprint(with_torch: bool, installer: str = "pip") -> str:
    """Hash of everything that decides what gets installed."""
    digest = hashlib.sha256()
    for path in (ROOT / "pyproject.toml", CONSTRAINTS, LOCK):
        digest.update(path.read_bytes() if path.exists() else b"")
    digest.update(installer.encode())
    digest.update(b"torch" if with_torch else b"")
    digest.update(os.environ.get("CLASSROOM_TORCH_INDEX_URL", "").encode() if with_torch else b"")
    return digest.hexdigest()


def _install_with_pip(python: Path) -> None:
    run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    pins: list = []
    if CONSTRAINTS.exists() and sys.version_info >= PINNED_PYTHON:
        pins = ["-c", CONSTRAINTS]
    elif CONSTRAINTS.exists():
        print(
            f"note: the pinned versions need Python {'.'.join(map(str, PINNED_PYTHON))}+; this is "
            f"{sys.version.split()[0]}, so pip installs the newest compatible versions instead "
            "(uv uses the lock, which covers Python 3.10 too)",
            flush=True,
        )
    run([python, "-m", "pip", "install", "--quiet", *pins, "-e", f".[{','.join(EXTRAS)}]"])


def _install_with_uv() -> None:
    extras = [part for extra in EXTRAS for part in ("--extra", extra)]
    # --inexact keeps packages outside the lock (PyTorch, the test oracle) installed.
    run(["uv", "sync", "--frozen", "--inexact", "--python", sys.executable, *extras])


def _install_torch(python: Path) -> None:
    # pip, also in a uv environment: pip takes the CPU wheel this machine may
    # hold locally or from CLASSROOM_TORCH_INDEX_URL; an unpinned uv install
    # would pull a multi-GB CUDA build.
    check = subprocess.run([str(python), "-m", "pip", "--version"], capture_output=True)
    if check.returncode != 0:
        run([python, "-m", "ensurepip", "--upgrade"])
    index_url = os.environ.get("CLASSROOM_TORCH_INDEX_URL")
    index = ["--index-url", index_url] if index_url else []
    run([python, "-m", "pip", "install", "--quiet", *index, TORCH_REQUIREMENT])


def setup(with_torch: bool = False, installer: str | None = None) -> Path:
    """Create ``.venv`` and install the project with pinned dependencies (uv or pip)."""
    if sys.version_info < (3, 10):
        sys.exit(f"ML Classroom needs Python 3.10 or newer; this is {sys.version.split()[0]}.")
    installer = choose_installer(installer)
    wanted = install_fingerprint(with_torch, installer)
    if venv_python().exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return venv_python()
    started = time.perf_counter()
    print(f"Setting up {VENV.name}/ with {installer} (first run, or the pins changed)", flush=True)
    if installer == "uv":
        _install_with_uv()
    else:
        if not venv_python().exists():
            venv.EnvBuilder(with_pip=True).create(VENV)
        _install_with_pip(venv_python())
    python = venv_python()
    if with_torch:
        _install_torch(python)
    STAMP.write_text(wanted)
    print(f"Set up {VENV.name}/ with {installer} in {time.perf_counter() - started:.0f} s", flush=True)
    return python


def notebook_mode(full: bool) -> bool:
    """Return True for quick mode: the default, unless ``--full`` or ``CLASSROOM_QUICK`` says otherwise."""
    if full:
        return False
    configured = os.environ.get("CLASSROOM_QUICK")
    if configured is not None and configured.strip() != "":
        return configured.strip().lower() in {"1", "true", "yes", "on"}
    return True


def announce_mode(quick: bool, command: str) -> None:
    """Say which mode the notebooks run in and how to switch."""
    if quick:
        print(
            f"Notebooks run in quick mode (small subsets, few epochs). For the full training "
            f"budgets: python3 scripts/dev.py {command} --full",
            flush=True,
        )
    else:
        print(
            f"Notebooks run in full mode (full datasets and budgets; the first build can take an hour). "
            f"For a build in minutes: python3 scripts/dev.py {command}",
            flush=True,
        )


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
    parser.add_argument(
        "--full", action="store_true", help="serve/build: run the notebooks with the full training budgets"
    )
    parser.add_argument(
        "--installer", choices=["uv", "pip"], default=None, help="install with uv or pip (default: uv if installed)"
    )
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

    python = setup(with_torch=args.torch, installer=args.installer)
    # Material for MkDocs and ProperDocs each print a page about MkDocs 2 on
    # every build; the project pins mkdocs<2 (CONTRIBUTING explains why and
    # the ways out), so in its own commands the warning is noise.
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    os.environ.setdefault("DISABLE_MKDOCS_2_WARNING", "true")
    if args.command in {"serve", "build"}:
        quick = notebook_mode(args.full)
        os.environ["CLASSROOM_QUICK"] = "1" if quick else "0"
        announce_mode(quick, args.command)
    if args.command == "serve":
        # Pages whose dataset is missing show what to fetch instead of stopping the build.
        os.environ.setdefault("CLASSROOM_MISSING_DATA", "placeholder")
        run([python, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{args.port}", *rest])
    elif args.command == "build":
        run([python, "-m", "mkdocs", "build", "--strict", *rest])
    elif args.command == "test":
        run([python, "-m", "pytest", *parallel_options(rest), *rest])
    elif rest:
        parser.error(f"'setup' takes no extra arguments, got {rest}")


if __name__ == "__main__":
    main()
