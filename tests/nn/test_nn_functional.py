"""Property-based tests: the stable functions stay finite and correct for extreme logits."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from classroom.nn import BCEWithLogitsLoss, CrossEntropyLoss
from classroom.nn import functional as F

EXTREME = 1e4
logit_values = st.floats(min_value=-EXTREME, max_value=EXTREME, allow_nan=False, allow_infinity=False)
logit_matrices = arrays(
    np.float64,
    st.tuples(st.integers(1, 5), st.integers(2, 6)),
    elements=logit_values,
)
FAST = settings(max_examples=60, deadline=None)


def _reference_logsumexp(row):
    """Slow, exact-enough reference: Python's math.fsum on shifted exponentials."""
    import math

    largest = max(row)
    return largest + math.log(math.fsum(math.exp(value - largest) for value in row))


@FAST
@given(logit_matrices)
def test_softmax_of_extreme_logits_is_finite_and_sums_to_one(logits):
    with np.errstate(over="raise", invalid="raise"):
        probabilities = F.softmax(logits, dim=1)
    assert np.all(np.isfinite(probabilities))
    assert np.all((probabilities >= 0) & (probabilities <= 1))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-12)
    # The largest logit always gets the largest probability.
    rows = np.arange(len(logits))
    assert np.all(probabilities[rows, logits.argmax(axis=1)] == probabilities.max(axis=1))


@FAST
@given(logit_matrices)
def test_log_softmax_of_extreme_logits_matches_exact_reference(logits):
    with np.errstate(over="raise", invalid="raise"):
        log_probabilities = F.log_softmax(logits, dim=1)
    assert np.all(np.isfinite(log_probabilities))
    assert np.all(log_probabilities <= 1e-12)
    for row, result in zip(logits, log_probabilities):
        expected = row - _reference_logsumexp(row)
        np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-9)


@FAST
@given(logit_matrices)
def test_logsumexp_is_between_max_and_max_plus_log_n(logits):
    result = F.logsumexp(logits, dim=1)
    largest = logits.max(axis=1)
    assert np.all(result >= largest)
    assert np.all(result <= largest + np.log(logits.shape[1]) + 1e-9)


@FAST
@given(arrays(np.float64, st.integers(1, 20), elements=logit_values))
def test_sigmoid_of_extreme_values_is_finite_and_matches_tanh_identity(x):
    with np.errstate(over="raise", invalid="raise"):
        y = F.sigmoid(x)
    assert np.all((y >= 0) & (y <= 1))
    # sigmoid(x) = (1 + tanh(x / 2)) / 2 is an independent, overflow-free formula.
    np.testing.assert_allclose(y, (1 + np.tanh(x / 2)) / 2, rtol=1e-12, atol=1e-15)
    # Symmetry: sigmoid(-x) = 1 - sigmoid(x).
    np.testing.assert_allclose(F.sigmoid(-x), 1 - y, atol=1e-15)


@FAST
@given(logit_matrices, st.data())
def test_cross_entropy_of_extreme_logits_is_finite_and_exact(logits, data):
    labels = np.array(
        data.draw(
            st.lists(st.integers(0, logits.shape[1] - 1), min_size=len(logits), max_size=len(logits))
        )
    )
    loss_fn = CrossEntropyLoss(reduction="none")
    with np.errstate(over="raise", invalid="raise"):
        losses = loss_fn(logits, labels)
        gradient = loss_fn.backward()
    expected = [_reference_logsumexp(row) - row[label] for row, label in zip(logits, labels)]
    np.testing.assert_allclose(losses, expected, rtol=1e-12, atol=1e-9)
    assert np.all(losses >= 0)
    assert np.all(np.isfinite(gradient))
    # Each row of softmax - one_hot sums to zero.
    np.testing.assert_allclose(gradient.sum(axis=1), 0.0, atol=1e-12)


@FAST
@given(arrays(np.float64, st.integers(1, 20), elements=logit_values), st.data())
def test_bce_with_logits_of_extreme_logits_is_finite_and_exact(logits, data):
    n = len(logits)
    target = np.array(data.draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=n, max_size=n)))
    loss_fn = BCEWithLogitsLoss(reduction="none")
    with np.errstate(over="raise", invalid="raise"):
        losses = loss_fn(logits, target)
        gradient = loss_fn.backward()
    # -log(sigmoid(z)) with z = +x for positives and -x for negatives equals log1p(exp(-z)),
    # which is exactly -z for very negative z and 0 for very positive z.
    signed = np.where(target == 1.0, logits, -logits)
    expected = np.where(signed < -30, -signed, np.log1p(np.exp(-np.clip(signed, -30, None))))
    np.testing.assert_allclose(losses, expected, rtol=1e-12, atol=1e-300)
    assert np.all(np.abs(gradient) <= 1.0)


def test_softmax_and_sigmoid_work_in_float32_with_extreme_values():
    logits = np.array([[1e4, -1e4, 0.0]], dtype=np.float32)
    assert F.softmax(logits).dtype == np.float32
    np.testing.assert_allclose(F.softmax(logits), [[1.0, 0.0, 0.0]])
    assert F.sigmoid(np.float32([1e4, -1e4])).dtype == np.float32


def test_logsumexp_of_all_minus_infinity_is_minus_infinity():
    assert F.logsumexp(np.array([-np.inf, -np.inf])) == -np.inf


@pytest.mark.torch
def test_functional_matches_pytorch(rng, torch):
    x = rng.standard_normal((4, 5)) * 50
    x_torch = torch.from_numpy(x)
    np.testing.assert_allclose(
        F.softmax(x, dim=0), torch.softmax(x_torch, dim=0).numpy(), rtol=1e-12, atol=1e-300
    )
    np.testing.assert_allclose(
        F.log_softmax(x), torch.log_softmax(x_torch, dim=-1).numpy(), rtol=1e-12, atol=1e-13
    )
    np.testing.assert_allclose(F.logsumexp(x, dim=1), torch.logsumexp(x_torch, dim=1).numpy(), rtol=1e-12)
    np.testing.assert_allclose(F.sigmoid(x), torch.sigmoid(x_torch).numpy(), rtol=1e-12, atol=1e-300)
    # PyTorch's softplus returns x itself above x = 20 (an error up to 2e-9); ours keeps log1p(exp(-x)).
    np.testing.assert_allclose(F.softplus(x), torch.nn.functional.softplus(x_torch).numpy(), rtol=1e-9)
