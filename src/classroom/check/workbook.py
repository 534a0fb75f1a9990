"""Load a learner's workbook and grade it: what ``classroom check`` runs.

A workbook is a jupytext *percent* ``.py`` file (cells start with ``# %%``)
or an ``.ipynb`` notebook. :func:`check_workbook` runs it with
:data:`classroom.check.core.HEADLESS_ENV` set, so its own ``grade`` cells do
nothing, then runs every check of its weekend once against the names it
defined. An exception or a syntax error while loading becomes one
``error in your code`` row naming the learner's file (or notebook cell) and
line, never a traceback from inside the checker.

:func:`run_with_solutions` is the continuous-integration mode: it executes a
workbook cell by cell, drops the package's reference solutions in right after
every cell tagged ``stub`` and runs the ``grade`` cells for real, so a broken
workbook (a wrong piece name, a cell that raises, a check that cannot pass)
fails the test suite. Reading the file into cells, and writing notebooks,
is :mod:`classroom.check.workbook_cells` (its names are importable from here).
"""

from __future__ import annotations

import importlib
import linecache
import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from .core import (
    ERROR,
    HEADLESS_ENV,
    NOT_WRITTEN,
    Check,
    Report,
    Result,
    _describe_learner_error,
    registered_checks,
    run_check,
)
from .workbook_cells import Cell, dumps_ipynb, percent_to_ipynb, workbook_cells

__all__ = [
    "WorkbookError",
    "Cell",
    "weekend_of",
    "find_workbook",
    "workbook_cells",
    "load_workbook",
    "check_workbook",
    "run_with_solutions",
    "assert_solutions_pass",
    "percent_to_ipynb",
    "dumps_ipynb",
    "solutions_module",
    "reference_solutions",
    "SUFFIXES",
]

_NAME = re.compile(r"(weekend-\d{2}|month-\d)")
SUFFIXES = (".ipynb", ".py")
"""File types a workbook can have."""


class WorkbookError(Exception):
    """The learner's workbook raised while it was loading.

    Attributes
    ----------
    error : BaseException
        What their code raised (a ``SyntaxError`` included).
    where : str
        The file, or ``"weekend-01.ipynb, cell 5"``, the error happened in.
    """

    def __init__(self, error: BaseException, where: str):
        super().__init__(f"{where}: {_describe_learner_error(error)}")
        self.error = error
        self.where = where


# --------------------------------------------------------------------------
# Names and files
# --------------------------------------------------------------------------


def weekend_of(path) -> str:
    """Return the weekend of a workbook from its file name.

    Parameters
    ----------
    path : str or os.PathLike
        ``weekend-01.ipynb``, ``my/weekend-03.py``, ``month-2.ipynb`` ...

    Returns
    -------
    str
        ``"weekend-01"`` ... ``"weekend-08"`` or ``"month-2"``.

    Raises
    ------
    ValueError
        When the name holds no ``weekend-NN`` or ``month-N``.
    """
    match = _NAME.search(Path(path).name)
    if match is None:
        raise ValueError(
            f"cannot tell the weekend of {path}: name the file weekend-NN.ipynb or .py "
            "(e.g. weekend-01.ipynb), or month-2.ipynb"
        )
    return match.group(1)


def find_workbook(target: str, folder) -> Path:
    """Return the workbook file for ``target``: a file path, or ``weekend-NN`` looked up in ``folder``.

    Parameters
    ----------
    target : str
        A path ending in ``.py`` or ``.ipynb``, or a name such as ``weekend-01``.
    folder : str or os.PathLike
        Where a name is looked up.

    Returns
    -------
    Path
        When both ``weekend-NN.ipynb`` and ``weekend-NN.py`` exist, the one
        modified last (the ``.ipynb`` when they are equally new).

    Raises
    ------
    FileNotFoundError
        Naming the files it looked for and how to get them.
    """
    folder = Path(folder)
    path = Path(target)
    if path.suffix in SUFFIXES:
        if not path.is_file():
            raise FileNotFoundError(f"workbook {path} not found; check the path, or name a weekend (weekend-01)")
        return path
    candidates = [folder / f"{target}{suffix}" for suffix in SUFFIXES]
    existing = [candidate for candidate in candidates if candidate.is_file()]
    if not existing:
        raise FileNotFoundError(
            f"no workbook for {target} in {folder}: looked for {candidates[0].name} and {candidates[1].name}; "
            f"run the command in your course folder (or pass --dir), or create one with: classroom start DIR"
        )
    return max(existing, key=lambda candidate: (candidate.stat().st_mtime, candidate.suffix == ".ipynb"))


# --------------------------------------------------------------------------
# Running code
# --------------------------------------------------------------------------


