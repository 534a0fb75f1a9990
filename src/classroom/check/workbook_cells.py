"""A workbook file as cells, and cells as a notebook: jupytext's percent format without jupytext.

A percent ``.py`` workbook starts each cell with ``# %%`` (``# %% [markdown]``
for text, ``tags=["stub"]`` and other options after the marker) and may open
with jupytext's ``# ---`` YAML header. :func:`workbook_cells` reads such a
file, or an ``.ipynb`` notebook, into :class:`Cell` objects that remember the
file and line they came from, so an error in the learner's code can name its
line. :func:`percent_to_ipynb` and :func:`dumps_ipynb` write the notebook a
learner opens in Jupyter (``classroom start`` and the site's downloads).

Running the cells and grading them is :mod:`classroom.check.workbook`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

__all__ = ["Cell", "dumps_ipynb", "percent_to_ipynb", "workbook_cells"]

_CELL_MARKER = re.compile(r"^# %%(?P<rest>.*)$")
_CELL_TYPE = re.compile(r"^\s*\[(?P<type>\w+)\]")
_OPTION = re.compile(r"(?P<key>[A-Za-z_][\w-]*)=(?P<value>\[[^\]]*\]|\{[^}]*\}|\"[^\"]*\"|\S+)")


@dataclass
class Cell:
    """One cell of a workbook.

    Attributes
    ----------
    kind : {"code", "markdown", "raw"}
    source : str
        The cell's text (for a ``.py`` markdown cell, without the ``# `` prefixes).
    tags : list of str
        The cell's tags, e.g. ``["stub"]``.
    filename : str
        The name its code is compiled under: the real ``.py`` path, or
        ``"<weekend-01.ipynb, cell 5>"`` for a notebook cell.
    first_line : int
        Line of the file the cell's source starts on (1 for a notebook cell).
    """

    kind: str
    source: str
    tags: list = field(default_factory=list)
    filename: str = ""
    first_line: int = 1


# --------------------------------------------------------------------------
# Reading cells
# --------------------------------------------------------------------------


def _parse_marker(rest: str) -> tuple[str, list]:
    """Return the cell type and tags of a ``# %%`` marker's remainder."""
    kind = "code"
    match = _CELL_TYPE.match(rest)
    if match:
        kind = {"md": "markdown"}.get(match.group("type"), match.group("type"))
        rest = rest[match.end():]
    tags: list = []
    for option in _OPTION.finditer(rest):
        if option.group("key") == "tags":
            try:
                value = json.loads(option.group("value"))
            except ValueError:
                value = [option.group("value")]
            tags = [str(tag) for tag in value] if isinstance(value, list) else [str(value)]
    return kind, tags


def _uncomment(lines: list[str]) -> list[str]:
    """Strip the ``# `` prefix of a percent-format markdown cell."""
    out = []
    for line in lines:
        if line.startswith("# "):
            out.append(line[2:])
        elif line.rstrip() == "#":
            out.append("")
        else:
            out.append(line)
    return out


def _trim(lines: list[str], first_line: int) -> tuple[list[str], int]:
    """Drop blank lines at both ends; return the lines and the new first line number."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end], first_line + start


def _split_header(lines: list[str]) -> tuple[dict, int]:
    """Read the jupytext YAML header (``# ---`` ... ``# ---``) at the top of a percent file."""
    if not lines or lines[0].rstrip() != "# ---":
        return {}, 0
    for end in range(1, len(lines)):
        if lines[end].rstrip() == "# ---":
            import yaml

            text = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in lines[1:end])
            try:
                meta = yaml.safe_load(text) or {}
            except yaml.YAMLError:
                meta = {}
            return (meta.get("jupyter", {}) if isinstance(meta, dict) else {}) or {}, end + 1
    return {}, 0


