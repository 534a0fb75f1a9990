"""The check core: every way a learner's piece can go wrong becomes one row with a clear status."""

from __future__ import annotations

import time

import pytest

from classroom.check import core
from classroom.check.core import (
    ERROR,
    FAIL,
    HEADLESS_ENV,
    NEEDS_DATA,
    NOT_WRITTEN,
    PASS,
    TIMEOUT,
    CheckFailed,
    Report,
    format_table,
    grade,
    register,
    run_checks,
)
from classroom.check.workbook import load_workbook
from classroom.data.errors import MissingDataError

WEEKEND = "weekend-00"


@pytest.fixture(autouse=True)
def synthetic_weekend():
    """Register a small weekend (``double``, ``spin``, ``digits``) and remove it afterwards."""

    @register(WEEKEND, "double", "double: matches 2*x", needs=["double"], compared="double(x) against 2 * x")
    def _double(ns):
        for x in (0, 3, -7):
            got = ns["double"](x)
            if got != 2 * x:
                raise CheckFailed("double-wrong", f"double({x}) = {got}, expected {2 * x}", "multiply by two")
        return "3 values equal to 2 * x"

    @register(WEEKEND, "spin", "spin: finishes", needs=["spin"], compared="spin() returns", timeout=0.5)
    def _spin(ns):
        ns["spin"]()
        return "returned"

    @register(WEEKEND, "digits", "digits: end to end", needs=["double"], compared="a run on a dataset", timeout=5)
    def _digits(ns):
        raise MissingDataError(
            "MNIST is not in the data directory", dataset="mnist", directory="/nowhere",
            commands=("python scripts/prepare_data.py --from SOURCE",),
        )

    yield
    core._REGISTRY.pop(WEEKEND, None)


def _workbook(tmp_path, text):
    path = tmp_path / f"{WEEKEND}.py"
    path.write_text(text)
    return load_workbook(path)


def _by_name(report):
    return {result.check: result for result in report}


def test_a_correct_piece_passes_and_a_wrong_one_fails_with_its_hint(tmp_path):
    right = _by_name(run_checks(WEEKEND, {"double": lambda x: x + x}, "double"))["double: matches 2*x"]
    wrong = _by_name(run_checks(WEEKEND, {"double": lambda x: x * x}, "double"))["double: matches 2*x"]
    assert right.status == PASS and right.measured == "3 values equal to 2 * x"
    assert wrong.status == FAIL and wrong.hint_id == "double-wrong"
    assert "double(3) = 9" in wrong.measured and wrong.hint == "multiply by two"


def test_an_unwritten_stub_and_a_missing_name_are_not_written_yet(tmp_path):
    namespace = _workbook(
        tmp_path,
        'def double(x):\n    """Return 2 * x."""\n    raise NotImplementedError("write me: double")\n',
    )
    stub = _by_name(run_checks(WEEKEND, namespace, "double"))["double: matches 2*x"]
    assert stub.status == NOT_WRITTEN and "write me: double" in stub.measured
    missing = _by_name(run_checks(WEEKEND, {}, "double"))["double: matches 2*x"]
    assert missing.status == NOT_WRITTEN and "double not defined" in missing.measured
    assert not run_checks(WEEKEND, namespace).passed


def test_a_learners_exception_names_their_file_and_line(tmp_path):
    text = "import numpy as np\n\n\ndef double(x):\n    y = np.ones(2)\n    return y @ np.ones(3)\n"
    namespace = _workbook(tmp_path, text)
    line = text.splitlines().index("    return y @ np.ones(3)") + 1
    result = _by_name(run_checks(WEEKEND, namespace, "double"))["double: matches 2*x"]
    assert result.status == ERROR and result.hint_id == "exception"
    assert result.measured.startswith("ValueError")
    assert f"{WEEKEND}.py line {line} in double: return y @ np.ones(3)" in result.measured
    assert "core.py" not in result.measured


def test_a_loop_that_never_ends_is_stopped_by_the_time_limit(tmp_path):
    namespace = _workbook(tmp_path, "def spin():\n    while True:\n        try:\n            pass\n        except Exception:\n            pass\n")
    started = time.perf_counter()
    result = run_checks(WEEKEND, namespace, "spin")[0]
    assert result.status == TIMEOUT and result.hint_id == "timeout"
    assert 0.4 < time.perf_counter() - started < 5
    assert "stopped after" in result.measured


def test_missing_data_says_needs_data_with_the_fix():
    result = run_checks(WEEKEND, {"double": lambda x: 2 * x}, "digits")[0]
    assert result.status == NEEDS_DATA and result.hint_id == "needs-data"
    assert "MNIST is not in the data directory" in result.measured
    assert "prepare_data.py" in result.hint


def test_grade_shows_a_table_in_a_notebook_and_nothing_headless(monkeypatch):
    monkeypatch.delenv(HEADLESS_ENV, raising=False)
    report = grade(WEEKEND, "double", {"double": lambda x: 2 * x})
    assert isinstance(report, Report) and report.passed
    assert "1/1 checks passed" in str(report)
    assert "<table" in report._repr_html_() and ">pass<" in report._repr_html_()
    monkeypatch.setenv(HEADLESS_ENV, "1")
    assert grade(WEEKEND, "double", {"double": lambda x: 2 * x}) is None


def test_the_table_counts_and_wraps_inside_its_width():
    report = run_checks(WEEKEND, {"double": lambda x: 3 * x})
    table = format_table(report, width=80)
    assert table.splitlines()[-1] == f"0/{len(report)} checks passed"
    assert max(len(line) for line in table.splitlines()) <= 80
    assert not Report().passed and format_table([]) == "(no checks ran)"


def test_an_unknown_piece_names_the_pieces_that_exist():
    with pytest.raises(KeyError, match="digits, double, spin"):
        core.registered_checks(WEEKEND, "triple")