def _compile(source: str, filename: str, first_line: int = 1):
    """Compile a cell; IPython magics and shell lines (``%``, ``!``) that break it are blanked."""
    if filename.startswith("<"):
        lines = [line + "\n" for line in source.splitlines()]
        linecache.cache[filename] = (len(source), None, lines, filename)
    padded = "\n" * (first_line - 1) + source
    for _ in range(source.count("\n") + 2):
        try:
            return compile(padded, filename, "exec")
        except SyntaxError as error:
            lines = padded.splitlines()
            number = (error.lineno or 0) - 1
            if 0 <= number < len(lines) and lines[number].lstrip().startswith(("%", "!")):
                lines[number] = ""
                padded = "\n".join(lines)
                continue
            raise
    return compile(padded, filename, "exec")


@contextmanager
def _loading(folder: Path, headless: bool):
    """Run the block in ``folder`` with the headless flag set (or cleared)."""
    previous_env = os.environ.get(HEADLESS_ENV)
    previous_dir = Path.cwd()
    os.environ[HEADLESS_ENV] = "1" if headless else "0"
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous_dir)
        if previous_env is None:
            os.environ.pop(HEADLESS_ENV, None)
        else:
            os.environ[HEADLESS_ENV] = previous_env


def _where(cell: Cell) -> str:
    return cell.filename.strip("<>") if cell.filename.startswith("<") else Path(cell.filename).name


def _run_cell(cell: Cell, namespace: dict) -> None:
    try:
        code = _compile(cell.source, cell.filename, cell.first_line)
        exec(code, namespace)  # noqa: S102 - the learner's own code
    except (Exception, SystemExit) as error:  # noqa: BLE001 - becomes WorkbookError
        raise WorkbookError(error, _where(cell)) from error


def solutions_module(weekend: str):
    """Return the check module of a weekend (``"weekend-01"`` -> ``classroom.check.weekend_01``).

    Raises
    ------
    ModuleNotFoundError
        When that weekend has no check module yet.
    """
    return importlib.import_module(f"classroom.check.{weekend.replace('-', '_')}")


def reference_solutions(weekend: str) -> dict:
    """Return ``reference_solutions()`` of a weekend's check module: stub name -> implementation."""
    return dict(solutions_module(weekend).reference_solutions())


def load_workbook(path, solutions: bool = False, *, on_grade: Callable | None = None) -> dict:
    """Execute a workbook and return the names it defined.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.py`` (percent format) or ``.ipynb`` workbook. It runs with the
        current folder set to the workbook's folder.
    solutions : bool, default False
        False: run headless (the workbook's ``grade`` cells do nothing); a
        ``.py`` is compiled as one file under its real name, so line numbers
        in errors are the learner's. True: run cell by cell, put the
        weekend's ``reference_solutions()`` into the namespace right after
        every cell tagged ``stub``, and run the ``grade`` cells for real.
    on_grade : callable, optional
        With ``solutions=True``: the ``grade`` the workbook imports is
        replaced by ``on_grade(weekend, piece, namespace)`` (see
        :func:`run_with_solutions`).

    Returns
    -------
    dict
        The workbook's global namespace.

    Raises
    ------
    WorkbookError
        When the learner's code raises or does not compile; its message names
        their file (or notebook cell) and line.
    """
    path = Path(path).resolve()
    namespace: dict = {"__name__": "__main__", "__file__": str(path)}
    with _loading(path.parent, headless=not solutions):
        if not solutions and path.suffix == ".py":
            _run_cell(Cell("code", path.read_text(encoding="utf-8"), [], str(path), 1), namespace)
            return namespace
        cells = [cell for cell in workbook_cells(path) if cell.kind == "code"]
        injected = reference_solutions(weekend_of(path)) if solutions else {}
        real_grade = None
        if on_grade is not None:
            from . import core

            real_grade = core.grade
        for cell in cells:
            _run_cell(cell, namespace)
            if real_grade is not None and namespace.get("grade") is real_grade:
                namespace["grade"] = on_grade
            if solutions and "stub" in cell.tags:
                namespace.update(injected)
    return namespace


def _load_error_report(path: Path, weekend: str, error: BaseException) -> Report:
    """One ``error in your code`` row for a workbook that stops while loading."""
    if isinstance(error, WorkbookError):
        measured = _describe_learner_error(error.error)
        if error.where not in measured:
            measured += f" (in {error.where})"
    else:
        measured = str(error)
    return Report(
        [
            Result(
                check=f"load {path.name}",
                status=ERROR,
                measured=measured,
                hint="the workbook stops before any check can run: fix the line named here, then check again",
                hint_id="load-error",
                weekend=weekend,
            )
        ]
    )


