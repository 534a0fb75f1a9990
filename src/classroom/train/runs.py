"""What the full-run scripts share: their common options and the record of the machine a run used.

Every script in ``scripts/`` that trains or benchmarks takes the same
``--threads``, ``--seed``, ``--out`` and ``--data-dir`` options (each script
picks its defaults), and writes the same ``"machine"`` record into its
``metrics.json``, so two runs can be compared by reading their files.
The scripts behind the Questions pages note their start with
:func:`start_run` and write their record with :func:`finish_run`; the pages
read it back with :func:`read_run` and print :func:`describe_run`.

Examples
--------
>>> import argparse
>>> parser = argparse.ArgumentParser()
>>> add_run_options(parser, out="runs/example", threads=1)
>>> arguments = parser.parse_args(["--seed", "3"])
>>> arguments.seed, arguments.threads, str(arguments.out)
(3, 1, 'runs/example')
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from ..config import limit_blas_threads, project_root

__all__ = [
    "RunStart",
    "add_run_options",
    "apply_run_options",
    "command_record",
    "describe_run",
    "finish_run",
    "machine_record",
    "read_run",
    "run_settings",
    "start_run",
]

#: Marks an option the script does not take.
NOT_TAKEN = object()


def add_run_options(
    parser: argparse.ArgumentParser,
    *,
    out: str | os.PathLike | None | object = NOT_TAKEN,
    threads: int | None | object = NOT_TAKEN,
    seed: int | None | object = 0,
    data_dir: bool = True,
) -> None:
    """Add the shared options to ``parser``, with this script's defaults.

    Parameters
    ----------
    parser : argparse.ArgumentParser
    out : str or path-like or None, optional
        Default of ``--out`` (the output folder); None makes it required.
        Leave it out for a script that writes nothing.
    threads : int or None, optional
        Default of ``--threads`` (BLAS threads; None: the library's choice).
        Leave it out for a script that does not limit threads.
    seed : int, optional
        Default of ``--seed``, 0 unless given; pass ``NOT_TAKEN`` to leave it out.
    data_dir : bool, default True
        Add ``--data-dir`` (default: ``$CLASSROOM_DATA``).
    """
    if seed is not NOT_TAKEN:
        parser.add_argument("--seed", type=int, default=seed, help=f"random seed of every random choice of the run: split, initial weights, shuffling, augmentation (default {seed})")
    if threads is not NOT_TAKEN:
        shown = "the library's choice" if threads is None else threads
        parser.add_argument(
            "--threads", type=int, default=threads, help=f"BLAS threads (default: {shown}; needs threadpoolctl)"
        )
    if out is not NOT_TAKEN:
        if out is None:
            parser.add_argument("--out", type=Path, required=True, help="output folder")
        else:
            parser.add_argument("--out", type=Path, default=Path(out), help=f"output folder (default {_shown(out)})")
    if data_dir:
        parser.add_argument(
            "--data-dir", type=Path, default=None, help="the data directory (default: $CLASSROOM_DATA or ~/.cache/classroom)"
        )


def _shown(path) -> str:
    """``path`` relative to the project folder when it is inside it (``runs/mnist``), for help texts."""
    root = project_root()
    try:
        return str(Path(path).resolve().relative_to(root)) if root is not None else str(path)
    except ValueError:
        return str(path)


def apply_run_options(arguments: argparse.Namespace) -> str | None:
    """Act on the shared options: point the loaders at ``--data-dir``, limit the BLAS threads.

    Parameters
    ----------
    arguments : argparse.Namespace
        Parsed with :func:`add_run_options`.

    Returns
    -------
    str or None
        The BLAS description from :func:`classroom.config.limit_blas_threads`,
        None when no limit was set.
    """
    if getattr(arguments, "data_dir", None) is not None:
        os.environ["CLASSROOM_DATA"] = str(arguments.data_dir)
    return limit_blas_threads(getattr(arguments, "threads", None))


def _cpu_model() -> str:
    """The processor's model name from ``/proc/cpuinfo`` where there is one, else what ``platform`` says."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_record(*, threads: int | None = None, blas: str | None = None) -> dict:
    """Return what a run records about the machine it ran on.

    Parameters
    ----------
    threads : int, optional
        The ``--threads`` the run used.
    blas : str, optional
        The BLAS description from :func:`apply_run_options`.

    Returns
    -------
    dict
        ``{"cpu", "cpu_count", "threads", "blas", "platform", "python", "numpy"}``.
    """
    import numpy as np

    return {
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "threads": threads,
        "blas": blas,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }


def command_record(script: str, argv=None) -> str:
    """Return the command that started the run, as a learner would type it again.

    Parameters
    ----------
    script : str
        The script's path in the repository, e.g. ``"scripts/train_mnist.py"``.
    argv : list of str, optional
        The arguments given to ``main(argv)``; None means ``sys.argv[1:]``.

    Returns
    -------
    str
        E.g. ``"python scripts/train_mnist.py --epochs 3"``, quoted for the shell.
    """
    arguments = sys.argv[1:] if argv is None else [str(argument) for argument in argv]
    return shlex.join(["python", script, *arguments])


@dataclass(frozen=True)
class RunStart:
    """When a recorded run started, and how busy the machine was then (see :func:`start_run`).

    Attributes
    ----------
    started_at : datetime.datetime
        The start, in UTC.
    load_average : list of float or None
        The 1, 5 and 15 minute load averages at the start, rounded to 0.01
        (None where the system has none): timings made while other work ran
        can be read with that in mind.
    """

    started_at: dt.datetime
    load_average: list | None


def _load_average() -> list | None:
    """The system's 1, 5 and 15 minute load averages, rounded to 0.01, or None where there are none."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def start_run() -> RunStart:
    """Note the start of a recorded run: the time and the load average.

    Returns
    -------
    RunStart
        Hand it to :func:`finish_run` at the end.
    """
    return RunStart(dt.datetime.now(dt.timezone.utc), _load_average())


def run_settings(arguments: argparse.Namespace, *, leave_out=("out", "data_dir")) -> dict:
    """Return a script's options as JSON values, for the record of its run.

    A path becomes its path relative to the project folder when it is
    inside it (``runs/cifar10/model.npz``), otherwise its file name, so a
    record never holds the folders of the machine it was made on.

    Parameters
    ----------
    arguments : argparse.Namespace
        The parsed options.
    leave_out : tuple of str, default ("out", "data_dir")
        Options not recorded (where the run wrote and read its files).

    Returns
    -------
    dict
        ``{option: value}``.
    """
    root = project_root()

    def shown(value):
        if isinstance(value, Path):
            if root is not None and value.resolve().is_relative_to(root):
                return value.resolve().relative_to(root).as_posix()
            return value.name
        return value

    return {key: shown(value) for key, value in vars(arguments).items() if key not in leave_out}


def finish_run(
    start: RunStart,
    *,
    script: str,
    argv,
    arguments: argparse.Namespace,
    results: dict,
    out: str | os.PathLike,
    name: str,
    threads=None,
    blas: str | None = None,
    settings: dict | None = None,
) -> Path:
    """Write a run's record, ``<out>/<name>.json``, and say where.

    The record is ``{"command", "date", "settings", **results, "seconds",
    "machine"}``: the command to run it again (:func:`command_record`), the
    start date, the options (:func:`run_settings`), the script's results,
    the run's length in seconds and the machine (:func:`machine_record`
    with the load averages at the start and at the end: a timing made while
    other work ran can be read with that in mind). It is written atomically, so an
    interrupted run leaves no half-written file; :func:`read_run` reads it.

    Parameters
    ----------
    start : RunStart
        From :func:`start_run` at the start of the run.
    script : str
        The script's path in the repository, e.g. ``"scripts/question_formats.py"``.
    argv : list of str or None
        The arguments given to ``main(argv)``; None means ``sys.argv[1:]``.
    arguments : argparse.Namespace
        The parsed options, recorded by :func:`run_settings` unless ``settings`` is given.
    results : dict
        The script's own keys, in the order they should appear.
    out : str or path-like
        The folder to write into (created when missing).
    name : str
        The file's name without ``.json``, e.g. ``"formats"``.
    threads : int or str, optional
        The threads the run used, for the machine record.
    blas : str, optional
        The BLAS description from :func:`apply_run_options`.
    settings : dict, optional
        The settings to record instead of all the options.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    from ..io.atomic import write_json

    finished_at = dt.datetime.now(dt.timezone.utc)
    record = {
        "command": command_record(script, argv),
        "date": start.started_at.isoformat(timespec="seconds"),
        "settings": run_settings(arguments) if settings is None else settings,
        **results,
        "seconds": round((finished_at - start.started_at).total_seconds(), 1),
        "machine": machine_record(threads=threads, blas=blas)
        | {"load_average_at_start": start.load_average, "load_average_at_end": _load_average()},
    }
    path = Path(out) / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(path, record)
    print(f"wrote {path}")
    return path


