"""Month 2 checks: the references pass, and every hint is proven by a deliberately wrong piece."""

from __future__ import annotations

import numpy as np
import pytest

from classroom.check import FAIL, PASS, registered_checks, run_check
from classroom.check.month_2 import reference_solutions
from check_helpers import assert_fails_with_hint, assert_unwritten_stubs_report_not_written, stub_names, workbook_path
from conftest import require_dataset

WEEKEND = "month-2"
WORKBOOK = workbook_path(WEEKEND)
MNIST_CHECK = "split: real MNIST training labels"


def fast_checks(piece: str):
    return [check for check in registered_checks(WEEKEND, piece) if check.name != MNIST_CHECK]


def run_fast(piece: str, namespace: dict):
    return [run_check(check, namespace) for check in fast_checks(piece)]


def assert_fails_with(piece: str, namespace: dict, hint_id: str):
    assert_fails_with_hint(run_fast(piece, namespace), hint_id)


# ----------------------------------------------------------------- learner-style pieces with switchable mistakes
def make_split(mistake: str | None = None):
    def split_indices(labels, fractions=(0.7, 0.15, 0.15), seed=0):
        labels = np.asarray(labels)
        if mistake == "unseeded":
            rng = np.random.default_rng()
        elif mistake == "fixed-seed":
            rng = np.random.default_rng(42)
        else:
            rng = np.random.default_rng(seed)
        n = len(labels)
        if mistake == "independent-draws":  # train and test drawn separately: they overlap
            train = rng.choice(n, int(fractions[0] * n), replace=False)
            validation = rng.choice(n, int(fractions[1] * n), replace=False)
            test = rng.choice(n, n - len(train) - len(validation), replace=False)
            return train, validation, test
        if mistake in ("plain-shuffle", "drop-remainder"):
            order = rng.permutation(n)
            cut1, cut2 = int(fractions[0] * n), int((fractions[0] + fractions[1]) * n)
            if mistake == "drop-remainder":
                return order[: cut1 - 5], order[cut1:cut2], order[cut2:]
            return order[:cut1], order[cut1:cut2], order[cut2:]
        parts = [[], [], []]
        for c in np.unique(labels):
            members = rng.permutation(np.flatnonzero(labels == c))
            cut1 = int(round(fractions[0] * len(members)))
            cut2 = cut1 + int(round(fractions[1] * len(members)))
            for part, chunk in zip(parts, (members[:cut1], members[cut1:cut2], members[cut2:])):
                part.append(chunk)
        train, validation, test = (np.concatenate(part) for part in parts)
        if mistake == "swapped-order":
            return test, validation, train
        if mistake == "float-indices":
            return train.astype(float), validation, test
        return train, validation, test

    return split_indices


def make_once_test_set(mistake: str | None = None):
    class OnceTestSet:
        used = False  # only the "class-flag" mistake writes to it

        def __init__(self, inputs, targets):
            if mistake == "public-arrays":
                self.inputs, self.targets = inputs, targets
            self._inputs, self._targets = inputs, targets
            self._evaluations = 0

        def evaluate(self, evaluate_fn):
            if mistake == "class-flag":
                if OnceTestSet.used:
                    raise RuntimeError("the test set was already evaluated")
                OnceTestSet.used = True
                return evaluate_fn(self._inputs, self._targets)
            if mistake == "reusable":
                return evaluate_fn(self._inputs, self._targets)
            if mistake == "refuses-after-looking":
                result = evaluate_fn(self._inputs, self._targets)
                self._evaluations += 1
                if self._evaluations > 1:
                    raise RuntimeError("the test set was already evaluated")
                return result
            if self._evaluations:
                raise RuntimeError("" if mistake == "silent-error" else "the test set was already evaluated once")
            self._evaluations += 1
            if mistake == "swapped-arguments":
                return evaluate_fn(self._targets, self._inputs)
            return evaluate_fn(self._inputs, self._targets)

    return OnceTestSet


# ----------------------------------------------------------------- references and learner-style pieces pass
@pytest.mark.parametrize("piece", ["split_indices", "OnceTestSet"])
def test_reference_passes(piece):
    results = run_fast(piece, reference_solutions())
    assert results and all(result.status == PASS for result in results), results


def test_learner_style_pieces_pass():
    namespace = {"split_indices": make_split(), "OnceTestSet": make_once_test_set()}
    for piece in ("split_indices", "OnceTestSet"):
        results = run_fast(piece, namespace)
        assert all(result.status == PASS for result in results), results


def test_reference_covers_every_stub():
    assert stub_names(WORKBOOK) == set(reference_solutions())


def test_unwritten_stubs_report_not_written(monkeypatch):
    assert_unwritten_stubs_report_not_written(WEEKEND, monkeypatch)


# ----------------------------------------------------------------- mutations: every hint_id
@pytest.mark.parametrize(
    "mistake, hint_id",
    [
        ("independent-draws", "split-overlap"),
        ("plain-shuffle", "split-not-stratified"),
        ("drop-remainder", "split-incomplete"),
        ("swapped-order", "split-sizes"),
        ("float-indices", "split-returns"),
        ("unseeded", "split-not-reproducible"),
        ("fixed-seed", "split-seed-ignored"),
    ],
)
def test_split_mutations(mistake, hint_id):
    assert_fails_with("split_indices", {"split_indices": make_split(mistake)}, hint_id)


def test_plain_shuffle_is_disjoint_and_reproducible_but_not_stratified():
    statuses = {result.check: result.status for result in run_fast("split_indices", {"split_indices": make_split("plain-shuffle")})}
    assert statuses == {
        "split: disjoint, complete, right sizes": PASS,
        "split: stratified by class": FAIL,
        "split: reproducible with a seed": PASS,
    }


@pytest.mark.parametrize(
    "mistake, hint_id",
    [
        ("reusable", "test-set-reusable"),
        ("refuses-after-looking", "test-set-reusable"),
        ("silent-error", "test-set-unclear-error"),
        ("class-flag", "test-set-shared-state"),
        ("public-arrays", "test-set-exposed"),
        ("swapped-arguments", "test-set-wrong-data"),
    ],
)
def test_test_set_mutations(mistake, hint_id):
    assert_fails_with("OnceTestSet", {"OnceTestSet": make_once_test_set(mistake)}, hint_id)


# ----------------------------------------------------------------- real labels
@pytest.mark.slow
@pytest.mark.data
def test_mnist_split_reference_passes_and_plain_shuffle_fails():
    require_dataset("mnist")
    (check,) = [check for check in registered_checks(WEEKEND) if check.name == MNIST_CHECK]
    assert run_check(check, reference_solutions()).status == PASS
    for mistake, hint_id in (("plain-shuffle", "split-not-stratified"), ("independent-draws", "split-overlap")):
        result = run_check(check, {"split_indices": make_split(mistake)})
        assert result.status == FAIL and result.hint_id == hint_id, result
