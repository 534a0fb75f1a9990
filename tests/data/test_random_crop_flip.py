"""random_crop_flip on SYNTHETIC patterns."""

from __future__ import annotations

import numpy as np
import pytest

from classroom.data import random_crop_flip


def pattern(batch=6, channels=3, height=5, width=7, dtype=np.float32):
    """Distinct value at every position: value = 1 + index (so zero only means padding)."""
    return (np.arange(batch * channels * height * width, dtype=dtype) + 1).reshape(batch, channels, height, width)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shape_and_dtype_kept_and_input_untouched(rng, dtype):
    images = pattern(dtype=dtype)
    before = images.copy()
    out = random_crop_flip(images, padding=2, rng=rng)
    assert out.shape == images.shape and out.dtype == dtype
    np.testing.assert_array_equal(images, before)


def test_without_padding_each_image_is_itself_or_its_mirror(rng):
    images = pattern(batch=40)
    out = random_crop_flip(images, padding=0, rng=rng)
    flipped = np.array([np.array_equal(o, i[..., ::-1]) for o, i in zip(out, images)])
    kept = np.array([np.array_equal(o, i) for o, i in zip(out, images)])
    assert np.all(flipped | kept)
    assert 5 < flipped.sum() < 35


def test_flip_probability_one_mirrors_every_image(rng):
    images = pattern()
    np.testing.assert_array_equal(random_crop_flip(images, 0, rng=rng, flip_probability=1.0), images[..., ::-1])


def test_crops_are_shifted_windows_of_the_zero_padded_image(rng):
    images = pattern(batch=30, height=6, width=6)
    padding = 2
    out = random_crop_flip(images, padding, rng=rng, flip_probability=0.0)
    padded = np.pad(images, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    shifts_seen = set()
    for n in range(len(images)):
        matches = [
            (dy, dx)
            for dy in range(2 * padding + 1)
            for dx in range(2 * padding + 1)
            if np.array_equal(out[n], padded[n, :, dy : dy + 6, dx : dx + 6])
        ]
        assert len(matches) == 1
        shifts_seen.add(matches[0])
    assert len(shifts_seen) > 5, "offsets vary across the batch"


def test_same_seed_same_augmentation():
    images = pattern()
    a = random_crop_flip(images, 3, rng=np.random.default_rng(11))
    b = random_crop_flip(images, 3, rng=np.random.default_rng(11))
    c = random_crop_flip(images, 3, rng=np.random.default_rng(12))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("images, padding, message", [
    (np.zeros((2, 3, 4), dtype=np.float32), 1, "batch, channels, height, width"),
    (np.zeros((2, 3, 4, 4), dtype=np.uint8), 1, "floating-point"),
    (np.zeros((2, 3, 4, 4), dtype=np.float32), -1, "non-negative"),
])
def test_bad_input_is_rejected(rng, images, padding, message):
    with pytest.raises(ValueError, match=message):
        random_crop_flip(images, padding, rng=rng)
