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
import re
import shutil
import tempfile
import time
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.notebooks")

#: Bump when the execution recipe changes, so old cache entries are not reused.
RECIPE_VERSION = "3"
#: Seconds a single cell may run before the build fails, in quick mode (minutes at most).
CELL_TIMEOUT_SECONDS = 900
#: The same in full mode, where one cell trains a whole recipe: the VAE's 15 epochs on
#: 10,000 faces took longer than 900 s on a busy 2-core machine.
FULL_MODE_CELL_TIMEOUT_SECONDS = 3600
#: Cache folder, relative to the folder holding mkdocs.yml.
CACHE_FOLDER = Path(".cache") / "notebooks"

_TRUE_WORDS = {"1", "true", "yes", "on"}


def quick_mode_enabled(environ: dict | None = None) -> bool:
    """Return True when ``CLASSROOM_QUICK`` asks for quick runs (as ``classroom.config.quick_mode``)."""
    environ = os.environ if environ is None else environ
    return environ.get("CLASSROOM_QUICK", "").strip().lower() in _TRUE_WORDS


def package_sources(package_dir: Path) -> list[Path]:
    """Return every ``.py`` file of the package, sorted (the modules a notebook could import)."""
    return sorted(path for path in package_dir.rglob("*.py") if "__pycache__" not in path.parts)


#: Tables whose strings name modules without importing them: ``classroom.MOVED_MODULES`` maps
#: old import paths to new ones, and a notebook that imports the package depends on neither.
_NOT_IMPORTS = {"MOVED_MODULES"}
#: A string constant that names a module, as the model registry does: ``"classroom.models.mlp:MLP"``.
_MODULE_STRING = re.compile(r"classroom(?:\.[A-Za-z_][A-Za-z0-9_]*)+(?::[A-Za-z_][A-Za-z0-9_.]*)?")


def _module_file(package_dir: Path, dotted: str) -> Path | None:
    """Return the file of module ``classroom.a.b`` (``a/b.py`` or ``a/b/__init__.py``), or None."""
    parts = dotted.split(".")[1:]
    base = package_dir.joinpath(*parts) if parts else package_dir
    for candidate in (base.with_suffix(".py") if parts else None, base / "__init__.py"):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def _module_name(package_dir: Path, path: Path) -> str:
    """Return the dotted name of a package file: ``nn/linear.py`` -> ``classroom.nn.linear``."""
    relative = path.relative_to(package_dir).with_suffix("")
    parts = [part for part in relative.parts if part != "__init__"]
    return ".".join(["classroom", *parts])


def _imported_modules(source: str, this_module: str | None, is_package: bool) -> set[str]:
    """Return every ``classroom.*`` name a source imports, anywhere in the file.

    Counts ``import classroom.x``, ``from classroom.x import y`` (both
    ``classroom.x`` and ``classroom.x.y``, since ``y`` may be a submodule),
    relative imports inside the package, and string constants that are
    exactly a module path such as ``"classroom.models.mlp:MLP"`` (the model
    registry names builders that way), except in the tables of
    ``_NOT_IMPORTS``. Lazy imports inside functions count too: the key errs
    on the side of re-running.
    """
    import ast

    names: set[str] = set()
    try:
        tree = ast.parse(source)
    except SyntaxError:  # not Python: fall back to every dotted name in the text
        return {match.split(":")[0] for match in _MODULE_STRING.findall(source)}
    skipped = {
        id(constant)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        and any(isinstance(target, ast.Name) and target.id in _NOT_IMPORTS
                for target in (node.targets if isinstance(node, ast.Assign) else [node.target]))
        for constant in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _MODULE_STRING.fullmatch(node.value):
            names.add(node.value.split(":")[0])
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level and this_module:
                anchor = this_module.split(".")
                drop = node.level - 1 if is_package else node.level
                anchor = anchor[: len(anchor) - drop] if drop else anchor
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in names if name == "classroom" or name.startswith("classroom.")}


