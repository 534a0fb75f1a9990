"""MkDocs hook: publish the learner's workbooks with the site, for download.

Every workbook in ``src/classroom/check/workbooks/`` (jupytext percent
``.py``) is added to the build as ``workbooks/<name>.py`` and, converted by
:func:`classroom.check.workbook_cells.percent_to_ipynb` (the converter
``classroom start`` uses, so the download and the learner's copy are the
same file), ``workbooks/<name>.ipynb``. They are generated files to
download, not pages: they never enter ``docs/`` (where ``hooks/notebooks.py``
would execute a ``.py`` as a lesson notebook) and mkdocs-jupyter only renders
the executed copies it is pointed at (its ``include`` setting). Lesson pages
link them (``../../workbooks/weekend-01.ipynb``) and ``mkdocs build
--strict`` checks those links.
"""

from __future__ import annotations

from pathlib import Path

WORKBOOKS_DIR = Path("src") / "classroom" / "check" / "workbooks"
"""Where the workbooks live, relative to the folder of ``mkdocs.yml``."""


def workbook_sources(root: Path) -> list[Path]:
    """Return the workbook files (``weekend-NN.py``, ``month-2.py``) below ``root``, sorted."""
    folder = Path(root) / WORKBOOKS_DIR
    return sorted(path for path in folder.glob("*.py") if not path.name.startswith(("_", ".")))


def on_files(files, config):
    """Add every workbook, as ``.py`` and ``.ipynb``, to the site's files."""
    from mkdocs.structure.files import File

    from classroom.check.workbook_cells import dumps_ipynb, percent_to_ipynb

    root = Path(config.config_file_path).resolve().parent
    for source in workbook_sources(root):
        text = source.read_text(encoding="utf-8")
        files.append(File.generated(config, f"workbooks/{source.name}", content=text))
        files.append(
            File.generated(config, f"workbooks/{source.stem}.ipynb", content=dumps_ipynb(percent_to_ipynb(text)))
        )
    return files
