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
print("quick =", os.environ.get("CLASSROOM_QUICK"))
print("cwd ends with", os.path.basename(os.getcwd()))
"""

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


def test_adding_a_package_module_changes_the_key(notebook, package_copy):
    before = notebooks_hook.notebook_key(notebook, package_copy, quick=True)
    (package_copy / "nn" / "brand_new_layer.py").write_text('"""New."""\n', encoding="utf-8")
    assert notebooks_hook.notebook_key(notebook, package_copy, quick=True) != before


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
