"""Small result tables that notebooks show as Markdown."""

from __future__ import annotations

from typing import Iterable, Sequence


class MarkdownTable(str):
    """A Markdown table as text that Jupyter renders as a table.

    It is a plain ``str`` (print it, save it, paste it into a page); Jupyter
    calls ``_repr_markdown_`` to show it formatted.
    """

    def _repr_markdown_(self) -> str:
        return str(self)


def markdown_table(header: Sequence[str], rows: Iterable[Sequence]) -> MarkdownTable:
    """Format rows of values as a Markdown table.

    Parameters
    ----------
    header : sequence of str
        Column titles.
    rows : iterable of sequences
        One sequence of cells a row, as many cells as titles; cells are
        converted with ``str``.

    Returns
    -------
    MarkdownTable
        The table text; shown as a table when it is a notebook cell's result
        or passed to ``IPython.display.display``.

    Raises
    ------
    ValueError
        If a row has a different number of cells than the header.

    Examples
    --------
    >>> print(markdown_table(["model", "accuracy"], [["MLP", 0.98]]))
    | model | accuracy |
    |---|---|
    | MLP | 0.98 |
    """
    header = [str(title) for title in header]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for number, row in enumerate(rows):
        cells = [str(cell) for cell in row]
        if len(cells) != len(header):
            raise ValueError(
                f"row {number} has {len(cells)} cells but the header has {len(header)} columns: {cells}"
            )
        lines.append("| " + " | ".join(cells) + " |")
    return MarkdownTable("\n".join(lines))
