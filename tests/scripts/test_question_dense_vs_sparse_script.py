"""scripts/question_dense_vs_sparse.py end to end on tiny REAL MNIST and CIFAR-10 subsets."""

from __future__ import annotations

import json

import pytest
from conftest import load_script, require_dataset

SCRIPT_NAME = "question_dense_vs_sparse"


@pytest.mark.slow
@pytest.mark.data
def test_dense_vs_sparse_writes_every_measurement(tmp_path):
    require_dataset("mnist")
    require_dataset("cifar10")
    arguments = ["--mlp-train", "1000", "--mlp-epochs", "1", "--mnist-test", "300", "--cnn-train", "300",
                 "--cnn-epochs", "1", "--cnn-widths", "4", "8", "--cnn-tune", "100", "--test-size", "100",
                 "--sparsities", "0.5", "0.9", "--threads", "1", "--out", str(tmp_path)]
    assert load_script(SCRIPT_NAME).main(arguments) == 0
    record = json.loads((tmp_path / "dense-vs-sparse.json").read_text())
    assert record["command"] == "python scripts/question_dense_vs_sparse.py " + " ".join(arguments)
    for key in ("date", "machine", "seconds", "mlp", "cnn", "forward_ms", "csr", "compressed_kilobytes"):
        assert key in record, key
    assert record["machine"]["threads"] == 1
    for network in ("mlp", "cnn"):
        rows = record[network]["rows"]
        assert [row["sparsity"] for row in rows] == [0.0, 0.5, 0.9]
        assert all(0.0 <= row[key] <= 1.0 for row in rows for key in ("layer", "global", "fine_tuned"))
    # Unpruned, the three variants are the dense network itself.
    assert record["mlp"]["rows"][0]["global"] == record["mlp"]["dense_accuracy"]
    assert record["mlp"]["rows"][-1]["sparsity_after_fine_tune"] == pytest.approx(0.9)
    assert record["mlp"]["rows"][-1]["per_layer"]["0.weight"] > 0.5
    assert record["cnn"]["widths"] == [4, 8] and record["cnn"]["test_images"] == 100
    assert set(record["forward_ms"]) == {"MLP, batch of 256", "CNN, batch of 100"}
    sizes = record["compressed_kilobytes"]
    assert sizes["0.95"] < sizes["0"]


def test_dense_vs_sparse_refuses_a_sparsity_outside_0_1(capsys):
    with pytest.raises(SystemExit):
        load_script(SCRIPT_NAME).parse_arguments(["--sparsities", "1.5"])
    assert "strictly between 0 and 1" in capsys.readouterr().err
