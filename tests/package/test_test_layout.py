"""The test suite's own layout: one ``conftest.py``, so ``from conftest import ...`` means one file."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_the_root_conftest_is_the_only_one():
    """Test modules import helpers with ``from conftest import require_dataset``.

    pytest puts each folder holding a ``conftest.py`` on ``sys.path`` and imports
    the file as the module ``conftest``; a second one in a subfolder takes that
    name first in some collection orders, and every such import then fails.
    Shared fixtures for one folder go in ``tests/conftest.py``, keyed on the path.
    """
    found = sorted(path.relative_to(TESTS).as_posix() for path in TESTS.rglob("conftest.py"))
    assert found == ["conftest.py"], f"put these fixtures in tests/conftest.py instead: {found}"
