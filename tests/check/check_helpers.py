"""What every weekend's check tests share: the workbook, its stubs, and the assertions on a report.

Each ``test_weekend_NN.py`` (and ``test_month_2.py``) proves three things:

* the reference solutions, and a solution written independently of the
  package, pass (:func:`assert_piece_passes`);
* the shipped workbook, stubs unwritten, gives ``not written yet`` for every
  check (:func:`assert_unwritten_stubs_report_not_written`), and its stubs are
  exactly the names ``reference_solutions()`` provides (:func:`stub_names`);
* every hint is proven by a deliberately wrong piece that fails with that
  hint_id (:func:`assert_fails_with_hint`, :func:`assert_every_hint_proven`).

Import with ``from check_helpers import ...``: pytest puts this folder on
``sys.path`` when it collects the tests here.
"""

from __future__ import annotations

import re
import runpy
from pathlib import Path
from types import ModuleType
from typing import Iterable

from classroom.check import FAIL, NOT_WRITTEN, Result, registered_checks, run_check, run_checks
from classroom.check.core import HEADLESS_ENV

WORKBOOKS = Path(__file__).resolve().parents[2] / "src" / "classroom" / "check" / "workbooks"
"""The workbooks shipped in the package (``weekend-01.py`` ... ``month-2.py``)."""

_RAISED_HINT = re.compile(r'CheckFailed\(\s*"([a-z0-9-]+)"')


def workbook_path(weekend: str) -> Path:
    """The shipped workbook of ``weekend`` (``"weekend-01"`` -> ``.../workbooks/weekend-01.py``)."""
    return WORKBOOKS / f"{weekend}.py"


def stub_names(path: Path) -> set[str]:
    """The names defined at top level (``def`` or ``class``) in the workbook's cells tagged ``stub``.

    Parameters
    ----------
    path : Path
        A jupytext percent-format workbook.

    Returns
    -------
    set of str
        For weekend 1: ``{"softmax", "cross_entropy", ..., "train_epoch"}``.
    """
    names = set()
    for cell in re.split(r"^# %%", path.read_text(encoding="utf-8"), flags=re.M):
        if cell.startswith(' tags=["stub"]'):
            names |= set(re.findall(r"^(?:def|class) (\w+)", cell, flags=re.M))
    return names


def assert_workbook_grades_every_piece(weekend: str, pieces: Iterable[str], stub_cells: int) -> None:
    """The shipped workbook has a ``grade(weekend, piece, globals())`` cell per piece and ``stub_cells`` stub cells."""
    source = workbook_path(weekend).read_text(encoding="utf-8")
    for piece in pieces:
        assert f'grade("{weekend}", "{piece}", globals())' in source, piece
    assert source.count('# %% tags=["stub"]') == stub_cells


def assert_piece_passes(weekend: str, namespace: dict, piece: str) -> None:
    """Every check of one piece passes with ``namespace`` (the report is the assertion message)."""
    report = run_checks(weekend, namespace, piece)
    assert report.passed, report


def assert_unwritten_stubs_report_not_written(weekend: str, monkeypatch) -> None:
    """Load the shipped workbook as ``classroom check`` does; every check must say ``not written yet``.

    Parameters
    ----------
    weekend : str
        ``"weekend-01"`` ... ``"month-2"``.
    monkeypatch : pytest.MonkeyPatch
        Sets the headless variable, so the workbook's own ``grade`` cells do nothing.
    """
    monkeypatch.setenv(HEADLESS_ENV, "1")
    namespace = runpy.run_path(str(workbook_path(weekend)))
    for check in registered_checks(weekend):
        result = run_check(check, namespace)
        assert result.status == NOT_WRITTEN, (check.name, result)
        assert "write me" in result.measured, (check.name, result)


def assert_fails_with_hint(results: Iterable[Result], hint_id: str) -> None:
    """At least one result failed with ``hint_id``, and every failure says what it measured and a hint.

    Parameters
    ----------
    results : iterable of Result
        A :class:`~classroom.check.Report` or a list of results.
    hint_id : str
        The hint the deliberate mistake must be named with.
    """
    results = list(results)
    failed = [result for result in results if result.status == FAIL]
    assert failed, f"expected a failure with {hint_id}, got\n{results}"
    assert hint_id in {result.hint_id for result in failed}, results
    for result in failed:
        assert result.measured and result.hint, result


def mutation_ids(mutations: list[tuple[str, dict, str]]) -> list[str]:
    """Test ids for a table of ``(piece, mistakes, hint_id)``: ``"softmax-overflow-overflow"``, hint then mistake."""
    return [f"{hint_id}-{next(iter(mistakes.values()))}" for _, mistakes, hint_id in mutations]


def source_files(module: ModuleType) -> list[Path]:
    """The source of ``module``: its file, or every ``.py`` file of a package's folder (``weekend_01/*.py``)."""
    path = Path(module.__file__)
    return sorted(path.parent.rglob("*.py")) if hasattr(module, "__path__") else [path]


def raised_hint_ids(*modules: ModuleType) -> set[str]:
    """The hint_ids written as ``CheckFailed("hint-id", ...)`` in the source of ``modules`` (a package: all its files)."""
    return {
        hint_id
        for module in modules
        for path in source_files(module)
        for hint_id in _RAISED_HINT.findall(path.read_text(encoding="utf-8"))
    }


def assert_every_hint_proven(modules: Iterable[ModuleType], proven: set[str]) -> None:
    """Every hint_id the check modules can raise is in ``proven`` (the hint_ids of the mutation tests).

    Parameters
    ----------
    modules : iterable of module
        The weekend's check module and the shared modules whose hints it raises
        (``classroom.check.compare``).
    proven : set of str
        The hint_ids some mutation test expects.
    """
    unproven = raised_hint_ids(*modules) - proven
    assert not unproven, sorted(unproven)
