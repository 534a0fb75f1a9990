"""``classroom check`` as a learner runs it: a real subprocess, exit codes and the table."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

RUNNER = textwrap.dedent(
    '''
    """Register a synthetic weekend-00, then run the real command line."""
    import sys

    from classroom.check.core import CheckFailed, register

    @register("weekend-00", "double", "double: value", needs=["double"], compared="double(4) against 8")
    def _double(ns):
        got = ns["double"](4)
        if got != 8:
            raise CheckFailed("double-wrong", f"double(4) = {got}", "multiply by two")
        return "double(4) = 8"

    @register("weekend-00", "slow", "slow: a long run", needs=["double"], compared="nothing", timeout=90)
    def _slow(ns):
        ns["double"](1)
        return "quick after all"

    from classroom.cli import main

    sys.exit(main(sys.argv[1:]))
    '''
)

STUB = 'def double(x):\n    """Return 2 * x."""\n    raise NotImplementedError("write me: double")\n'


def _check(folder, *args):
    runner = folder / "_runner.py"
    runner.write_text(RUNNER)
    return subprocess.run(
        [sys.executable, str(runner), "check", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_an_unwritten_stub_says_not_written_yet_and_exits_one(tmp_path):
    (tmp_path / "weekend-00.py").write_text(STUB)
    result = _check(tmp_path, "weekend-00")
    assert result.returncode == 1, result.stderr
    assert "not written yet" in result.stdout and "0/2 checks passed" in result.stdout
    assert result.stdout.splitlines()[0] == "== weekend-00: weekend-00.py"
    assert "Traceback" not in result.stdout + result.stderr


def test_a_written_piece_passes_and_exits_zero(tmp_path):
    (tmp_path / "weekend-00.py").write_text("def double(x):\n    return x + x\n")
    result = _check(tmp_path, "weekend-00")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2/2 checks passed" in result.stdout and "double(4) = 8" in result.stdout


def test_a_slow_check_is_announced_before_it_runs(tmp_path):
    (tmp_path / "weekend-00.py").write_text("def double(x):\n    return x + x\n")
    lines = _check(tmp_path, "weekend-00").stdout.splitlines()
    announce = next(index for index, line in enumerate(lines) if "running slow: a long run" in line)
    assert "90 s at most" in lines[announce]
    assert announce < next(index for index, line in enumerate(lines) if line.startswith("check "))


def test_a_wrong_piece_fails_with_its_hint_and_exits_one(tmp_path):
    (tmp_path / "weekend-00.py").write_text("def double(x):\n    return x * x\n")
    result = _check(tmp_path, "weekend-00")
    assert result.returncode == 1
    assert "fail" in result.stdout and "double(4) = 16" in result.stdout and "multiply by two" in result.stdout


def test_a_syntax_error_is_one_row_naming_the_learners_line(tmp_path):
    (tmp_path / "weekend-00.py").write_text("x = 1\ndef broken(:\n    pass\n")
    result = _check(tmp_path, "weekend-00")
    assert result.returncode == 1
    assert "error in your code" in result.stdout and "0/1 checks passed" in result.stdout
    assert "SyntaxError" in result.stdout and "line 2" in result.stdout and "def broken" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_a_missing_workbook_is_a_usage_error_naming_what_it_looked_for(tmp_path):
    result = _check(tmp_path, "weekend-00")
    assert result.returncode == 2
    assert "weekend-00.ipynb" in result.stderr and "weekend-00.py" in result.stderr
    assert "classroom start" in result.stderr and result.stdout == ""


def test_an_unknown_weekend_is_a_usage_error_listing_the_known_ones(tmp_path):
    result = _check(tmp_path, "weekend-42")
    assert result.returncode == 2
    assert "unknown weekend 'weekend-42'" in result.stderr and "weekend-00" in result.stderr


@pytest.mark.parametrize("args", [[], ["--all"], ["--dir", "nowhere", "weekend-00"]])
def test_nothing_to_check_is_a_usage_error(tmp_path, args):
    result = _check(tmp_path, *args)
    assert result.returncode == 2 and "classroom check: error:" in result.stderr
    assert "Traceback" not in result.stderr


def test_with_both_files_the_newer_is_used_and_named(tmp_path):
    (tmp_path / "weekend-00.py").write_text("def double(x):\n    return 2 * x\n")
    notebook = {
        "cells": [{"cell_type": "code", "metadata": {}, "source": [STUB], "outputs": [], "execution_count": None}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    import json

    (tmp_path / "weekend-00.ipynb").write_text(json.dumps(notebook))
    os.utime(tmp_path / "weekend-00.py", (1_000_000, 1_000_000))
    result = _check(tmp_path, "weekend-00")
    assert "using weekend-00.ipynb, edited after weekend-00.py" in result.stdout
    assert result.returncode == 1 and "not written yet" in result.stdout
    os.utime(tmp_path / "weekend-00.ipynb", (900_000, 900_000))
    result = _check(tmp_path, "weekend-00")
    assert "using weekend-00.py, edited after weekend-00.ipynb" in result.stdout and result.returncode == 0


def test_all_checks_every_workbook_in_dir_and_a_path_works_too(tmp_path):
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "weekend-00.py").write_text(STUB)
    (folder / "notes.py").write_text("raise SystemExit('not a workbook')\n")
    result = _check(tmp_path, "--all", "--dir", "course")
    assert result.returncode == 1 and result.stdout.count("== weekend-00") == 1
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "weekend-00.py").write_text("def double(x):\n    return 2 * x\n")
    result = _check(tmp_path, "elsewhere/weekend-00.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_console_module_runs_without_the_runner(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "classroom.cli", "check", "--help"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0 and "--all" in result.stdout and "--dir" in result.stdout
