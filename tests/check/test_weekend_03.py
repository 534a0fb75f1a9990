"""Weekend 3 checks: the references pass, every hint is proven by a deliberately wrong piece.

The wrong pieces live in ``mutants_weekend_03.py``. Nothing here needs the
data directory: the checks use random arrays and scripted validation curves.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from classroom.check import run_checks
from classroom.check.weekend_03 import reference_l2_gradient, reference_l2_penalty, reference_solutions
from classroom.nn.gradcheck import numerical_gradient

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
from mutants_weekend_03 import namespace  # noqa: E402

WEEKEND = "weekend-03"
WORKBOOK = workbook_path(WEEKEND)
PIECES = ["l2", "dropout", "early_stopping"]


def assert_fails_with(piece: str, ns: dict, hint_id: str):
    assert_fails_with_hint(run_checks(WEEKEND, ns, piece), hint_id)


@pytest.mark.parametrize("piece", PIECES)
def test_reference_passes(piece):
    assert_piece_passes(WEEKEND, reference_solutions(), piece)


@pytest.mark.parametrize("piece", PIECES)
def test_independent_solution_passes(piece):
    assert_piece_passes(WEEKEND, namespace(), piece)


def test_reference_penalty_and_gradient_agree():
    """The package-derived gradient (SGD's weight decay) is the derivative of the reference penalty."""
    weights = [np.random.default_rng(0).standard_normal((3, 2))]
    numeric = numerical_gradient(lambda w: reference_l2_penalty([w], 0.2), weights[0].copy())
    np.testing.assert_allclose(reference_l2_gradient(weights, 0.2)[0], numeric, atol=1e-8)


def test_reference_covers_every_stub():
    assert stub_names(WORKBOOK) == set(reference_solutions())


def test_unwritten_stubs_report_not_written(monkeypatch):
    assert_unwritten_stubs_report_not_written(WEEKEND, monkeypatch)


def test_workbook_grades_every_piece():
    assert_workbook_grades_every_piece(WEEKEND, PIECES, stub_cells=len(PIECES))


MUTATIONS = [
    ("l2", {"penalty": "no-half"}, "l2-penalty-convention"),
    ("l2", {"penalty": "no-half"}, "l2-grad-vs-penalty"),  # penalty weight_decay*||W||^2 with gradient weight_decay*W
    ("l2", {"penalty": "first-only"}, "l2-not-all-weights"),
    ("l2", {"penalty": "l1"}, "l2-is-l1"),
    ("l2", {"penalty": "mean"}, "l2-mean-not-sum"),
    ("l2", {"penalty": "norm"}, "l2-penalty-mismatch"),
    ("l2", {"penalty": "in-place"}, "l2-modifies-weights"),
    ("l2", {"gradient": "in-place"}, "l2-modifies-weights"),
    ("l2", {"gradient": "factor-2"}, "l2-grad-convention"),
    ("l2", {"gradient": "sign"}, "l2-grad-sign"),
    ("l2", {"gradient": "half"}, "l2-grad-mismatch"),
    ("l2", {"gradient": "sum-array"}, "l2-grad-shape"),
    ("l2", {"gradient": "flat"}, "l2-grad-shape"),
    ("dropout", {"dropout": "flat"}, "dropout-shape"),
    ("dropout", {"dropout": "not-rescaled"}, "dropout-not-rescaled"),
    ("dropout", {"dropout": "swapped"}, "dropout-rate-swapped"),
    ("dropout", {"dropout": "half-rate"}, "dropout-rate"),
    ("dropout", {"dropout": "wrong-scale"}, "dropout-values"),
    ("dropout", {"dropout": "reseeded"}, "dropout-same-mask"),
    ("dropout", {"dropout": "float64"}, "dropout-dtype"),
    ("dropout", {"dropout": "backward-no-mask"}, "dropout-backward-mask"),
    ("dropout", {"dropout": "backward-new-mask"}, "dropout-backward-mask"),
    ("dropout", {"dropout": "backward-not-rescaled"}, "dropout-backward-not-rescaled"),
    ("dropout", {"dropout": "backward-wrong"}, "dropout-backward-mismatch"),
    ("dropout", {"dropout": "always-on"}, "dropout-active-in-eval"),
    ("dropout", {"dropout": "eval-scaled"}, "dropout-eval-scaled"),
    ("dropout", {"dropout": "train-not-restored"}, "dropout-train-not-restored"),
    ("early_stopping", {"stopping": "no-restore"}, "early-stopping-last-weights"),
    ("early_stopping", {"stopping": "no-copy"}, "early-stopping-last-weights"),
    ("early_stopping", {"stopping": "shallow-copy"}, "early-stopping-last-weights"),
    ("early_stopping", {"stopping": "rebind"}, "early-stopping-restore-in-place"),
    ("early_stopping", {"stopping": "never-stop"}, "early-stopping-never-stops"),
    ("early_stopping", {"stopping": "off-by-one"}, "early-stopping-patience"),
    ("early_stopping", {"stopping": "no-reset"}, "early-stopping-patience-not-reset"),
    ("early_stopping", {"stopping": "ties-improve"}, "early-stopping-ties"),
    ("early_stopping", {"stopping": "maximise"}, "early-stopping-wrong-direction"),
    ("early_stopping", {"stopping": "zero-based"}, "early-stopping-best-epoch"),
    ("early_stopping", {"stopping": "last-epoch"}, "early-stopping-best-epoch"),
    ("early_stopping", {"stopping": "no-history"}, "early-stopping-return"),
    ("early_stopping", {"stopping": "history-twice"}, "early-stopping-history"),
]


@pytest.mark.parametrize("piece, mistakes, hint_id", MUTATIONS, ids=mutation_ids(MUTATIONS))
def test_mutation_fails_with_its_hint(piece, mistakes, hint_id):
    assert_fails_with(piece, namespace(**mistakes), hint_id)


def test_early_stopping_that_ignores_max_epochs_is_stopped_by_the_check():
    def runaway(params, train_epoch, validation_loss, max_epochs, patience):
        history = []
        while True:  # no max_epochs, no patience
            train_epoch()
            history.append(validation_loss())

    assert_fails_with("early_stopping", {"train_with_early_stopping": runaway}, "early-stopping-never-stops")


def test_early_stopping_epochs_hint():
    def stops_at_once(params, train_epoch, validation_loss, max_epochs, patience):
        train_epoch()
        return 1, [validation_loss()]

    assert_fails_with("early_stopping", {"train_with_early_stopping": stops_at_once}, "early-stopping-epochs")


def test_every_hint_has_a_mutation():
    import classroom.check.weekend_03 as module

    assert_every_hint_proven([module], {hint for _, _, hint in MUTATIONS} | {"early-stopping-epochs"})
