"""``scripts/train_vae.py`` (``classroom train vae``) on a few real faces: its record and a model that reloads."""

from __future__ import annotations

import json

import pytest
from conftest import load_script, require_dataset


@pytest.mark.slow
@pytest.mark.data
def test_train_vae_writes_metrics_and_a_model_the_registry_rebuilds(tmp_path):
    require_dataset("celeba")
    out = tmp_path / "vae"
    load_script("train_vae").main([
        "--size", "16", "--limit", "300", "--held-out", "64", "--epochs", "1", "--batch-size", "32",
        "--latent-dim", "8", "--widths", "8,16", "--threads", "1", "--kl-warmup-steps", "5", "--out", str(out),
    ])
    for picture in ("samples.png", "reconstructions.png", "interpolation.png", "traversal.png"):
        assert (out / picture).is_file(), picture
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["machine"]["threads"] == 1 and metrics["machine"]["cpu_count"] >= 1
    assert metrics["finished"] and metrics["final_held_out"]["bits_per_dim"] > 0
    assert metrics["settings"]["kl_warmup_steps"] == 5

    from classroom.io import load_model_state
    from classroom.models.registry import build_model

    state, metadata = load_model_state(out / "model.npz")
    model = build_model(metadata["architecture"])
    model.load_state_dict(state)
    assert metadata["architecture"]["name"] == "conv_vae"
