"""Load a learner's workbook headless and grade it: what ``classroom check`` runs.

A workbook is a jupytext percent ``.py`` file or an ``.ipynb``. It is run
with :data:`classroom.check.core.HEADLESS_ENV` set, so its own ``grade``
cells do nothing; then every check of its weekend runs once against the
names it defined. An exception while loading (a syntax error, a cell that
raises) becomes one "error in your code" row with the learner's line.
"""

from __future__ import annotations

import json
import os
import re
from contextlib import contextmanager
from pathlib import Path

from .core import ERROR, HEADLESS_ENV, Report, Result, _describe_learner_error, run_checks

__all__ = ["weekend_of", "load_workbook", "check_workbook", "find_workbook"]

_NAME = re.compile(r"(weekend-\d{2}|month-\d)")


def weekend_of(path) -> str:
    """Return the weekend a workbook belongs to, from its file name (``weekend-01.ipynb`` -> ``weekend-01``).

    Raises
    ------
    ValueError
        When the name holds no ``weekend-NN`` or ``month-N``.
    """
    match = _NAME.search(Path(path).name)
    if match is None:
        raise ValueError(f"cannot tell the weekend of {path}: name it weekend-NN.py/.ipynb or month-2.py/.ipynb")
    return match.group(1)


def find_workbook(target: str, folder: Path) -> Path:
    """Return the workbook file for ``target``: a path, or ``weekend-NN`` looked up in ``folder``.

    When both ``.ipynb`` and ``.py`` exist, the one edited last is used.

    Raises
    ------
    FileNotFoundError
        With the places it looked.
    """
    path = Path(target)
    if path.suffix in {".py", ".ipynb"}:
        if not path.exists():
            raise FileNotFoundError(f"workbook {path} not found")
        return path
    candidates = [folder / f"{target}{suffix}" for suffix in (".ipynb", ".py")]
    existing = [candidate for candidate in candidates if candidate.exists()]
    if not existing:
        raise FileNotFoundError(
            f"no workbook for {target} in {folder}: looked for {candidates[0].name} and {candidates[1].name}"
        )
    return max(existing, key=lambda candidate: candidate.stat().st_mtime)


def _cells(path: Path) -> list[tuple[str, str]]:
    """Return ``(filename, source)`` pieces to run: the whole ``.py``, or each code cell of an ``.ipynb``."""
    if path.suffix == ".py":
        return [(str(path), path.read_text(encoding="utf-8"))]
    notebook = json.loads(path.read_text(encoding="utf-8"))
    pieces = []
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", []))
        # IPython magics and shell lines mean nothing outside a notebook.
        source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
        pieces.append((f"<{path.name}, cell {number}>", source))
    return pieces


@contextmanager
def _headless_in(folder: Path):
    previous_env = os.environ.get(HEADLESS_ENV)
    previous_dir = Path.cwd()
    os.environ[HEADLESS_ENV] = "1"
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous_dir)
        if previous_env is None:
            os.environ.pop(HEADLESS_ENV, None)
        else:
            os.environ[HEADLESS_ENV] = previous_env


def load_workbook(path) -> dict:
    """Run a workbook headless and return the names it defined.

    Raises
    ------
    Exception
        Whatever the learner's code raised while loading (see :func:`check_workbook`).
    """
    path = Path(path).resolve()
    namespace: dict = {"__name__": "__workbook__", "__file__": str(path)}
    with _headless_in(path.parent):
        for filename, source in _cells(path):
            exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - the learner's own code
    return namespace


def check_workbook(path, weekend: str | None = None) -> Report:
    """Load a workbook and run every check of its weekend.

    Returns
    -------
    Report
        One row a check, or a single error row when the workbook itself fails to load.
    """
    weekend = weekend or weekend_of(path)
    try:
        namespace = load_workbook(path)
    except Exception as error:  # noqa: BLE001 - the learner's error becomes a row
        return Report(
            [
                Result(
                    check=f"load {Path(path).name}",
                    status=ERROR,
                    measured=_describe_learner_error(error),
                    hint="the workbook stops before any check can run: fix the line named here",
                    hint_id="load-error",
                    weekend=weekend,
                )
            ]
        )
    return run_checks(weekend, namespace)
