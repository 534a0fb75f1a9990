"""The notebook execution cache of hooks/notebooks.py."""

from __future__ import annotations

import json
import shutil

import pytest

from site_helpers import ROOT, notebooks_hook

PACKAGE = ROOT / "src" / "classroom"

TINY_NOTEBOOK = """# %% [markdown]
# # A tiny notebook (synthetic, for the cache test)

# %%
import os
from classroom.config import quick_mode
print("quick =", os.environ.get("CLASSROOM_QUICK"))
print("cwd ends with", os.path.basename(os.getcwd()))
"""

WEEKEND_1 = ROOT / "docs" / "weekends" / "01-numpy-network" / "mnist_two_layer.py"
MONTH_2 = ROOT / "docs" / "month-2" / "ship_a_classifier.py"

FAILING_NOTEBOOK = """# %% [markdown]
# # A notebook that fails in its third cell

# %%
x = 1

# %%
raise ValueError("deliberate failure for the test")
"""


@pytest.fixture
def package_copy(tmp_path):
    """A private copy of src/classroom whose files the test may edit."""
    copy = tmp_path / "classroom"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.fixture
def notebook(tmp_path):
    folder = tmp_path / "lesson"
    folder.mkdir()
    path = folder / "tiny.py"
    path.write_text(TINY_NOTEBOOK, encoding="utf-8")
    return path


def test_key_is_stable_when_nothing_changes(notebook, package_copy):
    first = notebooks_hook.notebook_key(notebook, package_copy, quick=True)
    assert first == notebooks_hook.notebook_key(notebook, package_copy, quick=True)
    assert len(first) == 64


