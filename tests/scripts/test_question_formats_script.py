"""scripts/question_formats.py on tiny REAL MNIST and CIFAR-10 subsets: the JSON record and what it measures."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import load_script, require_dataset

SCRIPT_NAME = "question_formats"
WEIGHTS_ONLY = ("pickle, state_dict only", ".npz + JSON metadata (save_model)", "safetensors")


def test_arrays_inside_counts_weights_gradients_and_the_cached_input():
    from classroom.models.mlp import MLP

    script = load_script(SCRIPT_NAME)
    model = MLP(784, [32], 10, rng=0).eval()
    weight_bytes = 4 * (784 * 32 + 32 + 32 * 10 + 10)
    fresh = script.arrays_inside(model)
    assert fresh["parameters (data)"] == fresh["gradients (grad)"] == weight_bytes
    model(np.zeros((50, 784), np.float32))
    after = script.arrays_inside(model)
    # each Linear keeps its input for backward (50 x 784 and 50 x 32 float32), ReLU its 50 x 32 boolean mask
    assert after["buffers and cached arrays"] - fresh["buffers and cached arrays"] == 4 * 50 * (784 + 32) + 50 * 32


@pytest.mark.slow
@pytest.mark.data
def test_question_formats_writes_sizes_times_and_agreement_for_every_format(tmp_path):
    require_dataset("mnist")
    require_dataset("cifar10")
    load_script(SCRIPT_NAME).main([
        "--mlp-train-size", "600", "--mlp-epochs", "1", "--cnn-train-size", "200", "--cnn-widths", "4", "8",
        "--repeats", "1", "--out", str(tmp_path),
    ])
    record = json.loads((tmp_path / "formats.json").read_text())
    assert {"command", "date", "machine", "seconds", "models", "settings", "timing_note"} <= set(record)
    assert record["command"].startswith("python scripts/question_formats.py --mlp-train-size 600")
    assert len(record["models"]) == 2
    for entry in record["models"].values():
        weights = 4 * entry["parameters"]
        formats = entry["formats"]
        for name in WEIGHTS_ONLY:
            assert weights <= formats[name]["bytes"] <= weights + 20_000, name
            assert formats[name]["max_difference"] == 0.0, name
            assert formats[name]["save_ms"] > 0 and formats[name]["load_ms"] > 0
        # the whole object adds the gradients (as many bytes again) and the cached arrays
        assert formats["pickle, whole model object"]["bytes"] > 2 * weights
        assert entry["pickle_holds"]["gradients (grad)"] == weights
        if "ONNX (graph + weights)" in formats:
            difference = formats["ONNX (graph + weights)"]["max_difference"]
            assert difference is None or difference < 1e-3
        else:
            assert "onnx" in record["onnx_note"]
