"""A batch of 0 samples: every layer and loss returns empty arrays of the right shape, as PyTorch does.

The last batch of a filtered or split dataset can be empty. PyTorch accepts
it: the output, the input gradient and every ``(0, ...)`` array in between
are empty, and the parameter gradients are zeros of the parameters' shapes
(nothing was added to them). Each case below is checked against those
shapes without PyTorch, and against PyTorch itself where it is installed.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from gradient_helpers import to_torch

from classroom.nn import (
    AdaptiveAvgPool2d,
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    BCEWithLogitsLoss,
    Conv2d,
    ConvTranspose2d,
    CrossEntropyLoss,
    Dropout,
    Flatten,
    LeakyReLU,
    Linear,
    MaxPool2d,
    MSELoss,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
    Unflatten,
    parallel,
)

F64 = {"dtype": np.float64}

#: name -> (our layer, the PyTorch layer, input shape with a batch of 0, training mode)
LAYERS = {
    "linear": (lambda: Linear(40, 10, **F64), lambda t: t.nn.Linear(40, 10), (0, 40), True),
    "linear_leading_axes": (lambda: Linear(4, 3, **F64), lambda t: t.nn.Linear(4, 3), (0, 5, 4), True),
    # The reported failure: "cannot reshape array of size 0 into shape (0,newaxis)".
    "conv2d_padded": (lambda: Conv2d(1, 3, 3, padding=1, **F64),
                      lambda t: t.nn.Conv2d(1, 3, 3, padding=1), (0, 1, 1, 40), True),
    # Stride 2: the input gradient by col2im; stride 1 with in >= out channels: by a flipped convolution.
    "conv2d_stride2": (lambda: Conv2d(4, 2, 3, stride=2, **F64),
                       lambda t: t.nn.Conv2d(4, 2, 3, stride=2), (0, 4, 9, 9), True),
    "conv2d_stride1": (lambda: Conv2d(4, 2, 3, padding=1, bias=False, **F64),
                       lambda t: t.nn.Conv2d(4, 2, 3, padding=1, bias=False), (0, 4, 6, 6), True),
    "conv_transpose2d": (lambda: ConvTranspose2d(4, 2, 4, stride=2, padding=1, **F64),
                         lambda t: t.nn.ConvTranspose2d(4, 2, 4, stride=2, padding=1), (0, 4, 5, 5), True),
    "max_pool2d": (lambda: MaxPool2d(2), lambda t: t.nn.MaxPool2d(2), (0, 3, 8, 8), True),
    "max_pool2d_padded": (lambda: MaxPool2d(3, 2, 1), lambda t: t.nn.MaxPool2d(3, 2, 1), (0, 3, 7, 7), True),
    "avg_pool2d_padded": (lambda: AvgPool2d(3, 2, 1), lambda t: t.nn.AvgPool2d(3, 2, 1), (0, 3, 7, 7), True),
    "adaptive_avg_pool2d": (lambda: AdaptiveAvgPool2d(2), lambda t: t.nn.AdaptiveAvgPool2d(2), (0, 3, 5, 5), True),
    "batch_norm1d_train": (lambda: BatchNorm1d(5, **F64), lambda t: t.nn.BatchNorm1d(5), (0, 5), True),
    "batch_norm1d_sequence_train": (lambda: BatchNorm1d(5, **F64), lambda t: t.nn.BatchNorm1d(5), (0, 5, 7), True),
    "batch_norm2d_train": (lambda: BatchNorm2d(3, **F64), lambda t: t.nn.BatchNorm2d(3), (0, 3, 4, 4), True),
    "batch_norm2d_eval": (lambda: BatchNorm2d(3, **F64), lambda t: t.nn.BatchNorm2d(3), (0, 3, 4, 4), False),
    "batch_norm1d_no_affine_train": (lambda: BatchNorm1d(5, affine=False, **F64),
                                     lambda t: t.nn.BatchNorm1d(5, affine=False), (0, 5), True),
    "dropout_train": (lambda: Dropout(0.5, rng=0), lambda t: t.nn.Dropout(0.5), (0, 5), True),
    "dropout_eval": (lambda: Dropout(0.5, rng=0), lambda t: t.nn.Dropout(0.5), (0, 5), False),
    "flatten": (lambda: Flatten(), lambda t: t.nn.Flatten(), (0, 3, 4, 4), True),
    "unflatten": (lambda: Unflatten(1, (3, 4)), lambda t: t.nn.Unflatten(1, (3, 4)), (0, 12), True),
    "relu": (lambda: ReLU(), lambda t: t.nn.ReLU(), (0, 5), True),
    "leaky_relu": (lambda: LeakyReLU(0.2), lambda t: t.nn.LeakyReLU(0.2), (0, 5), True),
    "sigmoid": (lambda: Sigmoid(), lambda t: t.nn.Sigmoid(), (0, 5), True),
    "tanh": (lambda: Tanh(), lambda t: t.nn.Tanh(), (0, 5), True),
    "softmax_classes": (lambda: Softmax(dim=1), lambda t: t.nn.Softmax(dim=1), (0, 5), True),
    # Softmax along the batch axis itself: a maximum over 0 entries.
    "softmax_batch_axis": (lambda: Softmax(dim=0), lambda t: t.nn.Softmax(dim=0), (0, 5), True),
    "small_cnn": (
        lambda: Sequential(Conv2d(1, 4, 3, padding=1, **F64), BatchNorm2d(4, **F64), ReLU(), MaxPool2d(2),
                           Flatten(), Linear(4 * 4 * 4, 3, **F64)),
        lambda t: t.nn.Sequential(t.nn.Conv2d(1, 4, 3, padding=1), t.nn.BatchNorm2d(4), t.nn.ReLU(),
                                  t.nn.MaxPool2d(2), t.nn.Flatten(), t.nn.Linear(4 * 4 * 4, 3)),
        (0, 1, 8, 8), True,
    ),
}


@pytest.fixture(params=[1, 2], ids=["one_thread", "two_workers"])
def workers(request):
    """Run with one thread and with the batch split between two workers (of which one gets nothing)."""
    parallel.set_workers(request.param)
    yield request.param
    parallel.set_workers(1)


def run_on_empty_batch(name):
    """Forward and backward of case ``name`` on a batch of 0; return (layer, input, output, input gradient)."""
    make_ours, _, shape, training = LAYERS[name]
    layer = make_ours().train(training)
    x = np.zeros(shape)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "invalid value in divide" from a 0/0 along the way
        output = layer(x)
        grad_input = layer.backward(np.ones(output.shape))
    return layer, x, output, grad_input


@pytest.mark.parametrize("name", list(LAYERS))
def test_empty_batch_gives_empty_outputs_and_zero_parameter_gradients(name, workers):
    make_ours, _, shape, training = LAYERS[name]
    # The shape of a batch of 2, with the batch axis emptied, is what a batch of 0 must give.
    two = make_ours().train(training)(np.random.default_rng(0).normal(size=(2,) + shape[1:]))
    layer, x, output, grad_input = run_on_empty_batch(name)

    assert output.shape == (0,) + two.shape[1:]
    assert output.dtype == np.float64
    assert grad_input.shape == x.shape
    for parameter_name, parameter in layer.named_parameters():
        assert parameter.grad.shape == parameter.data.shape, parameter_name
        np.testing.assert_array_equal(parameter.grad, 0.0, err_msg=parameter_name)


@pytest.mark.torch
@pytest.mark.parametrize("name", list(LAYERS))
def test_empty_batch_shapes_and_gradients_match_pytorch(name, torch):
    _, make_theirs, shape, training = LAYERS[name]
    reference = make_theirs(torch).double().train(training)
    x_torch = to_torch(torch, np.zeros(shape)).requires_grad_()
    output_torch = reference(x_torch)
    output_torch.backward(torch.ones_like(output_torch))
    layer, _, output, grad_input = run_on_empty_batch(name)

    assert output.shape == tuple(output_torch.shape)
    assert grad_input.shape == tuple(x_torch.grad.shape)
    theirs = dict(reference.named_parameters())
    assert [name for name, _ in layer.named_parameters()] == list(theirs)
    for parameter_name, parameter in layer.named_parameters():
        torch_grad = theirs[parameter_name].grad
        expected = np.zeros(parameter.shape) if torch_grad is None else torch_grad.numpy()
        np.testing.assert_array_equal(parameter.grad, expected, err_msg=parameter_name)
    for buffer_name, buffer in layer.named_buffers():
        np.testing.assert_array_equal(buffer, reference.get_buffer(buffer_name).numpy(), err_msg=buffer_name)


# ------------------------------------------------------------ batch norm
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batch_norm_skips_the_statistics_of_an_empty_training_batch(momentum, rng):
    layer = BatchNorm2d(3, momentum=momentum, dtype=np.float64)
    layer(rng.normal(size=(4, 3, 2, 2)))
    before = layer.state_dict()
    layer(np.zeros((0, 3, 2, 2)))
    after = layer.state_dict()
    np.testing.assert_array_equal(after["running_mean"], before["running_mean"])
    np.testing.assert_array_equal(after["running_var"], before["running_var"])
    assert int(after["num_batches_tracked"]) == 2  # counted anyway, as PyTorch counts it


@pytest.mark.parametrize("shape", [(1, 3), (1, 3, 1)])
def test_batch_norm_still_refuses_a_single_value_per_channel(shape):
    with pytest.raises(ValueError, match="more than one value per channel"):
        BatchNorm1d(3)(np.zeros(shape, dtype=np.float32))


@pytest.mark.torch
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batch_norm_running_statistics_around_an_empty_batch_match_pytorch(momentum, rng, torch):
    layer = BatchNorm1d(3, momentum=momentum, dtype=np.float64)
    reference = torch.nn.BatchNorm1d(3, momentum=momentum).double()
    for batch in (4, 0, 5):  # the empty batch shifts the cumulative average of momentum=None
        x = rng.normal(2.0, 3.0, size=(batch, 3))
        np.testing.assert_allclose(layer(x), reference(to_torch(torch, x)).detach().numpy(), rtol=1e-12, atol=1e-12)
    for key, value in layer.state_dict().items():
        np.testing.assert_allclose(value, reference.state_dict()[key].numpy(), rtol=1e-12, err_msg=key)


# ----------------------------------------------------------------- losses
#: name -> (our loss class, the PyTorch loss class, logits shape, a target of a batch of 0)
LOSSES = {
    "cross_entropy_labels": (CrossEntropyLoss, "CrossEntropyLoss", (0, 3), np.zeros(0, dtype=np.int64)),
    "cross_entropy_probabilities": (CrossEntropyLoss, "CrossEntropyLoss", (0, 3), np.zeros((0, 3))),
    "bce_with_logits": (BCEWithLogitsLoss, "BCEWithLogitsLoss", (0, 3), np.zeros((0, 3))),
    "mse": (MSELoss, "MSELoss", (0, 3), np.zeros((0, 3))),
}
#: What a reduction of nothing is: the mean divides 0 by 0 (NaN, as PyTorch), a sum of nothing is 0.
EMPTY_REDUCTION = {"mean": np.nan, "sum": 0.0}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", list(LOSSES))
def test_loss_of_an_empty_batch(name, reduction):
    loss_class, _, shape, target = LOSSES[name]
    loss_fn = loss_class(reduction=reduction)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NaN by definition, not by a "mean of empty slice" warning
        value = loss_fn(np.zeros(shape), target)
        grad = loss_fn.backward()
    if reduction == "none":
        assert value.shape == shape[: 1 if loss_class is CrossEntropyLoss else 2]
    else:
        np.testing.assert_array_equal(value, EMPTY_REDUCTION[reduction])
    assert grad.shape == shape


@pytest.mark.torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", list(LOSSES))
def test_loss_of_an_empty_batch_matches_pytorch(name, reduction, torch):
    loss_class, torch_name, shape, target = LOSSES[name]
    logits_torch = to_torch(torch, np.zeros(shape)).requires_grad_()
    target_torch = torch.from_numpy(target)
    value_torch = getattr(torch.nn, torch_name)(reduction=reduction)(logits_torch, target_torch)
    value_torch.sum().backward()
    loss_fn = loss_class(reduction=reduction)
    value = loss_fn(np.zeros(shape), target)
    np.testing.assert_array_equal(np.asarray(value), value_torch.detach().numpy())
    assert loss_fn.backward().shape == tuple(logits_torch.grad.shape)
