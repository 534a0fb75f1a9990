"""stratified_split on SYNTHETIC label vectors."""

from __future__ import annotations

import numpy as np
import pytest

from classroom.data import stratified_split


@pytest.mark.parametrize("fractions", [(0.8, 0.1, 0.1), (0.5, 0.5), (0.7, 0.2, 0.1), (1.0,)])
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_parts_are_disjoint_cover_everything_and_keep_proportions(rng, fractions, seed):
    labels = rng.choice(5, size=997, p=[0.4, 0.3, 0.15, 0.1, 0.05])
    parts = stratified_split(labels, fractions, seed=seed)
    assert len(parts) == len(fractions)
    joined = np.concatenate(parts)
    assert len(joined) == len(labels) and len(np.unique(joined)) == len(labels)
    for part, fraction in zip(parts, fractions):
        assert part.dtype == np.int64
        assert np.all(np.diff(part) > 0), "indices are sorted"
        for label in range(5):
            in_class = np.count_nonzero(labels == label)
            assert abs(np.count_nonzero(labels[part] == label) - fraction * in_class) < 1.0


def test_same_seed_same_split_and_other_seed_differs():
    labels = np.repeat(np.arange(3), 40)
    first = stratified_split(labels, seed=3)
    again = stratified_split(labels, seed=3)
    other = stratified_split(labels, seed=4)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[1], other[1])


def test_every_class_reaches_every_part_when_possible():
    labels = np.array([0] * 100 + [1] * 3 + [2] * 5)  # class 1 has just 3 samples for 3 parts
    parts = stratified_split(labels, (0.8, 0.1, 0.1), seed=0)
    for part in parts:
        assert set(labels[part]) == {0, 1, 2}


def test_too_small_class_goes_to_largest_parts_first():
    labels = np.array([0] * 50 + [1])
    train, val, test = stratified_split(labels, (0.8, 0.1, 0.1), seed=0)
    assert 50 in train


def test_string_labels_are_accepted():
    labels = np.array(["cat", "dog"] * 10)
    train, test = stratified_split(labels, (0.5, 0.5), seed=0)
    assert sorted(labels[test].tolist()) == ["cat"] * 5 + ["dog"] * 5


@pytest.mark.parametrize(
    "fractions, message",
    [((0.5, 0.4), "sum to 1"), ((1.2, -0.2), "non-negative"), ((), "non-empty")],
)
def test_bad_fractions_are_rejected(fractions, message):
    with pytest.raises(ValueError, match=message):
        stratified_split(np.zeros(10), fractions)


def test_two_dimensional_labels_are_rejected():
    with pytest.raises(ValueError, match="1-D"):
        stratified_split(np.zeros((10, 2)))
