"""scripts/question_smallest_network.py end to end with a few seeds and short training."""

from __future__ import annotations

import json

import pytest
from conftest import load_script

SCRIPT_NAME = "question_smallest_network"


def test_smallest_network_counts_solved_runs_per_width_and_step_count(tmp_path):
    arguments = ["--seeds", "12", "--widths", "1", "4", "--steps", "50", "1500", "--threads", "1",
                 "--out", str(tmp_path)]
    assert load_script(SCRIPT_NAME).main(arguments) == 0
    record = json.loads((tmp_path / "smallest-network.json").read_text())
    assert record["command"] == "python scripts/question_smallest_network.py " + " ".join(arguments)
    for key in ("date", "machine", "seconds", "settings", "seeds", "results"):
        assert key in record, key
    assert set(record["results"]) == {"tanh", "sigmoid"}
    one, four = record["results"]["tanh"]
    assert (one["hidden_units"], one["parameters"], four["parameters"]) == (1, 5, 17)
    assert one["solved"] == {"50": 0, "1500": 0}, "one hidden unit cannot represent XOR"
    assert 10 <= four["solved"]["1500"] <= 12 and four["solved"]["50"] <= four["solved"]["1500"]


def test_smallest_network_refuses_zero_seeds(capsys):
    with pytest.raises(SystemExit):
        load_script(SCRIPT_NAME).parse_arguments(["--seeds", "0"])
    assert "at least 1" in capsys.readouterr().err
