"""``classroom.config``: data directory, quick mode, project root, BLAS threads."""

import os

import pytest

from classroom import config


def test_data_dir_follows_the_environment_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("CLASSROOM_DATA", str(tmp_path))
    assert config.data_dir() == tmp_path


def test_data_dir_defaults_to_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("CLASSROOM_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert config.data_dir() == tmp_path / "classroom"


@pytest.mark.parametrize("value, expected", [("1", True), ("yes", True), ("TRUE", True), ("0", False), ("", False)])
def test_quick_mode_reads_the_environment_variable(monkeypatch, value, expected):
    monkeypatch.setenv("CLASSROOM_QUICK", value)
    assert config.quick_mode() is expected


def test_project_root_finds_the_checkout_from_a_lesson_folder(monkeypatch):
    root = config.project_root()
    assert root is not None and (root / "pyproject.toml").is_file()
    monkeypatch.chdir(root / "docs" / "weekends")
    assert config.project_root() == root


def test_limit_blas_threads_describes_the_library_and_refuses_zero():
    pytest.importorskip("threadpoolctl")
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=None):  # restore the pools after the test
        description = config.limit_blas_threads(1)
    assert description and "x1" in description
    assert config.limit_blas_threads(None) is None
    with pytest.raises(ValueError, match="at least 1"):
        config.limit_blas_threads(0)


def test_limit_blas_threads_before_numpy_sets_the_librarys_variables():
    import subprocess
    import sys

    code = (
        "import os, sys\n"
        "from classroom.config import limit_blas_threads\n"
        "assert 'numpy' not in sys.modules\n"
        "print(limit_blas_threads(2))\n"
        "import numpy\n"
        "print(os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS'])\n"
    )
    environment = {key: value for key, value in os.environ.items() if not key.endswith("_NUM_THREADS")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True)
    assert "set before NumPy was imported" in result.stdout
    assert result.stdout.splitlines()[-1] == "2 2"
