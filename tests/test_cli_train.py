"""``classroom train NAME`` and ``classroom bench NAME`` run the project's recipes and benchmarks."""

from __future__ import annotations

import json

import pytest
from conftest import require_dataset

from classroom import cli


def test_every_recipe_and_benchmark_names_a_script_that_exists():
    from classroom.config import project_root

    root = project_root()
    for script, description in [*cli.TRAIN_RECIPES.values(), *cli.BENCHMARKS.values()]:
        assert (root / script).is_file(), script
        assert description


def test_help_names_the_command_as_typed(capsys):
    assert cli.main(["train", "mnist", "--help"]) == 0
    assert capsys.readouterr().out.startswith("usage: classroom train mnist")


def test_an_unknown_recipe_is_a_usage_error_listing_the_known_ones(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["train", "imagenet"])
    assert stop.value.code == 2
    assert "mnist" in capsys.readouterr().err


def test_a_missing_dataset_is_one_message_not_a_traceback(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CLASSROOM_DATA", str(tmp_path))
    monkeypatch.delenv("CLASSROOM_DOWNLOAD", raising=False)
    assert cli.main(["train", "mnist", "--out", str(tmp_path / "run")]) == cli.EXIT_USAGE
    error = capsys.readouterr().err
    assert error.startswith(f"classroom train mnist: error: MNIST is not in the data directory {tmp_path}")
    assert "Traceback" not in error and "prepare_data.py" in error


def test_without_a_checkout_it_says_where_the_recipes_are(monkeypatch, capsys):
    monkeypatch.setattr("classroom.config.project_root", lambda: None)
    assert cli.main(["bench", "cnn"]) == cli.EXIT_USAGE
    assert "scripts/bench_cnn.py" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.data
def test_train_mnist_runs_the_recipe_and_writes_its_record(tmp_path):
    require_dataset("mnist")
    out = tmp_path / "run"
    options = ["--hidden", "16", "--epochs", "1", "--train-limit", "500", "--val-size", "200", "--out", str(out)]
    assert cli.main(["train", "mnist", *options]) == 0
    record = json.loads((out / "metrics.json").read_text())
    assert record["epochs_run"] == 1 and record["data"]["train"] == 500
    assert record["machine"]["cpu_count"] >= 1
