"""``classroom serve`` refuses to start on a bad model file: exit status 2, one line, no traceback."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("classroom.models.mlp", reason="classroom.models.mlp is not available")

from classroom.cli import build_parser  # noqa: E402
from serve_helpers import free_port, seeded_mlp_file, serve_command  # noqa: E402


def _flip_middle_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _refusal(models) -> subprocess.CompletedProcess:
    return subprocess.run(
        serve_command(models, port=free_port()), capture_output=True, text=True, timeout=60
    )


def test_serve_refuses_a_tampered_model_file_with_one_line_naming_it(tmp_path):
    path = seeded_mlp_file(tmp_path)
    _flip_middle_byte(path)
    result = _refusal([path])
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"classroom serve: error: {path}: ")
    assert "checksum mismatch" in lines[0]
    assert "Traceback" not in result.stderr


def test_serve_refuses_to_start_when_any_of_several_models_is_bad(tmp_path):
    good = seeded_mlp_file(tmp_path, name="good")
    missing = tmp_path / "missing.npz"
    result = _refusal([good, missing])
    assert result.returncode == 2
    assert result.stderr.strip() == f"classroom serve: error: {missing}: no such file"


def test_serve_refuses_two_models_with_the_same_name(tmp_path):
    first = seeded_mlp_file(tmp_path, name="twin")
    (tmp_path / "copy").mkdir()
    second = seeded_mlp_file(tmp_path / "copy", name="twin")
    result = _refusal([first, second])
    assert result.returncode == 2
    assert "two models are named 'twin'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("option", ["--max-upload-bytes", "--max-image-pixels"])
@pytest.mark.parametrize("value", ["0", "-5", "lots"])
def test_serve_options_refuse_a_limit_that_is_not_a_positive_integer(option, value, capsys):
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args(["serve", "--model", "m.npz", option, value])
    assert caught.value.code == 2
    assert "positive integer" in capsys.readouterr().err


def test_serve_requires_a_model():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve"])


def test_create_app_from_env_serves_the_listed_models(tmp_path, monkeypatch):
    from classroom.serve.app import create_app_from_env

    first = seeded_mlp_file(tmp_path, name="first")
    second = seeded_mlp_file(tmp_path, name="second")
    monkeypatch.setenv("CLASSROOM_SERVE_MODELS", f"{first}{os.pathsep}{second}")
    monkeypatch.setenv("CLASSROOM_SERVE_MAX_UPLOAD_BYTES", "1234")
    app = create_app_from_env()
    assert list(app.state.models) == ["first", "second"]


def test_create_app_from_env_explains_a_missing_setting(monkeypatch):
    from classroom.serve.app import create_app_from_env

    monkeypatch.delenv("CLASSROOM_SERVE_MODELS", raising=False)
    with pytest.raises(ValueError, match="CLASSROOM_SERVE_MODELS"):
        create_app_from_env()


@pytest.mark.parametrize("limits", [{"max_upload_bytes": 0}, {"max_image_pixels": -1}])
def test_create_app_refuses_limits_that_are_not_positive(tmp_path, limits):
    from classroom.serve.app import create_app

    with pytest.raises(ValueError, match="limits must be positive"):
        create_app([seeded_mlp_file(tmp_path)], **limits)
