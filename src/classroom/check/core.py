"""The grading machinery behind ``classroom check``: a check, its result, the table.

A *check* is a small function that receives the learner's namespace (the
names their workbook defined), calls the piece they wrote, compares it with
the package's reference implementation and either returns a short text
saying what it measured (a pass) or raises :class:`CheckFailed` with the
measured error and a hint (a failure). Checks register themselves with
:func:`register` under a weekend (``"weekend-01"``) and a piece
(``"softmax"``); :func:`run_checks` runs them and turns every way a
learner's code can go wrong into a :class:`Result`:

* the piece is missing, or its stub still raises
  ``NotImplementedError("write me: ...")``: ``not written yet``;
* the comparison misses: ``fail``, with what was compared, by how much and a hint;
* the learner's code raises: ``error``, with *their* file and line, not the checker's;
* the learner's code runs past the check's time limit: ``too slow``;
* an end-to-end check needs a dataset that is not in the data directory:
  ``needs data``, with the loader's message (which dataset, where it looked,
  the command that fixes it).

:class:`Report` prints as a plain-text table in a terminal and as an HTML
table in a notebook. The ``hint_id`` of a failure is a stable name that the
mutation tests assert (``tests/check/``), so every hint is proven by a
deliberately wrong implementation.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping

from classroom.data.errors import MissingDataError

__all__ = [
    "PASS",
    "FAIL",
    "NOT_WRITTEN",
    "ERROR",
    "TIMEOUT",
    "NEEDS_DATA",
    "CheckFailed",
    "NotWritten",
    "Check",
    "Result",
    "Report",
    "register",
    "registered_checks",
    "weekends",
    "run_check",
    "run_checks",
    "grade",
    "format_table",
    "headless",
    "HEADLESS_ENV",
    "SLOW_CHECK_SECONDS",
    "END_TO_END_SECONDS",
    "is_end_to_end",
]

PASS = "pass"
FAIL = "fail"
NOT_WRITTEN = "not written yet"
ERROR = "error in your code"
TIMEOUT = "too slow"
NEEDS_DATA = "needs data"

HEADLESS_ENV = "CLASSROOM_CHECK_HEADLESS"
"""Set to ``1`` by ``classroom check`` while it loads a workbook: the workbook's own
:func:`grade` cells then do nothing, and the command runs every check once."""

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


class CheckFailed(Exception):
    """Raised inside a check body when the learner's piece gives a wrong answer.

    Parameters
    ----------
    hint_id : str
        Stable name of the known mistake, e.g. ``"softmax-overflow"``; the
        mutation tests assert it.
    measured : str
        What was measured, with numbers: ``"max abs error 0.31 (tolerance 1e-6)"``.
    hint : str
        What to try, in one or two sentences addressed to the learner.
    """

    def __init__(self, hint_id: str, measured: str, hint: str):
        super().__init__(f"{hint_id}: {measured}")
        self.hint_id = hint_id
        self.measured = measured
        self.hint = hint


class NotWritten(Exception):
    """Raised by a check body when a piece it needs is missing from the namespace."""


@dataclass(frozen=True)
class Check:
    """One registered check.

    Attributes
    ----------
    weekend : str
        ``"weekend-01"`` ... ``"weekend-08"`` or ``"month-2"``.
    piece : str
        The piece of the workbook it grades, e.g. ``"softmax"``.
    name : str
        Short name shown in the table, e.g. ``"softmax: large logits"``.
    needs : tuple of str
        Names the learner's namespace must define.
    compared : str
        What the check compares, in words (shown in the table).
    function : callable
        ``function(namespace) -> str``: returns the measured text on a pass,
        raises :class:`CheckFailed` on a wrong answer.
    timeout : float
        Seconds the check may run before it is stopped.
    """

    weekend: str
    piece: str
    name: str
    needs: tuple
    compared: str
    function: Callable
    timeout: float = 30.0


@dataclass
class Result:
    """The outcome of one check, one row of the table."""

    check: str
    status: str
    compared: str = ""
    measured: str = ""
    hint: str = ""
    hint_id: str = ""
    seconds: float = 0.0
    weekend: str = ""
    piece: str = ""

    @property
    def passed(self) -> bool:
        """True when the check passed."""
        return self.status == PASS


class Report(list):
    """A list of :class:`Result` that prints as a table (text in a terminal, HTML in a notebook)."""

    @property
    def passed(self) -> bool:
        """True when there is at least one result and every one passed."""
        return bool(self) and all(result.passed for result in self)

    def __str__(self) -> str:
        return format_table(self)

    def _repr_html_(self) -> str:
        from html import escape

        colours = {
            PASS: "#1b7f3b",
            FAIL: "#b3261e",
            NOT_WRITTEN: "#7a5b00",
            ERROR: "#b3261e",
            TIMEOUT: "#b3261e",
            NEEDS_DATA: "#7a5b00",
        }
        rows = "".join(
            "<tr>"
            f"<td>{escape(result.check)}</td>"
            f'<td style="color:{colours.get(result.status, "inherit")};font-weight:bold">{escape(result.status)}</td>'
            f"<td>{escape(result.measured)}</td>"
            f"<td>{escape(result.hint)}</td>"
            "</tr>"
            for result in self
        )
        return (
            '<table class="classroom-check"><thead><tr><th>check</th><th>result</th>'
            f"<th>measured</th><th>hint</th></tr></thead><tbody>{rows}</tbody></table>"
        )

    def __repr__(self) -> str:
        return format_table(self)


_REGISTRY: dict[str, list[Check]] = {}


def register(
    weekend: str,
    piece: str,
    name: str,
    *,
    needs: Iterable[str],
    compared: str,
    timeout: float = 30.0,
) -> Callable:
    """Register the decorated function as a check.

    The decorated function is the check body, ``check(ns) -> str``: ``ns`` is
    the learner's namespace (a mapping of the names their workbook defined).
    It returns what it measured, on a pass; a wrong answer raises
    :class:`CheckFailed` with the measured error and a hint.

    Parameters
    ----------
    weekend, piece, name, needs, compared, timeout
        As the attributes of :class:`Check`; registering a ``name`` again
        replaces that check.

    Returns
    -------
    callable
        The decorator; it returns the function unchanged.

    Examples
    --------
    >>> @register("weekend-00", "double", "double: matches 2*x", needs=["double"],
    ...           compared="double(x) against 2 * x")
    ... def _double_check(ns):
    ...     if ns["double"](3) != 6:
    ...         raise CheckFailed("double-wrong", f"double(3) = {ns['double'](3)}", "multiply by two")
    ...     return "double(3) = 6"
    """

    def decorate(function: Callable) -> Callable:
        entry = Check(weekend, piece, name, tuple(needs), compared, function, float(timeout))
        checks = _REGISTRY.setdefault(weekend, [])
        checks[:] = [existing for existing in checks if existing.name != name]
        checks.append(entry)
        return function

    return decorate


def _load_all_checks() -> None:
    """Import every weekend's check module so that they register."""
    from classroom.check import load_weekend_checks

    load_weekend_checks()


