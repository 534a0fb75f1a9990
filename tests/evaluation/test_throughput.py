"""``classroom.evaluation.throughput``: operation and byte counts, the roofline, measured rates, the time fit."""

import numpy as np
import pytest

from classroom.evaluation.throughput import (
    Throughput,
    elementwise_cost,
    fit_time_model,
    matmul_cost,
    measure_add,
    measure_call,
    measure_matmul,
    roofline,
)
from classroom.evaluation.timing import Timing


def test_matmul_cost_counts_multiply_adds_twice_and_each_matrix_once():
    # (2 x 3) @ (3 x 4): 24 multiply-adds; 6 + 12 + 8 numbers of 4 bytes
    assert matmul_cost(2, 3, 4) == (48, 104)
    assert matmul_cost(2, 3, 4, itemsize=8) == (48, 208)
    # the count matches a loop over the terms of the product
    m, k, n = 3, 5, 2
    terms = sum(1 for _ in range(m) for _ in range(n) for _ in range(k))
    assert matmul_cost(m, k, n)[0] == 2 * terms
    with pytest.raises(ValueError, match="positive integer"):
        matmul_cost(0, 3, 4)


def test_elementwise_cost_of_an_add_and_of_batch_norm():
    assert elementwise_cost(1000) == (1000, 12000)  # a + b: 2 reads + 1 write of float32
    assert elementwise_cost(10, inputs=1, outputs=1, flops_per_element=2) == (20, 80)  # x * scale + shift
    with pytest.raises(ValueError):
        elementwise_cost(10, inputs=0, outputs=0)


def test_roofline_is_the_lower_of_the_two_limits_and_bends_at_the_ridge():
    peak, bandwidth = 100.0, 20.0
    intensity = np.array([0.25, 1.0, 5.0, 50.0])
    np.testing.assert_allclose(roofline(intensity, peak, bandwidth), [5.0, 20.0, 100.0, 100.0])
    ridge = peak / bandwidth
    assert roofline(ridge, peak, bandwidth) == pytest.approx(peak)
    assert roofline(ridge * 0.99, peak, bandwidth) < peak
    with pytest.raises(ValueError, match="positive"):
        roofline(0.0, peak, bandwidth)
    with pytest.raises(ValueError, match="positive"):
        roofline(1.0, -1.0, bandwidth)


def test_throughput_rates_come_from_the_median_time():
    result = Throughput(flops=4_000_000_000, bytes=2_000_000_000, timing=Timing((1.0, 2.0, 100.0)))
    assert result.seconds == 2.0
    assert result.gflops == pytest.approx(2.0)
    assert result.gb_per_s == pytest.approx(1.0)
    assert result.intensity == pytest.approx(2.0)


def test_measure_call_runs_the_function_and_checks_the_work():
    calls = []
    result = measure_call(lambda: calls.append(1), flops=10, nbytes=40, repeats=3, warmup=2)
    assert len(calls) == 5 and len(result.timing.seconds) == 3
    with pytest.raises(ValueError, match="nbytes"):
        measure_call(lambda: None, flops=1, nbytes=0)


def test_measure_matmul_and_measure_add_report_their_work_and_positive_rates():
    product = measure_matmul(32, repeats=2)
    assert (product.flops, product.bytes) == (2 * 32**3, 3 * 32**2 * 4)
    assert product.gflops > 0 and np.isfinite(product.gflops)
    addition = measure_add(10_000, dtype=np.float64, repeats=2)
    assert (addition.flops, addition.bytes) == (10_000, 3 * 10_000 * 8)
    assert addition.gb_per_s > 0


def test_fit_time_model_recovers_an_exact_overhead_and_rate():
    flops = np.array([1e3, 1e5, 1e7, 1e9])
    seconds = 2e-5 + flops / 5e10
    overhead, rate = fit_time_model(flops, seconds)
    assert overhead == pytest.approx(2e-5, rel=1e-6)
    assert rate == pytest.approx(5e10, rel=1e-6)


def test_fit_time_model_clips_a_negative_overhead_and_rejects_bad_input():
    flops = np.array([1e6, 2e6, 4e6])
    seconds = flops / 1e9 - 5e-4  # a straight line with a negative intercept
    overhead, rate = fit_time_model(flops, seconds)
    assert overhead == 0.0
    # through the origin, weighted by 1 / seconds: rate = sum(x^2 / t^2) / sum(x / t)
    expected = np.sum((flops / seconds) ** 2) / np.sum(flops / seconds)
    assert rate == pytest.approx(expected, rel=1e-9)
    with pytest.raises(ValueError, match="two different"):
        fit_time_model([5.0, 5.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="positive"):
        fit_time_model([1.0, 2.0], [1.0, 0.0])
    with pytest.raises(ValueError, match="same length"):
        fit_time_model([1.0, 2.0], [1.0])
