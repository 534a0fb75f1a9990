"""``classroom.io.safetensors``: the byte layout, round trips and damaged files (synthetic arrays)."""

import json
import struct

import numpy as np
import pytest

from classroom.io.safetensors import (
    load_safetensors,
    parse_safetensors,
    safetensors_bytes,
    save_safetensors,
)
from classroom.models.mlp import MLP


def test_the_bytes_follow_the_layout_length_header_data():
    weight = np.arange(6, dtype=np.float32).reshape(2, 3)
    counts = np.array([1, 2], dtype=np.int64)
    data = safetensors_bytes({"w": weight, "n": counts}, metadata={"name": "tiny"})
    (length,) = struct.unpack("<Q", data[:8])
    assert length % 8 == 0
    header = json.loads(data[8 : 8 + length])
    assert header["__metadata__"] == {"name": "tiny"}
    assert header["w"] == {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}
    assert header["n"] == {"dtype": "I64", "shape": [2], "data_offsets": [24, 40]}
    body = data[8 + length :]
    assert body[:24] == weight.astype("<f4").tobytes()
    assert body[24:] == counts.astype("<i8").tobytes()


def test_a_file_written_by_hand_from_the_specification_is_read():
    header = json.dumps({"x": {"dtype": "F64", "shape": [3], "data_offsets": [0, 24]}}).encode()
    data = struct.pack("<Q", len(header)) + header + struct.pack("<3d", 1.5, -2.0, 4.25)
    arrays, metadata = parse_safetensors(data)
    np.testing.assert_array_equal(arrays["x"], [1.5, -2.0, 4.25])
    assert arrays["x"].dtype == np.float64 and metadata == {}


def test_a_model_state_round_trips_exactly(tmp_path):
    model = MLP(784, [32], 10, rng=0)
    path = save_safetensors(tmp_path / "mlp.safetensors", model.state_dict(), metadata={"hidden": "32"})
    arrays, metadata = load_safetensors(path)
    assert metadata == {"hidden": "32"}
    assert list(arrays) == list(model.state_dict())
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(arrays[name], value)
        assert arrays[name].dtype == value.dtype
    clone = MLP(784, [32], 10, rng=1)
    clone.load_state_dict(arrays)
    x = np.random.default_rng(0).normal(size=(4, 784)).astype(np.float32)
    np.testing.assert_array_equal(clone(x), model(x))


def test_big_endian_arrays_are_stored_little_endian_and_scalars_and_empty_arrays_work():
    arrays = {"b": np.array([1.0, 2.0], dtype=">f4"), "s": np.float32(3.0), "e": np.zeros((0, 4), np.float32)}
    back, _ = parse_safetensors(safetensors_bytes(arrays))
    np.testing.assert_array_equal(back["b"], [1.0, 2.0])
    assert back["s"].shape == () and back["s"] == 3.0
    assert back["e"].shape == (0, 4)


def test_unsupported_dtypes_and_non_string_metadata_are_refused():
    with pytest.raises(TypeError, match="no safetensors name"):
        safetensors_bytes({"c": np.array([1 + 2j])})
    with pytest.raises(TypeError, match="must be strings"):
        safetensors_bytes({}, metadata={"epochs": 3})


@pytest.mark.parametrize(
    "cut, message",
    [(4, "fewer than the 8-byte"), (20, "truncated"), (-1, "offsets")],
)
def test_damaged_files_raise_a_value_error_that_says_what_is_wrong(cut, message):
    data = safetensors_bytes({"w": np.ones((4, 4), np.float32)})
    with pytest.raises(ValueError, match=message):
        parse_safetensors(data[:cut])


def test_unused_bytes_and_overlaps_are_refused():
    data = safetensors_bytes({"w": np.ones(2, np.float32)})
    with pytest.raises(ValueError, match="no array uses"):
        parse_safetensors(data + b"\0\0\0\0")
    header = json.dumps({
        "a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]},
        "b": {"dtype": "U8", "shape": [2], "data_offsets": [1, 3]},
    }).encode()
    with pytest.raises(ValueError, match="overlap"):
        parse_safetensors(struct.pack("<Q", len(header)) + header + b"abc")


def test_the_safetensors_package_reads_our_file_when_it_is_installed(tmp_path):
    numpy_reader = pytest.importorskip("safetensors.numpy")
    arrays = {"w": np.arange(12, dtype=np.float32).reshape(3, 4), "i": np.array([7], np.int32)}
    path = save_safetensors(tmp_path / "x.safetensors", arrays)
    loaded = numpy_reader.load_file(str(path))
    for name, value in arrays.items():
        np.testing.assert_array_equal(loaded[name], value)
