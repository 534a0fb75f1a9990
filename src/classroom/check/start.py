"""``classroom start DIR``: a course folder with every workbook, ready to push.

:func:`start_course` writes, into an empty (or new) folder:

* every workbook shipped in ``classroom/check/workbooks/`` as ``weekend-NN.py``
  and ``weekend-NN.ipynb`` side by side;
* ``README.md``: the course timeline (weekend, topic, workbook, status) with
  a status box to tick per weekend;
* ``LEARNING_LOG.md``: a first dated entry in the shape of the course site's
  daily log (goals, what I studied, insights, inspirations, questions);
* ``.gitignore`` (datasets, runs, virtual environments, checkpoints);
* ``.github/workflows/check.yml``: installs ``ml-classroom`` and runs
  ``classroom check --all`` on every push.

Nothing is downloaded. The files are written into a hidden folder next to
the target and moved into place in one rename, so an error never leaves half
a course folder behind.
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from classroom.io.atomic import atomic_write

from .course import COURSE
from .workbook_cells import dumps_ipynb, percent_to_ipynb

__all__ = ["StartError", "shipped_workbooks", "course_files", "start_course"]


class StartError(Exception):
    """The course folder cannot be created; the message names the folder and the fix."""


def shipped_workbooks() -> dict[str, str]:
    """Return the workbooks shipped with the package: ``{"weekend-01": text, ...}`` in course order.

    Returns
    -------
    dict of str to str
        Name (file stem) to the jupytext percent-format text.
    """
    folder = resources.files("classroom.check").joinpath("workbooks")
    found = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".py") and not entry.name.startswith(("_", ".")):
            found[entry.name[:-3]] = entry.read_text(encoding="utf-8")
    order = {step.workbook: index for index, step in enumerate(COURSE)}
    return {name: found[name] for name in sorted(found, key=lambda name: (order.get(name, len(order)), name))}


def _readme(workbooks: dict[str, str]) -> str:
    lines = [
        "# My ML course",
        "",
        "Eight weekends, one idea each, built from scratch in NumPy, then a month",
        "shipping a real classifier. Each weekend has a workbook here: open the",
        "`.ipynb` in Jupyter (or edit the `.py`), replace every stub with your code,",
        "and run the grading cell after it. From a terminal:",
        "",
        "```bash",
        "classroom check weekend-01   # one workbook: the .ipynb or .py edited last",
        "classroom check --all        # every workbook in this folder",
        "```",
        "",
        "The same command runs on every push (`.github/workflows/check.yml`).",
        "",
        "## Timeline",
        "",
        "Tick a weekend's status box (`[ ]` to `[x]`) when `classroom check` passes for it.",
        "",
        "| weekend | topic | workbook | status |",
        "| --- | --- | --- | --- |",
    ]
    for step in COURSE:
        label = f"{step.number}" if step.number is not None else "month 2"
        if step.workbook in workbooks:
            workbook = f"[{step.workbook}.ipynb]({step.workbook}.ipynb) · [.py]({step.workbook}.py)"
        else:
            workbook = "not shipped in this version"
        lines.append(f"| {label} | {step.title}: {step.task} | {workbook} | [ ] |")
    lines += [
        "",
        "## Status",
        "",
    ]
    for step in COURSE:
        label = f"Weekend {step.number}" if step.number is not None else "Month 2"
        lines.append(f"- [ ] {label} · {step.title}: `classroom check {step.workbook}` passes")
    lines += [
        "",
        "Keep a dated note of every session in [LEARNING_LOG.md](LEARNING_LOG.md).",
        "",
    ]
    return "\n".join(lines)


def _learning_log(today: _dt.date) -> str:
    return f"""# Learning log

One entry a session, newest first. Copy the entry below, change the date and
the title, and fill the sections in a few lines each.

## {today.isoformat()} · Starting the course

One or two sentences: what today was about.

### Goals for today

- [ ] Read the weekend 1 lesson
- [ ] Write `softmax` in weekend-01 and see its check pass

### What I studied

- Resource, chapter or section, and the one idea worth keeping from it.

### Insights and reflections

- What clicked, what surprised me, what I would do differently.

### Inspirations

- A person, paper, project or post that pushed me today.

### Questions

- What I still do not understand (and where I will look next).
"""


GITIGNORE = """# Datasets and everything training writes: large, and rebuilt from the code
data/
runs/
checkpoints/
*.npz
# Python environments and caches
.venv/
venv/
__pycache__/
*.pyc
# Jupyter
.ipynb_checkpoints/
"""

CHECK_WORKFLOW = """# Runs the course checks on every push: the same command as on your machine.
name: classroom check

on:
  push:
  workflow_dispatch:

jobs:
  check:
    runs-on: ubuntu-latest
    timeout-minutes: 90
    env:
      CLASSROOM_DATA: ${{ github.workspace }}/data
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Keep the datasets between runs
        uses: actions/cache@v4
        with:
          path: data
          key: classroom-data-v1
      - name: Install the course package
        run: python -m pip install "ml-classroom[serve,data]"
      - name: Check every workbook
        run: classroom check --all
"""


def course_files(today: _dt.date | None = None) -> dict[str, str]:
    """Return every file of a new course folder: relative path -> text.

    Parameters
    ----------
    today : datetime.date, optional
        Date of the first learning-log entry (default: today).

    Returns
    -------
    dict of str to str
    """
    workbooks = shipped_workbooks()
    files: dict[str, str] = {}
    for name, text in workbooks.items():
        files[f"{name}.py"] = text
        files[f"{name}.ipynb"] = dumps_ipynb(percent_to_ipynb(text))
    files["README.md"] = _readme(workbooks)
    files["LEARNING_LOG.md"] = _learning_log(today or _dt.date.today())
    files[".gitignore"] = GITIGNORE
    files[".github/workflows/check.yml"] = CHECK_WORKFLOW
    return files


def start_course(folder, today: _dt.date | None = None) -> list[Path]:
    """Create a course folder: every workbook (.py and .ipynb), README, learning log, CI workflow.

    Parameters
    ----------
    folder : str or os.PathLike
        The folder to create. It may exist only when empty.
    today : datetime.date, optional
        Date of the first learning-log entry (default: today).

    Returns
    -------
    list of Path
        The files written, relative to ``folder``, sorted.

    Raises
    ------
    StartError
        When ``folder`` is a file or a non-empty folder, or cannot be
        written; nothing is left behind.
    """
    folder = Path(folder).absolute()
    if folder.exists() and not folder.is_dir():
        raise StartError(f"{folder} is a file; choose a new folder name, e.g. classroom start my-ml-course")
    if folder.is_dir() and any(folder.iterdir()):
        raise StartError(
            f"{folder} is not empty; classroom start only writes into a new or empty folder "
            "(choose another name, e.g. classroom start my-ml-course)"
        )
    files = course_files(today)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".part", dir=folder.parent))
    except OSError as error:
        raise StartError(f"cannot create {folder}: {error.strerror or error}; choose a folder you can write to") from None
    try:
        for relative, text in files.items():
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with atomic_write(target, "w") as stream:
                stream.write(text)
        os.chmod(staging, 0o777 & ~_umask())
        _move_into_place(staging, folder)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise StartError(f"cannot write {folder}: {error.strerror or error}; nothing was written") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(Path(relative) for relative in files)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _move_into_place(staging: Path, folder: Path) -> None:
    """Rename the finished staging folder to ``folder`` (which is absent or empty)."""
    try:
        os.replace(staging, folder)  # POSIX replaces an empty folder in one step
    except OSError:
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            os.replace(staging, folder)
        else:
            raise
