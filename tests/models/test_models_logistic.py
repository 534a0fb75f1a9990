"""Tests of the from-scratch logistic regressions, including agreement with scikit-learn."""

import numpy as np
import pytest

from classroom.models.logistic import BinaryLogisticRegression, SoftmaxRegression


def _synthetic_blobs(rng, n_per_class, n_classes, n_features, separation):
    """Synthetic Gaussian blobs (unit variance), class ``k`` centred at ``separation * e_k``."""
    centres = separation * np.eye(n_classes, n_features)
    X = np.concatenate([centre + rng.standard_normal((n_per_class, n_features)) for centre in centres])
    y = np.repeat(np.arange(n_classes), n_per_class)
    return X, y


def test_binary_logistic_regression_fits_separable_synthetic_data(rng):
    X, y = _synthetic_blobs(rng, 50, 2, 3, separation=6.0)
    model = BinaryLogisticRegression(3, rng=rng)
    history = model.fit(X, y, lr=0.5, epochs=300, weight_decay=1e-3)
    assert len(history) == 300
    assert history[-1] < history[0] / 5
    assert np.all(np.diff(history) <= 1e-12)  # gradient descent with a small step never goes up
    assert np.mean(model.predict(X) == y) == 1.0
    probabilities = model.predict_proba(X)
    assert probabilities.shape == (100, 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert model.coef_.shape == (1, 3)
    assert model.intercept_.shape == (1,)


def test_softmax_regression_fits_separable_synthetic_data(rng):
    X, y = _synthetic_blobs(rng, 40, 4, 5, separation=6.0)
    model = SoftmaxRegression(5, 4, rng=rng)
    history = model.fit(X, y, lr=0.5, epochs=300, weight_decay=1e-3)
    assert history[-1] < history[0] / 5
    assert np.mean(model.predict(X) == y) == 1.0
    assert model.predict_proba(X).shape == (160, 4)
    assert model.coef_.shape == (4, 5)
    assert model.intercept_.shape == (4,)


@pytest.mark.parametrize("weight_decay", [0.1, 0.01])
def test_binary_coefficients_match_sklearn_with_the_same_l2_penalty(weight_decay, rng):
    sklearn_linear_model = pytest.importorskip("sklearn.linear_model")
    # Synthetic overlapping classes so the penalised optimum is well defined.
    X, y = _synthetic_blobs(rng, 60, 2, 4, separation=1.0)
    model = BinaryLogisticRegression(4, rng=rng)
    model.fit(X, y, lr=1.0, epochs=3000, weight_decay=weight_decay)
    sklearn_C = 1 / (weight_decay * len(X))
    reference = sklearn_linear_model.LogisticRegression(C=sklearn_C, tol=1e-12, max_iter=10_000)
    reference.fit(X, y)
    np.testing.assert_allclose(model.coef_, reference.coef_, atol=1e-4)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, atol=1e-4)
    np.testing.assert_allclose(model.predict_proba(X), reference.predict_proba(X), atol=1e-4)


def test_softmax_coefficients_match_sklearn_multinomial_with_the_same_l2_penalty(rng):
    sklearn_linear_model = pytest.importorskip("sklearn.linear_model")
    weight_decay = 0.05
    X, y = _synthetic_blobs(rng, 40, 3, 4, separation=1.5)
    model = SoftmaxRegression(4, 3, rng=rng)
    model.fit(X, y, lr=1.0, epochs=3000, weight_decay=weight_decay)
    sklearn_C = 1 / (weight_decay * len(X))
    reference = sklearn_linear_model.LogisticRegression(C=sklearn_C, tol=1e-12, max_iter=10_000)
    reference.fit(X, y)
    np.testing.assert_allclose(model.coef_, reference.coef_, atol=1e-4)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, atol=1e-4)


def test_binary_logistic_regression_rejects_more_than_two_classes():
    model = BinaryLogisticRegression(2, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"labels 0 and 1, got values \[0, 1, 2\].*SoftmaxRegression"):
        model.fit(np.zeros((3, 2)), np.array([0, 1, 2]))


def test_logistic_regression_wrong_feature_count_names_both_shapes():
    model = SoftmaxRegression(3, 2, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"\(n_samples, 3\), got \(5, 4\)"):
        model.predict(np.zeros((5, 4)))


def test_softmax_regression_float_labels_raise_type_error():
    model = SoftmaxRegression(2, 3, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="integer class labels"):
        model.fit(np.zeros((2, 2)), np.array([0.0, 1.0]), epochs=1)
