"""scripts/question_deeper_vs_wider.py end to end on tiny REAL MNIST and CIFAR-10 subsets."""

from __future__ import annotations

import json

import pytest
from conftest import load_script, require_dataset

SCRIPT_NAME = "question_deeper_vs_wider"


@pytest.mark.slow
@pytest.mark.data
def test_deeper_vs_wider_records_cost_and_accuracy_of_every_network(tmp_path):
    require_dataset("mnist")
    require_dataset("cifar10")
    arguments = ["--depths", "1", "3", "--width", "32", "--mlp-train", "300", "--mlp-epochs", "1",
                 "--cnn-widths", "4", "8", "--wide-widths", "6", "12", "--convs", "1", "2", "--cnn-train", "100",
                 "--cnn-epochs", "1", "--cnn-test", "50", "--repeats", "3", "--rounds", "1", "--threads", "1",
                 "--out", str(tmp_path)]
    assert load_script(SCRIPT_NAME).main(arguments) == 0
    record = json.loads((tmp_path / "deeper-vs-wider.json").read_text())
    assert record["command"] == "python scripts/question_deeper_vs_wider.py " + " ".join(arguments)
    for key in ("date", "machine", "seconds", "mlp", "cnn", "published"):
        assert key in record, key
    rows = record["mlp"]["rows"]
    assert [(row["family"], row["depth"]) for row in rows] == [
        ("equal width", 1), ("equal width", 3), ("equal parameters", 1), ("equal parameters", 3)]
    budget = record["mlp"]["budget"]
    assert budget == 785 * 32 + 33 * 10
    equal = [row for row in rows if row["family"] == "equal parameters"]
    assert all(abs(row["parameters"] - budget) / budget < 0.05 for row in equal)
    assert equal[1]["width"] < 32 and rows[1]["parameters"] > budget
    for row in rows + record["cnn"]["rows"]:
        assert row["us_batch_1"] > 0 and 0.0 <= row["accuracy"] <= 1.0
    assert [row["conv_layers"] for row in record["cnn"]["rows"]] == [2, 4, 2]


def test_width_for_budget_matches_the_built_network():
    script = load_script(SCRIPT_NAME)
    from classroom.models.mlp import MLP
    from classroom.nn.flops import total_parameters

    for depth in (1, 2, 5):
        width = script.width_for_budget(depth, 203530)
        assert script.mlp_parameters(depth, width) == total_parameters(MLP(784, [width] * depth, 10))
    assert script.width_for_budget(1, 203530) == 256
