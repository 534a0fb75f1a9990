"""Loading a workbook (.py and .ipynb), the with-solutions mode, and the percent-to-notebook converter."""

from __future__ import annotations

import json
import os
import sys
import types
from pathlib import Path

import pytest

from classroom.check import core
from classroom.check.core import ERROR, HEADLESS_ENV, NOT_WRITTEN, PASS, CheckFailed, register
from classroom.check.workbook import (
    WorkbookError,
    assert_solutions_pass,
    check_workbook,
    dumps_ipynb,
    find_workbook,
    load_workbook,
    percent_to_ipynb,
    run_with_solutions,
    weekend_of,
    workbook_cells,
)

WEEKEND = "weekend-00"
WORKBOOKS = Path(__file__).resolve().parents[2] / "src" / "classroom" / "check" / "workbooks"

WORKBOOK = '''# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Weekend 0 workbook
#
# Write `double`.

# %%
from classroom.check import grade

# %% tags=["stub"]
def double(x):
    """Return 2 * x."""
    raise NotImplementedError("write me: double")


# %%
grade("weekend-00", "double", globals())

# %% [markdown]
# ## Part two

# %% tags=["stub"]
def halve(x):
    """Return x / 2."""
    raise NotImplementedError("write me: halve")


# %%
grade("weekend-00", "halve", globals())
'''


@pytest.fixture(autouse=True)
def synthetic_weekend(monkeypatch):
    """weekend-00: two pieces, and a check module with reference solutions."""

    @register(WEEKEND, "double", "double: value", needs=["double"], compared="double(x) against 2x")
    def _double(ns):
        if ns["double"](4) != 8:
            raise CheckFailed("double-wrong", f"double(4) = {ns['double'](4)}", "multiply by two")
        return "double(4) = 8"

    @register(WEEKEND, "halve", "halve: value", needs=["halve"], compared="halve(x) against x/2")
    def _halve(ns):
        if ns["halve"](4) != 2:
            raise CheckFailed("halve-wrong", f"halve(4) = {ns['halve'](4)}", "divide by two")
        return "halve(4) = 2"

    module = types.ModuleType("classroom.check.weekend_00")
    module.reference_solutions = lambda: {"double": lambda x: 2 * x, "halve": lambda x: x / 2}
    monkeypatch.setitem(sys.modules, "classroom.check.weekend_00", module)
    yield module
    core._REGISTRY.pop(WEEKEND, None)


def _write_ipynb(path, text):
    path.write_text(dumps_ipynb(percent_to_ipynb(text)))
    return path


# --------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------


def test_a_py_workbook_loads_headless_in_its_own_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(HEADLESS_ENV, raising=False)
    (tmp_path / "notes.txt").write_text("hello")
    path = tmp_path / "weekend-00.py"
    path.write_text(WORKBOOK + "\n# %%\nimport os\nSEEN = (open('notes.txt').read(), os.environ.get('" + HEADLESS_ENV + "'))\n")
    namespace = load_workbook(path)
    assert namespace["SEEN"] == ("hello", "1")
    assert HEADLESS_ENV not in os.environ and Path.cwd() != tmp_path
    report = check_workbook(path)
    assert [result.status for result in report] == [NOT_WRITTEN, NOT_WRITTEN]


def test_a_syntax_error_is_one_row_with_the_learners_line(tmp_path):
    path = tmp_path / "weekend-00.py"
    path.write_text("x = 1\n\ndef double(x:\n    return 2 * x\n")
    report = check_workbook(path)
    assert len(report) == 1 and report[0].status == ERROR and report[0].hint_id == "load-error"
    assert "SyntaxError" in report[0].measured and "weekend-00.py line 3" in report[0].measured
    assert "def double(x:" in report[0].measured


def test_an_exception_while_loading_names_the_line_of_the_py(tmp_path):
    text = WORKBOOK + "\n# %%\nvalues = [1, 2]\nprint(values[5])\n"
    path = tmp_path / "weekend-00.py"
    path.write_text(text)
    line = text.splitlines().index("print(values[5])") + 1
    with pytest.raises(WorkbookError) as caught:
        load_workbook(path)
    assert isinstance(caught.value.error, IndexError)
    report = check_workbook(path)
    assert len(report) == 1 and report[0].status == ERROR
    assert f"weekend-00.py line {line}" in report[0].measured and "print(values[5])" in report[0].measured


