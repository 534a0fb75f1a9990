"""The options and records every full-run script shares."""

from __future__ import annotations

import argparse
import json
import os

import numpy as np
import pytest

import classroom.train.runs as runs
from classroom.train.runs import NOT_TAKEN, add_run_options, apply_run_options, command_record, machine_record


def test_each_script_picks_which_shared_options_it_takes_and_their_defaults(tmp_path):
    parser = argparse.ArgumentParser()
    add_run_options(parser, out=tmp_path / "run", threads=2, seed=NOT_TAKEN, data_dir=False)
    arguments = parser.parse_args([])
    assert vars(arguments) == {"threads": 2, "out": tmp_path / "run"}
    with pytest.raises(SystemExit):
        parser.parse_args(["--seed", "1"])  # not taken by this script


def test_out_none_makes_the_output_folder_required(capsys):
    parser = argparse.ArgumentParser()
    add_run_options(parser, out=None)
    with pytest.raises(SystemExit):
        parser.parse_args([])
    assert "--out" in capsys.readouterr().err


def test_apply_points_the_loaders_at_the_data_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("CLASSROOM_DATA", raising=False)
    parser = argparse.ArgumentParser()
    add_run_options(parser)
    assert apply_run_options(parser.parse_args(["--data-dir", str(tmp_path)])) is None  # no --threads: no limit
    assert os.environ["CLASSROOM_DATA"] == str(tmp_path)


def test_the_machine_record_has_one_shape_for_every_script():
    record = machine_record(threads=2, blas="openblas x2")
    assert set(record) == {"cpu", "cpu_count", "threads", "blas", "platform", "python", "numpy"}
    assert record["numpy"] == np.__version__ and record["threads"] == 2 and record["cpu"]


def test_the_command_is_recorded_as_it_would_be_typed_again():
    assert command_record("scripts/train_mnist.py", ["--epochs", "3", "--out", "my runs"]) == (
        "python scripts/train_mnist.py --epochs 3 --out 'my runs'"
    )


def test_read_run_returns_the_record_and_says_what_to_run_when_missing(tmp_path, capsys):
    from classroom.train.runs import read_run

    assert read_run("runs/questions/formats.json", root=tmp_path) is None
    assert "python scripts/question_formats.py" in capsys.readouterr().out
    path = tmp_path / "runs" / "questions" / "formats.json"
    path.parent.mkdir(parents=True)
    path.write_text('{"command": "python scripts/question_formats.py", "value": 3}')
    assert read_run("runs/questions/formats.json", root=tmp_path)["value"] == 3


def test_read_run_names_a_broken_file(tmp_path):
    import pytest

    from classroom.train.runs import read_run

    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(ValueError, match="broken.json is not valid JSON"):
        read_run("broken.json", root=tmp_path)


def test_describe_run_shows_command_date_and_machine():
    from classroom.train.runs import describe_run

    text = describe_run({"command": "python scripts/a.py --x 1", "date": "2026-12-03",
                         "machine": {"cpu": "Some CPU", "cpu_count": 2, "threads": 2}})
    assert text.splitlines() == ["command: python scripts/a.py --x 1", "date:    2026-12-03",
                                 "machine: Some CPU, 2 cores, 2 thread(s)"]


def test_finish_run_writes_the_record_in_order_with_the_machine_and_the_load(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(runs, "_load_average", lambda: [0.5, 0.25, 0.125])
    start = runs.start_run()
    arguments = argparse.Namespace(epochs=3, model=runs.project_root() / "runs" / "cifar10" / "model.npz",
                                   elsewhere=tmp_path / "photos" / "cat.jpg", out=tmp_path, data_dir=tmp_path)
    path = runs.finish_run(start, script="scripts/example.py", argv=["--epochs", "3"], arguments=arguments,
                           results={"accuracy": 0.9, "note": "synthetic"}, out=tmp_path / "new", name="example",
                           threads=2, blas="openblas, 2 threads")
    assert path == tmp_path / "new" / "example.json"
    assert f"wrote {path}" in capsys.readouterr().out
    record = json.loads(path.read_text())
    assert list(record) == ["command", "date", "settings", "accuracy", "note", "seconds", "machine"]
    assert record["command"] == "python scripts/example.py --epochs 3"
    assert record["date"] == start.started_at.isoformat(timespec="seconds")
    # Paths inside the project are kept relative to it; others keep only their name; out and data_dir are left out.
    assert record["settings"] == {"epochs": 3, "model": "runs/cifar10/model.npz", "elsewhere": "cat.jpg"}
    assert record["seconds"] >= 0
    assert record["machine"]["threads"] == 2 and record["machine"]["load_average_at_start"] == [0.5, 0.25, 0.125]
    assert record["machine"]["load_average_at_end"] == [0.5, 0.25, 0.125]
    assert str(tmp_path) not in path.read_text()


def test_finish_run_records_the_settings_it_is_given(tmp_path, capsys):
    path = runs.finish_run(runs.start_run(), script="scripts/example.py", argv=[], arguments=argparse.Namespace(a=1),
                           results={}, out=tmp_path, name="given", settings={"widths": [2, 3]})
    assert json.loads(path.read_text())["settings"] == {"widths": [2, 3]}


def test_start_run_has_no_load_average_where_the_system_has_none(monkeypatch):
    monkeypatch.delattr(runs.os, "getloadavg", raising=False)
    assert runs.start_run().load_average is None
