"""batches() on SYNTHETIC arrays."""

from __future__ import annotations

import numpy as np
import pytest

from classroom.data import batches


@pytest.mark.parametrize("n_samples, batch_size, drop_last, sizes", [
    (10, 3, False, [3, 3, 3, 1]),
    (10, 3, True, [3, 3, 3]),
    (9, 3, True, [3, 3, 3]),
    (2, 5, False, [2]),
    (2, 5, True, []),
])
def test_batch_sizes(n_samples, batch_size, drop_last, sizes, rng):
    x = np.arange(n_samples)
    got = [len(xb) for (xb,) in batches(x, batch_size=batch_size, rng=rng, drop_last=drop_last)]
    assert got == sizes


def test_unshuffled_batches_are_views_in_order():
    x = np.arange(20).reshape(10, 2)
    y = np.arange(10)
    result = list(batches(x, y, batch_size=4, shuffle=False))
    np.testing.assert_array_equal(result[0][1], [0, 1, 2, 3])
    assert np.shares_memory(result[0][0], x)


def test_shuffled_batches_keep_pairs_together_and_cover_everything(rng):
    x = np.arange(50) * 10
    y = np.arange(50)
    seen = []
    for xb, yb in batches(x, y, batch_size=8, rng=rng):
        np.testing.assert_array_equal(xb, yb * 10)
        seen.extend(yb.tolist())
    assert sorted(seen) == list(range(50))
    assert seen != list(range(50))


def test_seeded_generators_give_identical_order():
    y = np.arange(30)
    first = [yb for (yb,) in batches(y, batch_size=7, rng=np.random.default_rng(5))]
    second = [yb for (yb,) in batches(y, batch_size=7, rng=np.random.default_rng(5))]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_each_pass_draws_a_new_order_from_the_same_generator(rng):
    y = np.arange(30)
    first = np.concatenate([yb for (yb,) in batches(y, batch_size=30, rng=rng)])
    second = np.concatenate([yb for (yb,) in batches(y, batch_size=30, rng=rng)])
    assert not np.array_equal(first, second)


def test_mismatched_lengths_and_bad_batch_size_are_rejected():
    with pytest.raises(ValueError, match=r"lengths \[3, 4\]"):
        next(batches(np.zeros(3), np.zeros(4), batch_size=2))
    with pytest.raises(ValueError, match="positive int"):
        next(batches(np.zeros(3), batch_size=0))
    with pytest.raises(ValueError, match="at least one array"):
        next(batches(batch_size=2))
