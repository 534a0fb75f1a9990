"""``classroom.evaluation.timing``: warm-up, repeats, median and percentiles."""

import pytest

from classroom.evaluation.timing import Timing, time_call


def test_time_call_runs_warmup_then_repeats():
    calls = []
    timing = time_call(lambda: calls.append(1), repeats=4, warmup=2)
    assert len(calls) == 6
    assert len(timing.seconds) == 4
    assert all(value >= 0 for value in timing.seconds)


def test_median_ignores_one_outlier_and_best_is_the_minimum():
    timing = Timing((0.001, 0.002, 0.003, 10.0, 0.002))
    assert timing.median == pytest.approx(0.002)
    assert timing.median_ms == pytest.approx(2.0)
    assert timing.best == pytest.approx(0.001)


def test_percentile_interpolates_between_sorted_repeats():
    timing = Timing((4.0, 1.0, 3.0, 2.0))
    assert timing.percentile(0) == 1.0
    assert timing.percentile(100) == 4.0
    assert timing.percentile(50) == pytest.approx(2.5)
    with pytest.raises(ValueError, match="between 0 and 100"):
        timing.percentile(101)


def test_time_call_refuses_no_repeats():
    with pytest.raises(ValueError, match="repeats must be at least 1"):
        time_call(lambda: None, repeats=0)
    with pytest.raises(ValueError, match="warmup must be at least 0"):
        time_call(lambda: None, warmup=-1)
