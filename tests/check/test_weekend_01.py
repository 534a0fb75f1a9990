"""Weekend 1 checks: the references pass, every hint is proven by a deliberately wrong piece.

The wrong pieces live in ``mutants_weekend_01.py``: a learner's plain-NumPy
solution with one switchable mistake at a time. Each check must fail such a
mutant with the hint_id that names the mistake. The end-to-end MNIST run is
``slow`` and ``data``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from classroom.check import FAIL, NOT_WRITTEN, PASS, registered_checks, run_check, run_checks
from classroom.check.weekend_01 import reference_solutions
from conftest import require_dataset

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
from mutants_weekend_01 import namespace  # noqa: E402

WEEKEND = "weekend-01"
WORKBOOK = workbook_path(WEEKEND)
FAST_PIECES = ["softmax", "cross_entropy", "linear", "relu", "network", "training"]


def assert_fails_with(piece: str, ns: dict, hint_id: str):
    assert_fails_with_hint(run_checks(WEEKEND, ns, piece), hint_id)


# ----------------------------------------------------------------- references and stubs
@pytest.mark.parametrize("piece", FAST_PIECES)
def test_reference_passes(piece):
    assert_piece_passes(WEEKEND, reference_solutions(), piece)


@pytest.mark.parametrize("piece", FAST_PIECES)
def test_independent_solution_passes(piece):
    assert_piece_passes(WEEKEND, namespace(), piece)


def test_reference_covers_every_stub():
    assert stub_names(WORKBOOK) == set(reference_solutions())


def test_unwritten_stubs_report_not_written(monkeypatch):
    assert_unwritten_stubs_report_not_written(WEEKEND, monkeypatch)


def test_workbook_cells_follow_the_format():
    pieces = {check.piece for check in registered_checks(WEEKEND)}
    assert_workbook_grades_every_piece(WEEKEND, pieces, stub_cells=6)
    assert "classroom check weekend-01" in WORKBOOK.read_text(encoding="utf-8")


def test_missing_name_reports_not_written():
    report = run_checks(WEEKEND, {}, "softmax")
    assert {result.status for result in report} == {NOT_WRITTEN}


# ----------------------------------------------------------------- mutations, one per hint
MUTATIONS = [
    # piece, mistakes, hint_id
    ("softmax", {"softmax": "list"}, "not-an-array"),
    ("softmax", {"softmax": "flat"}, "softmax-shape"),
    ("softmax", {"softmax": "axis0"}, "softmax-wrong-axis"),
    ("softmax", {"softmax": "no-normalise"}, "softmax-mismatch"),
    ("softmax", {"softmax": "overflow"}, "softmax-overflow"),
    ("softmax", {"softmax": "global-max"}, "softmax-global-max"),
    ("cross_entropy", {"ce": "sum"}, "ce-loss-not-mean"),
    ("cross_entropy", {"ce": "per-sample"}, "loss-not-scalar"),
    ("cross_entropy", {"ce": "wrong-class"}, "ce-loss-mismatch"),
    ("cross_entropy", {"ce": "wrong-class"}, "ce-grad-vs-loss"),
    ("cross_entropy", {"ce": "log-of-softmax"}, "ce-log-of-zero"),
    ("cross_entropy", {"softmax": "overflow"}, "softmax-overflow"),  # the gradient built on a naive softmax
    ("cross_entropy", {"ce_grad": "transposed"}, "ce-grad-shape"),
    ("cross_entropy", {"ce_grad": "not-divided"}, "ce-grad-batch-size"),
    ("cross_entropy", {"ce_grad": "sign"}, "ce-grad-sign"),
    ("cross_entropy", {"ce_grad": "no-onehot"}, "ce-grad-onehot"),
    ("cross_entropy", {"ce_grad": "half"}, "ce-grad-mismatch"),
    ("linear", {"linear": "in-out-shape"}, "linear-weight-shape"),
    ("linear", {"linear": "zero-init"}, "linear-init-symmetric"),
    ("linear", {"linear": "randn-init"}, "linear-init-scale"),
    ("linear", {"linear": "no-bias"}, "linear-forgot-bias"),
    ("linear", {"linear": "half-bias"}, "linear-forward-mismatch"),
    ("linear", {"linear": "transposed-output"}, "linear-forward-shape"),
    ("linear", {"linear": "float64"}, "linear-dtype"),
    ("linear", {"linear": "transposed"}, "linear-weight-grad-transposed"),
    ("linear", {"linear": "divided"}, "linear-grad-batch-size"),
    ("linear", {"linear": "weight-grad-sign"}, "linear-weight-grad-mismatch"),
    ("linear", {"linear": "weight-grad-sign"}, "linear-gradcheck"),
    ("linear", {"linear": "bias-unsummed"}, "linear-bias-grad"),
    ("linear", {"linear": "bias-mean"}, "linear-bias-grad"),
    ("linear", {"linear": "input-grad-is-output-grad"}, "linear-input-grad"),
    ("linear", {"linear": "accumulate"}, "linear-grad-accumulates"),
    ("relu", {"relu": "in-place"}, "relu-modifies-input"),
    ("relu", {"relu": "abs"}, "relu-forward-mismatch"),
    ("relu", {"relu": "pass-through"}, "relu-grad-negative"),
    ("relu", {"relu": "leaky"}, "relu-grad-negative"),
    ("relu", {"relu": "mask-from-grad"}, "relu-mask-from-grad"),
    ("relu", {"relu": "times-output"}, "relu-grad-times-output"),
    ("relu", {"relu": "scaled"}, "relu-backward-mismatch"),
    ("network", {"net": "one-layer"}, "net-layers"),
    ("network", {"net": "no-relu"}, "net-missing-relu"),
    ("network", {"net": "probabilities"}, "net-returns-probabilities"),
    ("network", {"net": "scaled-logits"}, "net-forward-mismatch"),
    ("network", {"net": "skip-relu"}, "net-backward-skips-relu"),
    ("network", {"net": "wrong-backward"}, "net-backward-mismatch"),
    ("training", {"train": "no-update"}, "train-not-updated"),
    ("training", {"train": "weights-only"}, "train-not-updated"),
    ("training", {"train": "sign"}, "train-update-sign"),
    ("training", {"train": "no-lr"}, "train-lr-ignored"),
    ("training", {"train": "half-lr"}, "train-step-mismatch"),
    ("training", {"train": "loss-after-update"}, "train-loss-value"),
    ("training", {"train": "full-batch"}, "train-batch-size"),
    ("training", {"train": "with-replacement"}, "train-not-every-sample"),
    ("training", {"train": "first-batch-only"}, "train-not-every-sample"),
    ("training", {"train": "no-shuffle"}, "train-no-shuffle"),
    ("training", {"train": "same-order"}, "train-no-shuffle"),
    ("training", {"train": "no-update"}, "train-loss-not-falling"),
]


@pytest.mark.parametrize("piece, mistakes, hint_id", MUTATIONS, ids=mutation_ids(MUTATIONS))
def test_mutation_fails_with_its_hint(piece, mistakes, hint_id):
    assert_fails_with(piece, namespace(**mistakes), hint_id)


def test_every_hint_has_a_mutation():
    """Every hint_id raised in weekend_01.py, or in the comparison helpers it calls, appears in MUTATIONS or in
    the MNIST mutation tests below."""
    import classroom.check.compare as compare
    import classroom.check.weekend_01 as module

    proven = {hint for _, _, hint in MUTATIONS} | {"mnist-diverged", "mnist-not-learning", "mnist-accuracy-below-floor"}
    assert_every_hint_proven([module, compare], proven)


def test_learner_exception_is_an_error_row():
    ns = namespace()

    def broken_softmax(z):
        return z @ np.ones((2, 2))  # wrong shapes for every case: ValueError in the learner's code

    ns["softmax"] = broken_softmax
    report = run_checks(WEEKEND, ns, "softmax")
    assert {result.hint_id for result in report} == {"exception"}


# ----------------------------------------------------------------- end to end on real MNIST
@pytest.mark.slow
@pytest.mark.data
def test_mnist_reference_reaches_the_floor(capsys):
    require_dataset("mnist")
    (check,) = registered_checks(WEEKEND, "mnist")
    result = run_check(check, namespace())
    assert result.status == PASS, result
    output = capsys.readouterr().out
    assert "sanity phase passed" in output and "epoch 5/5" in output


@pytest.mark.slow
@pytest.mark.data
@pytest.mark.parametrize("mistakes, hint_id", [
    ({"train": "no-update"}, "mnist-not-learning"),
    ({"train": "sign"}, "mnist-diverged"),
    ({"net": "no-relu"}, "mnist-accuracy-below-floor"),
])
def test_mnist_mutations(mistakes, hint_id):
    require_dataset("mnist")
    (check,) = registered_checks(WEEKEND, "mnist")
    result = run_check(check, namespace(**mistakes))
    assert result.status == FAIL and result.hint_id == hint_id, result
    if hint_id != "mnist-accuracy-below-floor":
        assert result.seconds < 30, f"the sanity phase should fail fast, took {result.seconds:.0f} s"
