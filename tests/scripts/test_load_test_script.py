"""scripts/load_test.py against a real server it starts: latency and the server's memory are reported.

The model is an untrained MLP with seeded weights and the image SYNTHETIC
(random pixels): the test checks the report, not the model.
"""

from __future__ import annotations

import os
import re
import sys

import numpy as np
import pytest
from conftest import load_script
from PIL import Image

SCRIPT_NAME = "load_test"
pytest.importorskip("fastapi", reason="the server needs the 'serve' extra")
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="memory is read from /proc (Linux)")


def _seeded_mlp(folder):
    from classroom.models.registry import build_model
    from classroom.serve.model_file import export_model

    architecture = {"name": "mlp", "in_features": 784, "hidden_sizes": [16], "out_features": 10}
    model = build_model(architecture)
    rng = np.random.default_rng(1)
    for parameter in model.parameters():
        parameter.data[...] = rng.normal(0.0, 0.05, parameter.data.shape)
    metadata = {
        "name": "seeded-mlp", "version": "test", "architecture": architecture, "input_shape": [784],
        "classes": [str(digit) for digit in range(10)], "metrics": {},
        "preprocess": {"mode": "L", "size": [28, 28], "mean": [0.1307], "std": [0.3081]},
    }
    return export_model(folder / "seeded-mlp.npz", model, metadata=metadata)


def test_server_memory_reads_resident_and_peak_memory_of_a_process():
    script = load_script(SCRIPT_NAME)
    memory = script.server_memory(os.getpid())
    assert 0 < memory["rss"] <= memory["peak"]
    assert script.server_memory(None) is None
    assert script.server_memory(2**22 + 12345) is None  # above Linux's largest process id


@pytest.mark.slow
def test_load_test_reports_latency_and_the_servers_memory(tmp_path, capsys):
    image = tmp_path / "noise.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(image)
    status = load_script(SCRIPT_NAME).main(
        ["--model", str(_seeded_mlp(tmp_path)), "--image", str(image), "-n", "30", "-c", "2", "--time-limit", "30"]
    )
    report = capsys.readouterr().out
    assert status == 0, report
    assert re.search(r"/predict +30 ok +0 errors", report), report
    memory = re.search(r"server memory \(RSS\): ([\d.]+) MB before, peak ([\d.]+) MB since the server started, "
                       r"([\d.]+) MB after \(([+-][\d.]+) MB\)", report)
    assert memory, report
    before, peak, after, change = (float(value) for value in memory.groups())
    assert 20 < before <= peak and after <= peak, report  # a Python process with NumPy and FastAPI
    assert change == pytest.approx(after - before, abs=0.11)
