"""``classroom.io.atomic.atomic_write``: all of the new file, or the old one untouched."""

import os
import stat

import pytest

from classroom.io.atomic import atomic_write


def test_atomic_write_replaces_the_file_when_the_block_succeeds(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with atomic_write(target) as stream:
        stream.write(b"new content")
    assert target.read_bytes() == b"new content"
    assert [path.name for path in tmp_path.iterdir()] == ["out.bin"]


def test_atomic_write_keeps_the_old_file_and_no_temp_file_when_the_block_fails(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old and complete")
    with pytest.raises(RuntimeError, match="disk full"):
        with atomic_write(target, "w") as stream:
            stream.write("half of the new")
            raise RuntimeError("disk full")
    assert target.read_text() == "old and complete"
    assert [path.name for path in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_write_gives_the_permissions_a_plain_open_would(tmp_path):
    target = tmp_path / "model.npz"
    with atomic_write(target) as stream:
        stream.write(b"x")
    plain = tmp_path / "plain"
    plain.write_bytes(b"x")
    assert stat.S_IMODE(os.stat(target).st_mode) == stat.S_IMODE(os.stat(plain).st_mode)


def test_atomic_write_names_the_temporary_file_in_the_same_folder(tmp_path):
    target = tmp_path / "data.gz"
    with atomic_write(target) as stream:
        assert os.path.dirname(stream.name) == str(tmp_path)
        assert stream.name != str(target)


def test_atomic_write_rejects_append_mode(tmp_path):
    with pytest.raises(ValueError, match="mode"):
        with atomic_write(tmp_path / "x", "a"):
            pass


def test_write_json_writes_readable_json_and_keeps_the_old_file_on_failure(tmp_path):
    import json

    from classroom.io.atomic import write_json

    target = tmp_path / "metrics.json"
    write_json(target, {"accuracy": 0.98, "epochs": [1, 2]})
    assert json.loads(target.read_text()) == {"accuracy": 0.98, "epochs": [1, 2]}
    with pytest.raises(TypeError):
        write_json(target, {"not json": object()})
    assert json.loads(target.read_text()) == {"accuracy": 0.98, "epochs": [1, 2]}
    assert [path.name for path in tmp_path.iterdir()] == ["metrics.json"]
