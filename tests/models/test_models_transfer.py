"""Weight transfer between models (classroom.models.transfer), on small synthetic networks."""

from __future__ import annotations

import numpy as np
import pytest

from classroom.models.cnn import cifar_cnn
from classroom.models.transfer import head_name, split_head, transfer_weights
from classroom.nn import Linear, ReLU, Sequential


def trained_like(model, seed):
    """Give every parameter and buffer distinctive values, as if trained (synthetic)."""
    rng = np.random.default_rng(seed)
    state = model.state_dict()
    model.load_state_dict({key: rng.standard_normal(np.shape(value)).astype(np.asarray(value).dtype) + 3.0
                           for key, value in state.items()})
    return model


def test_head_name_is_the_last_layer_with_parameters():
    assert head_name(cifar_cnn(widths=(8, 16))) == "10"
    assert head_name(cifar_cnn()) == "18"
    assert head_name(Sequential(Linear(4, 3), ReLU(), Linear(3, 2), ReLU())) == "2"
    with pytest.raises(ValueError, match="no layer with parameters"):
        head_name(Sequential(ReLU()))
    with pytest.raises(TypeError, match="Sequential"):
        head_name(Linear(2, 2))


def test_transfer_copies_everything_but_the_head():
    source = trained_like(cifar_cnn(widths=(8, 16), num_classes=7, rng=0), seed=1)
    target = cifar_cnn(widths=(8, 16), num_classes=3, rng=2)
    fresh_head = {key: value.copy() for key, value in target.state_dict().items() if key.startswith("10.")}
    source_before = source.state_dict()

    copied = transfer_weights(source, target)

    after = target.state_dict()
    expected = [key for key in source_before if not key.startswith("10.")]
    assert copied == expected
    assert "1.running_mean" in copied and "0.weight" in copied  # buffers and parameters
    for key in expected:
        np.testing.assert_array_equal(after[key], source_before[key])
    for key, value in fresh_head.items():  # the new 3-class head keeps its own initial values
        np.testing.assert_array_equal(after[key], value)
    assert after["10.weight"].shape == (3, 16)
    # The models share no arrays: training the target leaves the source alone.
    target.layers[0].weight.data += 1.0
    np.testing.assert_array_equal(source.state_dict()["0.weight"], source_before["0.weight"])


def test_transfer_refuses_mismatched_shapes_and_copies_nothing():
    source = trained_like(cifar_cnn(widths=(8, 16), rng=0), seed=1)
    target = cifar_cnn(widths=(8, 32), num_classes=3, rng=2)
    before = target.state_dict()
    with pytest.raises(ValueError) as error:
        transfer_weights(source, target)
    message = str(error.value)
    assert "'4.weight' has shape (16, 8, 3, 3) in the source, (32, 8, 3, 3) in the target" in message
    assert "'5.running_var'" in message
    for key, value in target.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_transfer_refuses_missing_layers_and_honours_exclude():
    source = trained_like(cifar_cnn(widths=(8, 16), rng=0), seed=1)
    with pytest.raises(ValueError, match="'4.weight' is in the source but not in the target"):
        transfer_weights(source, cifar_cnn(widths=(8,), rng=0))
    # Excluding the first convolution too: it keeps its own values, the rest is copied.
    target = cifar_cnn(widths=(8, 16), rng=5)
    first_conv = target.state_dict()["0.weight"]
    copied = transfer_weights(source, target, exclude=["0", "10"])
    assert "0.weight" not in copied and "4.weight" in copied
    np.testing.assert_array_equal(target.state_dict()["0.weight"], first_conv)


def test_split_head_shares_layers_and_recomposes_the_model():
    model = trained_like(cifar_cnn(widths=(8, 16), num_classes=3, rng=0), seed=4).eval()
    features, head = split_head(model)
    x = np.random.default_rng(0).standard_normal((2, 3, 32, 32)).astype(np.float32)  # synthetic images
    assert features(x).shape == (2, 16)
    np.testing.assert_allclose(head(features(x)), model(x), rtol=1e-6)
    assert head is model.layers[-1] and features.layers[0] is model.layers[0]
