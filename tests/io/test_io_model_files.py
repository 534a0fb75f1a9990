"""Saving and loading models: round trips, metadata, hashes, damaged files, atomicity."""

from __future__ import annotations

import hashlib
import json
import zipfile

import numpy as np
import pytest

import classroom.io.atomic
import classroom.io
from classroom.io import (
    atomic_save_npz,
    file_sha256,
    load_model,
    load_model_state,
    load_npz,
    save_model,
    state_mismatches,
)
from classroom.nn import Linear, ReLU, Sequential

METADATA = {
    "name": "mnist-mlp",
    "version": "1.0.0",
    "architecture": {"type": "mlp", "sizes": [4, 8, 3]},
    "input_shape": [4],
    "classes": ["zero", "one", "two"],
    "metrics": {"test_accuracy": 0.97},
}


def make_model(seed: int, hidden: int = 8):
    rng = np.random.default_rng(seed)
    return Sequential(Linear(4, hidden, rng=rng), ReLU(), Linear(hidden, 3, rng=rng))


def test_save_then_load_round_trips_weights_and_metadata(tmp_path):
    model = make_model(seed=0)
    path = save_model(tmp_path / "model.npz", model, metadata=METADATA)
    state, metadata = load_model_state(path)
    assert list(state) == list(model.state_dict())
    for name, array in model.state_dict().items():
        np.testing.assert_array_equal(state[name], array)
        assert state[name].dtype == array.dtype
    created = metadata.pop("created")
    assert metadata == METADATA
    assert created.endswith("+00:00")  # UTC, ISO 8601


def test_load_model_copies_the_weights_into_a_fresh_model_and_returns_metadata(tmp_path):
    model = make_model(seed=0)
    save_model(tmp_path / "model.npz", model, metadata={"name": "tiny", "created": "2024-01-01"})
    fresh = make_model(seed=1)
    inputs = np.random.default_rng(2).normal(size=(5, 4)).astype(np.float32)
    assert not np.allclose(fresh(inputs), model(inputs))
    metadata = load_model(tmp_path / "model.npz", fresh)
    assert metadata == {"name": "tiny", "created": "2024-01-01"}
    np.testing.assert_array_equal(fresh(inputs), model(inputs))


def test_saved_file_is_a_plain_npz_loadable_without_pickle(tmp_path):
    path = save_model(tmp_path / "model.npz", make_model(seed=0), metadata=METADATA)
    with np.load(path, allow_pickle=False) as archive:
        assert archive["__metadata__"].dtype.kind == "U"
        assert json.loads(str(archive["__metadata__"]))["name"] == "mnist-mlp"


def test_file_sha256_matches_hashlib_and_changes_with_the_weights(tmp_path):
    model = make_model(seed=0)
    metadata = dict(METADATA, created="fixed")
    path = save_model(tmp_path / "a.npz", model, metadata=metadata)
    digest = file_sha256(path)
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
    assert len(digest) == 64
    again = save_model(tmp_path / "b.npz", model, metadata=metadata)
    assert file_sha256(again) == digest  # same content, same bytes
    model.layers[0].weight.data[0, 0] += 1.0
    changed = save_model(tmp_path / "c.npz", model, metadata=metadata)
    assert file_sha256(changed) != digest


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_model_state(tmp_path / "absent.npz")
    with pytest.raises(FileNotFoundError, match="no such file"):
        file_sha256(tmp_path / "absent.npz")


def test_truncated_file_raises_a_clear_error(tmp_path):
    path = save_model(tmp_path / "model.npz", make_model(seed=0), metadata=METADATA)
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2])
    with pytest.raises(ValueError, match="not a valid .npz archive .*truncated"):
        load_model_state(path)


def test_corrupted_bytes_inside_the_archive_raise_a_clear_error(tmp_path):
    path = tmp_path / "model.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("0.weight.npy", b"\x93NUMPY" + b"\x00" * 200)  # header that is not one
    with pytest.raises(ValueError, match="corrupt"):
        load_model_state(path)


def _write_text(path):
    path.write_text("weights: [1, 2, 3]\n")


def _write_npy(path):
    with open(path, "wb") as file:
        np.save(file, np.ones(3))


@pytest.mark.parametrize("writer", [_write_text, _write_npy], ids=["text", "npy"])
def test_a_file_that_is_not_an_npz_is_refused(tmp_path, writer):
    path = tmp_path / "model.npz"
    writer(path)
    with pytest.raises(ValueError, match="not a valid .npz archive"):
        load_model_state(path)


def test_a_zip_that_is_not_an_npz_is_refused(tmp_path):
    path = tmp_path / "model.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match="not an .npz archive of arrays"):
        load_model_state(path)


def test_npz_with_object_arrays_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, weights=np.array([{"run": "code"}, None], dtype=object))
    with pytest.raises(ValueError, match="refusing to load .* 'weights' is an object array"):
        load_model_state(path)


def test_saving_object_arrays_or_non_json_metadata_is_refused(tmp_path):
    with pytest.raises(TypeError, match="object array"):
        atomic_save_npz(tmp_path / "x.npz", {"bad": np.array([1, "a", None], dtype=object)})
    with pytest.raises(TypeError, match="JSON-serialisable"):
        save_model(tmp_path / "m.npz", make_model(seed=0), metadata={"shape": np.zeros(2)})
    assert list(tmp_path.iterdir()) == []


def test_a_state_for_another_architecture_lists_names_and_shapes(tmp_path):
    save_model(tmp_path / "model.npz", make_model(seed=0, hidden=8), metadata=METADATA)
    wrong = make_model(seed=0, hidden=16)
    before = wrong.state_dict()
    with pytest.raises(ValueError) as caught:
        load_model(tmp_path / "model.npz", wrong)
    message = str(caught.value)
    assert "'0.weight' has shape (8, 4), the model expects (16, 4)" in message
    assert "'2.weight' has shape (3, 8), the model expects (3, 16)" in message
    assert "saved architecture: {'sizes': [4, 8, 3], 'type': 'mlp'}" in message
    for name, array in wrong.state_dict().items():  # nothing half-loaded
        np.testing.assert_array_equal(array, before[name])


def test_state_mismatches_reports_missing_and_unexpected_names():
    model = make_model(seed=0)
    state = dict(model.state_dict())
    state.pop("2.bias")
    state["3.weight"] = np.zeros((2, 2))
    assert state_mismatches(model, state) == [
        "missing '2.bias' (the model expects shape (3,))",
        "unexpected '3.weight' (shape (2, 2))",
    ]
    assert state_mismatches(model, model.state_dict()) == []


def test_crash_during_replace_keeps_the_old_file_and_leaves_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    save_model(path, make_model(seed=0), metadata={"name": "old"})
    old_bytes = path.read_bytes()

    def crash(source, destination):
        raise OSError("disk full")

    monkeypatch.setattr(classroom.io.atomic.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        save_model(path, make_model(seed=1), metadata={"name": "new"})
    monkeypatch.undo()

    assert path.read_bytes() == old_bytes
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]
    assert load_model_state(path)[1]["name"] == "old"


def test_saving_into_a_missing_folder_says_which_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="folder .*missing does not exist"):
        save_model(tmp_path / "missing" / "model.npz", make_model(seed=0))


def test_load_npz_reads_every_entry_into_memory(tmp_path):
    path = atomic_save_npz(tmp_path / "arrays.npz", {"a": np.arange(3), "b/c": np.array("text")})
    arrays = load_npz(path)
    np.testing.assert_array_equal(arrays["a"], [0, 1, 2])
    assert str(arrays["b/c"]) == "text"
