"""Modules moved into the folders of their layer keep their old import path for one release."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import classroom


@pytest.mark.parametrize("old, new", sorted(classroom.MOVED_MODULES.items()))
def test_the_old_path_warns_and_gives_the_new_module(old, new):
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=rf"{old} moved to {new}"):
        module = importlib.import_module(old)
    assert module is importlib.import_module(new)


def test_from_import_of_a_name_at_the_old_path_still_works():
    code = (
        "import warnings; warnings.simplefilter('error', DeprecationWarning)\n"
        "try:\n"
        "    from classroom.metrics import accuracy\n"
        "except DeprecationWarning as warning:\n"
        "    print('warned:', warning)\n"
        "warnings.simplefilter('ignore', DeprecationWarning)\n"
        "from classroom.metrics import accuracy\n"
        "from classroom.evaluation.metrics import accuracy as new\n"
        "print('same:', accuracy is new)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "warned: classroom.metrics moved to classroom.evaluation.metrics" in result.stdout
    assert "same: True" in result.stdout


def test_the_top_level_holds_only_the_command_line_and_the_configuration():
    from pathlib import Path

    package = Path(classroom.__file__).parent
    modules = sorted(path.name for path in package.glob("*.py"))
    assert modules == ["__init__.py", "cli.py", "config.py"]
