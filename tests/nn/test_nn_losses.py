"""Tests of the losses: gradients, PyTorch parity, reductions and input errors."""

import numpy as np
import pytest

from classroom.nn.gradcheck import numerical_gradient
from classroom.nn import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss

REDUCTIONS = ["mean", "sum", "none"]


def _check_loss_gradient(loss_fn, prediction, target, rng):
    """Compare loss_fn.backward with central differences of a (projected) loss."""
    loss = loss_fn(prediction, target)
    if loss_fn.reduction == "none":
        seed = rng.standard_normal(np.shape(loss))
    else:
        seed = np.array(rng.standard_normal())
    analytic = loss_fn.backward(seed)

    def projected(values):
        return float(np.sum(np.asarray(loss_fn(values, target)) * seed))

    numerical = numerical_gradient(projected, prediction.copy())
    np.testing.assert_allclose(analytic, numerical, rtol=1e-5, atol=1e-8)


# ------------------------------------------------------------ cross-entropy
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("n_samples, n_classes", [(4, 3), (1, 5), (7, 2)])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy_backward_matches_finite_differences(
    reduction, n_samples, n_classes, label_smoothing, rng
):
    logits = rng.standard_normal((n_samples, n_classes)) * 2
    labels = rng.integers(0, n_classes, size=n_samples)
    loss_fn = CrossEntropyLoss(reduction=reduction, label_smoothing=label_smoothing)
    _check_loss_gradient(loss_fn, logits, labels, rng)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_with_probability_targets_matches_finite_differences(reduction, rng):
    logits = rng.standard_normal((5, 4))
    probabilities = rng.dirichlet(np.ones(4), size=5)
    _check_loss_gradient(CrossEntropyLoss(reduction=reduction), logits, probabilities, rng)


@pytest.mark.torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("target_kind", ["labels", "probabilities"])
def test_cross_entropy_forward_and_backward_match_pytorch(
    reduction, label_smoothing, target_kind, rng, torch
):
    logits = rng.standard_normal((6, 4)) * 3
    if target_kind == "labels":
        target = rng.integers(0, 4, size=6)
    else:
        target = rng.dirichlet(np.ones(4), size=6)
    ours = CrossEntropyLoss(reduction=reduction, label_smoothing=label_smoothing)
    theirs = torch.nn.CrossEntropyLoss(reduction=reduction, label_smoothing=label_smoothing)

    logits_torch = torch.from_numpy(logits).requires_grad_(True)
    loss_torch = theirs(logits_torch, torch.from_numpy(target))
    seed = rng.standard_normal(tuple(loss_torch.shape))
    loss_torch.backward(torch.from_numpy(np.asarray(seed)))

    loss = ours(logits, target)
    np.testing.assert_allclose(loss, loss_torch.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.backward(seed), logits_torch.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_cross_entropy_mean_returns_a_float_and_none_returns_per_sample_array(rng):
    logits = rng.standard_normal((3, 4))
    labels = np.array([0, 1, 3])
    loss = CrossEntropyLoss()(logits, labels)
    assert isinstance(loss, float)
    assert loss.item() == loss  # PyTorch-style .item() works too
    per_sample = CrossEntropyLoss(reduction="none")(logits, labels)
    assert per_sample.shape == (3,)
    assert CrossEntropyLoss(reduction="sum")(logits, labels) == pytest.approx(per_sample.sum())


def test_cross_entropy_gradient_is_softmax_minus_one_hot_over_batch():
    logits = np.array([[0.0, 0.0], [np.log(3.0), 0.0]])
    loss_fn = CrossEntropyLoss()
    loss_fn(logits, np.array([0, 1]))
    expected = np.array([[0.5 - 1, 0.5], [0.75, 0.25 - 1]]) / 2
    np.testing.assert_allclose(loss_fn.backward(), expected)


def test_cross_entropy_float_labels_raise_type_error_with_fix():
    with pytest.raises(TypeError, match=r"integer class labels.*float64.*astype\(np.int64\)"):
        CrossEntropyLoss()(np.zeros((2, 3)), np.array([0.0, 1.0]))


@pytest.mark.parametrize("bad_label", [3, -1])
def test_cross_entropy_label_out_of_range_names_label_and_range(bad_label):
    with pytest.raises(ValueError, match=rf"label {bad_label}.*\[0, 3\)"):
        CrossEntropyLoss()(np.zeros((2, 3)), np.array([0, bad_label]))


def test_cross_entropy_label_count_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(5,\).*expected labels of shape \(4,\)"):
        CrossEntropyLoss()(np.zeros((4, 3)), np.zeros(5, dtype=np.int64))


def test_cross_entropy_one_dimensional_logits_raise_with_shape():
    with pytest.raises(ValueError, match=r"\(N, C\), got \(3,\)"):
        CrossEntropyLoss()(np.zeros(3), np.array([0]))


def test_cross_entropy_backward_before_forward_raises_runtime_error():
    with pytest.raises(RuntimeError, match="before forward"):
        CrossEntropyLoss().backward()


def test_cross_entropy_invalid_reduction_raises():
    with pytest.raises(ValueError, match="'none', 'mean' or 'sum'"):
        CrossEntropyLoss(reduction="average")


def test_cross_entropy_keeps_float32_gradient(rng):
    loss_fn = CrossEntropyLoss()
    loss_fn(rng.standard_normal((3, 4)).astype(np.float32), np.array([0, 1, 2]))
    assert loss_fn.backward().dtype == np.float32


# ------------------------------------------------------------- BCE on logits
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5,), (4, 3)])
@pytest.mark.parametrize("use_pos_weight", [False, True])
def test_bce_with_logits_backward_matches_finite_differences(reduction, shape, use_pos_weight, rng):
    logits = rng.standard_normal(shape) * 2
    target = rng.random(shape)  # soft targets in [0, 1] are allowed too
    pos_weight = rng.uniform(0.5, 3.0, size=shape[-1]) if use_pos_weight else None
    _check_loss_gradient(BCEWithLogitsLoss(reduction=reduction, pos_weight=pos_weight), logits, target, rng)


