"""IDX parser on SYNTHETIC IDX files written in tmp_path."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from synthetic_datasets import idx_bytes

from classroom.data import CorruptDataError, parse_idx, read_idx


@pytest.mark.parametrize("shape", [(5,), (3, 4, 6), (2, 28, 28)])
@pytest.mark.parametrize("compressed", [False, True])
def test_read_idx_round_trips_synthetic_arrays(tmp_path, rng, shape, compressed):
    array = rng.integers(0, 256, size=shape, dtype=np.uint8)
    path = tmp_path / ("synthetic-idx" + (".gz" if compressed else ""))
    data = idx_bytes(array)
    path.write_bytes(gzip.compress(data) if compressed else data)
    decoded = read_idx(path, expected_ndim=len(shape))
    assert decoded.dtype == np.uint8
    np.testing.assert_array_equal(decoded, array)


def test_parse_idx_reads_big_endian_int32():
    values = np.array([1, -2, 70000], dtype=">i4")
    data = bytes([0, 0, 0x0C, 1]) + (3).to_bytes(4, "big") + values.tobytes()
    decoded = parse_idx(data)
    assert decoded.dtype == np.dtype("int32") and decoded.dtype.isnative
    np.testing.assert_array_equal(decoded, [1, -2, 70000])


@pytest.mark.parametrize("first_bytes", [b"\x01\x00\x08\x03", b"\x00\x00\x07\x03", b"\x1f\x8b\x08\x00"])
def test_wrong_magic_number_is_reported_with_file_name(tmp_path, first_bytes):
    data = bytearray(idx_bytes(np.zeros((2, 28, 28), dtype=np.uint8)))
    data[:4] = first_bytes
    path = tmp_path / "bad-magic-idx3-ubyte"
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptDataError, match="wrong magic number") as caught:
        read_idx(path)
    assert str(path) in str(caught.value)


def test_unexpected_dimensions_are_reported(tmp_path):
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(idx_bytes(np.zeros(10, dtype=np.uint8)))
    with pytest.raises(CorruptDataError, match=r"1 dimensions, expected 3") as caught:
        read_idx(path, expected_ndim=3)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("keep_bytes", [2, 10, 4 + 12 + 100])
def test_truncated_idx_file_is_reported_with_file_name(tmp_path, keep_bytes):
    data = idx_bytes(np.ones((2, 28, 28), dtype=np.uint8))[:keep_bytes]
    path = tmp_path / "truncated-idx3-ubyte"
    path.write_bytes(data)
    with pytest.raises(CorruptDataError, match="truncated") as caught:
        read_idx(path)
    assert str(path) in str(caught.value)


def test_trailing_bytes_are_reported(tmp_path):
    path = tmp_path / "long-idx1-ubyte"
    path.write_bytes(idx_bytes(np.zeros(4, dtype=np.uint8)) + b"extra")
    with pytest.raises(CorruptDataError, match="trailing bytes"):
        read_idx(path)


def test_truncated_gzip_is_reported_with_file_name(tmp_path):
    compressed = gzip.compress(idx_bytes(np.arange(1000, dtype=np.uint8).reshape(10, 10, 10)))
    path = tmp_path / "cut-idx3-ubyte.gz"
    path.write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(CorruptDataError, match="gzip") as caught:
        read_idx(path)
    assert str(path) in str(caught.value)
