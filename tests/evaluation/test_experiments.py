"""Held-out test sets and seed ablations.

Scores and data here are SYNTHETIC (drawn from known distributions), so the
true answers are known.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from classroom.evaluation.experiments import (
    HeldOutTestSet,
    TestSetReuseError,
    run_ablation,
    split_off_test_set,
)
from classroom.evaluation.student_t import student_t_quantile


# ------------------------------------------------------------ held-out set
def _fraction_of_zeros(inputs, targets):
    return float(np.mean(targets == 0))


def test_held_out_test_set_can_be_evaluated_once_and_records_it():
    test_set = HeldOutTestSet(np.zeros((5, 2)), np.array([0, 0, 1, 1, 1]), name="digits-test")
    assert test_set.evaluate(_fraction_of_zeros, note="final model") == pytest.approx(0.4)
    assert test_set.n_evaluations == 1
    record = test_set.log[0]
    assert record["note"] == "final model"
    assert record["override"] is False
    assert record["result"] == pytest.approx(0.4)
    assert record["time"].endswith("+00:00")


def test_second_evaluation_raises_and_is_not_run_or_recorded():
    test_set = HeldOutTestSet(np.zeros((3, 2)), np.array([0, 1, 1]))
    test_set.evaluate(_fraction_of_zeros, note="model A")
    calls = []
    with pytest.raises(TestSetReuseError, match="already evaluated 1 time.*note: 'model A'.*override=True"):
        test_set.evaluate(lambda inputs, targets: calls.append(1))
    assert calls == []
    assert test_set.n_evaluations == 1


def test_override_allows_reuse_with_a_warning_and_marks_it_in_the_log():
    test_set = HeldOutTestSet(np.zeros((3, 2)), np.array([0, 1, 1]))
    test_set.evaluate(_fraction_of_zeros)
    with pytest.warns(UserWarning, match="evaluating the held-out test set again \\(evaluation 2\\)"):
        result = test_set.evaluate(_fraction_of_zeros, override=True, note="after the bug fix")
    assert result == pytest.approx(1 / 3)
    assert [record["override"] for record in test_set.log] == [False, True]


def test_held_out_test_set_does_not_expose_its_arrays():
    test_set = HeldOutTestSet(np.arange(6).reshape(3, 2), np.array([0, 1, 1]))
    public = [name for name in vars(test_set) if not name.startswith("_")]
    assert sorted(public) == ["log", "name"]
    assert len(test_set) == 3
    assert "evaluations=0" in repr(test_set)


@pytest.mark.parametrize(
    "inputs, targets, message",
    [
        (np.zeros((3, 2)), np.zeros(2), "same length"),
        (np.zeros((0, 2)), np.zeros(0), "empty"),
    ],
)
def test_held_out_test_set_rejects_bad_arrays(inputs, targets, message):
    with pytest.raises(ValueError, match=message):
        HeldOutTestSet(inputs, targets)


def test_split_off_test_set_partitions_the_samples():
    inputs = np.arange(100).reshape(50, 2)
    targets = np.arange(50)
    (train_inputs, train_targets), test_set = split_off_test_set(
        inputs, targets, 0.2, rng=np.random.default_rng(0)
    )
    assert len(test_set) == 10
    assert train_inputs.shape == (40, 2)
    held_out = test_set.evaluate(lambda x, y: y.copy())
    assert sorted(np.concatenate([train_targets, held_out]).tolist()) == list(range(50))
    np.testing.assert_array_equal(train_inputs[:, 0] // 2, train_targets)


@pytest.mark.parametrize("fraction", [0.0, 1.0, 0.001])
def test_split_off_test_set_rejects_fractions_that_leave_an_empty_part(fraction):
    with pytest.raises(ValueError):
        split_off_test_set(np.zeros((50, 2)), np.zeros(50), fraction, rng=np.random.default_rng(0))


# ----------------------------------------------------------------- ablation
def test_run_ablation_reports_mean_and_t_interval_per_variant():
    def constant_plus_seed(seed):
        return 0.9 + 0.01 * seed

    result = run_ablation({"base": constant_plus_seed, "flat": lambda seed: 0.5}, seeds=[0, 1, 2, 3])
    base = result["base"]
    assert base.scores == pytest.approx([0.90, 0.91, 0.92, 0.93])
    assert base.mean == pytest.approx(0.915)
    scores = np.array(base.scores)
    half_width = student_t_quantile(0.975, 3) * scores.std(ddof=1) / 2.0
    assert (base.low, base.high) == pytest.approx((0.915 - half_width, 0.915 + half_width))
    flat = result["flat"]
    assert (flat.low, flat.mean, flat.high) == pytest.approx((0.5, 0.5, 0.5))
    assert [row.name for row in result.rows] == ["base", "flat"]


def test_run_ablation_interval_covers_the_true_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    covered = 0
    trials = 400
    for _ in range(trials):
        noise = rng.normal(0.8, 0.05, size=5)  # SYNTHETIC scores of one variant over 5 seeds
        result = run_ablation({"v": lambda seed: noise[seed]}, seeds=range(5))
        covered += result["v"].low <= 0.8 <= result["v"].high
    assert 0.92 <= covered / trials <= 0.98


def test_run_ablation_calls_each_variant_with_the_same_seeds_in_order():
    calls = []

    def record(name):
        def variant(seed):
            calls.append((name, seed))
            return float(seed)

        return variant

    run_ablation({"a": record("a"), "b": record("b")}, seeds=[3, 7])
    assert calls == [("a", 3), ("a", 7), ("b", 3), ("b", 7)]


def test_ablation_result_exports_json_and_markdown():
    result = run_ablation({"relu": lambda seed: 0.9 + seed / 100, "tanh": lambda seed: 0.85}, seeds=[1, 2, 3])
    data = json.loads(json.dumps(result.to_dict()))
    assert data["seeds"] == [1, 2, 3]
    assert data["variants"]["tanh"]["mean"] == pytest.approx(0.85)
    table = result.to_markdown(digits=3)
    assert table.splitlines()[0] == "| variant | mean ± 95% CI | 95% interval | seeds |"
    assert "| relu | 0.920 ± " in table
    assert str(result) == result.to_markdown()


@pytest.mark.parametrize(
    "variants, seeds, error, message",
    [
        ({}, [0, 1], ValueError, "variants is empty"),
        ({"a": lambda seed: 1.0}, [0], ValueError, "at least 2 seeds"),
        ({"a": lambda seed: 1.0}, [0, 0], ValueError, "distinct"),
        ({"a": lambda seed: "0.9"}, [0, 1], TypeError, "returned str for seed 0"),
        ({"a": lambda seed: True}, [0, 1], TypeError, "returned bool"),
    ],
)
def test_run_ablation_rejects_bad_input(variants, seeds, error, message):
    with pytest.raises(error, match=message):
        run_ablation(variants, seeds)


def test_run_ablation_accepts_numpy_scores():
    result = run_ablation({"a": lambda seed: np.float32(seed), "b": lambda seed: np.array(seed * 2.0)}, seeds=[1, 2])
    assert result["a"].mean == pytest.approx(1.5)
    assert result["b"].mean == pytest.approx(3.0)
    with pytest.raises(KeyError, match="no variant named 'c'"):
        result["c"]