def test_an_ipynb_runs_cell_by_cell_and_errors_name_the_cell(tmp_path):
    text = WORKBOOK + "\n# %%\ny = 1\nz = undefined_name + y\n"
    path = _write_ipynb(tmp_path / "weekend-00.ipynb", text)
    cells = json.loads(path.read_text())["cells"]
    report = check_workbook(path)
    assert len(report) == 1 and report[0].status == ERROR
    assert f"weekend-00.ipynb, cell {len(cells)} line 2" in report[0].measured
    assert "z = undefined_name + y" in report[0].measured and "NameError" in report[0].measured


def test_magics_and_shell_lines_in_a_notebook_are_skipped(tmp_path):
    written = WORKBOOK.replace(
        'raise NotImplementedError("write me: double")', "return 2 * x"
    ) + "\n# %%\n%matplotlib inline\n!pip install nothing\nAFTER = 'ran'\n"
    path = _write_ipynb(tmp_path / "weekend-00.ipynb", written)
    namespace = load_workbook(path)
    assert namespace["AFTER"] == "ran"
    statuses = {result.check: result.status for result in check_workbook(path)}
    assert statuses == {"double: value": PASS, "halve: value": NOT_WRITTEN}


def test_a_learners_exception_inside_a_notebook_cell_shows_the_cell_and_line(tmp_path):
    written = WORKBOOK.replace('raise NotImplementedError("write me: double")', "return [1, 2][x]")
    path = _write_ipynb(tmp_path / "weekend-00.ipynb", written)
    stub_cell = next(i for i, cell in enumerate(json.loads(path.read_text())["cells"], 1) if "def double" in "".join(cell["source"]))
    row = next(result for result in check_workbook(path) if result.check == "double: value")
    assert row.status == ERROR
    assert f"weekend-00.ipynb, cell {stub_cell} line 3 in double: return [1, 2][x]" in row.measured


def test_the_newer_of_ipynb_and_py_is_used(tmp_path):
    py = tmp_path / "weekend-00.py"
    notebook = tmp_path / "weekend-00.ipynb"
    py.write_text(WORKBOOK)
    _write_ipynb(notebook, WORKBOOK)
    os.utime(py, (1_000_000, 1_000_000))
    assert find_workbook("weekend-00", tmp_path) == notebook
    os.utime(notebook, (900_000, 900_000))
    assert find_workbook("weekend-00", tmp_path) == py
    with pytest.raises(FileNotFoundError, match="weekend-09.ipynb and weekend-09.py"):
        find_workbook("weekend-09", tmp_path)


def test_the_weekend_comes_from_the_file_name():
    assert weekend_of("some/where/weekend-07.ipynb") == "weekend-07"
    assert weekend_of("month-2.py") == "month-2"
    with pytest.raises(ValueError, match="weekend-NN"):
        weekend_of("homework.py")


def test_cells_keep_their_tags_and_py_line_numbers(tmp_path):
    path = tmp_path / "weekend-00.py"
    path.write_text(WORKBOOK)
    cells = workbook_cells(path)
    lines = WORKBOOK.splitlines()
    stubs = [cell for cell in cells if "stub" in cell.tags]
    assert [cell.source.splitlines()[0] for cell in stubs] == ["def double(x):", "def halve(x):"]
    for cell in stubs:
        assert lines[cell.first_line - 1] == cell.source.splitlines()[0]


# --------------------------------------------------------------------------
# With the reference solutions
# --------------------------------------------------------------------------


def test_with_solutions_every_grade_cell_runs_and_passes(tmp_path):
    path = tmp_path / "weekend-00.py"
    path.write_text(WORKBOOK)
    report = assert_solutions_pass(path)
    assert [(result.check, result.status) for result in report] == [("double: value", PASS), ("halve: value", PASS)]
    notebook = _write_ipynb(tmp_path / "weekend-00.ipynb", WORKBOOK)
    assert run_with_solutions(notebook).passed


