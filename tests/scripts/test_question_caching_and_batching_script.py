"""scripts/question_caching_and_batching.py against two real servers it starts, on tiny REAL MNIST and CIFAR-10 subsets."""

from __future__ import annotations

import json

import pytest
from conftest import load_script, require_dataset

SCRIPT_NAME = "question_caching_and_batching"
pytest.importorskip("fastapi", reason="the server needs the 'serve' extra")
pytest.importorskip("uvicorn", reason="the server needs the 'serve' extra")


@pytest.mark.slow
@pytest.mark.data
def test_question_caching_and_batching_records_both_servers_every_stream_and_the_batches(tmp_path):
    require_dataset("mnist")
    require_dataset("cifar10")
    load_script(SCRIPT_NAME).main([
        "--requests", "4", "--rounds", "2", "--concurrency", "2", "--mlp-train-size", "300", "--mlp-epochs", "1",
        "--out", str(tmp_path),
    ])
    record = json.loads((tmp_path / "caching-and-batching.json").read_text())
    assert {"command", "date", "machine", "seconds", "load", "breakdown_ms", "batching_ms_per_image", "note"} <= set(record)
    assert set(record["load"]) == {"1 connection", "2 connections"}
    for rows in record["load"].values():
        cells = {(row["model"], row["inputs"], row["server"]) for row in rows}
        assert cells == {(model, inputs, server) for model in ("mnist-mlp", "cifar-cnn-untrained")
                         for inputs in ("repeated", "distinct") for server in ("cache off", "cache on")}
        for row in rows:
            assert row["requests"] == 8  # 4 per round, 2 rounds, no errors
            assert row["rps"] > 0 and row["p50_ms"] <= row["p90_ms"] <= row["p99_ms"]
    for steps in record["breakdown_ms"].values():
        assert set(steps) == {"decode", "preprocess", "model forward", "cache hit instead"}
        assert all(value > 0 for value in steps.values())
    assert set(record["batching_ms_per_image"]["cifar-cnn-untrained"]) == {"1", "8", "32"}


def test_make_uploads_refuses_more_distinct_images_than_the_test_sets_hold():
    require_dataset("mnist")
    require_dataset("cifar10")
    with pytest.raises(ValueError, match="distinct uploads"):
        load_script(SCRIPT_NAME).make_uploads(10_001)
