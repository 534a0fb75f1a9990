"""A fresh machine: the site builds with an empty data directory and says what is missing.

The project is copied to a temporary folder (without its notebook cache), the
data directory points at an empty folder, and the site is built twice:

* as ``dev.py serve`` builds it (placeholders allowed): the build succeeds,
  the notebook pages that need a dataset carry the missing-dataset
  admonition naming the dataset and the data directory, and the log ends
  with one summary;
* as CI and the deploy build it (``--strict``): the build fails and the
  message names the dataset;
* as a pull request's CI builds it on a day a host refused a download
  (``--strict`` in quick mode with ``CLASSROOM_DATA_UNAVAILABLE``): only the
  datasets named there may be placeholders.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from site_helpers import ROOT

pytestmark = [pytest.mark.slow]

IGNORED = shutil.ignore_patterns(
    ".git", ".venv", ".cache", ".data", "site", "runs", "__pycache__", "*.egg-info", "tests", ".pytest_cache"
)


@pytest.fixture(scope="module")
def fresh_copy(tmp_path_factory):
    """A copy of the project as a fresh clone has it, and an empty data directory."""
    base = tmp_path_factory.mktemp("fresh")
    project = base / "project"
    shutil.copytree(ROOT, project, ignore=IGNORED, symlinks=True)
    data = base / "empty-data"
    data.mkdir()
    return project, data


def _build(project, data, site, *, strict: bool, placeholders: bool, unavailable: str | None = None):
    env = dict(os.environ)
    env.update(
        CLASSROOM_DATA=str(data),
        CLASSROOM_QUICK="1",
        NO_MKDOCS_2_WARNING="1",
        DISABLE_MKDOCS_2_WARNING="true",
        PYTHONWARNINGS="ignore::DeprecationWarning",
    )
    env.pop("CLASSROOM_MISSING_DATA", None)
    env.pop("CLASSROOM_DATA_UNAVAILABLE", None)
    if unavailable is not None:
        env["CLASSROOM_DATA_UNAVAILABLE"] = unavailable
    if placeholders:
        env["CLASSROOM_MISSING_DATA"] = "placeholder"
    command = [sys.executable, "-m", "mkdocs", "build", "--site-dir", str(site)]
    if strict:
        command.append("--strict")
    return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def serve_mode_build(fresh_copy, tmp_path_factory):
    project, data = fresh_copy
    site = tmp_path_factory.mktemp("site-no-data")
    result = _build(project, data, site, strict=False, placeholders=True)
    return result, site, data


def test_serve_mode_builds_every_page_without_any_dataset(serve_mode_build):
    result, site, _ = serve_mode_build
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-6000:]
    assert (site / "index.html").exists()
    assert (site / "weekends" / "02-logistic-regression" / "logistic_regression" / "index.html").exists()


def test_pages_that_need_mnist_say_what_is_missing_and_how_to_get_it(serve_mode_build):
    _, site, data = serve_mode_build
    page = (site / "weekends" / "01-numpy-network" / "mnist_two_layer" / "index.html").read_text(encoding="utf-8")
    assert "missing-dataset" in page
    assert "MNIST" in page
    assert str(data) in page, "the admonition names the data directory it looked in"
    assert "prepare_data.py" in page, "and the offline command that fixes it"


def test_a_notebook_with_packaged_data_runs_fully(serve_mode_build):
    _, site, _ = serve_mode_build
    page = (site / "weekends" / "02-logistic-regression" / "logistic_regression" / "index.html").read_text(
        encoding="utf-8"
    )
    assert "missing-dataset" not in page, "Iris ships with the package: nothing is missing"
    assert "Executed in quick mode" in page


def test_the_terminal_prints_one_summary_of_what_is_missing(serve_mode_build):
    result, _, _ = serve_mode_build
    log = result.stdout + result.stderr
    assert log.count("show a missing-dataset placeholder") == 1
    assert "weekends/01-numpy-network/mnist_two_layer.py" in log
    assert "notebooks: executed" in log and "reused" in log


def test_a_strict_build_fails_and_names_the_missing_dataset(fresh_copy, tmp_path):
    project, data = fresh_copy
    result = _build(project, data, tmp_path / "site-strict", strict=True, placeholders=True)
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert "is not in the data directory" in log
    assert str(data) in log
    assert "a strict build needs every dataset" in log


def test_a_strict_quick_build_shows_placeholders_for_datasets_ci_could_not_fetch(fresh_copy, tmp_path):
    project, data = fresh_copy
    site = tmp_path / "site-excused"
    result = _build(project, data, site, strict=True, placeholders=False, unavailable="mnist,cifar10,celeba")
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-6000:]
    assert "show a missing-dataset placeholder" in log
    page = (site / "weekends" / "01-numpy-network" / "mnist_two_layer" / "index.html").read_text(encoding="utf-8")
    assert "missing-dataset" in page


def test_a_strict_build_excuses_only_the_datasets_named(fresh_copy, tmp_path):
    project, data = fresh_copy
    result = _build(project, data, tmp_path / "site-one-excused", strict=True, placeholders=False, unavailable="celeba")
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert "excuses only ['CelebA']" in log
    assert "MNIST is not in the data directory" in log or "CIFAR-10 is not in the data directory" in log