def notebook_dependencies(notebook_path: Path, package_dir: Path) -> list[Path]:
    """Return the package files a notebook depends on: its imports, followed transitively.

    Importing ``classroom.nn.linear`` runs ``classroom/__init__.py`` and
    ``classroom/nn/__init__.py`` too, so parent packages count. A package that
    discovers its submodules at run time (``pkgutil.iter_modules``) brings all
    of them. Data files beside an imported module (the Iris CSV, the upload
    page) count as well.

    Parameters
    ----------
    notebook_path : Path
        The jupytext ``.py`` notebook.
    package_dir : Path
        ``src/classroom``.

    Returns
    -------
    list of Path
        Sorted files of the package.
    """
    found: set[Path] = set()
    queue = [
        (name, None)
        for name in _imported_modules(notebook_path.read_text(encoding="utf-8"), None, False)
    ]
    while queue:
        dotted, _ = queue.pop()
        parts = dotted.split(".")
        for length in range(1, len(parts) + 1):  # parents first: their __init__ runs on import
            path = _module_file(package_dir, ".".join(parts[:length]))
            if path is None or path in found:
                continue
            found.add(path)
            source = path.read_text(encoding="utf-8")
            is_package = path.name == "__init__.py"
            module = _module_name(package_dir, path)
            queue.extend((name, None) for name in _imported_modules(source, module, is_package))
            if "pkgutil.iter_modules" in source:
                queue.extend((_module_name(package_dir, child), None) for child in path.parent.glob("*.py"))
    data_files = {
        child
        for path in found
        for child in path.parent.iterdir()
        if child.is_file() and child.suffix not in {".py", ".pyc"}
    } | {
        data
        for path in found
        for folder in path.parent.iterdir()
        if folder.is_dir() and folder.name != "__pycache__" and not (folder / "__init__.py").exists()
        for data in folder.rglob("*")
        if data.is_file()
    }
    return sorted(found | data_files)


def notebook_key(notebook_path: Path, package_dir: Path, quick: bool) -> str:
    """Return the cache key of one notebook.

    Parameters
    ----------
    notebook_path : Path
        The jupytext ``.py`` notebook.
    package_dir : Path
        ``src/classroom``: the files the notebook imports (followed
        transitively, see :func:`notebook_dependencies`) enter the key.
    quick : bool
        Whether the notebook runs in quick mode.

    Returns
    -------
    str
        A hex SHA-256 digest that changes whenever the notebook, a package
        file it depends on or the mode changes, and only then.
    """
    digest = hashlib.sha256()
    digest.update(f"recipe={RECIPE_VERSION}\nquick={quick}\n".encode())
    digest.update(b"notebook\0" + notebook_path.read_bytes() + b"\0")
    for source in notebook_dependencies(notebook_path, package_dir):
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
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    notebook = jupytext.read(notebook_path)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_SECONDS if quick else FULL_MODE_CELL_TIMEOUT_SECONDS,
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
        missing = _missing_dataset_message(notebook)
        if missing is not None:
            raise MissingDatasetError(notebook_path, where, missing, notebook) from None
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
    _write_notebook_atomically(notebook, output_path)
    return seconds


