"""Every hint a check can give is named by a test of its weekend (a deliberately wrong piece expects it).

The weekends' own tests assert the hint each mutation gets; this test makes
sure none is left out: a hint_id that no test of its weekend names is a hint
nobody has seen fire.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from check_helpers import raised_hint_ids

import classroom.check.compare as compare

TESTS = Path(__file__).resolve().parent
WEEKENDS = ["weekend_01", "weekend_02", "weekend_03", "weekend_04", "weekend_05", "weekend_06", "weekend_07",
            "weekend_08", "month_2"]


@pytest.mark.parametrize("name", WEEKENDS)
def test_every_hint_of_the_weekend_is_named_by_its_tests(name):
    module = importlib.import_module(f"classroom.check.{name}")
    hints = raised_hint_ids(module)
    assert hints, f"classroom.check.{name} raises no hint: is the scan broken?"
    tests = (TESTS / f"test_{name}.py").read_text(encoding="utf-8")
    unnamed = sorted(hint for hint in hints if f'"{hint}"' not in tests and f"'{hint}'" not in tests)
    assert not unnamed, f"no test in test_{name}.py expects {unnamed}"


def test_the_shared_comparison_hints_are_proven_by_weekend_1():
    tests = (TESTS / "test_weekend_01.py").read_text(encoding="utf-8")
    assert all(f'"{hint}"' in tests for hint in raised_hint_ids(compare))
