"""The learner's checks: ``classroom check`` grades a workbook and says what to fix.

Each weekend has one module here (``weekend_01`` ... ``weekend_08``,
``month_2``) that registers its checks with :func:`classroom.check.core.register`.
The checks compare the learner's pieces with the package's reference
implementation, never with hard-coded numbers. See :mod:`classroom.check.core`
for what a check returns and how an unwritten stub, a wrong answer, an
exception in the learner's code and a loop that never ends are reported, and
:mod:`classroom.check.compare` for how a learner's array is compared with the
reference and how the measured error is written.
"""

from __future__ import annotations

import importlib
import pkgutil

from .compare import (
    as_float,
    as_ndarray,
    close,
    error_summary,
    max_error_summary,
    quietly,
    tolerance_text,
)
from .core import (
    END_TO_END_SECONDS,
    ERROR,
    FAIL,
    HEADLESS_ENV,
    NEEDS_DATA,
    NOT_WRITTEN,
    PASS,
    SLOW_CHECK_SECONDS,
    TIMEOUT,
    Check,
    CheckFailed,
    NotWritten,
    Report,
    Result,
    format_table,
    grade,
    headless,
    is_end_to_end,
    register,
    registered_checks,
    run_check,
    run_checks,
    weekends,
)

__all__ = [
    "END_TO_END_SECONDS",
    "ERROR",
    "FAIL",
    "HEADLESS_ENV",
    "NEEDS_DATA",
    "NOT_WRITTEN",
    "PASS",
    "SLOW_CHECK_SECONDS",
    "TIMEOUT",
    "Check",
    "CheckFailed",
    "NotWritten",
    "Report",
    "Result",
    "as_float",
    "as_ndarray",
    "close",
    "error_summary",
    "format_table",
    "grade",
    "headless",
    "is_end_to_end",
    "load_weekend_checks",
    "max_error_summary",
    "quietly",
    "register",
    "registered_checks",
    "run_check",
    "run_checks",
    "tolerance_text",
    "weekends",
]


def load_weekend_checks() -> list[str]:
    """Import every weekend's check module (``weekend_NN``, ``month_2``) so its checks register.

    Returns
    -------
    list of str
        The module names imported, sorted.
    """
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(__path__)
        if info.name.startswith("weekend_") or info.name.startswith("month_")
    )
    for name in names:
        importlib.import_module(f"{__name__}.{name}")
    return names
