"""``scripts/count_faces.py``: the face detector as a measuring instrument, and the record it writes.

Real CelebA faces calibrate the detector; the model is an untrained
``ConvVAE`` (its samples are smooth noise, not faces).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import load_script, require_dataset

pytest.importorskip("cv2", reason="the face count needs opencv-python-headless (the tests extra)")

count_faces = load_script("count_faces")


@pytest.mark.data
def test_the_detector_finds_real_faces_and_rarely_blurred_ones():
    require_dataset("celeba")
    from classroom.data import load_celeba

    faces = load_celeba(size=64, limit=120)[-100:]
    calibration = count_faces.calibrate(faces)
    assert calibration["faces"] == 100
    assert calibration["found_in_real_faces"] >= 0.85
    assert calibration["found_in_blurred_faces"] <= 0.25
    # Noise is not a face.
    noise = np.random.default_rng(0).integers(0, 256, size=(20, 64, 64, 3), dtype=np.uint8)  # synthetic
    assert count_faces.detect_faces(noise).sum() <= 2


@pytest.mark.data
def test_count_faces_writes_the_counted_grid_and_a_consistent_record(tmp_path):
    require_dataset("celeba")
    from classroom.io import save_model
    from classroom.models.vae import ConvVAE

    model = ConvVAE(64, 3, 8, (4, 8, 8, 8), rng=0)
    path = save_model(tmp_path / "model.npz", model, metadata={"architecture": model.architecture(), "epoch": 0})
    result = count_faces.main([str(path), "--samples", "16", "--temperature", "1", "0.5",
                               "--held-out", "100", "--calibration", "40"])
    record = json.loads((tmp_path / "face-count.json").read_text())
    assert record == json.loads(json.dumps(result))
    assert set(record["temperatures"]) == {"1", "0.5"}
    for counted in record["temperatures"].values():
        assert counted["faces_found"] + len(counted["without_a_face"]) == 16
        assert (tmp_path / counted["grid"]).is_file()
    assert record["calibration"]["faces"] == 40 and record["calibration"]["found_in_real_faces"] >= 0.8
    assert record["prior_seed"] == count_faces.PRIOR_SEED


def test_count_faces_refuses_a_missing_file_and_a_model_that_is_not_a_vae(tmp_path):
    with pytest.raises(SystemExit, match="no such file.*missing.npz"):
        count_faces.main([str(tmp_path / "missing.npz")])
    from classroom.io import save_model
    from classroom.models.mlp import MLP

    mlp = MLP(4, (3,), 2, rng=np.random.default_rng(0))
    architecture = {"name": "mlp", "in_features": 4, "hidden_sizes": [3], "out_features": 2}
    path = save_model(tmp_path / "mlp.npz", mlp, metadata={"architecture": architecture})
    with pytest.raises(SystemExit, match="does not hold a VAE"):
        count_faces.main([str(path)])
