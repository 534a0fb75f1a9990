"""Tests of ``classroom.models.registry``: architecture dicts to models."""

from __future__ import annotations

import numpy as np
import pytest

from classroom.models import registry
from classroom.models.registry import build_model, register_architecture, registered_architectures
from classroom.nn import Linear, Sequential


@pytest.fixture
def clean_registry(monkeypatch):
    """Let a test register architectures without leaking them into other tests."""
    monkeypatch.setattr(registry, "_BUILDERS", dict(registry._BUILDERS))


def test_mlp_and_cifar_cnn_are_registered():
    assert {"mlp", "cifar_cnn"} <= set(registered_architectures())


def test_build_model_builds_an_mlp_with_the_requested_sizes():
    pytest.importorskip("classroom.models.mlp")
    model = build_model({"name": "mlp", "in_features": 784, "hidden_sizes": [32], "out_features": 10})
    shapes = {name: array.shape for name, array in model.state_dict().items()}
    assert (32, 784) in shapes.values() and (10, 32) in shapes.values()
    assert model(np.zeros((2, 784), dtype=np.float32)).shape == (2, 10)


def test_build_model_passes_the_other_keys_to_a_registered_builder(clean_registry):
    register_architecture("two_layers", lambda width: Sequential(Linear(4, width), Linear(width, 2)))
    model = build_model({"name": "two_layers", "width": 7})
    assert model[0].weight.shape == (7, 4)


def test_build_model_imports_a_builder_given_by_path_lazily(clean_registry):
    register_architecture("linear", "classroom.nn:Linear")
    assert build_model({"name": "linear", "in_features": 3, "out_features": 5}).weight.shape == (5, 3)


def test_build_model_names_a_builder_module_that_cannot_be_imported(clean_registry):
    register_architecture("future", "classroom.models.not_written_yet:build")
    with pytest.raises(ValueError, match="classroom.models.not_written_yet cannot be imported"):
        build_model({"name": "future"})


def test_build_model_names_a_missing_builder_function(clean_registry):
    register_architecture("typo", "classroom.nn:Lienar")
    with pytest.raises(ValueError, match="has no 'Lienar'"):
        build_model({"name": "typo"})


@pytest.mark.parametrize(
    ("architecture", "message"),
    [
        ({"name": "transformer"}, "unknown architecture 'transformer'; known names"),
        ({"in_features": 3}, "no 'name' key"),
        (["mlp"], "must be a dict"),
    ],
)
def test_build_model_explains_an_invalid_architecture(architecture, message):
    with pytest.raises(ValueError, match=message):
        build_model(architecture)


def test_build_model_repeats_the_builders_complaint_about_arguments(clean_registry):
    register_architecture("linear", "classroom.nn:Linear")
    with pytest.raises(ValueError, match="cannot build architecture 'linear'.*width"):
        build_model({"name": "linear", "width": 3})


def test_register_architecture_refuses_to_replace_silently(clean_registry):
    with pytest.raises(ValueError, match="already registered"):
        register_architecture("mlp", lambda: None)
    register_architecture("mlp", "classroom.nn:Linear", overwrite=True)
    assert build_model({"name": "mlp", "in_features": 2, "out_features": 2}).weight.shape == (2, 2)