def read_run(relative_path: str | Path, *, root: Path | None = None) -> dict | None:
    """Return a recorded run's JSON (``runs/...``), or None with a message when there is none.

    The pages that show a recorded full run (the Questions pages, the
    lessons) read it with this, so a clone without the file still builds:
    the page says which script makes it instead of failing.

    Parameters
    ----------
    relative_path : str or Path
        The file, relative to the project root, e.g.
        ``"runs/questions/formats.json"``.
    root : Path, optional
        The project root; default :func:`classroom.config.project_root`, or
        the working directory outside a checkout.

    Returns
    -------
    dict or None
        The parsed record; None (after printing what to run) when the file
        is missing.

    Raises
    ------
    ValueError
        When the file exists but is not valid JSON (names the file).
    """
    base = root if root is not None else (project_root() or Path.cwd())
    path = Path(base) / relative_path
    if not path.exists():
        script = path.stem.replace("-", "_")
        print(f"No recorded run at {relative_path}: `python scripts/question_{script}.py` (or the script named "
              "on this page) makes it.")
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{relative_path} is not valid JSON ({error}); run its script again to rewrite it") from None


def describe_run(record: dict) -> str:
    """Return the lines a page prints above a recorded run's numbers: command, date and machine.

    Parameters
    ----------
    record : dict
        A record with ``"command"``, ``"date"`` and a ``"machine"`` from
        :func:`machine_record` (``"seconds"``, when present, is shown too).

    Returns
    -------
    str
        Three lines, e.g. ``"command: python scripts/...\ndate:    2026-12-03\nmachine: ..."``.

    Examples
    --------
    >>> print(describe_run({"command": "python scripts/x.py", "date": "2026-12-03",
    ...                     "machine": {"cpu": "CPU", "cpu_count": 2, "threads": 1}, "seconds": 61.2}))
    command: python scripts/x.py
    date:    2026-12-03
    machine: CPU, 2 cores, 1 thread(s); the run took 61 s
    """
    machine = record.get("machine", {})
    line = f"{machine.get('cpu', 'unknown CPU')}, {machine.get('cpu_count')} cores, {machine.get('threads')} thread(s)"
    if record.get("seconds") is not None:
        line += f"; the run took {record['seconds']:.0f} s"
    return f"command: {record.get('command', '?')}\ndate:    {record.get('date', '?')}\nmachine: {line}"