def _write_notebook_atomically(notebook, output_path: Path) -> None:
    """Write ``notebook`` to ``output_path`` through a temporary file, so no half-written copy is left."""
    import nbformat

    output_path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=output_path.parent, suffix=".ipynb.tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            nbformat.write(notebook, stream)
        os.replace(temporary, output_path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------
# A dataset that is not there
# --------------------------------------------------------------------------

#: The exception the package's loaders raise for a dataset that is not in the data directory.
MISSING_DATA_EXCEPTION = "MissingDataError"
#: How a build reacts to it: "fail" (the default, and always under ``--strict``) or
#: "placeholder" (``dev.py serve``): the page shows what is missing and how to get it.
MISSING_DATA_ENV = "CLASSROOM_MISSING_DATA"
#: Datasets a CI run could not fetch (comma-separated, e.g. ``celeba``): the workflow sets
#: it when a host refuses a download. A strict *quick-mode* build (the pull-request check)
#: then shows those datasets' pages as placeholders instead of failing, so a refusal that
#: is nobody's fault does not turn a pull request red. Full-mode builds (what is
#: published) still fail.
UNAVAILABLE_ENV = "CLASSROOM_DATA_UNAVAILABLE"
#: The names the loaders' messages start with, for the short names in ``UNAVAILABLE_ENV``.
DATASET_TITLES = {"mnist": "MNIST", "cifar10": "CIFAR-10", "celeba": "CelebA"}
#: Folder prefix of placeholder pages in the cache: ``.cache/notebooks/missing-data-<key>/``.
PLACEHOLDER_PREFIX = "missing-data-"


class MissingDatasetError(RuntimeError):
    """A notebook stopped because a dataset is not in the data directory.

    Attributes
    ----------
    notebook_path : Path
        The notebook.
    where : str
        ``"cell N"``.
    message : str
        The loader's message: which dataset, the data directory it looked in,
        the commands that fix it.
    notebook : nbformat.NotebookNode
        The notebook as far as it ran (for the placeholder page).
    """

    def __init__(self, notebook_path: Path, where: str, message: str, notebook=None):
        super().__init__(
            f"notebook {notebook_path} needs a dataset that is missing ({where}):\n{message}"
        )
        self.notebook_path = notebook_path
        self.where = where
        self.message = message
        self.notebook = notebook


def _missing_dataset_message(notebook) -> str | None:
    """Return the loader's message when the first failing cell raised ``MissingDataError``."""
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            if output.get("ename") == MISSING_DATA_EXCEPTION:
                return _strip_ansi(output.get("evalue", "")).strip()
            return None
    return None


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def data_dir_fingerprint() -> str:
    """Return a hash of the data directory's file names, sizes and times.

    A placeholder page is reused only while this stays the same, so adding a
    dataset (``prepare_data.py`` or a download) makes the next build run the
    notebook again.
    """
    from classroom.config import data_dir

    folder = data_dir()
    digest = hashlib.sha256(str(folder).encode())
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            try:
                stat = path.stat()
            except OSError:  # a dangling link counts as its name only
                digest.update(b"missing\0" + str(path.relative_to(folder)).encode())
                continue
            digest.update(f"{path.relative_to(folder)}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def excused_datasets() -> set[str]:
    """The titles (``"CelebA"``) of the datasets named in ``CLASSROOM_DATA_UNAVAILABLE``."""
    names = [name.strip() for name in os.environ.get(UNAVAILABLE_ENV, "").split(",") if name.strip()]
    return {DATASET_TITLES.get(name, name) for name in names}


def is_excused(message: str, excused: set[str]) -> bool:
    """True when the loader's message (first line ``"<Dataset> is not in the data directory ..."``) names an excused dataset."""
    first = message.partition("\n")[0]
    return any(first.startswith(f"{title} is not in the data directory") for title in excused)


def _placeholder_notebook(error: MissingDatasetError, quick: bool):
    """Return the partly executed notebook with a warning that names the missing dataset and the fix.

    Cells that ran keep their outputs; the failing cell loses its traceback;
    the cells after it show their code without outputs.
    """
    import html

    import nbformat

    notebook = error.notebook
    failed = False
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        if failed:
            cell.outputs = []
            cell.execution_count = None
        elif any(output.get("output_type") == "error" for output in cell.get("outputs", [])):
            cell.outputs = [output for output in cell.outputs if output.get("output_type") != "error"]
            failed = True
    lines = error.message.splitlines()
    title, rest = (lines[0], lines[1:]) if lines else ("A dataset is missing.", [])
    body = html.escape("\n".join(rest).strip())
    mode = "quick" if quick else "full"
    cell = nbformat.v4.new_markdown_cell(
        '<div class="admonition warning missing-dataset">\n'
        f'<p class="admonition-title">Not executed: {html.escape(title)}</p>\n'
        f"<p>This page was built without the data it needs, so the outputs stop at {error.where} "
        f"({mode} mode). The code below is complete; run it yourself once the data is in place, "
        "or rebuild the site.</p>\n"
        f"<pre><code>{body}</code></pre>\n"
        "</div>"
    )
    cell.metadata["tags"] = ["classroom-missing-dataset"]
    _insert_after_title(notebook, cell)
    notebook.metadata["classroom"] = {
        "quick_mode": quick,
        "missing_data": error.message,
        "data_dir_fingerprint": data_dir_fingerprint(),
    }
    return notebook


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


def prepare_notebook(
    notebook_path: Path, package_dir: Path, cache_dir: Path, quick: bool, *, missing_data: str = "fail"
) -> tuple[Path, bool]:
    """Return the executed copy of a notebook, executing it only when needed.

    Parameters
    ----------
    notebook_path : Path
        The jupytext ``.py`` notebook.
    package_dir : Path
        ``src/classroom`` (the files the notebook imports enter the cache key).
    cache_dir : Path
        ``.cache/notebooks``.
    quick : bool
        Quick mode flag.
    missing_data : {"fail", "placeholder"}
        What a ``MissingDataError`` in a cell does: raise
        :class:`MissingDatasetError`, or return a placeholder page (kept in
        ``cache_dir/missing-data-<key>/``, reused while the data directory is unchanged).

    Returns
    -------
    (Path, bool)
        The executed ``.ipynb`` (or its placeholder; see :func:`missing_data_message`)
        and whether it was executed now (False when it came from the cache).
    """
    key = notebook_key(notebook_path, package_dir, quick)
    name = notebook_path.with_suffix(".ipynb").name
    output_path = cache_dir / key / name
    if output_path.exists():
        return output_path, False
    # One level below the cache like executed copies, so mkdocs-jupyter's include pattern renders it.
    placeholder_path = cache_dir / f"{PLACEHOLDER_PREFIX}{key}" / name
    if missing_data == "placeholder" and placeholder_path.exists():
        if _placeholder_fingerprint(placeholder_path) == data_dir_fingerprint():
            return placeholder_path, False
    try:
        execute_notebook(notebook_path, output_path, quick)
    except MissingDatasetError as error:
        if missing_data != "placeholder":
            raise
        shutil.rmtree(placeholder_path.parent, ignore_errors=True)
        _write_notebook_atomically(_placeholder_notebook(error, quick), placeholder_path)
        return placeholder_path, True
    shutil.rmtree(placeholder_path.parent, ignore_errors=True)
    return output_path, True


def _placeholder_fingerprint(path: Path) -> str | None:
    import json

    try:
        metadata = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError):
        return None
    return metadata.get("classroom", {}).get("data_dir_fingerprint")


def missing_data_message(executed_path: Path) -> str | None:
    """Return the missing-dataset message of a placeholder page, or None for a fully executed one."""
    if not executed_path.parent.name.startswith(PLACEHOLDER_PREFIX):
        return None
    import json

    metadata = json.loads(executed_path.read_text(encoding="utf-8")).get("metadata", {})
    return metadata.get("classroom", {}).get("missing_data")


# --------------------------------------------------------------------------
# MkDocs events
# --------------------------------------------------------------------------

_published_sources: list[tuple[Path, str]] = []
_executed_copies: dict[str, str] = {}
_missing_datasets: list[tuple[str, str]] = []


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
    strict = bool(config.get("strict"))
    excused = excused_datasets() if strict and quick else set()
    missing_data = "fail" if strict and not excused else os.environ.get(MISSING_DATA_ENV, "fail")
    if excused:
        missing_data = "placeholder"  # then checked below: only the excused datasets may be missing
    _published_sources.clear()
    _executed_copies.clear()
    _missing_datasets.clear()
    executed = reused = 0
    for file in files:
        if not _is_notebook(file):
            continue
        source = Path(file.abs_src_path)
        started = time.perf_counter()
        try:
            executed_path, ran = prepare_notebook(source, package_dir, cache_dir, quick, missing_data=missing_data)
        except MissingDatasetError as error:
            raise PluginError(
                f"{error}\n(a strict build needs every dataset; 'python3 scripts/dev.py serve' "
                "builds the other pages and shows what is missing)"
            ) from None
        except RuntimeError as error:
            raise PluginError(str(error)) from None
        message = missing_data_message(executed_path)
        if message is not None and strict and not is_excused(message, excused):
            raise PluginError(
                f"notebook {source} needs a dataset that is missing:\n{message}\n"
                f"(a strict build needs every dataset; {UNAVAILABLE_ENV} excuses only {sorted(excused)} in quick mode)"
            )
        if message is not None:
            _missing_datasets.append((file.src_uri, message))
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
    log.info("notebooks: executed %d, reused %d from the cache (%s mode)", executed, reused, mode)
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


def missing_data_summary(missing: list[tuple[str, str]]) -> str:
    """Return the end-of-build summary: which pages lack which dataset, and the fixes (once each)."""
    lines = [f"{len(missing)} notebook page(s) show a missing-dataset placeholder:"]
    fixes: list[str] = []
    for src_uri, message in missing:
        first, _, rest = message.partition("\n")
        lines.append(f"  - {src_uri}: {first}")
        if rest.strip() and rest.strip() not in fixes:
            fixes.append(rest.strip())
    for fix in fixes:
        lines.append("")
        lines.extend("  " + line for line in fix.splitlines())
    return "\n".join(lines)


def on_post_build(config):
    """Publish each notebook's jupytext source beside its page; summarise any missing datasets."""
    if _missing_datasets:
        # A warning would abort a strict build; in one, every placeholder is excused (see UNAVAILABLE_ENV).
        report = log.info if config.get("strict") else log.warning
        report("notebooks: %s", missing_data_summary(_missing_datasets))
    site_dir = Path(config.site_dir)
    use_directory_urls = config.use_directory_urls
    for source, src_uri in _published_sources:
        page_dir = Path(src_uri).with_suffix("")
        target_dir = site_dir / page_dir if use_directory_urls else site_dir / page_dir.parent
        target_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target_dir / source.name)
