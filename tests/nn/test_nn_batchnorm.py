"""BatchNorm1d/2d: finite differences, PyTorch parity in train and eval, running statistics."""

from __future__ import annotations

import numpy as np
import pytest
from gradient_helpers import assert_gradients_match_torch, copy_parameters_to_torch, to_torch

from classroom.nn.gradcheck import check_module_gradients
from classroom.nn.batchnorm import BatchNorm1d, BatchNorm2d


def randomised_batchnorm(layer_class, channels, rng):
    """A float64 batch norm whose weight and bias are not the trivial 1 and 0."""
    layer = layer_class(channels, dtype=np.float64)
    layer.weight.data[:] = rng.uniform(0.5, 1.5, channels)
    layer.bias.data[:] = rng.uniform(-0.5, 0.5, channels)
    return layer


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize(
    "layer_class, shape",
    [(BatchNorm2d, (4, 3, 3, 3)), (BatchNorm2d, (2, 2, 5, 4)), (BatchNorm1d, (6, 4)), (BatchNorm1d, (3, 2, 5))],
)
def test_batchnorm_backward_matches_finite_differences(rng, layer_class, shape, training):
    layer = randomised_batchnorm(layer_class, shape[1], rng)
    layer.running_mean[:] = rng.standard_normal(shape[1])
    layer.running_var[:] = rng.uniform(0.5, 2.0, shape[1])
    layer.train(training)
    x = rng.normal(1.0, 2.0, size=shape)
    assert check_module_gradients(layer, x, rng=rng).passed


@pytest.mark.torch
@pytest.mark.parametrize("momentum", [0.1, 0.3, None])
@pytest.mark.parametrize(
    "layer_class, shape",
    [(BatchNorm2d, (8, 4, 6, 6)), (BatchNorm2d, (3, 5, 3, 7)), (BatchNorm1d, (16, 6)), (BatchNorm1d, (4, 3, 5))],
)
def test_batchnorm_train_then_eval_matches_pytorch(torch, rng, layer_class, shape, momentum):
    layer = randomised_batchnorm(layer_class, shape[1], rng)
    layer.momentum = momentum
    torch_class = torch.nn.BatchNorm2d if layer_class is BatchNorm2d else torch.nn.BatchNorm1d
    reference = torch_class(shape[1], momentum=momentum).double()
    copy_parameters_to_torch(torch, layer, reference)

    for _ in range(3):  # several steps, so the running statistics accumulate
        x = rng.normal(2.0, 3.0, size=shape)
        x_torch = to_torch(torch, x).requires_grad_()
        out, out_torch = layer(x), reference(x_torch)
        np.testing.assert_allclose(out, out_torch.detach().numpy(), rtol=1e-9, atol=1e-9)
        grad_output = rng.standard_normal(shape)
        layer.zero_grad()
        reference.zero_grad()
        out_torch.backward(to_torch(torch, grad_output))
        np.testing.assert_allclose(layer.backward(grad_output), x_torch.grad.numpy(), rtol=1e-8, atol=1e-9)
        assert_gradients_match_torch(torch, layer, reference, rtol=1e-9, atol=1e-9)

    np.testing.assert_allclose(layer.running_mean, reference.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.running_var, reference.running_var.numpy(), rtol=1e-12)
    assert int(layer.num_batches_tracked) == int(reference.num_batches_tracked) == 3

    layer.eval()
    reference.eval()
    x = rng.normal(2.0, 3.0, size=shape)
    x_torch = to_torch(torch, x).requires_grad_()
    out, out_torch = layer(x), reference(x_torch)
    np.testing.assert_allclose(out, out_torch.detach().numpy(), rtol=1e-10, atol=1e-10)
    grad_output = rng.standard_normal(shape)
    out_torch.backward(to_torch(torch, grad_output))
    np.testing.assert_allclose(layer.backward(grad_output), x_torch.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_batchnorm2d_training_output_is_normalised_per_channel(rng):
    layer = BatchNorm2d(3)
    x = rng.normal([1.0, -4.0, 10.0], [0.5, 2.0, 7.0], size=(16, 5, 5, 3)).transpose(0, 3, 1, 2).astype(np.float32)
    out = layer(x)
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), 1.0, atol=1e-3)
    assert out.dtype == np.float32


def test_batchnorm2d_running_var_is_unbiased(rng):
    layer = BatchNorm2d(2, momentum=1.0, dtype=np.float64)
    x = rng.standard_normal((3, 2, 2, 2))
    layer(x)
    np.testing.assert_allclose(layer.running_var, x.var(axis=(0, 2, 3), ddof=1))
    np.testing.assert_allclose(layer.running_mean, x.mean(axis=(0, 2, 3)))


def test_batchnorm2d_eval_does_not_update_running_stats(rng):
    layer = BatchNorm2d(2).eval()
    layer(rng.standard_normal((4, 2, 3, 3)).astype(np.float32))
    np.testing.assert_array_equal(layer.running_mean, 0.0)
    np.testing.assert_array_equal(layer.running_var, 1.0)
    assert int(layer.num_batches_tracked) == 0


def test_batchnorm2d_buffers_are_in_state_dict():
    keys = list(BatchNorm2d(4).state_dict())
    assert keys == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]


def test_batchnorm2d_without_affine_has_no_parameters(rng):
    layer = BatchNorm2d(3, affine=False)
    assert layer.parameters() == []
    out = layer(rng.standard_normal((4, 3, 2, 2)).astype(np.float32))
    assert out.shape == (4, 3, 2, 2)


@pytest.mark.parametrize("shape", [(4, 3, 5), (4, 5, 5, 5), (4, 3)])
def test_batchnorm2d_rejects_wrong_shapes(shape):
    with pytest.raises(ValueError, match=r"\(batch, channels, height, width\) with channels=3"):
        BatchNorm2d(3)(np.zeros(shape, dtype=np.float32))


def test_batchnorm1d_rejects_images():
    with pytest.raises(ValueError, match=r"\(batch, channels\) or \(batch, channels, length\)"):
        BatchNorm1d(3)(np.zeros((2, 3, 4, 4), dtype=np.float32))


def test_batchnorm_training_with_one_value_per_channel_raises():
    with pytest.raises(ValueError, match="more than one value per channel"):
        BatchNorm1d(3)(np.zeros((1, 3), dtype=np.float32))
