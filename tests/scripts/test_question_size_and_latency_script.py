"""scripts/question_size_and_latency.py with tiny models (untrained, synthetic inputs): the JSON record."""

from __future__ import annotations

import json

from conftest import load_script

SCRIPT_NAME = "question_size_and_latency"


def test_question_size_and_latency_records_counts_times_and_fits(tmp_path):
    load_script(SCRIPT_NAME).main([
        "--mlp-widths", "8", "32", "--cnn-widths", "2", "4", "--cnn-convs", "1", "--batches", "1", "4",
        "--repeats", "3", "--out", str(tmp_path),
    ])
    record = json.loads((tmp_path / "size-and-latency.json").read_text())
    assert {"command", "date", "machine", "seconds", "results", "fits", "note", "settings"} <= set(record)
    assert record["machine"]["threads"] == 1
    assert set(record["results"]) == {"MLP 784-8-10", "MLP 784-32-10", "CNN (2, 4, 8, 16), 1 conv/stage",
                                      "CNN (4, 8, 16, 32), 1 conv/stage"}
    mlp = record["results"]["MLP 784-32-10"]
    assert mlp["macs"] == 784 * 32 + 32 * 10  # one multiply-add per weight
    assert mlp["parameters"] == 784 * 32 + 32 + 32 * 10 + 10
    for entry in record["results"].values():
        assert set(entry["ms_per_image"]) == {"1", "4"}
        assert all(value > 0 for value in entry["ms_per_image"].values())
    assert {(fit["family"], fit["batch"]) for fit in record["fits"]} == {("MLP", 1), ("MLP", 4), ("CNN", 1), ("CNN", 4)}
    assert all(fit["overhead_ms_per_call"] >= 0 for fit in record["fits"])
