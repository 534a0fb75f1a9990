"""Measuring models honestly: metrics with confidence intervals, a test set used once, ablations, result tables.

* :mod:`classroom.evaluation.metrics`: accuracy, confusion matrix, bootstrap intervals;
* :mod:`classroom.evaluation.experiments`: the held-out test set that refuses a
  second look, ablations over seeds with t intervals;
* :mod:`classroom.evaluation.student_t`: Student's t quantile for those
  intervals, without SciPy;
* :mod:`classroom.evaluation.tables`: results as Markdown tables for the notebooks.
"""

from .experiments import (
    AblationResult,
    AblationRow,
    HeldOutTestSet,
    TestSetReuseError,
    run_ablation,
    split_off_test_set,
)
from .student_t import student_t_quantile
from .metrics import ConfidenceInterval, accuracy, bootstrap_ci, confusion_matrix
from .tables import MarkdownTable, markdown_table

__all__ = [
    "AblationResult",
    "AblationRow",
    "ConfidenceInterval",
    "HeldOutTestSet",
    "MarkdownTable",
    "TestSetReuseError",
    "accuracy",
    "bootstrap_ci",
    "confusion_matrix",
    "markdown_table",
    "run_ablation",
    "split_off_test_set",
    "student_t_quantile",
]
