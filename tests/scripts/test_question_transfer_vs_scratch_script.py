"""scripts/question_transfer_vs_scratch.py end to end on a tiny REAL CIFAR-10 subset."""

from __future__ import annotations

import json

import pytest
from conftest import load_script, require_dataset

SCRIPT_NAME = "question_transfer_vs_scratch"


@pytest.mark.slow
@pytest.mark.data
def test_transfer_vs_scratch_records_every_method_at_every_size(tmp_path):
    require_dataset("cifar10")
    arguments = ["--widths", "4", "8", "--pretrain-images", "140", "--pretrain-epochs", "1", "--steps", "3",
                 "--scratch-factor", "2", "--probe-steps", "5", "--sizes", "30", "61", "--test-size", "60",
                 "--threads", "1", "--out", str(tmp_path)]
    assert load_script(SCRIPT_NAME).main(arguments) == 0
    record = json.loads((tmp_path / "transfer-vs-scratch.json").read_text())
    assert record["command"] == "python scripts/question_transfer_vs_scratch.py " + " ".join(arguments)
    for key in ("date", "machine", "seconds", "settings", "widths", "pretraining", "results", "test_images"):
        assert key in record, key
    assert record["target_classes"] == ["cat", "deer", "dog"] and len(record["source_classes"]) == 7
    assert record["pretraining"]["images"] == 140 and record["pretraining"]["steps"] == 3
    assert record["test_images"] == 60
    assert [row["images"] for row in record["results"]] == [30, 63]  # balanced: ceil(size / 3) per class
    for row in record["results"]:
        for method in ("scratch", "scratch_long", "fine_tuned", "probe"):
            assert 0.0 <= row[method] <= 1.0 and row[f"{method}_seconds"] > 0
        # Everything but the head: two stages of conv weight + BN weight, bias, mean, variance, batch count.
        assert row["arrays_copied"] == 2 * (1 + 5)


def test_transfer_vs_scratch_refuses_a_single_target_class(capsys):
    with pytest.raises(SystemExit):
        load_script(SCRIPT_NAME).parse_arguments(["--target-classes", "3"])
    assert "at least two" in capsys.readouterr().err
