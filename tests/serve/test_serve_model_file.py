"""Loading model files for serving: good files load, damaged or mismatched ones are refused.

The models here are untrained MLPs with seeded weights: the checks are about
files, not accuracy.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("classroom.models.mlp", reason="classroom.models.mlp is not available")

from classroom import io as model_io  # noqa: E402
from classroom.models.registry import build_model  # noqa: E402
from classroom.serve.model_file import (  # noqa: E402
    ModelFileError,
    load_served_model,
    sidecar_path,
    weights_sha256,
)
from serve_helpers import mnist_metadata, seeded_mlp_file  # noqa: E402

ARCHITECTURE = {"name": "mlp", "in_features": 784, "hidden_sizes": [16], "out_features": 10}


@pytest.fixture
def model_file(tmp_path) -> Path:
    return seeded_mlp_file(tmp_path, hidden=16)


def _largest_array_offset(path: Path) -> int:
    """Byte offset of the middle of the largest array in an uncompressed .npz."""
    data = path.read_bytes()
    state, _ = model_io.load_model_state(path)
    name, array = max(state.items(), key=lambda item: item[1].nbytes)
    return data.index(array.tobytes()) + array.nbytes // 2


def test_export_writes_a_sha256sum_sidecar_that_matches_the_file(model_file):
    digest = hashlib.sha256(model_file.read_bytes()).hexdigest()
    assert sidecar_path(model_file).read_text() == f"{digest}  {model_file.name}\n"


def test_load_served_model_reports_what_the_api_shows(model_file):
    served = load_served_model(model_file)
    info = served.info()
    assert info["name"] == "seeded-mlp"
    assert info["sha256"] == hashlib.sha256(model_file.read_bytes()).hexdigest()
    assert info["input_shape"] == [784]
    assert info["classes"] == [str(digit) for digit in range(10)]
    assert info["architecture"] == ARCHITECTURE
    assert served.model.training is False


def test_served_model_predict_returns_probabilities_equal_to_the_models_softmax(model_file, rng):
    served = load_served_model(model_file)
    inputs = rng.normal(size=(5, 1, 28, 28)).astype(np.float32)
    logits = served.model(inputs.reshape(5, 784)).astype(np.float64)
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(served.predict(inputs), expected, rtol=1e-6)


def test_served_model_gives_the_same_answers_from_many_threads(model_file, rng):
    served = load_served_model(model_file)
    inputs = rng.normal(size=(64, 784)).astype(np.float32)
    expected = served.predict(inputs)
    results = [None] * len(inputs)

    def work(index):
        for _ in range(20):
            results[index] = served.predict(inputs[index : index + 1])[0]

    threads = [threading.Thread(target=work, args=(index,)) for index in range(len(inputs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    np.testing.assert_allclose(np.stack(results), expected, rtol=1e-6)


# --------------------------------------------------------------------------- damaged files
def flip_a_weight_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[_largest_array_offset(path)] ^= 0xFF
    path.write_bytes(bytes(data))


def flip_a_weight_byte_without_sidecar(path: Path) -> None:
    sidecar_path(path).unlink()
    flip_a_weight_byte(path)


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def resave_other_weights_keeping_the_sidecar(path: Path) -> None:
    sidecar = sidecar_path(path).read_bytes()
    model_io.save_model(path, build_model(ARCHITECTURE), metadata=mnist_metadata(ARCHITECTURE))
    sidecar_path(path).write_bytes(sidecar)


def change_weights_keeping_the_recorded_digest(path: Path) -> None:
    state, metadata = model_io.load_model_state(path)
    first = sorted(state)[0]
    state[first] = state[first] + 1.0
    model = build_model(metadata["architecture"])
    model.load_state_dict(state)
    model_io.save_model(path, model, metadata=metadata)
    sidecar_path(path).unlink()


def save_with(metadata_change=None, hidden=16, weights=None):
    """Return a damage function that re-saves the file with other metadata or weights."""

    def damage(path: Path) -> None:
        sidecar_path(path).unlink()
        model = build_model({**ARCHITECTURE, "hidden_sizes": [hidden]})
        if weights is not None:
            for parameter in model.parameters():
                parameter.data[...] = weights
        metadata = mnist_metadata(ARCHITECTURE)
        if metadata_change:
            metadata_change(metadata)
        model_io.save_model(path, model, metadata=metadata)

    return damage


def write_pickled_object_array(path: Path) -> None:
    sidecar_path(path).unlink()
    with open(path, "wb") as file:
        np.savez(file, weights=np.array([{"evil": "object"}], dtype=object))


DAMAGES = {
    "one byte of a weight flipped (sidecar)": (flip_a_weight_byte, "checksum mismatch: the file's SHA-256"),
    "one byte of a weight flipped (no sidecar)": (flip_a_weight_byte_without_sidecar, "corrupt"),
    "truncated": (truncate, "checksum mismatch"),
    "truncated (no sidecar)": (
        lambda path: (sidecar_path(path).unlink(), truncate(path)),
        "truncated|corrupt|not a valid",
    ),
    "other bytes, old sidecar": (resave_other_weights_keeping_the_sidecar, "checksum mismatch"),
    "weights changed after export": (change_weights_keeping_the_recorded_digest, "weights do not match"),
    "arrays of another architecture": (save_with(hidden=32), "do not match the architecture"),
    "no preprocess metadata": (save_with(lambda meta: meta.pop("preprocess")), r"missing \['preprocess'\]"),
    "too few classes": (
        save_with(lambda meta: meta.update(classes=["a", "b"])),
        "10 outputs but the metadata lists 2 classes",
    ),
    "unknown architecture": (
        save_with(lambda meta: meta.update(architecture={"name": "resnet152"})),
        "unknown architecture 'resnet152'",
    ),
    "NaN weights": (save_with(weights=np.nan), "NaN"),
    "pickled object array": (write_pickled_object_array, "pickle"),
    "input shape of another model": (
        save_with(lambda meta: meta.update(input_shape=[3, 32, 32])),
        "does not fit the preprocessing",
    ),
}


@pytest.mark.parametrize("damage", DAMAGES, ids=list(DAMAGES))
def test_load_served_model_refuses_a_damaged_file_with_a_one_line_reason(damage, model_file):
    damage_function, message = DAMAGES[damage]
    damage_function(model_file)
    with pytest.raises(ModelFileError, match=message) as caught:
        load_served_model(model_file)
    text = str(caught.value)
    assert text.startswith(f"{model_file}: ")
    assert "\n" not in text


def test_load_served_model_refuses_a_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="no such file"):
        load_served_model(tmp_path / "nowhere.npz")


def test_a_file_saved_by_classroom_io_without_checksums_is_served(tmp_path):
    """Files from other training scripts (classroom.io.save_model, no sidecar) load when complete."""
    model = build_model(ARCHITECTURE)
    path = model_io.save_model(tmp_path / "plain.npz", model, metadata=mnist_metadata(ARCHITECTURE))
    served = load_served_model(path)
    assert weights_sha256(served.model.state_dict()) == weights_sha256(model.state_dict())


def test_a_copied_model_keeps_its_checksum(model_file, tmp_path):
    copy_folder = tmp_path / "copy"
    copy_folder.mkdir()
    shutil.copy(model_file, copy_folder / model_file.name)
    shutil.copy(sidecar_path(model_file), copy_folder / sidecar_path(model_file).name)
    assert load_served_model(copy_folder / model_file.name).sha256 == load_served_model(model_file).sha256


def test_a_cnn_saved_with_normalization_metadata_is_served_as_rgb_images(tmp_path):
    """The metadata layout of scripts/train_cifar10.py: ``normalization`` instead of ``preprocess``."""
    pytest.importorskip("classroom.models.cnn", reason="classroom.models.cnn is not available")
    architecture = {"name": "cifar_cnn", "widths": [4, 8], "convs_per_stage": 1, "seed": 0}
    path = model_io.save_model(
        tmp_path / "model.npz",
        build_model(architecture),
        metadata={
            "name": "cifar10-cnn",
            "architecture": architecture,
            "input_shape": [3, 32, 32],
            "classes": [f"class {index}" for index in range(10)],
            "normalization": {"mean": [0.5, 0.4, 0.3], "std": [0.2, 0.25, 0.3]},
        },
    )
    served = load_served_model(path)
    assert served.preprocessing.to_dict() == {
        "mode": "RGB",
        "size": [32, 32],
        "mean": [0.5, 0.4, 0.3],
        "std": [0.2, 0.25, 0.3],
        "invert": False,
    }
    assert served.version == "unversioned"
    assert served.predict(np.zeros((2, 3, 32, 32), np.float32)).shape == (2, 10)
