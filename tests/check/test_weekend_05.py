"""Weekend 5 checks: the references pass, every hint is proven by a deliberately wrong piece.

``mutants_weekend_05.py`` holds a learner-style engine with switches for the
known mistakes; each must fail with the hint_id that names it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from classroom.check import FAIL, registered_checks, run_check, run_checks
from classroom.check.weekend_05 import reference_solutions

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_helpers import (  # noqa: E402
    assert_fails_with_hint,
    assert_piece_passes,
    assert_unwritten_stubs_report_not_written,
    stub_names,
    workbook_path,
)
from mutants_weekend_05 import Tensor, learner_solutions, make_backpropagate, tensor_variant  # noqa: E402

WEEKEND = "weekend-05"
WORKBOOK = workbook_path(WEEKEND)
PIECES = ["operations", "backward"]


def assert_fails_with(piece: str, namespace: dict, hint_id: str, *, deep_chain: bool = False):
    """Run the piece's checks (the 100,000-node chain only when asked: it takes a second)."""
    checks = [check for check in registered_checks(WEEKEND, piece) if deep_chain or "chain" not in check.name]
    assert_fails_with_hint([run_check(check, namespace) for check in checks], hint_id)


@pytest.mark.parametrize("piece", PIECES)
def test_reference_passes(piece):
    assert_piece_passes(WEEKEND, reference_solutions(), piece)


@pytest.mark.parametrize("piece", PIECES)
def test_learner_style_solution_passes(piece):
    """A solution written independently of the package passes too."""
    assert_piece_passes(WEEKEND, learner_solutions(), piece)


def test_reference_covers_every_stub():
    assert stub_names(WORKBOOK) - {"as_tensor"} == set(reference_solutions())


def test_unwritten_stubs_report_not_written(monkeypatch):
    assert_unwritten_stubs_report_not_written(WEEKEND, monkeypatch)


def test_the_workbook_example_runs_with_the_learner_style_engine(monkeypatch):
    namespace = learner_solutions()
    a, b = namespace["Tensor"](2.0), namespace["Tensor"](-3.0)
    (a * b + b**2).backward()
    assert float(a.grad) == -3.0 and float(b.grad) == -4.0


# ------------------------------------------------------------ operations
def _wrong_pow(self, n):
    return Tensor(self.data**n, (self,), lambda g: (g * n * self.data**n,))


def _wrong_mul_value(self, other):
    other = Tensor.lift(other)
    return Tensor(self.data + other.data, (self, other), lambda g: (g * other.data, g * self.data))


def _add_without_graph(self, other):
    return Tensor(self.data + Tensor.lift(other).data)


def _rsub_backwards(self, other):
    return self - other


def _relu_wrong_gradient(self):
    return Tensor(np.maximum(self.data, 0), (self,), lambda g: (g,))


OPERATION_MUTANTS = [
    ("autograd-op-gradient", tensor_variant(__pow__=_wrong_pow)),
    ("autograd-op-gradient", tensor_variant(relu=_relu_wrong_gradient)),
    ("autograd-op-value", tensor_variant(__mul__=_wrong_mul_value)),
    ("autograd-op-value", tensor_variant(exp=lambda self: self.data)),  # returns an array, not a Tensor
    ("autograd-no-graph", tensor_variant(__add__=_add_without_graph)),
    ("autograd-reflected", tensor_variant(__rmul__=None)),  # 2 * x raises TypeError
    ("autograd-reflected", tensor_variant(__rsub__=_rsub_backwards)),
]


@pytest.mark.parametrize("hint_id, tensor", OPERATION_MUTANTS,
                         ids=[f"{m[0]}-{i}" for i, m in enumerate(OPERATION_MUTANTS)])
def test_operation_mutants(hint_id, tensor):
    assert_fails_with("operations", learner_solutions(Tensor=tensor), hint_id)


# --------------------------------------------------------------- backward
BACKWARD_MUTANTS = [
    ("autograd-reused-overwritten", dict(accumulate=False)),
    ("autograd-reused-double-counted", dict(visited=False)),
    ("autograd-recursion-depth", dict(recursive=True)),
    ("autograd-broadcast-not-reduced", dict(reduce_broadcast=False)),
    ("autograd-gradient-mismatch", dict(reverse=False)),
]


@pytest.mark.parametrize("hint_id, switches", BACKWARD_MUTANTS, ids=[m[0] for m in BACKWARD_MUTANTS])
def test_backward_mutants(hint_id, switches):
    namespace = learner_solutions(backpropagate=make_backpropagate(**switches))
    assert_fails_with("backward", namespace, hint_id, deep_chain=hint_id == "autograd-recursion-depth")


def test_recursion_error_is_a_failure_not_an_error_row():
    report = run_checks(WEEKEND, learner_solutions(backpropagate=make_backpropagate(recursive=True)), "backward")
    chain = [result for result in report if "chain" in result.check]
    assert chain[0].status == FAIL and chain[0].hint_id == "autograd-recursion-depth"
    assert "stack" in chain[0].hint
    others = [result for result in report if "chain" not in result.check]
    assert all(result.passed for result in others), report  # the small graphs still pass
