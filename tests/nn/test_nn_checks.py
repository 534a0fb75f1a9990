"""One input check per idea: every layer reports the same mistake with the same message (``classroom.nn._checks``)."""

from __future__ import annotations

import numpy as np
import pytest

from classroom.nn import (
    AdaptiveAvgPool2d,
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv2d,
    ConvTranspose2d,
    MaxPool2d,
)

IMAGE_LAYERS = {
    "Conv2d": lambda: Conv2d(3, 4, 3, rng=0),
    "ConvTranspose2d": lambda: ConvTranspose2d(3, 4, 3, rng=0),
    "MaxPool2d": lambda: MaxPool2d(2),
    "AvgPool2d": lambda: AvgPool2d(2),
    "AdaptiveAvgPool2d": lambda: AdaptiveAvgPool2d(1),
    "BatchNorm2d": lambda: BatchNorm2d(3),
}


@pytest.mark.parametrize("name", sorted(IMAGE_LAYERS))
def test_image_layers_reject_a_missing_batch_axis_with_the_same_message(name):
    layer = IMAGE_LAYERS[name]()
    with pytest.raises(ValueError, match=r"expects input of shape \(batch, channels, height, width\).*"
                       r"got \(3, 6, 6\); add a batch axis with x\[None\]"):
        layer(np.zeros((3, 6, 6), dtype=np.float32))


@pytest.mark.parametrize("name", sorted(IMAGE_LAYERS))
def test_image_layers_reject_integer_images_naming_the_dtype_and_the_fix(name):
    layer = IMAGE_LAYERS[name]()
    with pytest.raises(TypeError, match=r"floating-point input.*got dtype uint8.*astype\(np.float32\)"):
        layer(np.zeros((2, 3, 6, 6), dtype=np.uint8))


@pytest.mark.parametrize("name", ["Conv2d", "ConvTranspose2d", "BatchNorm2d"])
def test_layers_with_channels_name_the_wrong_channel_count(name):
    layer = IMAGE_LAYERS[name]()
    with pytest.raises(ValueError, match=r"with channels=3, got \(2, 5, 6, 6\): 5 channels instead of 3"):
        layer(np.zeros((2, 5, 6, 6), dtype=np.float32))


@pytest.mark.parametrize("layer", [Conv2d(1, 1, 3, rng=0), MaxPool2d(3), AvgPool2d(3)], ids=repr)
def test_a_window_larger_than_the_image_gets_the_same_message(layer):
    with pytest.raises(ValueError, match=r"the padded image \(2x5\) is smaller than the 3x3 window \(kernel_size\)"):
        layer(np.zeros((1, 1, 2, 5), dtype=np.float32))


@pytest.mark.parametrize("name", ["Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d"])
def test_backward_after_an_eval_forward_says_to_call_train(name):
    layer = IMAGE_LAYERS[name]()
    layer.eval()
    out = layer(np.zeros((2, 3, 6, 6), dtype=np.float32))
    with pytest.raises(RuntimeError, match=r"before forward\(\).*eval mode saves nothing.*model.train\(\)"):
        layer.backward(np.zeros_like(out))


@pytest.mark.parametrize("name", sorted(IMAGE_LAYERS))
def test_backward_rejects_a_gradient_of_the_wrong_shape(name):
    layer = IMAGE_LAYERS[name]()
    out = layer(np.zeros((2, 3, 6, 6), dtype=np.float32))
    expected = str(tuple(out.shape)).replace("(", r"\(").replace(")", r"\)")
    with pytest.raises(ValueError, match=rf"backward expects grad_output of shape {expected}.*got \(2, 3, 6, 5\)"):
        layer.backward(np.zeros((2, 3, 6, 5), dtype=np.float32))


def test_batchnorm1d_rejects_integer_input_naming_the_dtype():
    with pytest.raises(TypeError, match=r"BatchNorm1d.*got dtype int64.*astype"):
        BatchNorm1d(3)(np.zeros((4, 3), dtype=np.int64))


def test_batchnorm_backward_before_forward_raises():
    with pytest.raises(RuntimeError, match="before forward"):
        BatchNorm1d(3).backward(np.zeros((4, 3), dtype=np.float32))