def check_workbook(path, weekend: str | None = None, *, before_check: Callable[[Check], None] | None = None) -> Report:
    """Load a workbook headless and run every check of its weekend.

    Parameters
    ----------
    path : str or os.PathLike
        The workbook (``.py`` or ``.ipynb``).
    weekend : str, optional
        Default: from the file name (``weekend-01.ipynb`` -> ``"weekend-01"``).
    before_check : callable, optional
        Called with each :class:`~classroom.check.core.Check` before it runs
        (``classroom check`` uses it to announce slow checks).

    Returns
    -------
    Report
        One row a check, or a single ``error in your code`` row when the
        workbook itself fails to load.

    Raises
    ------
    ValueError
        When no weekend is given and the file name names none.
    KeyError
        When the weekend has no checks.
    """
    path = Path(path)
    weekend = weekend or weekend_of(path)
    checks = registered_checks(weekend)
    try:
        namespace = load_workbook(path)
    except (WorkbookError, ValueError, UnicodeDecodeError) as error:
        return _load_error_report(path, weekend, error)
    report = Report()
    for check in checks:
        if before_check is not None:
            before_check(check)
        report.append(run_check(check, namespace))
    return report


# --------------------------------------------------------------------------
# With the reference solutions (continuous integration)
# --------------------------------------------------------------------------


def _stub_names(source: str) -> set:
    """Top-level functions and classes of a cell that still raise ``NotImplementedError("write me ...")``."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            text = ast.get_source_segment(source, node) or ""
            if re.search(r"NotImplementedError\(\s*[\"']write me", text, flags=re.I):
                names.add(node.name)
    return names


def run_with_solutions(path, include: Callable[[Check], bool] | None = None) -> Report:
    """Execute a workbook with the reference solutions dropped in and collect its ``grade`` tables.

    Every code cell runs in order; right after each cell tagged ``stub`` the
    weekend's ``reference_solutions()`` replace the stubs; every ``grade``
    cell runs its checks (those ``include`` accepts). The report then also
    says which checks of the weekend no ``grade`` cell ran, and which names
    a stub cell defines that ``reference_solutions()`` does not provide.

    Parameters
    ----------
    path : str or os.PathLike
        A workbook shipped with the package.
    include : callable, optional
        ``include(check) -> bool``: which checks to run (default all), e.g.
        to leave the end-to-end checks to a slow test.

    Returns
    -------
    Report
        One row a check run by a ``grade`` cell, plus one ``fail`` row per
        problem with the workbook itself. A workbook cell that raises becomes
        a single ``error in your code`` row.
    """
    path = Path(path)
    weekend = weekend_of(path)
    include = include or (lambda check: True)
    report = Report()
    graded: set = set()

    def on_grade(grade_weekend, piece, namespace):
        rows = Report()
        for check in registered_checks(grade_weekend, piece):
            graded.add((check.weekend, check.name))
            if include(check):
                rows.append(run_check(check, namespace))
        report.extend(rows)
        return rows

    try:
        load_workbook(path, solutions=True, on_grade=on_grade)
    except (WorkbookError, KeyError, ValueError) as error:
        report.extend(_load_error_report(path, weekend, error))
        return report

    provided = set(reference_solutions(weekend))
    for cell in workbook_cells(path):
        if "stub" not in cell.tags:
            continue
        for name in sorted(_stub_names(cell.source) - provided):
            report.append(
                Result(f"stub {name}", NOT_WRITTEN, measured=f"{name} is a stub with no reference solution",
                       hint="add it to reference_solutions() of the weekend's check module",
                       hint_id="no-solution", weekend=weekend)
            )
    for check in registered_checks(weekend):
        if include(check) and (check.weekend, check.name) not in graded:
            report.append(
                Result(check.name, NOT_WRITTEN, measured=f"no grade(\"{weekend}\", \"{check.piece}\", globals()) cell runs it",
                       hint="add a grade cell for this piece to the workbook", hint_id="not-graded",
                       weekend=weekend, piece=check.piece)
            )
    return report


def assert_solutions_pass(path, include: Callable[[Check], bool] | None = None) -> Report:
    """Run :func:`run_with_solutions` and raise unless every check it ran passed.

    Parameters
    ----------
    path : str or os.PathLike
    include : callable, optional
        Which checks to run (see :func:`run_with_solutions`).

    Returns
    -------
    Report
        The report, when every row passed.

    Raises
    ------
    AssertionError
        With the table, when a row did not pass or no check ran at all.
    """
    report = run_with_solutions(path, include)
    if not report:
        raise AssertionError(f"{Path(path).name}: no grade cell ran any check")
    if not report.passed:
        raise AssertionError(f"{Path(path).name} with the reference solutions:\n{report}")
    return report
