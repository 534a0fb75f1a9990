"""Weekend 2 checks: the references pass, every hint is proven by a deliberately wrong piece.

The wrong pieces live in ``mutants_weekend_02.py``. The fit check runs on
Iris, which ships with the package, so nothing here needs the data directory.
scikit-learn is used only here, as a test oracle, to confirm that the
package's minimiser (the check's truth) is scikit-learn's too.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from classroom.check import run_checks
from classroom.check.weekend_02 import FIT_ATOL, iris_problems, reference_fit, reference_solutions

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_helpers import (  # noqa: E402
    assert_every_hint_proven,
    assert_fails_with_hint,
    assert_piece_passes,
    assert_unwritten_stubs_report_not_written,
    assert_workbook_grades_every_piece,
    mutation_ids,
    stub_names,
    workbook_path,
)
from mutants_weekend_02 import namespace  # noqa: E402

WEEKEND = "weekend-02"
WORKBOOK = workbook_path(WEEKEND)
PIECES = ["sigmoid", "loss", "gradient", "fit", "predict_proba"]


def assert_fails_with(piece: str, ns: dict, hint_id: str):
    assert_fails_with_hint(run_checks(WEEKEND, ns, piece), hint_id)


@pytest.mark.parametrize("piece", PIECES)
def test_reference_passes(piece):
    assert_piece_passes(WEEKEND, reference_solutions(), piece)


@pytest.mark.parametrize("piece", PIECES)
def test_independent_solution_passes(piece):
    assert_piece_passes(WEEKEND, namespace(), piece)


def test_reference_covers_every_stub():
    assert stub_names(WORKBOOK) == set(reference_solutions())


def test_unwritten_stubs_report_not_written(monkeypatch):
    assert_unwritten_stubs_report_not_written(WEEKEND, monkeypatch)


def test_workbook_grades_every_piece():
    assert_workbook_grades_every_piece(WEEKEND, PIECES, stub_cells=len(PIECES))


MUTATIONS = [
    ("sigmoid", {"sigmoid": "sign"}, "sigmoid-sign"),
    ("sigmoid", {"sigmoid": "tanh"}, "sigmoid-mismatch"),
    ("sigmoid", {"sigmoid": "naive"}, "sigmoid-overflow"),
    ("sigmoid", {"sigmoid": "naive-ratio"}, "sigmoid-overflow"),
    ("sigmoid", {"sigmoid": "where-both-branches"}, "sigmoid-overflow"),
    ("loss", {"loss": "l2-no-half"}, "loss-l2-convention"),
    ("loss", {"loss": "l2-on-intercept"}, "loss-regularised-intercept"),
    ("loss", {"loss": "no-l2"}, "loss-missing-l2"),
    ("loss", {"loss": "sum"}, "loss-not-mean"),
    ("loss", {"loss": "swapped-labels"}, "loss-mismatch"),
    ("loss", {"loss": "log-of-sigmoid"}, "loss-log-of-zero"),
    ("loss", {"loss": "clipped"}, "loss-from-logits"),
    ("gradient", {"grad": "array-only"}, "grad-return"),
    ("gradient", {"grad": "column-residual"}, "grad-shape"),
    ("gradient", {"grad": "sign"}, "grad-sign"),
    ("gradient", {"grad": "sum"}, "grad-batch-size"),
    ("gradient", {"grad": "no-l2"}, "grad-missing-l2"),
    ("gradient", {"grad": "l2-factor-2"}, "grad-l2-factor"),
    ("gradient", {"grad": "l2-on-intercept"}, "grad-regularised-intercept"),
    ("gradient", {"grad": "no-intercept"}, "grad-forgot-intercept"),
    ("gradient", {"grad": "half"}, "grad-mismatch"),
    ("gradient", {"grad": "half"}, "grad-vs-loss"),
    ("fit", {"fit": "weights-only"}, "fit-return"),
    ("fit", {"fit": "ascent"}, "fit-diverged"),
    ("fit", {"fit": "no-intercept"}, "fit-forgot-intercept"),
    ("fit", {"fit": "l2-on-intercept"}, "fit-regularised-intercept"),
    ("fit", {"fit": "ignore-weight-decay"}, "fit-ignores-weight-decay"),
    ("fit", {"fit": "too-few-steps"}, "fit-not-converged"),
    ("fit", {"fit": "scaled"}, "fit-not-converged"),
    ("fit", {"fit": "slightly-off"}, "fit-mismatch"),
    ("predict_proba", {"proba": "positive-only"}, "proba-shape"),
    ("predict_proba", {"proba": "transposed"}, "proba-shape"),
    ("predict_proba", {"proba": "swapped"}, "proba-columns-swapped"),
    ("predict_proba", {"proba": "naive"}, "sigmoid-overflow"),
    ("predict_proba", {"proba": "unnormalised"}, "proba-mismatch"),
]


@pytest.mark.parametrize("piece, mistakes, hint_id", MUTATIONS, ids=mutation_ids(MUTATIONS))
def test_mutation_fails_with_its_hint(piece, mistakes, hint_id):
    assert_fails_with(piece, namespace(**mistakes), hint_id)


def test_every_hint_has_a_mutation():
    import classroom.check.weekend_02 as module

    assert_every_hint_proven([module], {hint for _, _, hint in MUTATIONS})


def test_package_minimiser_matches_scikit_learn():
    """The fit check's truth is the package; confirm it is scikit-learn's minimiser within the stated tolerance."""
    sklearn_linear_model = pytest.importorskip("sklearn.linear_model")
    for _, X, y, weight_decay in iris_problems():
        w, b = reference_fit(X, y, epochs=10_000, weight_decay=weight_decay)
        reference = sklearn_linear_model.LogisticRegression(C=1 / (weight_decay * len(y)), tol=1e-12, max_iter=10_000)
        reference.fit(X, y)
        assert np.max(np.abs(w - reference.coef_[0])) < FIT_ATOL
        assert abs(b - reference.intercept_[0]) < FIT_ATOL
