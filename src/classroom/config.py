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
from pathlib import Path

_TRUE_WORDS = {"1", "true", "yes", "on"}


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