def weekends() -> list[str]:
    """Return the weekends that have checks, in course order."""
    _load_all_checks()
    return sorted(_REGISTRY)


def registered_checks(weekend: str, piece: str | None = None) -> list[Check]:
    """Return the checks of one weekend (optionally one piece), in registration order.

    Raises
    ------
    KeyError
        When the weekend has no checks; the message lists the weekends that do.
    """
    _load_all_checks()
    if weekend not in _REGISTRY:
        raise KeyError(f"no checks for {weekend!r}; weekends with checks: {', '.join(sorted(_REGISTRY))}")
    checks = _REGISTRY[weekend]
    if piece is None:
        return list(checks)
    chosen = [check for check in checks if check.piece == piece]
    if not chosen:
        pieces = sorted({check.piece for check in checks})
        raise KeyError(f"{weekend} has no piece {piece!r}; its pieces: {', '.join(pieces)}")
    return chosen


# --------------------------------------------------------------------------
# Running a check
# --------------------------------------------------------------------------


class _CheckTimeout(BaseException):
    """Raised by the alarm inside a check that ran past its time limit (BaseException: a
    learner's ``except Exception`` must not swallow it)."""


@contextmanager
def time_limit(seconds: float):
    """Stop the block with :class:`_CheckTimeout` after ``seconds``.

    Uses ``SIGALRM`` (POSIX, main thread: a terminal and a Jupyter kernel both
    run checks there). Elsewhere the block runs without a limit, because
    Python cannot stop another thread safely.
    """
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or seconds <= 0:
        yield
        return

    def on_alarm(_signum, _frame):
        raise _CheckTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _is_learner_frame(filename: str) -> bool:
    """True for a frame in the learner's code: not in this package, not in an installed library."""
    if not filename or filename.startswith("<frozen"):
        return False
    if filename.startswith("<"):  # code compiled from a string, e.g. a notebook cell
        return True
    path = Path(filename).resolve()
    if path.is_relative_to(_PACKAGE_DIR):
        return False
    library_roots = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix) if p}
    if any(path.is_relative_to(root) for root in library_roots) and "site-packages" in path.parts:
        return False
    if any(path.is_relative_to(Path(root) / "lib") for root in (sys.base_prefix,)):
        return False
    return True


