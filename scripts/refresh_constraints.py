#!/usr/bin/env python3
"""Recreate ``requirements/constraints.txt`` from a fresh virtual environment.

Usage (from the repository root, needs network access to PyPI)::

    python3 scripts/refresh_constraints.py

Steps: create a temporary virtual environment, ``pip install -e
.[tests,docs,serve]`` into it (the newest versions pyproject.toml allows),
``pip freeze`` it, drop the project itself and PyTorch (installed separately
from the CPU wheel index, see ``scripts/dev.py``) and write the pins, sorted,
to ``requirements/constraints.txt``. The file is written to a temporary file
beside it and moved into place, so an interrupted run never leaves a
half-written constraints file. Review the diff before committing.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
HEADER = (
    "# Pinned versions for the site, the tests and the API server.\n"
    "# Refresh with: python3 scripts/refresh_constraints.py\n"
)
#: Distributions never pinned here: the project itself and PyTorch.
EXCLUDED = {"ml-classroom", "torch"}


def normalise(name: str) -> str:
    """PEP 503 normalised distribution name (``Foo_Bar`` -> ``foo-bar``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_lines(freeze_output: str) -> list[str]:
    """Keep ``name==version`` lines, minus excluded and editable/URL installs, sorted by name."""
    pins = {}
    for line in freeze_output.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "-e ", "--")) or " @ " in line or "==" not in line:
            continue
        name, version = line.split("==", 1)
        if normalise(name) in EXCLUDED:
            continue
        pins[normalise(name)] = f"{normalise(name)}=={version}"
    return [pins[name] for name in sorted(pins)]


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def run(command: list, **kwargs) -> subprocess.CompletedProcess:
    print("+", " ".join(str(part) for part in command), flush=True)
    return subprocess.run([str(part) for part in command], check=True, cwd=ROOT, **kwargs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=CONSTRAINTS, help="default: requirements/constraints.txt")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="classroom-constraints-") as folder:
        environment = Path(folder) / "venv"
        venv.EnvBuilder(with_pip=True).create(environment)
        python = environment / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        try:
            run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
            run([python, "-m", "pip", "install", "--quiet", "-e", ".[tests,docs,serve]"])
            frozen = run([python, "-m", "pip", "freeze", "--all", "--exclude-editable"], capture_output=True, text=True)
        except subprocess.CalledProcessError as error:
            print(f"refresh_constraints: {error}; {args.output} was left unchanged", file=sys.stderr)
            return 1
    pins = [line for line in pinned_lines(frozen.stdout) if not line.startswith(("pip==", "setuptools==", "wheel=="))]
    write_atomically(args.output, HEADER + "\n".join(pins) + "\n")
    print(f"wrote {len(pins)} pins to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