def test_editing_a_package_file_changes_the_key(notebook, package_copy):
    before = notebooks_hook.notebook_key(notebook, package_copy, quick=True)
    config = package_copy / "config.py"
    config.write_text(config.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert notebooks_hook.notebook_key(notebook, package_copy, quick=True) != before


def test_editing_a_module_the_notebook_does_not_import_keeps_the_key(notebook, package_copy):
    before = notebooks_hook.notebook_key(notebook, package_copy, quick=True)
    linear = package_copy / "nn" / "linear.py"
    linear.write_text(linear.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert notebooks_hook.notebook_key(notebook, package_copy, quick=True) == before


def _edit(path):
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")


def test_editing_the_server_does_not_rerun_weekend_1_but_editing_linear_does(package_copy):
    before = notebooks_hook.notebook_key(WEEKEND_1, package_copy, quick=True)
    _edit(package_copy / "serve" / "app.py")
    assert notebooks_hook.notebook_key(WEEKEND_1, package_copy, quick=True) == before
    _edit(package_copy / "nn" / "linear.py")
    assert notebooks_hook.notebook_key(WEEKEND_1, package_copy, quick=True) != before


def test_month_2_depends_on_the_server_it_exports_for(package_copy):
    before = notebooks_hook.notebook_key(MONTH_2, package_copy, quick=True)
    _edit(package_copy / "serve" / "app.py")
    assert notebooks_hook.notebook_key(MONTH_2, package_copy, quick=True) != before


def test_dependencies_follow_imports_transitively_and_include_parent_packages(tmp_path, package_copy):
    path = tmp_path / "uses_trainer.py"
    path.write_text("# %%\nfrom classroom.train import Trainer\n", encoding="utf-8")
    found = {p.relative_to(package_copy).as_posix() for p in notebooks_hook.notebook_dependencies(path, package_copy)}
    assert {"__init__.py", "train/__init__.py", "train/loop.py"} <= found
    # train/loop.py imports ``from ..evaluation.metrics import accuracy``: a relative import two levels up.
    assert "evaluation/metrics.py" in found
    assert "serve/app.py" not in found


def test_relative_imports_inside_the_package_are_followed(tmp_path, package_copy):
    (package_copy / "nn" / "relative_probe.py").write_text("from .linear import Linear\n", encoding="utf-8")
    path = tmp_path / "probe.py"
    path.write_text("import classroom.nn.relative_probe\n", encoding="utf-8")
    found = {p.relative_to(package_copy).as_posix() for p in notebooks_hook.notebook_dependencies(path, package_copy)}
    assert "nn/linear.py" in found


def test_a_module_named_in_a_string_counts_as_imported(tmp_path, package_copy):
    path = tmp_path / "by_name.py"
    path.write_text('# %%\nbuilder = "classroom.models.mlp:MLP"\n', encoding="utf-8")
    found = {p.relative_to(package_copy).as_posix() for p in notebooks_hook.notebook_dependencies(path, package_copy)}
    assert "models/mlp.py" in found


def test_quick_mode_and_notebook_text_change_the_key(notebook, package_copy):
    quick = notebooks_hook.notebook_key(notebook, package_copy, quick=True)
    assert notebooks_hook.notebook_key(notebook, package_copy, quick=False) != quick
    notebook.write_text(TINY_NOTEBOOK + "\n# %%\nprint(2)\n", encoding="utf-8")
    assert notebooks_hook.notebook_key(notebook, package_copy, quick=True) != quick


def test_bytecode_caches_do_not_change_the_key(notebook, package_copy):
    before = notebooks_hook.notebook_key(notebook, package_copy, quick=True)
    (package_copy / "__pycache__").mkdir(exist_ok=True)
    (package_copy / "__pycache__" / "config.cpython-311.py").write_text("junk", encoding="utf-8")
    assert notebooks_hook.notebook_key(notebook, package_copy, quick=True) == before


@pytest.mark.parametrize("value, expected", [("1", True), ("yes", True), ("TRUE", True), ("0", False), ("", False)])
def test_quick_mode_flag_reads_the_environment_like_the_package(value, expected):
    assert notebooks_hook.quick_mode_enabled({"CLASSROOM_QUICK": value}) is expected


@pytest.mark.slow
def test_notebook_executes_once_then_comes_from_the_cache(notebook, package_copy, tmp_path):
    cache = tmp_path / "cache"
    executed_path, ran = notebooks_hook.prepare_notebook(notebook, package_copy, cache, quick=True)
    assert ran
    assert executed_path.name == "tiny.ipynb"
    written = executed_path.stat().st_mtime_ns
    data = json.loads(executed_path.read_text(encoding="utf-8"))
    sources = ["".join(cell["source"]) for cell in data["cells"]]
    assert "Executed in quick mode" in sources[1], "the mode note follows the title cell"
    outputs = "".join("".join(output.get("text", "")) for cell in data["cells"] for output in cell.get("outputs", []))
    assert "quick = 1" in outputs
    assert "cwd ends with lesson" in outputs, "the notebook runs in its own folder"

    again_path, ran_again = notebooks_hook.prepare_notebook(notebook, package_copy, cache, quick=True)
    assert (again_path, ran_again) == (executed_path, False)
    assert executed_path.stat().st_mtime_ns == written


@pytest.mark.slow
def test_failing_cell_names_the_notebook_and_the_cell(tmp_path, package_copy):
    path = tmp_path / "broken.py"
    path.write_text(FAILING_NOTEBOOK, encoding="utf-8")
    with pytest.raises(RuntimeError) as error:
        notebooks_hook.prepare_notebook(path, package_copy, tmp_path / "cache", quick=True)
    message = str(error.value)
    assert str(path) in message
    assert "cell 3" in message
    assert "deliberate failure" in message
    assert not list((tmp_path / "cache").rglob("*.ipynb")), "a failed run leaves nothing in the cache"


NEEDS_DATA_NOTEBOOK = """# %% [markdown]
# # A notebook whose third cell needs a dataset (synthetic, for the placeholder test)

# %%
print(40 + 2)

# %%
from classroom.data.errors import MissingDataError
raise MissingDataError("Testset is not in the data directory DIR.\\nOffline: python3 scripts/prepare_data.py SOURCE")

# %%
print("never runs")
"""


@pytest.fixture
def needs_data_notebook(tmp_path, monkeypatch):
    monkeypatch.setenv("CLASSROOM_DATA", str(tmp_path / "data"))
    path = tmp_path / "needs_data.py"
    path.write_text(NEEDS_DATA_NOTEBOOK, encoding="utf-8")
    return path


@pytest.mark.slow
def test_missing_dataset_fails_by_default_with_the_loaders_message(needs_data_notebook, package_copy, tmp_path):
    with pytest.raises(notebooks_hook.MissingDatasetError) as error:
        notebooks_hook.prepare_notebook(needs_data_notebook, package_copy, tmp_path / "cache", quick=True)
    assert "Testset is not in the data directory" in str(error.value)
    assert "cell 3" in str(error.value)
    assert not list((tmp_path / "cache").rglob("*.ipynb"))


@pytest.mark.slow
def test_missing_dataset_gives_a_placeholder_page_reused_until_the_data_directory_changes(
    needs_data_notebook, package_copy, tmp_path
):
    cache = tmp_path / "cache"
    path, ran = notebooks_hook.prepare_notebook(
        needs_data_notebook, package_copy, cache, quick=True, missing_data="placeholder"
    )
    assert ran
    message = notebooks_hook.missing_data_message(path)
    assert message.startswith("Testset is not in the data directory")
    data = json.loads(path.read_text(encoding="utf-8"))
    sources = ["".join(cell["source"]) for cell in data["cells"]]
    assert "Not executed: Testset is not in the data directory" in sources[1]
    assert "prepare_data.py SOURCE" in sources[1]
    code = [cell for cell in data["cells"] if cell["cell_type"] == "code"]
    assert "42" in "".join(code[0]["outputs"][0]["text"]), "cells before the failure keep their outputs"
    assert not any(output["output_type"] == "error" for cell in code for output in cell["outputs"])
    assert code[-1]["outputs"] == [] and "never runs" in "".join(code[-1]["source"])

    again, ran_again = notebooks_hook.prepare_notebook(
        needs_data_notebook, package_copy, cache, quick=True, missing_data="placeholder"
    )
    assert (again, ran_again) == (path, False), "an unchanged data directory reuses the placeholder"

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "arrived.bin").write_bytes(b"new data")
    _, ran_third = notebooks_hook.prepare_notebook(
        needs_data_notebook, package_copy, cache, quick=True, missing_data="placeholder"
    )
    assert ran_third, "new files in the data directory make the notebook run again"


@pytest.mark.slow
def test_other_errors_still_fail_when_placeholders_are_allowed(tmp_path, package_copy):
    path = tmp_path / "broken.py"
    path.write_text(FAILING_NOTEBOOK, encoding="utf-8")
    with pytest.raises(RuntimeError) as error:
        notebooks_hook.prepare_notebook(path, package_copy, tmp_path / "cache", quick=True, missing_data="placeholder")
    assert not isinstance(error.value, notebooks_hook.MissingDatasetError)
    assert "deliberate failure" in str(error.value)


def test_missing_data_summary_lists_each_page_and_each_fix_once():
    message = "CIFAR-10 is not in the data directory D.\nOffline: python3 scripts/prepare_data.py SOURCE"
    summary = notebooks_hook.missing_data_summary([("a.py", message), ("b.py", message)])
    assert "2 notebook page(s)" in summary
    assert "a.py: CIFAR-10 is not in the data directory D." in summary
    assert summary.count("prepare_data.py SOURCE") == 1


def test_the_table_of_moved_modules_is_not_a_dependency(tmp_path, package_copy):
    path = tmp_path / "uses_config.py"
    path.write_text("# %%\nfrom classroom.config import quick_mode\n", encoding="utf-8")
    found = {p.relative_to(package_copy).as_posix() for p in notebooks_hook.notebook_dependencies(path, package_copy)}
    assert "__init__.py" in found and "config.py" in found
    assert "nn/gradcheck.py" not in found and "evaluation/metrics.py" not in found


@pytest.mark.parametrize("quick", [True, False])
def test_full_mode_cells_may_train_for_an_hour(tmp_path, monkeypatch, quick):
    import nbclient

    timeouts = []

    class RecordingClient:
        def __init__(self, notebook, **options):
            timeouts.append(options["timeout"])

        def execute(self):
            """Run nothing: only the timeout is under test."""

    monkeypatch.setattr(nbclient, "NotebookClient", RecordingClient)
    source = tmp_path / "tiny.py"
    source.write_text(TINY_NOTEBOOK, encoding="utf-8")
    notebooks_hook.execute_notebook(source, tmp_path / "out" / "tiny.ipynb", quick=quick)
    expected = notebooks_hook.CELL_TIMEOUT_SECONDS if quick else notebooks_hook.FULL_MODE_CELL_TIMEOUT_SECONDS
    assert timeouts == [expected] and notebooks_hook.FULL_MODE_CELL_TIMEOUT_SECONDS >= 3600
