"""Weekend 6 checks: the references pass, every hint is proven by a deliberately wrong optimizer.

``mutants_weekend_06.py`` holds learner-style optimizers with switches for the
known mistakes; each must fail with the hint_id that names it, and the
message must give the first step where the trajectories diverge.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from classroom.check import FAIL, run_checks
from classroom.check.weekend_06 import reference_solutions

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_helpers import (  # noqa: E402
    assert_piece_passes,
    assert_unwritten_stubs_report_not_written,
    stub_names,
    workbook_path,
)
from mutants_weekend_06 import learner_solutions, make_adam, make_rmsprop, make_sgd  # noqa: E402

WEEKEND = "weekend-06"
WORKBOOK = workbook_path(WEEKEND)
PIECES = ["sgd", "rmsprop", "adam", "adamw"]


def failure(piece: str, namespace: dict):
    (result,) = run_checks(WEEKEND, namespace, piece)
    assert result.status == FAIL, result
    assert result.measured and result.hint, result
    return result


@pytest.mark.parametrize("piece", PIECES)
def test_reference_passes(piece):
    assert_piece_passes(WEEKEND, reference_solutions(), piece)


@pytest.mark.parametrize("piece", PIECES)
def test_learner_style_solution_passes(piece):
    assert_piece_passes(WEEKEND, learner_solutions(), piece)


def test_reference_covers_every_stub():
    assert stub_names(WORKBOOK) == set(reference_solutions())


def test_unwritten_stubs_report_not_written(monkeypatch):
    assert_unwritten_stubs_report_not_written(WEEKEND, monkeypatch)


ADAM_NO_CORRECTION = make_adam(correction="none")
ADAM_ONE_MINUS_BETA = make_adam(correction="one-minus-beta")

MUTANTS = [
    ("sgd", "optim-sgd-momentum-order", dict(SGD=make_sgd(order="old-buffer")), 1),
    ("sgd", "optim-sgd-momentum-dampened", dict(SGD=make_sgd(order="dampened")), 1),
    ("sgd", "optim-not-in-place", dict(SGD=make_sgd(in_place=False)), None),
    ("rmsprop", "optim-rmsprop-eps-inside-sqrt", dict(RMSprop=make_rmsprop(eps_inside=True)), None),
    ("adam", "optim-adam-no-bias-correction", dict(Adam=ADAM_NO_CORRECTION[0]), 1),
    ("adam", "optim-adam-bias-correction-one-minus-beta", dict(Adam=ADAM_ONE_MINUS_BETA[0]), 2),
    ("adamw", "optim-adamw-coupled-decay", dict(AdamW=make_adam(decay="coupled")[1]), 1),
    ("adamw", "optim-adam-no-bias-correction", dict(AdamW=ADAM_NO_CORRECTION[1]), 1),
    ("adamw", "optim-adam-bias-correction-one-minus-beta", dict(AdamW=ADAM_ONE_MINUS_BETA[1]), 2),
]


@pytest.mark.parametrize("piece, hint_id, overrides, first_step", MUTANTS,
                         ids=[f"{m[0]}-{m[1]}" for m in MUTANTS])
def test_mutants(piece, hint_id, overrides, first_step):
    result = failure(piece, learner_solutions(**overrides))
    assert result.hint_id == hint_id, result
    if first_step is not None:
        assert f"at step {first_step} of 25" in result.measured, result.measured
        assert "tolerance" in result.measured


def test_adamw_without_any_decay_fails_with_the_generic_hint():
    adam = make_adam()[0]

    class AdamIgnoringDecay(adam):
        def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
            super().__init__(params, lr=lr, betas=betas, eps=eps)

    result = failure("adamw", learner_solutions(AdamW=AdamIgnoringDecay))
    assert result.hint_id == "optim-trajectory-mismatch" and "at step 1 of 25" in result.measured


def test_shared_state_between_parameters_fails():
    class SharedStateRMSprop(make_rmsprop()):
        def step(self):
            for p in self.params:
                self.v = getattr(self, "v", 0.0) * self.alpha + (1 - self.alpha) * float(np.mean(p.grad**2))
                p.data -= self.lr * p.grad / (np.sqrt(self.v) + self.eps)

    result = failure("rmsprop", learner_solutions(RMSprop=SharedStateRMSprop))
    assert result.hint_id == "optim-trajectory-mismatch" and "at step 1 of 25" in result.measured
