"""How big is the engine? The line count quoted on the weekend-5 page.

The rule: a line counts unless it is blank or holds only a ``#`` comment.
Docstrings *do* count, like any other line of the file.
"""

from __future__ import annotations

from pathlib import Path


def count_code_lines(source: str) -> int:
    """Count the lines of ``source`` that are neither blank nor only a ``#`` comment.

    Parameters
    ----------
    source : str
        The text of a Python file.

    Returns
    -------
    int
        The number of counted lines (docstring lines included).

    Examples
    --------
    >>> count_code_lines("# a comment\\n\\nx = 1  # counted\\n    '''a docstring'''\\n")
    2
    """
    count = 0
    for line in source.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            count += 1
    return count


def engine_code_lines() -> int:
    """Return the counted lines of ``classroom/autograd/engine.py`` (see ``count_code_lines``)."""
    engine_path = Path(__file__).with_name("engine.py")
    return count_code_lines(engine_path.read_text(encoding="utf-8"))
