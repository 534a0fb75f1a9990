"""Shared test helpers.

* ``torch`` fixture: PyTorch if installed, else the test is skipped with a reason.
* ``require_dataset(name, form=None)``: skip (outside CI) or fail (in CI) when a
  dataset is in the data directory in none of the forms its loader reads. A
  dataset named in ``CLASSROOM_DATA_UNAVAILABLE`` (the workflow sets it when a
  host refuses a download) is skipped in CI too, with the reason.
* ``rng`` fixture: a seeded ``numpy.random.Generator``.
* ``load_script(name)``: import ``scripts/<name>.py`` (scripts are not part of the package).
* ``forbid_network(monkeypatch)``: make any real network connection fail the test.
* ``close_figures``: for the tests under ``tests/plots``, the Agg backend and every
  figure closed after the test.

This is the only ``conftest.py``: test modules import helpers from it by the bare
name ``conftest``, and a second file of that name in a subfolder would shadow it.
"""

from __future__ import annotations

import importlib.util
import os
import re
import socket
from pathlib import Path

import numpy as np
import pytest

from classroom.config import data_dir

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def load_script(name: str):
    """Import ``scripts/<name>.py`` as a module named ``name``, to call its ``main()`` in-process."""
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def forbid_network(monkeypatch) -> None:
    """Fail the test on any real network connection, and drop a ``CLASSROOM_DOWNLOAD`` set outside.

    Use it in an autouse fixture of a module whose code could download.
    """
    from classroom.data.paths import DOWNLOAD_ENV_VAR

    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to open a real network connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.delenv(DOWNLOAD_ENV_VAR, raising=False)


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded random generator, so every test reproduces."""
    return np.random.default_rng(0)


PLOT_TESTS = Path(__file__).resolve().parent / "plots"


@pytest.fixture(autouse=True)
def close_figures(request):
    """For the plot tests: use the Agg backend, then close every figure the test opened.

    Tests outside ``tests/plots`` pass straight through. The plot test modules ask
    for matplotlib themselves with ``pytest.importorskip``.
    """
    if PLOT_TESTS not in Path(request.node.path).resolve().parents:
        yield
        return
    matplotlib = pytest.importorskip("matplotlib", reason="matplotlib is needed to draw plots")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


@pytest.fixture
def torch():
    """PyTorch, or a clean skip where it is not installed."""
    return pytest.importorskip("torch", reason="PyTorch is not installed (it is only a test oracle)")


#: The datasets ``require_dataset`` knows, with the names their loaders' messages use.
DATASETS = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST", "cifar10": "CIFAR-10", "celeba": "CelebA"}


def unavailable_datasets() -> set[str]:
    """Datasets CI could not fetch, from ``CLASSROOM_DATA_UNAVAILABLE`` (comma-separated)."""
    value = os.environ.get("CLASSROOM_DATA_UNAVAILABLE", "")
    return {name.strip() for name in value.split(",") if name.strip()}


def dataset_form(name: str) -> str | None:
    """The form in which dataset ``name`` is in the data directory, or None when it is absent.

    Uses the package's own finders, so a test accepts every form the loader
    reads: for MNIST the four IDX files (gzipped or not), for CIFAR-10 the
    official binary or Python archive or an image folder, for CelebA the
    official zip, the offline archive or an extracted folder. Fashion-MNIST
    is found like MNIST, in its own folder.
    """
    from classroom.data.celeba import find_celeba_source
    from classroom.data.cifar10 import find_cifar10_source
    from classroom.data.mnist import find_mnist_file, mnist_file_names

    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; expected one of {sorted(DATASETS)}")
    folder = data_dir() / name
    if name in ("mnist", "fashion_mnist"):  # the same four file names
        names = [*mnist_file_names("train"), *mnist_file_names("test")]
        found = [find_mnist_file(folder, file_name) for file_name in names]
        if not all(found):
            return None
        return "gzip" if all(path.suffix == ".gz" for path in found) else "idx"
    if name == "cifar10":
        source = find_cifar10_source(folder)
        return None if source is None else source[0]
    source = find_celeba_source(folder)
    if source is None:
        return None
    return "folder" if source.is_dir() else source.name


def require_dataset(name: str, form: str | None = None) -> None:
    """Skip or fail the calling test unless dataset ``name`` is in the data directory.

    Parameters
    ----------
    name : {"mnist", "fashion_mnist", "cifar10", "celeba"}
        The dataset (its folder in the data directory).
    form : str, optional
        For a test that reads one form only (for example ``"image_folder"``
        for CIFAR-10 or ``"celeba-10k-89x109-jpg.tar.gz"`` for CelebA): when
        the dataset is there in another form the test is skipped, in CI too,
        because nothing is broken.
    """
    found = dataset_form(name)
    if found is not None:
        if form is not None and found != form:
            pytest.skip(f"this test reads {name} in the {form!r} form; the data directory has {found!r}")
        return
    message = (
        f"{name} is not in the data directory {data_dir()}; "
        "run scripts/prepare_data.py or set CLASSROOM_DATA"
    )
    if name in unavailable_datasets():
        pytest.skip(f"{message} (CI could not fetch it: CLASSROOM_DATA_UNAVAILABLE={name})")
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def excuse_missing_data(output: str, what: str) -> None:
    """Skip a test whose ``classroom check`` run reported "needs data", where that is no fault.

    Outside CI any missing dataset skips. In CI only a dataset the workflow
    could not fetch (named in ``CLASSROOM_DATA_UNAVAILABLE``) does; otherwise
    this returns and the test's own assertion fails with the report.

    Parameters
    ----------
    output : str
        The check report. Its table wraps long cells, so the missing dataset
        is recognised by its name ("CelebA"), which the loader's message
        starts with and which never wraps.
    what : str
        What was being checked, for the skip reason.
    """
    for name in unavailable_datasets():
        if re.search(rf"\b{re.escape(DATASETS.get(name, name))}\b", output):
            pytest.skip(f"{what}: CI could not fetch {name} (CLASSROOM_DATA_UNAVAILABLE)")
    if not IN_CI:
        pytest.skip(f"{what}: a dataset is missing from the data directory")


def pytest_collection_modifyitems(config, items):
    """Give the site tests the first build's time: the test that triggers it waits for every notebook.

    A site test that needs the built site may be the one that builds it
    (``tests/site/site_helpers.py``, once per run), or may wait behind the
    build's lock; either way its time includes the build, so it gets
    ``BUILD_TIMEOUT_SECONDS`` plus the default instead of the default alone.
    An explicit ``@pytest.mark.timeout`` on a test is kept.
    """
    site = Path(__file__).resolve().parent / "site"
    build_seconds = 2400  # tests/site/site_helpers.py's BUILD_TIMEOUT_SECONDS
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(site) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(build_seconds + 600))  # 600: the default of pyproject.toml
