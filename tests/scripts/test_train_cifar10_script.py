"""scripts/train_cifar10.py end to end on a tiny REAL CIFAR-10 subset: files, metadata, reload."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import load_script, require_dataset

SCRIPT_NAME = "train_cifar10"


@pytest.mark.slow
@pytest.mark.data
def test_train_script_writes_model_metrics_and_curves_that_reload(tmp_path):
    require_dataset("cifar10")
    script = load_script(SCRIPT_NAME)
    out = tmp_path / "run"
    script.main([
        "--limit", "600", "--test-limit", "300", "--epochs", "2", "--batch-size", "100",
        "--widths", "8", "16", "--threads", "1", "--out", str(out),
    ])

    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs"] == 2 and len(metrics["history"]) == 2
    assert metrics["train_images"] == 600 and metrics["test_images"] == 300
    assert 0.0 <= metrics["test_accuracy"] <= 1.0
    assert metrics["peak_memory_mb"] > 0 and metrics["machine"]["numpy"] == np.__version__
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    from classroom.io import load_model_state
    from classroom.models.registry import build_model

    state, metadata = load_model_state(out / "model.npz")
    assert metadata["classes"][0] == "airplane" and len(metadata["classes"]) == 10
    model = build_model(metadata["architecture"])
    model.load_state_dict(state)
    model.eval()
    assert model(np.zeros((2, 3, 32, 32), dtype=np.float32)).shape == (2, 10)
    with np.load(out / "model.npz", allow_pickle=False) as arrays:
        assert "0.weight" in arrays.files