@pytest.mark.torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("use_pos_weight", [False, True])
def test_bce_with_logits_forward_and_backward_match_pytorch(reduction, use_pos_weight, rng, torch):
    logits = rng.standard_normal((6, 3)) * 4
    target = (rng.random((6, 3)) > 0.5).astype(np.float64)
    pos_weight = rng.uniform(0.5, 3.0, size=3) if use_pos_weight else None
    ours = BCEWithLogitsLoss(reduction=reduction, pos_weight=pos_weight)
    theirs = torch.nn.BCEWithLogitsLoss(
        reduction=reduction, pos_weight=None if pos_weight is None else torch.from_numpy(pos_weight)
    )
    logits_torch = torch.from_numpy(logits).requires_grad_(True)
    loss_torch = theirs(logits_torch, torch.from_numpy(target))
    seed = rng.standard_normal(tuple(loss_torch.shape))
    loss_torch.backward(torch.from_numpy(np.asarray(seed)))

    np.testing.assert_allclose(ours(logits, target), loss_torch.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.backward(seed), logits_torch.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_bce_with_logits_integer_targets_raise_type_error_with_fix():
    with pytest.raises(TypeError, match=r"floating-point targets.*int64.*astype"):
        BCEWithLogitsLoss()(np.zeros(3), np.array([0, 1, 1]))


def test_bce_with_logits_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(4, 1\).*got \(4,\)"):
        BCEWithLogitsLoss()(np.zeros((4, 1)), np.zeros(4))


# ---------------------------------------------------------------------- MSE
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 2, 3)])
def test_mse_backward_matches_finite_differences(reduction, shape, rng):
    prediction, target = rng.standard_normal(shape), rng.standard_normal(shape)
    _check_loss_gradient(MSELoss(reduction=reduction), prediction, target, rng)


@pytest.mark.torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_forward_and_backward_match_pytorch(reduction, rng, torch):
    prediction = rng.standard_normal((4, 3))
    target = rng.standard_normal((4, 3))
    prediction_torch = torch.from_numpy(prediction).requires_grad_(True)
    loss_torch = torch.nn.MSELoss(reduction=reduction)(prediction_torch, torch.from_numpy(target))
    seed = rng.standard_normal(tuple(loss_torch.shape))
    loss_torch.backward(torch.from_numpy(np.asarray(seed)))
    ours = MSELoss(reduction=reduction)
    np.testing.assert_allclose(ours(prediction, target), loss_torch.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.backward(seed), prediction_torch.grad.numpy(), rtol=1e-12)


def test_mse_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(8, 1\).*got \(8,\)"):
        MSELoss()(np.zeros((8, 1)), np.zeros(8))


def test_mse_backward_without_argument_uses_seed_one(rng):
    prediction, target = rng.standard_normal(4), rng.standard_normal(4)
    loss_fn = MSELoss()
    loss_fn(prediction, target)
    np.testing.assert_allclose(loss_fn.backward(), 2 * (prediction - target) / 4)
    np.testing.assert_allclose(loss_fn.backward(3.0), 3 * 2 * (prediction - target) / 4)


def test_scalar_loss_backward_rejects_array_grad_output(rng):
    loss_fn = MSELoss()
    loss_fn(rng.standard_normal(4), rng.standard_normal(4))
    with pytest.raises(ValueError, match="scalar grad_output"):
        loss_fn.backward(np.ones(4))