def _display_name(filename: str | None) -> str:
    """``/home/me/course/weekend-01.py`` -> ``weekend-01.py``; ``<weekend-01.ipynb, cell 5>`` -> ``weekend-01.ipynb, cell 5``."""
    if not filename:
        return "your code"
    if filename.startswith("<") and filename.endswith(">"):
        return filename[1:-1]
    return Path(filename).name


def _describe_learner_error(error: BaseException) -> str:
    """Return ``"TypeError: ... (your code, weekend-01.py line 14: return x @ w)"``."""
    if isinstance(error, SyntaxError):
        where = _display_name(error.filename)
        line = f": {error.text.strip()}" if error.text else ""
        return f"SyntaxError: {error.msg} (your code, {where} line {error.lineno}{line})"
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if _is_learner_frame(frame.filename)]
    text = f"{type(error).__name__}: {error}"
    if frames:
        last = frames[-1]
        where = _display_name(last.filename)
        line = f": {last.line.strip()}" if last.line else ""
        text += f" (your code, {where} line {last.lineno} in {last.name}{line})"
    return text


def _is_unwritten_stub(error: BaseException) -> bool:
    return isinstance(error, NotImplementedError) and str(error).lower().startswith("write me")


def run_check(check: Check, namespace: Mapping) -> Result:
    """Run one check against the learner's namespace and return its :class:`Result`.

    Never raises for anything the learner's code does: every outcome is a row.
    """
    result = Result(check=check.name, status=PASS, compared=check.compared, weekend=check.weekend, piece=check.piece)
    missing = [name for name in check.needs if name not in namespace]
    if missing:
        result.status = NOT_WRITTEN
        result.measured = f"{', '.join(missing)} not defined"
        result.hint = f"define {', '.join(missing)} in your workbook (keep the names of the stubs)"
        return result
    started = time.perf_counter()
    try:
        with time_limit(check.timeout):
            measured = check.function(namespace)
        result.measured = measured or ""
    except CheckFailed as failure:
        result.status = FAIL
        result.measured = failure.measured
        result.hint = failure.hint
        result.hint_id = failure.hint_id
    except NotWritten as error:
        result.status = NOT_WRITTEN
        result.measured = str(error)
        result.hint = "write this piece: it still raises NotImplementedError"
    except _CheckTimeout:
        result.status = TIMEOUT
        result.hint_id = "timeout"
        result.measured = f"stopped after {check.timeout:.0f} s"
        result.hint = "look for a loop that never ends, or work done per element that NumPy can do per array"
    except KeyboardInterrupt:
        raise
    except MissingDataError as error:
        result.status = NEEDS_DATA
        result.hint_id = "needs-data"
        result.measured = str(error).splitlines()[0] if str(error) else "a dataset is missing"
        result.hint = str(error)
        missing_commands = [command for command in getattr(error, "commands", ()) if command not in result.hint]
        if missing_commands:
            result.hint += " Fix it with: " + " ; ".join(missing_commands)
    except Exception as error:  # noqa: BLE001 - the learner's exception becomes a row
        if _is_unwritten_stub(error):
            result.status = NOT_WRITTEN
            result.measured = str(error)
            result.hint = "replace the stub's raise NotImplementedError with your code"
        else:
            result.status = ERROR
            result.hint_id = "exception"
            result.measured = _describe_learner_error(error)
            result.hint = "your code raised an exception: fix the line named here, then check again"
    result.seconds = time.perf_counter() - started
    return result


