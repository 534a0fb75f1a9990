"""The .npy cache: keys, atomic writes, invalidation, read-only symlinked sources (SYNTHETIC arrays)."""

from __future__ import annotations

import os

import numpy as np
import pytest

import classroom.data.cache as cache_module
from classroom.data.cache import cache_key, cached


def build_counter(arrays):
    """A build function that counts its calls."""
    calls = []

    def build():
        calls.append(1)
        return arrays

    return build, calls


def test_key_changes_with_parameters_and_source_stat(tmp_path):
    source = tmp_path / "source.bin"
    source.write_bytes(b"abc")
    key = cache_key([source], {"size": 32})
    assert cache_key([source], {"size": 32}) == key
    assert cache_key([source], {"size": 64}) != key
    os.utime(source, ns=(0, source.stat().st_mtime_ns + 1))
    assert cache_key([source], {"size": 32}) != key


def test_key_follows_symlinks_to_read_only_sources(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "a.bin").write_bytes(b"first")
    (shared / "b.bin").write_bytes(b"second file")
    link = tmp_path / "data" / "source.bin"
    link.parent.mkdir()
    link.symlink_to(shared / "a.bin")
    (shared / "a.bin").chmod(0o444)
    key = cache_key([link], {})
    link.unlink()
    link.symlink_to(shared / "b.bin")
    assert cache_key([link], {}) != key


def test_cached_builds_once_and_returns_memory_mappable_arrays(tmp_path):
    source = tmp_path / "source.bin"
    source.write_bytes(b"abc")
    arrays = {"images": np.arange(24, dtype=np.uint8).reshape(2, 3, 4), "names": np.array(["x", "yy"])}
    build, calls = build_counter(arrays)
    for _ in range(3):
        result = cached("demo", sources=[source], params={}, build=build, cache_folder=tmp_path / "cache")
        np.testing.assert_array_equal(result["images"], arrays["images"])
        np.testing.assert_array_equal(result["names"], arrays["names"])
    assert len(calls) == 1
    mapped = cached("demo", sources=[source], params={}, build=build, cache_folder=tmp_path / "cache", mmap_mode="r")
    assert isinstance(mapped["images"], np.memmap)


def test_damaged_cache_entry_is_rebuilt(tmp_path):
    source = tmp_path / "source.bin"
    source.write_bytes(b"abc")
    build, calls = build_counter({"values": np.ones(5)})
    cached("demo", sources=[source], params={}, build=build, cache_folder=tmp_path / "cache")
    next((tmp_path / "cache").glob("*.values.npy")).write_bytes(b"garbage")
    result = cached("demo", sources=[source], params={}, build=build, cache_folder=tmp_path / "cache")
    assert len(calls) == 2
    np.testing.assert_array_equal(result["values"], np.ones(5))


def test_unwritable_cache_warns_and_still_returns_arrays(tmp_path, monkeypatch):
    source = tmp_path / "source.bin"
    source.write_bytes(b"abc")

    def refuse(*args, **kwargs):
        raise PermissionError("synthetic read-only folder")

    monkeypatch.setattr(cache_module, "write_cache", refuse)
    with pytest.warns(UserWarning, match="could not write the cache"):
        result = cached(
            "demo", sources=[source], params={}, build=lambda: {"v": np.zeros(2)}, cache_folder=tmp_path / "c"
        )
    np.testing.assert_array_equal(result["v"], np.zeros(2))


def test_interrupted_write_leaves_no_entry(tmp_path, monkeypatch):
    source = tmp_path / "source.bin"
    source.write_bytes(b"abc")
    original_replace = os.replace
    replaced = []

    def crash_on_second_replace(src, dst):
        if replaced:
            raise KeyboardInterrupt  # e.g. the learner presses Ctrl+C mid-write
        replaced.append(dst)
        original_replace(src, dst)

    monkeypatch.setattr(cache_module.os, "replace", crash_on_second_replace)
    arrays = {"a": np.zeros(3), "b": np.ones(3)}
    with pytest.raises(KeyboardInterrupt):
        cached("demo", sources=[source], params={}, build=lambda: arrays, cache_folder=tmp_path / "cache")
    monkeypatch.setattr(cache_module.os, "replace", original_replace)
    leftovers = sorted(path.name for path in (tmp_path / "cache").iterdir())
    assert not any(name.endswith(".part") for name in leftovers)
    assert not any(name.endswith(".json") for name in leftovers), "no manifest: the entry is incomplete"
    build, calls = build_counter(arrays)
    cached("demo", sources=[source], params={}, build=build, cache_folder=tmp_path / "cache")
    assert len(calls) == 1, "an incomplete entry is rebuilt"
