"""scripts/question_other_input_sizes.py end to end on a tiny REAL CIFAR-10 subset."""

from __future__ import annotations

import json

import pytest
from conftest import load_script, require_dataset

SCRIPT_NAME = "question_other_input_sizes"


@pytest.mark.slow
@pytest.mark.data
def test_other_input_sizes_records_accuracy_time_and_the_flatten_errors(tmp_path):
    require_dataset("cifar10")
    arguments = ["--widths", "4", "8", "4", "8", "--train-size", "200", "--epochs", "1", "--test-size", "50",
                 "--sizes", "16", "32", "48", "--train-sizes", "24", "32", "--threads", "1",
                 "--model", str(tmp_path / "no-model.npz"), "--out", str(tmp_path)]
    assert load_script(SCRIPT_NAME).main(arguments) == 0
    record = json.loads((tmp_path / "other-input-sizes.json").read_text())
    for key in ("command", "date", "machine", "seconds", "settings", "data", "widths", "results", "flatten_head"):
        assert key in record, key
    assert record["data"]["train_images"] == 200 and record["data"]["test_images"] == 50
    assert set(record["results"]) == {"trained at 32 x 32", "random resize [24, 32]"}
    for result in record["results"].values():
        assert set(result["accuracy"]) == {"16", "32", "48"}
        assert all(0.0 <= score <= 1.0 for score in result["accuracy"].values())
        assert result["train_seconds"] >= 0 and result["source"] == "trained here"  # rounded to 0.1 s: a tiny run may be 0.0
    times = record["milliseconds_per_image"]
    assert times["48"] > times["16"] > 0  # nine times the pixels cost more time per image
    # Four halvings: 32 and 48 px leave 2 x 2 and 3 x 3 maps; only 32 fits the Flatten head's Linear layer.
    assert record["flatten_head"]["32"].startswith("output shape (1, 10)")
    assert record["flatten_head"]["48"].startswith("ValueError") and "in_features" in record["flatten_head"]["48"]
    assert record["flatten_head"]["16"].startswith("ValueError")
