"""MkDocs hook: execute the lesson notebooks once, cache the result, render it.

Every notebook is a jupytext "percent" ``.py`` file that sits beside its
lesson under ``docs/``. During a build this hook

1. computes a key: SHA-256 of the notebook text, of every
   ``src/classroom/**/*.py`` file (path and contents) and of the quick-mode
   flag (``CLASSROOM_QUICK``);
2. looks for ``.cache/notebooks/<key>/<name>.ipynb``; when it is missing,
   converts the ``.py`` file with jupytext, executes it with nbclient (the
   kernel of the running virtual environment, working directory = the
   notebook's folder) and writes the executed notebook there atomically;
   a failing cell stops the build with the notebook's name and the cell;
3. points the page at the executed copy, so mkdocs-jupyter renders it with
   its outputs (``execute: false`` in ``mkdocs.yml``) and offers it for
   download; the ``.py`` source is published beside it.

A rebuild with nothing changed executes nothing. Editing a notebook, any
file of the package or switching quick mode re-executes. To force a rerun,
delete ``.cache/notebooks``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.notebooks")

#: Bump when the execution recipe changes, so old cache entries are not reused.
RECIPE_VERSION = "2"
#: Seconds a single cell may run before the build fails.
CELL_TIMEOUT_SECONDS = 900
#: Cache folder, relative to the folder holding mkdocs.yml.
CACHE_FOLDER = Path(".cache") / "notebooks"

_TRUE_WORDS = {"1", "true", "yes", "on"}


def quick_mode_enabled(environ: dict | None = None) -> bool:
    """Return True when ``CLASSROOM_QUICK`` asks for quick runs (as ``classroom.config.quick_mode``)."""
    environ = os.environ if environ is None else environ
    return environ.get("CLASSROOM_QUICK", "").strip().lower() in _TRUE_WORDS


def package_sources(package_dir: Path) -> list[Path]:
    """Return every ``.py`` file of the package, sorted, so the key is stable."""
    return sorted(path for path in package_dir.rglob("*.py") if "__pycache__" not in path.parts)


def notebook_key(notebook_path: Path, package_dir: Path, quick: bool) -> str:
    """Return the cache key of one notebook.

    Parameters
    ----------
    notebook_path : Path
        The jupytext ``.py`` notebook.
    package_dir : Path
        ``src/classroom``: every ``.py`` file below it enters the key.
    quick : bool
        Whether the notebook runs in quick mode.

    Returns
    -------
    str
        A hex SHA-256 digest that changes whenever the notebook, any package
        source file or the mode changes.
    """
    digest = hashlib.sha256()
    digest.update(f"recipe={RECIPE_VERSION}\nquick={quick}\n".encode())
    digest.update(b"notebook\0" + notebook_path.read_bytes() + b"\0")
    for source in package_sources(package_dir):
        relative = source.relative_to(package_dir).as_posix()
        digest.update(b"source\0" + relative.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()


def _mode_banner(quick: bool, notebook_name: str, executed_at: _dt.datetime, seconds: float):
    """Return a Markdown cell stating how and when the outputs below were produced."""
    import nbformat

    mode = "quick mode" if quick else "full mode"
    detail = (
        "with <code>CLASSROOM_QUICK=1</code>: lessons that train on real datasets use small subsets "
        "and few epochs, so their numbers are rougher than a full run"
        if quick
        else "with the full datasets and training budgets"
    )
    source_name = Path(notebook_name).with_suffix(".py").name
    ipynb_name = Path(notebook_name).with_suffix(".ipynb").name
    html = (
        '<div class="admonition info notebook-mode">\n'
        f'<p class="admonition-title">Executed in {mode} on {executed_at:%Y-%m-%d %H:%M} UTC</p>\n'
        f"<p>The outputs below come from running this notebook {detail}. "
        f"Execution took {seconds:.0f} s. "
        f'Download it: <a href="{ipynb_name}" download>{ipynb_name}</a> (with outputs) or '
        f'<a href="{source_name}" download>{source_name}</a> (jupytext source).</p>\n'
        "</div>"
    )
    cell = nbformat.v4.new_markdown_cell(html)
    cell.metadata["tags"] = ["classroom-mode-banner"]
    return cell


def execute_notebook(notebook_path: Path, output_path: Path, quick: bool) -> float:
    """Convert a jupytext notebook, execute it and write the executed ``.ipynb``.

    Parameters
    ----------
    notebook_path : Path
        The jupytext ``.py`` notebook; it runs with its own folder as the
        working directory.
    output_path : Path
        Where the executed notebook goes (written atomically).
    quick : bool
        Quick mode flag passed to the kernel as ``CLASSROOM_QUICK``.

    Returns
    -------
    float
        Seconds spent executing.

    Raises
    ------
    RuntimeError
        When a cell fails; the message names the notebook, the cell number
        and the error.
    """
    import jupytext
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    notebook = jupytext.read(notebook_path)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_SECONDS,
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(notebook_path.parent)}},
    )
    started = time.perf_counter()
    previous_quick = os.environ.get("CLASSROOM_QUICK")
    os.environ["CLASSROOM_QUICK"] = "1" if quick else "0"  # the kernel inherits this environment
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as error:
        failing = _failing_cell_number(notebook)
        where = f"cell {failing}" if failing is not None else "a cell"
        raise RuntimeError(f"notebook {notebook_path} failed in {where}:\n{error}") from None
    finally:
        if previous_quick is None:
            os.environ.pop("CLASSROOM_QUICK", None)
        else:
            os.environ["CLASSROOM_QUICK"] = previous_quick
    seconds = time.perf_counter() - started

    banner = _mode_banner(quick, notebook_path.name, _dt.datetime.now(_dt.timezone.utc), seconds)
    _insert_after_title(notebook, banner)
    notebook.metadata["classroom"] = {"quick_mode": quick, "execution_seconds": round(seconds, 2)}

    output_path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=output_path.parent, suffix=".ipynb.tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            nbformat.write(notebook, stream)
        os.replace(temporary, output_path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return seconds


def _insert_after_title(notebook, cell) -> None:
    """Insert ``cell`` right below the notebook's ``# Title`` line (or first, without a title).

    When the title shares its Markdown cell with more text, the cell is split
    so the note sits between the title and the introduction.
    """
    import nbformat

    first = notebook.cells[0] if notebook.cells else None
    if first is None or first.cell_type != "markdown" or not first.source.lstrip().startswith("# "):
        notebook.cells.insert(0, cell)
        return
    title, _, rest = first.source.lstrip().partition("\n")
    first.source = title
    notebook.cells.insert(1, cell)
    if rest.strip():
        notebook.cells.insert(2, nbformat.v4.new_markdown_cell(rest.strip("\n")))


def _failing_cell_number(notebook) -> int | None:
    """Return the 1-based number of the first code cell whose outputs hold an error."""
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type != "code":
            continue
        if any(output.get("output_type") == "error" for output in cell.get("outputs", [])):
            return number
    return None


def prepare_notebook(notebook_path: Path, package_dir: Path, cache_dir: Path, quick: bool) -> tuple[Path, bool]:
    """Return the executed copy of a notebook, executing it only when needed.

    Parameters
    ----------
    notebook_path : Path
        The jupytext ``.py`` notebook.
    package_dir : Path
        ``src/classroom`` (its sources enter the cache key).
    cache_dir : Path
        ``.cache/notebooks``.
    quick : bool
        Quick mode flag.

    Returns
    -------
    (Path, bool)
        The executed ``.ipynb`` and whether it was executed now (False on a cache hit).
    """
    key = notebook_key(notebook_path, package_dir, quick)
    output_path = cache_dir / key / notebook_path.with_suffix(".ipynb").name
    if output_path.exists():
        return output_path, False
    execute_notebook(notebook_path, output_path, quick)
    return output_path, True


# --------------------------------------------------------------------------
# MkDocs events
# --------------------------------------------------------------------------

_published_sources: list[tuple[Path, str]] = []
_executed_copies: dict[str, str] = {}


def _is_notebook(file) -> bool:
    return file.src_uri.endswith(".py") and file.abs_src_path is not None


try:  # the decorator only exists inside MkDocs; the functions above work without it
    from mkdocs.plugins import event_priority
except ImportError:  # pragma: no cover - tests import this module without MkDocs events

    def event_priority(_priority):
        return lambda function: function


@event_priority(100)  # before mkdocs-jupyter decides which files are notebooks
def on_files(files, config):
    """Execute (or fetch from the cache) every notebook and point its page at the executed copy."""
    from mkdocs.exceptions import PluginError

    root = Path(config.config_file_path).resolve().parent
    package_dir = root / "src" / "classroom"
    cache_dir = root / CACHE_FOLDER
    quick = quick_mode_enabled()
    _published_sources.clear()
    _executed_copies.clear()
    executed = reused = 0
    for file in files:
        if not _is_notebook(file):
            continue
        source = Path(file.abs_src_path)
        started = time.perf_counter()
        try:
            executed_path, ran = prepare_notebook(source, package_dir, cache_dir, quick)
        except RuntimeError as error:
            raise PluginError(str(error)) from None
        if ran:
            executed += 1
            log.info("notebooks: executed %s in %.1f s", file.src_uri, time.perf_counter() - started)
        else:
            reused += 1
            log.debug("notebooks: %s is up to date (%s)", file.src_uri, executed_path.parent.name[:12])
        _published_sources.append((source, file.src_uri))
        _executed_copies[file.src_uri] = str(executed_path)
        file.abs_src_path = str(executed_path)
    mode = "quick" if quick else "full"
    log.info("notebooks: %d executed, %d reused from the cache (%s mode)", executed, reused, mode)
    return files


@event_priority(100)  # before mkdocs-jupyter replaces the page's renderer
def on_pre_page(page, config, files):
    """Point the page at the executed copy again.

    mkdocs-jupyter wraps the file in its own class, which recomputes the
    source path from ``docs/``; without this the ``.py`` text would be
    rendered as Markdown.
    """
    executed = _executed_copies.get(page.file.src_uri)
    if executed is not None:
        page.file.abs_src_path = executed
    return page


def on_page_content(html, page, config, files):
    """Drop the MathJax 2 loader that nbconvert puts in notebook pages.

    The site loads MathJax 3 once (``docs/javascripts/mathjax.js``), configured
    to typeset notebook cells too; a second MathJax would fight it.
    """
    if not page.file.src_uri.endswith(".py"):
        return html
    import re

    html = re.sub(r"<script[^>]*src=\"[^\"]*(mathjax|MathJax)[^\"]*\"[^>]*>\s*</script>", "", html)
    html = re.sub(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", "", html, flags=re.S)
    return html


def on_post_build(config):
    """Publish each notebook's jupytext source beside its page, for download."""
    site_dir = Path(config.site_dir)
    use_directory_urls = config.use_directory_urls
    for source, src_uri in _published_sources:
        page_dir = Path(src_uri).with_suffix("")
        target_dir = site_dir / page_dir if use_directory_urls else site_dir / page_dir.parent
        target_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target_dir / source.name)
