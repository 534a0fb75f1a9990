"""to_float_nchw / normalize and the Iris loader."""

from __future__ import annotations

import numpy as np
import pytest

from classroom.data import CIFAR10_MEAN, CIFAR10_STD, load_iris, normalize, to_float_nchw


def test_to_float_nchw_moves_channels_and_scales(rng):
    images = rng.integers(0, 256, size=(4, 5, 6, 3), dtype=np.uint8)  # synthetic
    x = to_float_nchw(images)
    assert x.shape == (4, 3, 5, 6) and x.dtype == np.float32 and x.flags.c_contiguous
    np.testing.assert_allclose(x[1, 2, 3, 4], images[1, 3, 4, 2] / 255.0, rtol=1e-6)
    assert to_float_nchw(images[..., 0]).shape == (4, 1, 5, 6)


def test_to_float_nchw_rejects_float_input():
    with pytest.raises(ValueError, match="uint8"):
        to_float_nchw(np.zeros((1, 2, 2, 3)))


def test_normalize_standardises_each_channel(rng):
    x = rng.normal(size=(8, 3, 4, 4)).astype(np.float32)
    out = normalize(x, CIFAR10_MEAN, CIFAR10_STD)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[:, 2], (x[:, 2] - CIFAR10_MEAN[2]) / CIFAR10_STD[2], rtol=1e-5)
    np.testing.assert_allclose(normalize(x[:, :1], 0.5, 2.0), (x[:, :1] - 0.5) / 2.0, rtol=1e-6)


def test_normalize_rejects_wrong_channel_count():
    with pytest.raises(ValueError, match="3 channels, got 2 means"):
        normalize(np.zeros((1, 3, 2, 2)), [0.5, 0.5], [0.2, 0.2, 0.2])
    with pytest.raises(ValueError, match="std must be positive"):
        normalize(np.zeros((1, 3, 2, 2)), 0.5, [0.2, 0.0, 0.2])


def test_iris_has_150_flowers_50_per_species():
    iris = load_iris()
    assert iris.data.shape == (150, 4) and iris.data.dtype == np.float64
    assert iris.target.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(iris.target), [50, 50, 50])
    assert iris.target_names == ["setosa", "versicolor", "virginica"]
    assert len(iris.feature_names) == 4
    np.testing.assert_allclose(iris.data[0], [5.1, 3.5, 1.4, 0.2])
    np.testing.assert_allclose(iris.data.mean(axis=0), [5.843, 3.057, 3.758, 1.199], atol=1e-3)


def test_iris_matches_scikit_learn_copy():
    datasets = pytest.importorskip("sklearn.datasets", reason="scikit-learn is only a test oracle")
    reference = datasets.load_iris()
    iris = load_iris()
    np.testing.assert_array_equal(iris.data, reference.data)
    np.testing.assert_array_equal(iris.target, reference.target)
    assert iris.feature_names == list(reference.feature_names)


# ---------------------------------------------------------------- resize_images (synthetic images)
from classroom.data import resize_images  # noqa: E402


@pytest.mark.parametrize("size", [7, 16, 24, 40, 64, (20, 48)])
def test_resize_images_matches_pillow_bilinear(rng, size):
    from PIL import Image

    images = rng.random((2, 3, 32, 32)).astype(np.float32)  # synthetic
    ours = resize_images(images, size)
    height, width = (size, size) if isinstance(size, int) else size
    assert ours.shape == (2, 3, height, width) and ours.dtype == np.float32
    for n in range(2):
        for c in range(3):
            pillow = np.asarray(Image.fromarray(images[n, c], mode="F").resize((width, height), Image.BILINEAR))
            np.testing.assert_allclose(ours[n, c], pillow, atol=1e-5)


def test_resize_images_keeps_constants_and_same_size(rng):
    constant = np.full((1, 2, 9, 13), -0.75, dtype=np.float64)
    np.testing.assert_allclose(resize_images(constant, (4, 30)), -0.75)
    images = rng.random((3, 1, 8, 8)).astype(np.float32)
    same = resize_images(images, 8)
    np.testing.assert_array_equal(same, images)
    assert same is not images


def test_resize_images_halving_averages_and_doubling_interpolates():
    row = np.arange(4, dtype=np.float64).reshape(1, 1, 1, 4)  # 0 1 2 3
    # Enlarging: output centres at 0.25, 0.75, ... input pixels -> linear interpolation, clamped at the ends.
    np.testing.assert_allclose(resize_images(row, (1, 8))[0, 0, 0], [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3])
    # Shrinking by 2: a triangle of half-width 2 pixels, renormalised at the border.
    np.testing.assert_allclose(resize_images(row, (1, 2))[0, 0, 0], [(0.75 * 0 + 0.75 * 1 + 0.25 * 2) / 1.75,
                                                                     (0.25 * 1 + 0.75 * 2 + 0.75 * 3) / 1.75])


def test_resize_images_rejects_bad_input():
    with pytest.raises(ValueError, match="NCHW"):
        resize_images(np.zeros((3, 8, 8), dtype=np.float32), 4)
    with pytest.raises(ValueError, match="floating-point"):
        resize_images(np.zeros((1, 3, 8, 8), dtype=np.uint8), 4)
    with pytest.raises(ValueError, match="size"):
        resize_images(np.zeros((1, 3, 8, 8), dtype=np.float32), 0)