def run_checks(weekend: str, namespace: Mapping, piece: str | None = None) -> Report:
    """Run every check of a weekend (or of one piece) and return the :class:`Report`."""
    return Report(run_check(check, namespace) for check in registered_checks(weekend, piece))


def headless() -> bool:
    """True while ``classroom check`` loads a workbook (its own :func:`grade` cells are skipped)."""
    return os.environ.get(HEADLESS_ENV, "") == "1"


def grade(weekend: str, piece: str, namespace: Mapping) -> Report | None:
    """Check one piece from inside a workbook and show the table.

    Call it in the cell after a stub: ``grade("weekend-01", "softmax", globals())``.
    Returns the :class:`Report` (the notebook displays it as a table), or
    ``None`` while ``classroom check`` is loading the workbook headless.
    """
    if headless():
        return None
    return run_checks(weekend, namespace, piece)


# --------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]


def format_table(results: Iterable[Result], width: int = 100) -> str:
    """Return the results as a plain-text table: check, result, measured, hint.

    Long cells wrap inside their column, so the table fits ``width`` characters.
    """
    results = list(results)
    if not results:
        return "(no checks ran)"
    columns = ("check", "result", "measured", "hint")
    check_width = min(max(len(r.check) for r in results + [Result("check", "")]), 32)
    status_width = max(len(r.status) for r in results + [Result("", "result")])
    rest = max(width - check_width - status_width - 9, 30)
    measured_width = rest // 2
    hint_width = rest - measured_width
    widths = (check_width, status_width, measured_width, hint_width)
    lines = [" | ".join(name.ljust(w) for name, w in zip(columns, widths)).rstrip()]
    lines.append("-+-".join("-" * w for w in widths))
    for result in results:
        cells = [
            _wrap(result.check, check_width),
            [result.status],
            _wrap(result.measured, measured_width),
            _wrap(result.hint, hint_width),
        ]
        for row in range(max(len(cell) for cell in cells)):
            parts = [(cell[row] if row < len(cell) else "").ljust(w) for cell, w in zip(cells, widths)]
            lines.append(" | ".join(parts).rstrip())
    passed = sum(result.passed for result in results)
    lines.append(f"{passed}/{len(results)} checks passed")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Slow checks
# --------------------------------------------------------------------------

SLOW_CHECK_SECONDS = 60.0
"""A check allowed this long or longer is announced before it runs (``classroom check``)."""

END_TO_END_SECONDS = 300.0
"""A check allowed this long or longer is an end-to-end check: it trains on a real dataset."""


def is_end_to_end(check: Check) -> bool:
    """True for an end-to-end check (its time limit is at least :data:`END_TO_END_SECONDS`).

    The test suite runs those only with the ``slow`` and ``data`` markers.
    """
    return check.timeout >= END_TO_END_SECONDS