def test_with_solutions_a_wrong_reference_fails(tmp_path, synthetic_weekend):
    synthetic_weekend.reference_solutions = lambda: {"double": lambda x: 3 * x, "halve": lambda x: x / 2}
    path = tmp_path / "weekend-00.py"
    path.write_text(WORKBOOK)
    with pytest.raises(AssertionError, match="double-wrong|multiply by two"):
        assert_solutions_pass(path)


def test_with_solutions_a_missing_grade_cell_or_solution_is_reported(tmp_path, synthetic_weekend):
    path = tmp_path / "weekend-00.py"
    path.write_text(WORKBOOK.replace('grade("weekend-00", "halve", globals())', "pass"))
    rows = {result.hint_id: result for result in run_with_solutions(path)}
    assert rows["not-graded"].check == "halve: value"
    synthetic_weekend.reference_solutions = lambda: {"double": lambda x: 2 * x}
    path.write_text(WORKBOOK)
    report = run_with_solutions(path)
    assert "no-solution" in {result.hint_id for result in report} and not report.passed


def test_with_solutions_a_grade_cell_naming_an_unknown_piece_fails(tmp_path):
    path = tmp_path / "weekend-00.py"
    path.write_text(WORKBOOK.replace('"halve", globals()', '"halv", globals()'))
    report = run_with_solutions(path)
    assert not report.passed
    assert any(result.status == ERROR and "halv" in result.measured for result in report)


def test_with_solutions_the_grade_cells_are_not_headless(tmp_path, monkeypatch):
    monkeypatch.setenv(HEADLESS_ENV, "1")
    path = tmp_path / "weekend-00.py"
    path.write_text(WORKBOOK + "\n# %%\nimport os\nFLAG = os.environ['" + HEADLESS_ENV + "']\n")
    namespace = load_workbook(path, solutions=True)
    assert namespace["FLAG"] == "0" and namespace["double"](2) == 4
    assert os.environ[HEADLESS_ENV] == "1"


# --------------------------------------------------------------------------
# percent -> ipynb, against jupytext
# --------------------------------------------------------------------------


def _comparable(notebook: dict):
    cells = [
        (cell["cell_type"], "".join(cell["source"]), cell.get("metadata", {}).get("tags", []))
        for cell in notebook["cells"]
    ]
    return cells


SAMPLE = '''# %% [markdown]
# # Title
#
# Some *text*, with `code`.
#
#     indented

# %%
import numpy as np

x = np.arange(3)

# %% tags=["stub"]
def f(x):
    """Doc."""
    raise NotImplementedError("write me: f")


# %% [markdown] tags=["note"]
# A tagged note.

# %%
f(x)
'''


@pytest.mark.parametrize("source", ["sample", "header"] + sorted(path.stem for path in WORKBOOKS.glob("*.py")))
def test_percent_to_ipynb_agrees_with_jupytext(source):
    jupytext = pytest.importorskip("jupytext")
    if source == "sample":
        text = SAMPLE
    elif source == "header":
        text = WORKBOOK
    else:
        text = (WORKBOOKS / f"{source}.py").read_text(encoding="utf-8")
    ours = percent_to_ipynb(text)
    theirs = json.loads(jupytext.writes(jupytext.reads(text, fmt="py:percent"), fmt="ipynb"))
    assert _comparable(ours) == _comparable(theirs)
    # jupytext copies the header's kernel; without a header ours still names the Python kernel
    assert ours["metadata"]["kernelspec"] == theirs["metadata"].get("kernelspec", ours["metadata"]["kernelspec"])
    assert ours["metadata"]["kernelspec"]["name"] == "python3"
    assert ours["nbformat"] == 4 and all(cell["id"] for cell in ours["cells"])
    assert percent_to_ipynb(text) == ours  # stable ids: the same text gives the same file


def test_the_notebook_is_valid_nbformat():
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.reads(dumps_ipynb(percent_to_ipynb(SAMPLE)), as_version=4)
    nbformat.validate(notebook)
    assert [cell.metadata.get("tags") for cell in notebook.cells] == [None, None, ["stub"], ["note"], None]
