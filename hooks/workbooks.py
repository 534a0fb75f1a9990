"""MkDocs hook: publish the learner's workbooks with the site, for download.

Every workbook in ``src/classroom/check/workbooks/`` (jupytext percent
``.py``) is added to the build as ``workbooks/<name>.py`` and, converted by
jupytext, ``workbooks/<name>.ipynb``. They are files to download, not pages:
lesson pages link them (``../../workbooks/weekend-01.ipynb``) and
``mkdocs build --strict`` checks those links.
"""

from __future__ import annotations

from pathlib import Path


def on_files(files, config):
    """Add every workbook (``.py`` and ``.ipynb``) to the site's files."""
    import jupytext
    from mkdocs.structure.files import File

    root = Path(config.config_file_path).resolve().parent
    for source in sorted((root / "src" / "classroom" / "check" / "workbooks").glob("*.py")):
        text = source.read_text(encoding="utf-8")
        files.append(File.generated(config, f"workbooks/{source.name}", content=text))
        notebook = jupytext.reads(text, fmt="py:percent")
        ipynb = jupytext.writes(notebook, fmt="ipynb")
        files.append(File.generated(config, f"workbooks/{source.stem}.ipynb", content=ipynb))
    return files
