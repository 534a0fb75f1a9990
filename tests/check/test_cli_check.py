"""``classroom check`` as a learner runs it: a real subprocess on a workbook file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

WORKBOOKS = Path(__file__).resolve().parents[2] / "src" / "classroom" / "check" / "workbooks"


def _check(folder, *args):
    return subprocess.run(
        [sys.executable, "-m", "classroom.cli", "check", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("weekend", ["weekend-02", "weekend-03", "weekend-06"])
def test_fresh_stubs_say_not_written_yet_and_exit_one(tmp_path, weekend):
    (tmp_path / f"{weekend}.py").write_text((WORKBOOKS / f"{weekend}.py").read_text(encoding="utf-8"))
    result = _check(tmp_path, weekend)
    assert result.returncode == 1, result.stderr
    assert "not written yet" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize("weekend", ["weekend-02", "weekend-03", "weekend-06"])
def test_reference_solutions_dropped_in_pass_and_exit_zero(tmp_path, weekend):
    module = weekend.replace("-", "_")
    text = (WORKBOOKS / f"{weekend}.py").read_text(encoding="utf-8")
    text += f"\n# %%\nfrom classroom.check.{module} import reference_solutions\nglobals().update(reference_solutions())\n"
    (tmp_path / f"{weekend}.py").write_text(text)
    result = _check(tmp_path, weekend)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "checks passed" in result.stdout


def test_a_syntax_error_is_one_row_naming_the_learners_line(tmp_path):
    (tmp_path / "weekend-03.py").write_text("x = 1\ndef broken(:\n    pass\n")
    result = _check(tmp_path, "weekend-03")
    assert result.returncode == 1
    assert "error in your code" in result.stdout
    assert "SyntaxError" in result.stdout and "line 2" in result.stdout and "def broken" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_a_missing_workbook_is_a_usage_error_naming_what_it_looked_for(tmp_path):
    result = _check(tmp_path, "weekend-05")
    assert result.returncode == 2
    assert "weekend-05.ipynb" in result.stderr and "weekend-05.py" in result.stderr


def test_an_ipynb_workbook_is_read_cell_by_cell(tmp_path):
    jupytext = pytest.importorskip("jupytext")
    notebook = jupytext.reads((WORKBOOKS / "weekend-03.py").read_text(encoding="utf-8"), fmt="py:percent")
    (tmp_path / "weekend-03.ipynb").write_text(jupytext.writes(notebook, fmt="ipynb"))
    result = _check(tmp_path, "--all")
    assert result.returncode == 1
    assert "weekend-03.ipynb" in result.stdout and "not written yet" in result.stdout
