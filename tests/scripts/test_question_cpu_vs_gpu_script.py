"""scripts/question_cpu_vs_gpu.py with tiny sizes (synthetic inputs, untrained layers): the JSON record."""

from __future__ import annotations

import json

from conftest import load_script

SCRIPT_NAME = "question_cpu_vs_gpu"


def test_question_cpu_vs_gpu_records_matmul_add_rooflines_and_model_points(tmp_path):
    load_script(SCRIPT_NAME).main([
        "--sizes", "32", "64", "--add-elements", "4096", "65536", "--layer-batches", "1", "4",
        "--repeats", "3", "--out", str(tmp_path),
    ])
    record = json.loads((tmp_path / "cpu-vs-gpu.json").read_text())
    assert {"command", "date", "machine", "seconds", "settings", "results", "note"} <= set(record)
    assert record["command"].startswith("python scripts/question_cpu_vs_gpu.py --sizes 32 64")
    assert record["machine"]["threads"] == "1 and 2" and record["machine"]["cpu"]
    assert record["settings"]["threads"] == [1, 2] and "out" not in record["settings"]
    results = record["results"]
    assert set(results["matmul"]) == set(results["add"]) == set(results["rooflines"]) == {"1", "2"}
    for threads in ("1", "2"):
        matmul = results["matmul"][threads]
        assert [row["n"] for row in matmul] == [32, 64]
        for row in matmul:
            n = row["n"]
            assert row["flops"] == 2 * n ** 3 and row["bytes"] == 3 * 4 * n * n  # float32, each matrix once
            assert row["intensity"] == round(2 * n ** 3 / (12 * n * n), 4)
            assert row["ms"] > 0 and row["gflops"] > 0 and row["repeats"] >= 3
            assert abs(row["gflops"] - row["flops"] / (row["ms"] / 1e3) / 1e9) <= 0.01 * row["gflops"] + 1e-3
        add = results["add"][threads]
        assert [row["elements"] for row in add] == [4096, 65536]
        for row in add:
            assert row["flops"] == row["elements"] and row["bytes"] == 12 * row["elements"]
            assert abs(row["intensity"] - 1 / 12) < 1e-4 and row["gb_per_s"] > 0
        roof = results["rooflines"][threads]
        assert roof["peak_gflops"] == max(row["gflops"] for row in matmul)
        assert roof["bandwidth_gb_per_s"] == add[-1]["gb_per_s"] and roof["bandwidth_at_elements"] == 65536
        assert abs(roof["ridge_flops_per_byte"] - roof["peak_gflops"] / roof["bandwidth_gb_per_s"]) < 1e-2
        assert set(results["matmul_fits"][threads]) == {"overhead_us", "gflops"}
        assert results["matmul_fits"][threads]["overhead_us"] >= 0
    points = results["model_points"]
    assert [(point["kind"], point["batch"]) for point in points] == [
        ("Conv2d", 1), ("Conv2d", 4), ("Linear", 1), ("Linear", 4), ("Adam.step", None)]
    conv, linear, adam = points[0], points[2], points[4]
    assert conv["flops"] == 2 * 64 * 16 * 16 * 32 * 9  # a multiply-add per weight per output pixel
    assert conv["parameters"] == 64 * 32 * 9  # no bias: batch norm follows
    assert conv["bytes"] == 4 * (32 * 16 * 16 + 64 * 32 * 9 + 64 * 16 * 16)
    assert linear["flops"] == 2 * 784 * 512 and linear["bytes"] == 4 * (784 + 784 * 512 + 512 + 512)
    assert points[3]["intensity"] > 3.5 * linear["intensity"]  # batch 4 reuses each weight 4 times
    mlp_parameters = 784 * 512 + 512 + 512 * 10 + 10
    assert adam["parameters"] == mlp_parameters
    assert adam["flops"] == 13 * mlp_parameters and adam["bytes"] == 7 * 4 * mlp_parameters
    assert adam["intensity"] < 1 < conv["intensity"]  # element-wise: memory-bound; a convolution: not
    for point in points:
        assert 0 < point["attainable_gflops"] <= results["rooflines"]["1"]["peak_gflops"] + 1e-3
        assert point["gflops"] > 0 and point["ms"] > 0
    mlp = results["mlp_batch_1"]
    assert mlp["flops"] == 2 * (784 * 512 + 512 * 10)
    assert mlp["us"] > 0 and 0 < mlp["us_at_peak"]
    assert set(results["caches"]) <= {"L1d", "L2", "L3", "L4"}
