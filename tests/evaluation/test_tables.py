"""``classroom.evaluation.tables.markdown_table``."""

import pytest

from classroom.evaluation.tables import markdown_table


def test_markdown_table_formats_header_separator_and_rows():
    table = markdown_table(["a", "b"], [[1, 2.5], ["x", None]])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| 1 | 2.5 |", "| x | None |"]
    assert table._repr_markdown_() == str(table)


def test_markdown_table_names_a_row_with_the_wrong_number_of_cells():
    with pytest.raises(ValueError, match="row 1 has 1 cells but the header has 2 columns"):
        markdown_table(["a", "b"], [[1, 2], [3]])
