"""Project-wide settings read from the environment.

Two settings matter to learners:

``CLASSROOM_DATA``
    The folder where datasets live. Defaults to ``$XDG_CACHE_HOME/classroom``
    (``~/.cache/classroom`` on most systems).
``CLASSROOM_QUICK``
    When set to ``1`` (or ``true``/``yes``), notebooks train on small subsets
    for a few epochs so the whole site builds in minutes. Full runs live in
    ``scripts/``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_TRUE_WORDS = {"1", "true", "yes", "on"}
#: The environment variables that BLAS libraries read for their thread count when they load.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def data_dir() -> Path:
    """Return the folder that holds the datasets.

    Returns
    -------
    pathlib.Path
        ``$CLASSROOM_DATA`` when set, else ``$XDG_CACHE_HOME/classroom``,
        else ``~/.cache/classroom``. The folder is not created here.

    Examples
    --------
    >>> import os
    >>> os.environ["CLASSROOM_DATA"] = "/tmp/my-data"
    >>> str(data_dir())
    '/tmp/my-data'
    """
    configured = os.environ.get("CLASSROOM_DATA")
    if configured:
        return Path(configured).expanduser()
    cache_home = os.environ.get("XDG_CACHE_HOME")
    base = Path(cache_home).expanduser() if cache_home else Path.home() / ".cache"
    return base / "classroom"


def quick_mode() -> bool:
    """Return True when ``CLASSROOM_QUICK`` asks for small, fast runs.

    Returns
    -------
    bool
        True for ``1``, ``true``, ``yes`` or ``on`` (any case).
    """
    return os.environ.get("CLASSROOM_QUICK", "").strip().lower() in _TRUE_WORDS


def project_root() -> Path | None:
    """Return the checkout of the project this code runs from, if any.

    Notebooks use it to find the results of full runs (``runs/``) and the
    entry points in ``scripts/``. The search walks up from the working folder,
    then from the installed package, to the first folder that holds both
    ``pyproject.toml`` and ``scripts/``.

    Returns
    -------
    pathlib.Path or None
        The project folder, or None when the package is installed on its own
        (without a checkout).
    """
    package_folder = Path(__file__).resolve().parent
    for start in (Path.cwd().resolve(), package_folder):
        for folder in (start, *start.parents):
            if (folder / "pyproject.toml").is_file() and (folder / "scripts").is_dir():
                return folder
    return None


def limit_blas_threads(threads: int | None) -> str | None:
    """Use at most ``threads`` threads in NumPy's matrix library for the rest of the run.

    Full-run scripts and benchmarks take a ``--threads`` flag: one thread is
    often faster on a busy machine, and a fair benchmark gives every library
    the same number. This needs ``threadpoolctl`` (installed with
    scikit-learn); without it the limit is skipped with a message.

    Parameters
    ----------
    threads : int or None
        The limit; None leaves the library's own choice.

    Returns
    -------
    str or None
        A short description of the BLAS library in use (name, version,
        kernel and threads), for run records; None when nothing was limited.
    """
    if threads is None:
        return None
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    if "numpy" not in sys.modules:
        # Before NumPy loads its BLAS library, the library's own variables are enough
        # (this is the case when a command such as `classroom serve` starts).
        for name in BLAS_THREAD_VARIABLES:
            os.environ[name] = str(threads)
        return f"{'/'.join(BLAS_THREAD_VARIABLES)}={threads} (set before NumPy was imported)"
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        print(
            "--threads ignored: NumPy is already imported, so the limit needs threadpoolctl "
            "(pip install threadpoolctl; it comes with scikit-learn), or set OPENBLAS_NUM_THREADS "
            "before starting Python",
            file=sys.stderr,
        )
        return None
    threadpool_limits(limits=threads, user_api="blas")  # BLAS only: leave OpenMP pools (PyTorch) alone
    descriptions = [
        f"{pool.get('internal_api')} {pool.get('version')} {pool.get('architecture')} x{pool.get('num_threads')}"
        for pool in threadpool_info()
        if pool.get("user_api") == "blas"
    ]
    return ", ".join(descriptions) or "no BLAS library found"

