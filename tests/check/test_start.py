"""``classroom start DIR``: the course folder's layout, its workflow, and checks run inside it."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import excuse_missing_data

from classroom.check import start as start_module
from classroom.check.core import is_end_to_end, registered_checks
from classroom.check.course import COURSE
from classroom.check.start import StartError, shipped_workbooks, start_course
from classroom.cli import main

ROOT = Path(__file__).resolve().parents[2]
WORKBOOKS = ROOT / "src" / "classroom" / "check" / "workbooks"
SHIPPED = sorted(path.stem for path in WORKBOOKS.glob("*.py"))


@pytest.fixture
def offline(monkeypatch):
    """Any attempt to open a network connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("classroom start tried to use the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_start_writes_the_course_folder(tmp_path, offline, capsys):
    folder = tmp_path / "my-ml-course"
    assert main(["start", str(folder)]) == 0
    written = sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())
    expected = sorted(
        [f"{name}{suffix}" for name in SHIPPED for suffix in (".py", ".ipynb")]
        + ["README.md", "LEARNING_LOG.md", ".gitignore", os.path.join(".github", "workflows", "check.yml")]
    )
    assert written == expected
    for name in SHIPPED:
        assert (folder / f"{name}.py").read_text() == (WORKBOOKS / f"{name}.py").read_text()
        notebook = json.loads((folder / f"{name}.ipynb").read_text())
        assert notebook["nbformat"] == 4 and any("stub" in cell["metadata"].get("tags", []) for cell in notebook["cells"])
    out = capsys.readouterr().out
    assert "classroom check weekend-01" in out
    assert not [path for path in tmp_path.iterdir() if path.name != "my-ml-course"], "a staging folder was left"


def test_the_readme_timeline_has_one_row_per_weekend(tmp_path):
    start_course(tmp_path / "c")
    readme = (tmp_path / "c" / "README.md").read_text()
    header = readme.index("| weekend | topic | workbook | status |")
    rows = [line for line in readme[header:].splitlines()[2:] if line.startswith("|")]
    assert len(rows) == len(COURSE)
    for step, row in zip(COURSE, rows):
        assert step.title in row and row.rstrip().endswith("| [ ] |")
        if step.workbook in SHIPPED:
            assert f"({step.workbook}.ipynb)" in row
    assert len(re.findall(r"^- \[ \] ", readme, flags=re.M)) == len(COURSE)


def test_the_course_table_agrees_with_the_site_plan():
    plan = yaml.safe_load((ROOT / "docs" / "data" / "weekends.yml").read_text(encoding="utf-8"))
    weekends = [step for step in COURSE if step.number is not None]
    assert [(s.number, s.slug, s.title, s.task) for s in weekends] == [
        (w["number"], w["slug"], w["title"], w["task"]) for w in plan
    ]
    assert [s.workbook for s in weekends] == [f"weekend-{w['number']:02d}" for w in plan]


