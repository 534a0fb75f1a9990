"""The CIFAR-10 CNN builder, and a short training run on REAL CIFAR-10 images."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import require_dataset

from classroom.nn.gradcheck import check_module_gradients
from classroom.models.cnn import cifar_cnn
from classroom.nn import BatchNorm2d, Conv2d, CrossEntropyLoss


def test_cifar_cnn_maps_images_to_logits():
    model = cifar_cnn(widths=(8, 16, 32), convs_per_stage=(1, 2, 1), rng=0)
    x = np.random.default_rng(0).standard_normal((3, 3, 32, 32), dtype=np.float32)
    logits = model(x)
    assert logits.shape == (3, 10) and logits.dtype == np.float32
    assert model.backward(np.ones_like(logits)).shape == x.shape
    assert sum(isinstance(layer, Conv2d) for layer in model.layers) == 4
    assert sum(isinstance(layer, BatchNorm2d) for layer in model.layers) == 4


def test_cifar_cnn_same_seed_gives_same_weights():
    first, second = cifar_cnn(rng=3).state_dict(), cifar_cnn(rng=3).state_dict()
    assert list(first) == list(second)
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])


@pytest.mark.parametrize("kwargs", [{"widths": ()}, {"widths": (8, 16), "convs_per_stage": (1, 1, 1)}, {"convs_per_stage": 0}])
def test_cifar_cnn_rejects_inconsistent_arguments(kwargs):
    with pytest.raises(ValueError, match="cifar_cnn|convs_per_stage"):
        cifar_cnn(**kwargs)


def test_cifar_cnn_is_registered_for_rebuilding_from_metadata():
    from classroom.models.registry import build_model

    model = build_model({"name": "cifar_cnn", "widths": [8, 16], "convs_per_stage": 1, "seed": 0})
    assert model(np.zeros((1, 3, 32, 32), dtype=np.float32)).shape == (1, 10)


def test_cifar_cnn_whole_model_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    model = cifar_cnn(widths=(2, 3), convs_per_stage=(1, 2), num_classes=3, rng=0).double()
    x = rng.standard_normal((3, 3, 8, 8))
    assert check_module_gradients(model, x, rng=rng).passed


@pytest.mark.torch
def test_cifar_cnn_matches_the_same_network_in_pytorch(torch):
    rng = np.random.default_rng(1)
    model = cifar_cnn(widths=(4, 8, 16), convs_per_stage=(1, 2, 1), rng=0).double()
    layers = []
    for layer in model.layers:
        name = type(layer).__name__
        if name == "Conv2d":
            twin = torch.nn.Conv2d(layer.in_channels, layer.out_channels, 3, padding=1, bias=False)
        elif name == "BatchNorm2d":
            twin = torch.nn.BatchNorm2d(layer.num_features)
        elif name == "Linear":
            twin = torch.nn.Linear(layer.in_features, layer.out_features)
        else:
            twin = {"ReLU": torch.nn.ReLU(), "MaxPool2d": torch.nn.MaxPool2d(2),
                    "AdaptiveAvgPool2d": torch.nn.AdaptiveAvgPool2d(1), "Flatten": torch.nn.Flatten()}[name]
        layers.append(twin)
    reference = torch.nn.Sequential(*layers).double()
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            dict(reference.named_parameters())[name].copy_(torch.from_numpy(parameter.data))

    x = rng.standard_normal((4, 3, 32, 32))
    labels = rng.integers(0, 10, size=4)
    x_torch = torch.from_numpy(x).requires_grad_()
    loss_function = CrossEntropyLoss()
    loss = loss_function(model(x), labels)
    loss_torch = torch.nn.functional.cross_entropy(reference(x_torch), torch.from_numpy(labels))
    assert float(loss) == pytest.approx(loss_torch.item(), rel=1e-10)
    grad_input = model.backward(loss_function.backward())
    loss_torch.backward()
    np.testing.assert_allclose(grad_input, x_torch.grad.numpy(), rtol=1e-7, atol=1e-12)
    torch_parameters = dict(reference.named_parameters())
    for name, parameter in model.named_parameters():
        np.testing.assert_allclose(parameter.grad, torch_parameters[name].grad.numpy(), rtol=1e-7, atol=1e-12, err_msg=name)
    for name, buffer in model.named_buffers():
        np.testing.assert_allclose(buffer, dict(reference.named_buffers())[name].numpy(), rtol=1e-10, err_msg=name)


@pytest.mark.slow
@pytest.mark.data
def test_cifar_cnn_learns_real_cifar10_subset_well_above_chance():
    require_dataset("cifar10")
    from classroom.data import CIFAR10_MEAN, CIFAR10_STD, load_cifar10, normalize, random_crop_flip, to_float_nchw
    from classroom.optim import SGD

    rng = np.random.default_rng(0)
    train_images, train_labels = load_cifar10("train")
    test_images, test_labels = load_cifar10("test")
    # The files are sorted by class: draw random subsets.
    train_index = rng.permutation(len(train_labels))[:5000]
    test_index = rng.permutation(len(test_labels))[:1000]
    train_x = normalize(to_float_nchw(train_images[train_index]), CIFAR10_MEAN, CIFAR10_STD)
    train_y = train_labels[train_index]
    test_x = normalize(to_float_nchw(test_images[test_index]), CIFAR10_MEAN, CIFAR10_STD)
    test_y = test_labels[test_index]

    model = cifar_cnn(widths=(16, 32, 64), rng=0)
    loss_function = CrossEntropyLoss()
    optimizer = SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)
    batch_size = 100
    for _ in range(2):  # two short epochs: 100 steps
        order = rng.permutation(len(train_y))
        for start in range(0, len(order), batch_size):
            index = order[start : start + batch_size]
            optimizer.zero_grad()
            loss_function(model(random_crop_flip(train_x[index], padding=2, rng=rng)), train_y[index])
            model.backward(loss_function.backward())
            optimizer.step()

    model.eval()
    accuracy = np.mean(np.argmax(model(test_x), axis=1) == test_y)
    assert accuracy >= 0.30, f"test accuracy {accuracy:.3f} after 2 epochs on 5,000 images (chance is 0.10)"


def test_seed_is_the_old_name_of_an_int_rng_and_warns():
    import warnings

    with pytest.warns(DeprecationWarning, match=r"cifar_cnn\(seed=...\) is now cifar_cnn\(rng=...\)"):
        old = cifar_cnn(widths=(2, 3), seed=5)
    new = cifar_cnn(widths=(2, 3), rng=5)
    for name, value in new.state_dict().items():
        np.testing.assert_array_equal(old.state_dict()[name], value, err_msg=name)
    with pytest.raises(TypeError, match="both rng=4 and seed=5"):
        cifar_cnn(widths=(2, 3), rng=4, seed=5)
    from classroom.models.registry import build_model

    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # a saved architecture's "seed" is read without a warning
        rebuilt = build_model({"name": "cifar_cnn", "widths": [2, 3], "convs_per_stage": 1, "seed": 5})
    np.testing.assert_array_equal(rebuilt.state_dict()["0.weight"], new.state_dict()["0.weight"])
