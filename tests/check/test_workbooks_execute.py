"""Every workbook shipped in the package runs top to bottom with the reference solutions, and every check passes.

The workbook's cells run in order; after each ``stub`` cell the weekend's
``reference_solutions()`` replace the stubs and the ``grade`` cells run for
real (see :func:`classroom.check.workbook.run_with_solutions`). End-to-end
checks (they train on a real dataset) run in a separate test marked
``slow`` and ``data``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import excuse_missing_data

from classroom.check.core import NEEDS_DATA, is_end_to_end, registered_checks
from classroom.check.workbook import assert_solutions_pass, run_with_solutions, weekend_of

WORKBOOKS = Path(__file__).resolve().parents[2] / "src" / "classroom" / "check" / "workbooks"
FILES = sorted(WORKBOOKS.glob("*.py"))


def _has_end_to_end(path: Path) -> bool:
    try:
        return any(is_end_to_end(check) for check in registered_checks(weekend_of(path)))
    except (KeyError, ValueError):
        return False


def _params(only_end_to_end: bool):
    chosen = [path for path in FILES if _has_end_to_end(path) or not only_end_to_end]
    if not chosen:
        return [pytest.param(None, marks=pytest.mark.skip(reason="no workbook with such checks in the package yet"))]
    return [pytest.param(path, id=path.stem) for path in chosen]


@pytest.mark.parametrize("path", _params(only_end_to_end=False))
def test_workbook_runs_with_the_reference_solutions(path):
    report = assert_solutions_pass(path, include=lambda check: not is_end_to_end(check))
    assert all(result.weekend == weekend_of(path) for result in report)


@pytest.mark.slow
@pytest.mark.data
@pytest.mark.parametrize("path", _params(only_end_to_end=True))
def test_end_to_end_checks_pass_with_the_reference_solutions(path):
    report = run_with_solutions(path, include=is_end_to_end)
    if any(result.status == NEEDS_DATA for result in report):
        excuse_missing_data(str(report), path.stem)
    assert report and report.passed, f"{path.name} with the reference solutions:\n{report}"
