"""Metrics: accuracy and confusion matrix against scikit-learn; bootstrap intervals.

All data here are SYNTHETIC random labels and values.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score
from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix

from classroom.evaluation.metrics import ConfidenceInterval, accuracy, bootstrap_ci, confusion_matrix


@pytest.mark.parametrize("n_samples, n_classes", [(1, 2), (17, 3), (500, 10)])
def test_accuracy_matches_sklearn_on_labels(n_samples, n_classes):
    rng = np.random.default_rng(n_samples)
    y_true = rng.integers(0, n_classes, size=n_samples)
    y_pred = np.where(rng.random(n_samples) < 0.7, y_true, rng.integers(0, n_classes, size=n_samples))
    assert accuracy(y_true, y_pred) == pytest.approx(accuracy_score(y_true, y_pred))


def test_accuracy_takes_the_argmax_of_logits():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(50, 4))
    y_true = rng.integers(0, 4, size=50)
    assert accuracy(y_true, logits) == pytest.approx(accuracy_score(y_true, logits.argmax(axis=1)))


def test_accuracy_accepts_lists_and_whole_number_floats():
    assert accuracy([0, 1, 2, 2], [0, 1, 1, 2]) == 0.75
    assert accuracy(np.array([0.0, 1.0]), [0, 0]) == 0.5


@pytest.mark.parametrize(
    "y_true, y_pred, error, message",
    [
        ([0, 1, 2], [0, 1], ValueError, "y_true has 3 samples but the predictions have 2"),
        ([], [], ValueError, "zero samples"),
        ([[0, 1]], [0], ValueError, "must be 1-D"),
        ([0.5, 1.0], [0, 1], TypeError, "integer class labels"),
    ],
)
def test_accuracy_rejects_bad_input_with_a_clear_message(y_true, y_pred, error, message):
    with pytest.raises(error, match=message):
        accuracy(y_true, y_pred)


@pytest.mark.parametrize("n_samples, n_classes", [(5, 2), (40, 3), (1000, 10)])
def test_confusion_matrix_matches_sklearn_rows_true_columns_predicted(n_samples, n_classes):
    rng = np.random.default_rng(n_samples)
    y_true = rng.integers(0, n_classes, size=n_samples)
    y_pred = rng.integers(0, n_classes, size=n_samples)
    expected = sklearn_confusion_matrix(y_true, y_pred, labels=np.arange(n_classes))
    result = confusion_matrix(y_true, y_pred, n_classes=n_classes)
    np.testing.assert_array_equal(result, expected)
    assert result.sum() == n_samples
    assert np.trace(result) / n_samples == pytest.approx(accuracy(y_true, y_pred))


def test_confusion_matrix_orientation_is_true_rows_predicted_columns():
    # two samples of class 0, both predicted as class 2
    matrix = confusion_matrix([0, 0, 1], [2, 2, 1], n_classes=3)
    assert matrix[0, 2] == 2
    assert matrix[2, 0] == 0
    assert matrix[1, 1] == 1


def test_confusion_matrix_infers_the_number_of_classes_and_accepts_logits():
    logits = np.array([[0.1, 0.9, 0.0], [0.8, 0.1, 0.1]])
    np.testing.assert_array_equal(
        confusion_matrix([1, 2], logits), [[0, 0, 0], [0, 1, 0], [1, 0, 0]]
    )
    assert confusion_matrix([0, 1], [1, 1]).shape == (2, 2)


@pytest.mark.parametrize(
    "y_true, y_pred, n_classes, message",
    [
        ([0, 3], [0, 1], 3, "found label 3 but n_classes=3"),
        ([0, -1], [0, 1], None, "non-negative"),
        ([0, 1], [0], None, "y_true has 2 samples but y_pred has 1"),
    ],
)
def test_confusion_matrix_rejects_bad_labels(y_true, y_pred, n_classes, message):
    with pytest.raises(ValueError, match=message):
        confusion_matrix(y_true, y_pred, n_classes=n_classes)


# ---------------------------------------------------------------- bootstrap
def test_bootstrap_ci_returns_the_full_data_estimate_inside_its_interval():
    rng = np.random.default_rng(0)
    correct = (rng.random(400) < 0.8).astype(float)
    result = bootstrap_ci(correct, rng=np.random.default_rng(1))
    assert isinstance(result, ConfidenceInterval)
    estimate, low, high = result
    assert estimate == pytest.approx(correct.mean())
    assert low < estimate < high
    # Normal approximation of a proportion's 95% interval: +-1.96 * sqrt(p(1-p)/n).
    half_width = 1.96 * np.sqrt(estimate * (1 - estimate) / correct.size)
    assert (high - low) / 2 == pytest.approx(half_width, rel=0.15)


def test_bootstrap_ci_agrees_with_scipy_percentile_bootstrap():
    stats = pytest.importorskip("scipy.stats")
    values = np.random.default_rng(2).exponential(size=300)
    ours = bootstrap_ci(values, np.mean, n_resamples=4000, rng=np.random.default_rng(3))
    theirs = stats.bootstrap(
        (values,), np.mean, n_resamples=4000, method="percentile", rng=np.random.default_rng(4)
    ).confidence_interval
    scale = values.std() / np.sqrt(values.size)
    assert ours.low == pytest.approx(theirs.low, abs=0.1 * scale)
    assert ours.high == pytest.approx(theirs.high, abs=0.1 * scale)


def test_bootstrap_ci_of_paired_labels_resamples_rows_together_and_defaults_to_accuracy():
    rng = np.random.default_rng(5)
    y_true = rng.integers(0, 3, size=300)
    y_pred = np.where(rng.random(300) < 0.75, y_true, (y_true + 1) % 3)
    paired = bootstrap_ci((y_true, y_pred), rng=np.random.default_rng(6))
    per_sample = bootstrap_ci((y_true == y_pred).astype(float), rng=np.random.default_rng(6))
    assert paired.estimate == pytest.approx(accuracy(y_true, y_pred))
    # Same resampling indices -> identical intervals.
    assert paired == pytest.approx(per_sample)


def test_bootstrap_ci_covers_the_true_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(7)
    true_mean = 0.0
    trials = 200
    covered = 0
    for _ in range(trials):
        sample = rng.normal(true_mean, 1.0, size=60)
        _, low, high = bootstrap_ci(sample, n_resamples=200, rng=rng)
        covered += low <= true_mean <= high
    # A percentile bootstrap with n=60 is slightly optimistic; 200 trials give +-3% noise.
    assert 0.87 <= covered / trials <= 0.99


def test_bootstrap_ci_is_reproducible_and_wider_at_higher_confidence():
    values = np.random.default_rng(8).normal(size=100)
    first = bootstrap_ci(values, rng=np.random.default_rng(9))
    second = bootstrap_ci(values, rng=np.random.default_rng(9))
    wider = bootstrap_ci(values, confidence=0.99, rng=np.random.default_rng(9))
    assert first == second
    assert wider.low < first.low and wider.high > first.high


def test_bootstrap_ci_takes_an_int_seed_like_every_rng_of_the_package():
    values = np.random.default_rng(8).normal(size=50)
    assert bootstrap_ci(values, rng=3) == bootstrap_ci(values, rng=np.random.default_rng(3))


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"data": np.array([])}, ValueError, "at least one sample"),
        ({"data": np.ones(5), "confidence": 95}, ValueError, "between 0 and 1"),
        ({"data": np.ones(5), "n_resamples": 0}, ValueError, "n_resamples"),
        ({"data": (np.ones(5), np.ones(4))}, ValueError, "5 samples but y_pred has 4"),
        ({"data": np.ones(5), "rng": 0.5}, TypeError, "an int seed, a numpy.random.Generator or None"),
    ],
)
def test_bootstrap_ci_rejects_bad_arguments(kwargs, error, message):
    kwargs.setdefault("rng", np.random.default_rng(0))
    with pytest.raises(error, match=message):
        bootstrap_ci(**kwargs)


def test_non_finite_score_rows_count_as_wrong_with_a_warning():
    logits = np.full((3, 3), np.nan)  # a diverged model
    with pytest.warns(RuntimeWarning, match="3 of 3 rows of the scores are not finite"):
        assert accuracy([0, 1, 2], logits) == 0.0  # was 0.333: argmax of a NaN row is 0
    mixed = np.array([[0.0, 5.0], [np.inf, 0.0], [3.0, 1.0]])
    with pytest.warns(RuntimeWarning, match="1 of 3 rows"):
        assert accuracy([1, 0, 0], mixed) == pytest.approx(2 / 3)
