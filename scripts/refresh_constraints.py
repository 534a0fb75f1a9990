#!/usr/bin/env python3
"""Recreate ``requirements/constraints.txt`` from a fresh virtual environment.

Usage (from the repository root, needs network access to PyPI)::

    python3 scripts/refresh_constraints.py

Steps: create a temporary virtual environment, ``pip install -e
.[tests,docs,serve]`` into it (the newest versions pyproject.toml allows),
``pip freeze`` it, drop the project itself and PyTorch (installed separately
from the CPU wheel index, see ``scripts/dev.py``) and write the pins, sorted,
to ``requirements/constraints.txt``. The same pins go into
``[tool.uv] constraint-dependencies`` in ``pyproject.toml`` (between the
marker comments), and ``uv lock`` then rewrites ``uv.lock`` when uv is
installed, so ``uv sync`` and pip install the same versions. Files are
written to a temporary file beside them and moved into place, so an
interrupted run never leaves a half-written file. Review the diff before
committing.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
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
PYPROJECT = ROOT / "pyproject.toml"
UV_BEGIN = "# BEGIN pins from requirements/constraints.txt (scripts/refresh_constraints.py writes this block)"
UV_END = "# END pins"
#: The pins were resolved on this Python; uv resolves older ones (3.10) freely inside the lock.
UV_MARKER = "python_full_version >= '3.11.5'"
#: The platforms the lock covers (learners' laptops and CI); naming them halves uv.lock.
UV_ENVIRONMENTS = (
    "sys_platform == 'linux' and (platform_machine == 'x86_64' or platform_machine == 'aarch64')",
    "sys_platform == 'darwin'",
    "sys_platform == 'win32' and platform_machine == 'AMD64'",
)


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


def uv_constraint_block(pins: list[str]) -> str:
    """Return the ``[tool.uv]`` block of ``pyproject.toml`` that pins what the constraints pin."""
    lines = [UV_BEGIN, "[tool.uv]", "environments = ["]
    lines += [f'    "{environment}",' for environment in UV_ENVIRONMENTS]
    lines += ["]", "constraint-dependencies = ["]
    lines += [f'    "{pin}; {UV_MARKER}",' for pin in pins]
    lines += ["]", UV_END]
    return "\n".join(lines)


def with_uv_constraints(pyproject_text: str, pins: list[str]) -> str:
    """Return ``pyproject.toml``'s text with its pin block replaced (or appended)."""
    block = uv_constraint_block(pins)
    if UV_BEGIN in pyproject_text and UV_END in pyproject_text:
        before, _, rest = pyproject_text.partition(UV_BEGIN)
        _, _, after = rest.partition(UV_END)
        return before + block + after
    return pyproject_text.rstrip("\n") + "\n\n" + block + "\n"


def read_pins(path: Path = CONSTRAINTS) -> list[str]:
    """Return the ``name==version`` lines of a constraints file."""
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if "==" in line and not line.startswith("#")]


def sync_uv(pins: list[str]) -> None:
    """Write the pins into ``pyproject.toml`` and re-lock with uv when it is installed."""
    write_atomically(PYPROJECT, with_uv_constraints(PYPROJECT.read_text(encoding="utf-8"), pins))
    if shutil.which("uv"):
        run(["uv", "lock"])
    else:
        print("uv is not installed: pyproject.toml has the pins, but uv.lock was not refreshed", file=sys.stderr)


def run(command: list, **kwargs) -> subprocess.CompletedProcess:
    print("+", " ".join(str(part) for part in command), flush=True)
    return subprocess.run([str(part) for part in command], check=True, cwd=ROOT, **kwargs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=CONSTRAINTS, help="default: requirements/constraints.txt")
    parser.add_argument(
        "--uv-only",
        action="store_true",
        help="only copy the existing constraints into pyproject.toml and re-lock uv.lock",
    )
    args = parser.parse_args(argv)
    if args.uv_only:
        sync_uv(read_pins(args.output))
        return 0
    with tempfile.TemporaryDirectory(prefix="classroom-constraints-") as folder:
        environment = Path(folder) / "venv"
        venv.EnvBuilder(with_pip=True).create(environment)
        python = environment / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        try:
            run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
            run([python, "-m", "pip", "install", "--quiet", "-e", ".[tests,docs,serve,data]"])
            frozen = run([python, "-m", "pip", "freeze", "--all", "--exclude-editable"], capture_output=True, text=True)
        except subprocess.CalledProcessError as error:
            print(f"refresh_constraints: {error}; {args.output} was left unchanged", file=sys.stderr)
            return 1
    pins = [line for line in pinned_lines(frozen.stdout) if not line.startswith(("pip==", "setuptools==", "wheel=="))]
    write_atomically(args.output, HEADER + "\n".join(pins) + "\n")
    print(f"wrote {len(pins)} pins to {args.output}")
    if args.output == CONSTRAINTS:
        sync_uv(pins)
    return 0


if __name__ == "__main__":
    sys.exit(main())