def _percent_cells(text: str, filename: str) -> tuple[dict, list[Cell]]:
    """Split a percent-format text into its notebook metadata and cells."""
    lines = text.splitlines()
    metadata, start = _split_header(lines)
    cells: list[Cell] = []
    kind, tags, body, body_start = "code", [], [], start + 1
    in_cell = False  # False for the text before the first marker

    def close():
        content, first = _trim(body, body_start)
        if not in_cell and not content:
            return
        if kind != "code":
            content = _uncomment(content)
        cells.append(Cell(kind, "\n".join(content), list(tags), filename, first))

    for number, line in enumerate(lines[start:], start=start + 1):
        marker = _CELL_MARKER.match(line)
        if marker:
            close()
            kind, tags = _parse_marker(marker.group("rest"))
            body, body_start, in_cell = [], number + 1, True
        else:
            body.append(line)
    close()
    return metadata, cells


def workbook_cells(path) -> list[Cell]:
    """Return the cells of a workbook (``.py`` percent format or ``.ipynb``), in order.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    list of Cell
        Markdown cells included; a notebook's cells are named
        ``"<weekend-01.ipynb, cell N>"``, N counting every cell from 1.

    Raises
    ------
    ValueError
        When an ``.ipynb`` is not valid notebook JSON (the message says so).
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".ipynb":
        return _percent_cells(text, str(path))[1]
    try:
        notebook = json.loads(text)
    except ValueError as error:
        raise ValueError(
            f"{path.name} is not a readable notebook ({error}); open it in Jupyter and save it again, "
            "or start from a fresh copy"
        ) from None
    cells = []
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        tags = list((cell.get("metadata") or {}).get("tags") or [])
        cells.append(Cell(cell.get("cell_type", "code"), source, tags, f"<{path.name}, cell {number}>", 1))
    return cells


# --------------------------------------------------------------------------
# Percent format -> notebook
# --------------------------------------------------------------------------


def _source_lines(text: str) -> list[str]:
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def percent_to_ipynb(text: str) -> dict:
    """Convert a jupytext percent-format script into notebook JSON (nbformat 4).

    Parameters
    ----------
    text : str
        ``# %%`` starts a code cell, ``# %% [markdown]`` a markdown cell whose
        lines start with ``# ``; ``tags=["stub"]`` after the marker become the
        cell's tags. A ``# ---`` YAML header (jupytext's) becomes the
        notebook's metadata.

    Returns
    -------
    dict
        A notebook: write it with ``json.dump``. Cell ids are derived from the
        cell's position and text, so the same script gives the same file.

    Examples
    --------
    >>> nb = percent_to_ipynb('# %% [markdown]\\n# # Title\\n\\n# %% tags=["stub"]\\nx = 1\\n')
    >>> [(cell["cell_type"], cell["source"], cell["metadata"]) for cell in nb["cells"]]
    [('markdown', ['# Title'], {}), ('code', ['x = 1'], {'tags': ['stub']})]
    """
    metadata, cells = _percent_cells(text, "<percent>")
    metadata = {key: value for key, value in metadata.items()}
    if isinstance(metadata.get("jupytext"), dict):  # as jupytext: the format is implied by the .py
        metadata["jupytext"] = {k: v for k, v in metadata["jupytext"].items() if k != "text_representation"}
    metadata.setdefault("kernelspec", {"display_name": "Python 3", "language": "python", "name": "python3"})
    out = []
    for index, cell in enumerate(cells):
        digest = hashlib.sha1(f"{index}\n{cell.kind}\n{cell.source}".encode()).hexdigest()[:8]
        entry: dict = {
            "cell_type": cell.kind,
            "id": digest,
            "metadata": {"tags": list(cell.tags)} if cell.tags else {},
            "source": _source_lines(cell.source),
        }
        if cell.kind == "code":
            entry["execution_count"] = None
            entry["outputs"] = []
        out.append(entry)
    return {"cells": out, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


def dumps_ipynb(notebook: Mapping) -> str:
    """Return notebook JSON as text, laid out the way Jupyter saves it (indent 1, trailing newline)."""
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