def _new_post_template():
    spec = importlib.util.spec_from_file_location("new_post", ROOT / "scripts" / "new_post.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.DAILY_LOG


def test_the_learning_log_has_a_dated_entry_shaped_like_the_daily_log(tmp_path):
    start_course(tmp_path / "c", today=dt.date(2027, 3, 6))
    log = (tmp_path / "c" / "LEARNING_LOG.md").read_text()
    assert re.search(r"^## 2027-03-06 · ", log, flags=re.M)
    sections = re.findall(r"^## (.+)$", _new_post_template(), flags=re.M)
    assert sections, "the daily-log template has no sections"
    ours = re.findall(r"^### (.+)$", log, flags=re.M)
    assert ours == sections


def test_gitignore_keeps_data_runs_environments_and_checkpoints_out(tmp_path):
    start_course(tmp_path / "c")
    ignored = (tmp_path / "c" / ".gitignore").read_text().split()
    for entry in ("data/", "runs/", ".venv/", "checkpoints/", ".ipynb_checkpoints/"):
        assert entry in ignored


def test_the_workflow_is_a_valid_github_workflow_that_runs_the_checks(tmp_path):
    start_course(tmp_path / "c")
    workflow = tmp_path / "c" / ".github" / "workflows" / "check.yml"
    data = yaml.safe_load(workflow.read_text())
    steps = [step.get("run", "") for job in data["jobs"].values() for step in job["steps"]]
    assert any("pip install \"ml-classroom[serve,data]\"" in run for run in steps), "weekend 8 needs the server, weekend 7 the CelebA download"
    assert any(run.strip() == "classroom check --all" for run in steps)
    assert "push" in data[True]  # YAML reads the key `on` as True
    tool = shutil.which("check-jsonschema") or str(Path(sys.executable).parent / "check-jsonschema")
    if not Path(tool).exists():
        pytest.skip("check-jsonschema is not installed")
    result = subprocess.run(
        [tool, "--builtin-schema", "vendor.github-workflows", str(workflow)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(workflow.read_text().replace("runs-on:", "runs_on:"))
    result = subprocess.run(
        [tool, "--builtin-schema", "vendor.github-workflows", str(broken)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0, "the schema check accepts a broken workflow: it proves nothing"


def test_start_refuses_a_folder_that_is_not_empty(tmp_path, capsys):
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "mine.txt").write_text("keep me")
    assert main(["start", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "not empty" in err and str(folder) in err
    assert [path.name for path in folder.iterdir()] == ["mine.txt"]
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(StartError, match="is a file"):
        start_course(tmp_path / "a-file")


def test_start_fills_an_empty_folder(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    written = start_course(folder)
    assert (folder / "README.md").exists() and len(written) == 2 * len(SHIPPED) + 4


def test_an_error_half_way_leaves_nothing_behind(tmp_path, monkeypatch):
    calls = []
    real = start_module.atomic_write

    def failing(path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 5:
            raise OSError(28, "No space left on device")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(start_module, "atomic_write", failing)
    with pytest.raises(StartError, match="No space left on device"):
        start_course(tmp_path / "course")
    assert list(tmp_path.iterdir()) == []


def test_the_shipped_workbooks_come_in_course_order():
    names = list(shipped_workbooks())
    assert sorted(names) == SHIPPED
    order = [step.workbook for step in COURSE]
    assert names == sorted(names, key=order.index)


# --------------------------------------------------------------------------
# classroom check inside a fresh course folder
# --------------------------------------------------------------------------


def _run_check(folder, *args):
    return subprocess.run(
        [sys.executable, "-m", "classroom.cli", "check", *args],
        cwd=folder, capture_output=True, text=True, timeout=1800,
    )


def _drop_in_solutions(folder: Path, name: str) -> None:
    """Append a cell that replaces every stub with the package's reference solution (to the .ipynb)."""
    module = name.replace("-", "_")
    path = folder / f"{name}.ipynb"
    notebook = json.loads(path.read_text())
    notebook["cells"].append({
        "cell_type": "code", "execution_count": None, "id": "solutions", "metadata": {}, "outputs": [],
        "source": [f"from classroom.check.{module} import reference_solutions\n", "globals().update(reference_solutions())"],
    })
    path.write_text(json.dumps(notebook))
    os.utime(folder / f"{name}.py", (1_000_000, 1_000_000))


def _has_end_to_end(name: str) -> bool:
    try:
        return any(is_end_to_end(check) for check in registered_checks(name))
    except KeyError:
        return False


def _params():
    if not SHIPPED:
        return [pytest.param(None, marks=pytest.mark.skip(reason="no workbooks in the package yet"))]
    slow = [pytest.mark.slow, pytest.mark.data]
    return [pytest.param(name, marks=slow if _has_end_to_end(name) else [], id=name) for name in SHIPPED]


def test_check_all_in_a_fresh_course_folder_exits_non_zero(tmp_path):
    if not SHIPPED:
        pytest.skip("no workbooks in the package yet")
    start_course(tmp_path / "c")
    result = _run_check(tmp_path / "c", "--all")
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.count("== ") == len(SHIPPED) and "not written yet" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


# Weekend 4's row trains the CNN on real CIFAR-10 images: 512 s on a loaded two-core machine,
# near the default 600 s, so the whole parametrisation gets the subprocess's own 1,800 s.
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("name", _params())
def test_reference_solutions_dropped_into_a_fresh_folder_pass(tmp_path, name):
    from classroom.check.core import NEEDS_DATA

    start_course(tmp_path / "c")
    _drop_in_solutions(tmp_path / "c", name)
    result = _run_check(tmp_path / "c", name)
    if result.returncode != 0 and NEEDS_DATA in result.stdout:
        excuse_missing_data(result.stdout, name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"using {name}.ipynb" in result.stdout and "checks passed" in result.stdout


@pytest.mark.slow
@pytest.mark.data
def test_check_all_with_every_reference_solution_exits_zero(tmp_path):
    modules = [name for name in SHIPPED if importlib.util.find_spec(f"classroom.check.{name.replace('-', '_')}")]
    if not modules:
        pytest.skip("no weekend check modules yet")
    start_course(tmp_path / "c")
    for name in SHIPPED:
        if name in modules:
            _drop_in_solutions(tmp_path / "c", name)
        else:
            for suffix in (".py", ".ipynb"):
                (tmp_path / "c" / f"{name}{suffix}").unlink()
    result = _run_check(tmp_path / "c", "--all")
    if result.returncode != 0 and "needs data" in result.stdout:
        excuse_missing_data(result.stdout, "classroom check --all")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("== ") == len(modules)


def test_the_plan_page_links_each_weekends_workbook(tmp_path):
    spec = importlib.util.spec_from_file_location("site_content", ROOT / "hooks" / "site_content.py")
    site_content = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(site_content)
    weekends = site_content.load_weekends(ROOT / "docs" / "data" / "weekends.yml")
    known = {"workbooks/weekend-01.ipynb", "workbooks/weekend-01.py"}
    rows = site_content.render_plan(weekends, tmp_path, known_files=known).splitlines()
    assert rows[0].endswith("| Workbook |")
    assert rows[2].endswith("| [weekend-01.ipynb](workbooks/weekend-01.ipynb) · [.py](workbooks/weekend-01.py) |")
    assert rows[3].endswith("| — |")
