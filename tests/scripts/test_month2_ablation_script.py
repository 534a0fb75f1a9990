"""scripts/month2_ablation.py end to end on a tiny REAL CIFAR-10 subset: one test evaluation, a servable model."""

from __future__ import annotations

import json

import pytest
from conftest import load_script, require_dataset

SCRIPT_NAME = "month2_ablation"


@pytest.mark.slow
@pytest.mark.data
def test_month2_ablation_scores_on_validation_tests_once_and_exports_a_servable_model(tmp_path):
    require_dataset("cifar10")
    out = tmp_path / "month2"
    arguments = [
        "--train-per-class", "40", "--test-per-class", "20", "--epochs", "1", "--widths", "8", "16",
        "--seeds", "0", "1", "--threads", "1", "--folder", str(tmp_path / "folder"), "--out", str(out),
    ]
    assert load_script(SCRIPT_NAME).main(arguments) == 0

    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["command"] == "python scripts/month2_ablation.py " + " ".join(arguments)
    assert metrics["data"]["classes"] == ["cat", "dog", "ship"]
    assert metrics["data"]["train"] + metrics["data"]["validation"] + metrics["data"]["dropped_test_copies"] == 120
    assert metrics["data"]["test"] == 60
    variants = metrics["ablation"]["variants"]
    assert list(variants) == ["baseline", "+ augmentation", "+ aug. + label smoothing"]
    assert all(len(row["scores"]) == 2 for row in variants.values())
    assert metrics["winner"] == max(variants, key=lambda name: variants[name]["mean"])
    # The winner's first-seed validation score is one of the ablation's scores: chosen on validation.
    assert metrics["final"]["validation_accuracy"] == pytest.approx(variants[metrics["winner"]]["scores"][0])
    low, high = metrics["final"]["test_ci95"]
    assert 0.0 <= low <= metrics["final"]["test_accuracy"] <= high <= 1.0
    assert len(metrics["test_set_log"]) == 1 and metrics["test_set_log"][0]["override"] is False
    assert sum(map(sum, metrics["final"]["confusion_matrix"])) == 60
    assert (out / "ablation.png").stat().st_size > 0 and (out / "confusion.png").stat().st_size > 0

    from classroom.serve.model_file import load_served_model

    served = load_served_model(out / metrics["model_file"])  # checksum, metadata, shapes, a forward pass
    assert served.classes == ["cat", "dog", "ship"]
    assert served.metadata["metrics"]["test_accuracy"] == pytest.approx(metrics["final"]["test_accuracy"])


@pytest.mark.parametrize(
    "arguments, message",
    [(["--epochs", "0"], "--epochs must be at least 1"), (["--seeds", "0"], "at least 2 seeds")],
)
def test_month2_ablation_rejects_bad_options(arguments, message, capsys):
    with pytest.raises(SystemExit):
        load_script(SCRIPT_NAME).parse_args(arguments)
    assert message in capsys.readouterr().err
