"""The engine stays small: under 200 counted lines.

Counting rule (the same one the lesson page and the notebook quote): a line
counts unless it is blank or holds only a ``#`` comment; docstrings count.
"""

from __future__ import annotations

import inspect

import pytest

import classroom.autograd.engine as engine_module


def count_code_lines(source: str) -> int:
    """Count the lines of ``source`` that are neither blank nor only a ``#`` comment (as the notebook does)."""
    return sum(1 for line in source.splitlines() if line.strip() and not line.strip().startswith("#"))


def test_engine_is_under_200_counted_lines():
    assert count_code_lines(inspect.getsource(engine_module)) < 200


@pytest.mark.parametrize(
    "source, expected",
    [("", 0), ("x = 1\n\n\n", 1), ("# only a comment\n    # indented comment\n", 0),
     ('def f():\n    """Docstrings count."""\n    return 1  # trailing comment\n', 3)],
)
def test_line_counter_skips_only_blank_and_comment_lines(source, expected):
    assert count_code_lines(source) == expected
