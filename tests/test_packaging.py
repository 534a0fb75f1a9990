"""The distribution: ``python -m build`` makes a wheel and an sdist that install and run on their own.

One build (module fixture) serves every test; one clean virtual environment
(no project checkout on ``sys.path``, only the wheel and its dependencies,
pinned by ``requirements/constraints.txt``) serves the installed-package tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
DISTRIBUTION = "ml-classroom"

pytestmark = pytest.mark.slow


def run(command: list, *, cwd: Path, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run a command; fail the test with its output when it exits non-zero."""
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(str(part) for part in command)} exited {result.returncode}\n"
            f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
        )
    return result


def project_version() -> str:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> dict[str, Path]:
    """Build the wheel and the sdist once into a temporary folder."""
    pytest.importorskip("build", reason="the 'build' package is not installed (it is in the tests extra)")
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation would reuse this environment's setuptools, but the build must
    # work the way a release builds it: in an isolated environment from pyproject.toml.
    run([sys.executable, "-m", "build", "--outdir", out, ROOT], cwd=out)
    wheels = sorted(out.glob("*.whl"))
    sdists = sorted(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(path.name for path in out.iterdir())
    return {"wheel": wheels[0], "sdist": sdists[0]}


@pytest.fixture(scope="module")
def clean_venv(dists, tmp_path_factory) -> Path:
    """A new virtual environment holding only the wheel and its (pinned) dependencies; returns its bin folder."""
    home = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True).create(home / "env")
    bin_dir = home / "env" / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / ("python.exe" if os.name == "nt" else "python")
    pins = ["-c", CONSTRAINTS] if CONSTRAINTS.exists() and sys.version_info >= (3, 11, 5) else []
    run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *pins, dists["wheel"]],
        cwd=home,
        timeout=900,
    )
    return bin_dir


def isolated_env() -> dict:
    """The environment for commands in the clean venv: no project paths, no data directory of this machine."""
    env = {key: value for key, value in os.environ.items() if key not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}
    env["PYTHONNOUSERSITE"] = "1"
    return env


def test_build_makes_a_wheel_and_an_sdist_named_after_the_distribution_and_version(dists):
    version = project_version()
    assert dists["wheel"].name.startswith(f"ml_classroom-{version}-py3-none-any"), dists["wheel"].name
    assert dists["sdist"].name == f"ml_classroom-{version}.tar.gz"


def test_twine_check_accepts_both_dists(dists):
    pytest.importorskip("twine", reason="twine is not installed (it is in the tests extra)")
    result = run([sys.executable, "-m", "twine", "check", "--strict", dists["wheel"], dists["sdist"]], cwd=ROOT)
    assert result.stdout.count("PASSED") == 2, result.stdout


def test_wheel_holds_the_package_its_data_files_and_the_console_script(dists):
    with zipfile.ZipFile(dists["wheel"]) as wheel:
        names = set(wheel.namelist())
        entry_points = next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
        scripts = wheel.read(entry_points).decode()
        metadata = wheel.read(next(name for name in names if name.endswith(".dist-info/METADATA"))).decode()
    assert "classroom/datasets/iris.csv" in names
    static = {name for name in names if name.startswith("classroom/serve/static/")}
    shipped = {
        f"classroom/serve/static/{path.name}"
        for path in (ROOT / "src" / "classroom" / "serve" / "static").iterdir()
        if path.is_file()
    }
    assert shipped and static == shipped, "the wheel must ship every file of serve/static"
    assert "classroom/cli.py" in names and "classroom/data/__init__.py" in names
    assert not [name for name in names if name.startswith(("tests/", "docs/", "hooks/", "scripts/"))]
    assert "classroom = classroom.cli:main" in scripts
    assert "Name: ml-classroom" in metadata
    assert "Provides-Extra: serve" in metadata


def test_sdist_holds_the_sources_and_the_packaged_data(dists):
    with tarfile.open(dists["sdist"]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {"pyproject.toml", "README.md", "src/classroom/datasets/iris.csv", "src/classroom/cli.py"} <= names
    assert any(name.startswith("src/classroom/serve/static/") for name in names)


def test_installed_console_script_prints_its_help(clean_venv, tmp_path):
    classroom = clean_venv / ("classroom.exe" if os.name == "nt" else "classroom")
    result = run([classroom, "--help"], cwd=tmp_path, env=isolated_env())
    assert "serve" in result.stdout


def test_installed_package_is_the_wheel_and_loads_the_packaged_iris_data(clean_venv, tmp_path):
    python = clean_venv / ("python.exe" if os.name == "nt" else "python")
    code = (
        "import classroom, classroom.data as d\n"
        "iris = d.load_iris()\n"
        "print(classroom.__file__)\n"
        "print(iris.data.shape, sorted(set(iris.target.tolist())), iris.target_names[0])\n"
    )
    env = isolated_env()
    env["CLASSROOM_DATA"] = str(tmp_path / "empty-data-dir")  # the Iris data must come from the package itself
    result = run([python, "-c", code], cwd=tmp_path, env=env)
    location, counts = result.stdout.strip().splitlines()[-2:]
    assert "site-packages" in location and str(ROOT / "src") not in location
    assert counts == "(150, 4) [0, 1, 2] setosa", counts


def test_serve_help_works_without_the_serve_extra(clean_venv, tmp_path):
    python = clean_venv / ("python.exe" if os.name == "nt" else "python")
    probe = subprocess.run(
        [str(python), "-c", "import importlib.util as u; print(u.find_spec('fastapi') is None)"],
        capture_output=True, text=True, env=isolated_env(), cwd=tmp_path,
    )
    assert probe.stdout.strip() == "True", "the clean environment must not have fastapi (it is the serve extra)"
    classroom = clean_venv / ("classroom.exe" if os.name == "nt" else "classroom")
    result = run([classroom, "serve", "--help"], cwd=tmp_path, env=isolated_env())
    assert "--model" in result.stdout and "--port" in result.stdout
