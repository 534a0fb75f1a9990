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
