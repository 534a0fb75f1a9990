"""Checkpoints: exact resume, atomic saving, clear errors.

Data are SYNTHETIC Gaussian blobs (see ``trainer_helpers``).
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from trainer_helpers import make_mlp, make_trainer, synthetic_blobs

import classroom.io.atomic
import classroom.io
from classroom.train import Callback, EarlyStopping, ModelCheckpoint, load_checkpoint, save_checkpoint


def _data():
    inputs, labels = synthetic_blobs(seed=3, n_samples=200)
    return (inputs[:150], labels[:150]), (inputs[150:], labels[150:])


def _assert_same_state(first: dict, second: dict) -> None:
    assert list(first) == list(second)
    for name in first:
        np.testing.assert_array_equal(first[name], second[name], err_msg=name)


@pytest.mark.parametrize("optimizer_name", ["sgd", "adam"])
@pytest.mark.parametrize("dropout", [None, 0.3])
@pytest.mark.parametrize("with_scheduler", [False, True])
def test_resume_after_two_epochs_is_bit_identical_to_four_uninterrupted_epochs(
    tmp_path, optimizer_name, dropout, with_scheduler
):
    train, val = _data()

    uninterrupted = make_trainer(
        make_mlp(seed=1, dropout=dropout), optimizer_name, with_scheduler=with_scheduler
    )
    uninterrupted.fit(train, val, epochs=4, batch_size=16, rng=np.random.default_rng(7))

    path = tmp_path / "checkpoint.npz"
    first = make_trainer(
        make_mlp(seed=1, dropout=dropout),
        optimizer_name,
        with_scheduler=with_scheduler,
        callbacks=[ModelCheckpoint(path)],
    )
    first.fit(train, val, epochs=2, batch_size=16, rng=np.random.default_rng(7))
    del first

    # A fresh process would build everything anew, with different initial weights
    # and an unrelated dropout generator; the checkpoint must restore all of it.
    resumed = make_trainer(
        make_mlp(seed=99, dropout=dropout),
        optimizer_name,
        with_scheduler=with_scheduler,
        callbacks=[ModelCheckpoint(path)],
    )
    resumed.load_checkpoint(path)
    assert resumed.epoch == 2
    resumed.fit(train, val, epochs=2, batch_size=16)

    _assert_same_state(resumed.model.state_dict(), uninterrupted.model.state_dict())
    _assert_same_state(resumed.optimizer.state_dict(), uninterrupted.optimizer.state_dict())
    assert resumed.history.to_dict() == uninterrupted.history.to_dict()
    assert (resumed.epoch, resumed.step) == (uninterrupted.epoch, uninterrupted.step)


def test_resume_keeps_dropout_and_shuffling_on_one_shared_generator(tmp_path):
    train, val = _data()
    shared = np.random.default_rng(5)
    uninterrupted = make_trainer(make_mlp(seed=1, dropout=0.5, dropout_rng=shared), "adam")
    uninterrupted.fit(train, val, epochs=4, batch_size=16, rng=shared)

    path = tmp_path / "checkpoint.npz"
    shared = np.random.default_rng(5)
    first = make_trainer(make_mlp(seed=1, dropout=0.5, dropout_rng=shared), "adam")
    first.fit(train, val, epochs=2, batch_size=16, rng=shared)
    first.save_checkpoint(path)

    resumed = make_trainer(make_mlp(seed=2, dropout=0.5, dropout_rng=np.random.default_rng(0)), "adam")
    resumed.load_checkpoint(path)
    dropout_layer = resumed.model[2]
    assert dropout_layer.rng is resumed.rng, "the layer should share the trainer's generator again"
    resumed.fit(train, val, epochs=2, batch_size=16)

    _assert_same_state(resumed.model.state_dict(), uninterrupted.model.state_dict())


def test_checkpoint_file_holds_plain_arrays_json_history_and_rng_state(tmp_path):
    train, val = _data()
    trainer = make_trainer(make_mlp(seed=1), "adam", with_scheduler=True)
    rng = np.random.default_rng(11)
    trainer.fit(train, val, epochs=2, batch_size=32, rng=rng)
    path = save_checkpoint(tmp_path / "checkpoint.npz", trainer)

    with np.load(path, allow_pickle=False) as archive:  # would raise on pickled objects
        names = set(archive.files)
        history = json.loads(str(archive["history"]))
        rng_state = json.loads(str(archive["rng"]))
        epoch = int(archive["counters/epoch"])
        step = int(archive["counters/step"])
    assert {"model/0.weight", "model/2.bias", "optimizer/step", "scheduler/last_epoch"} <= names
    assert any(name.startswith("optimizer/state.0.") for name in names)
    assert history["epoch"] == [1, 2]
    assert len(history["val_loss"]) == 2
    assert rng_state == rng.bit_generator.state
    assert epoch == 2
    assert step == 2 * int(np.ceil(150 / 32))


def test_early_stopping_state_survives_a_checkpoint(tmp_path):
    train, val = _data()
    stopper = EarlyStopping(monitor="val_loss", patience=3)
    trainer = make_trainer(make_mlp(seed=1), "sgd", callbacks=[stopper])
    trainer.fit(train, val, epochs=2, batch_size=32, rng=np.random.default_rng(0))
    trainer.save_checkpoint(tmp_path / "checkpoint.npz")

    restored = EarlyStopping(monitor="val_loss", patience=3)
    other = make_trainer(make_mlp(seed=4), "sgd", callbacks=[restored])
    other.load_checkpoint(tmp_path / "checkpoint.npz")
    assert restored.best == stopper.best
    assert restored.best_epoch == stopper.best_epoch
    assert restored.wait == stopper.wait
    _assert_same_state(restored.best_weights, stopper.best_weights)


def test_crash_while_replacing_file_keeps_previous_checkpoint_and_leaves_no_temp_file(
    tmp_path, monkeypatch
):
    train, val = _data()
    path = tmp_path / "checkpoint.npz"
    trainer = make_trainer(make_mlp(seed=1), "adam")
    trainer.fit(train, val, epochs=1, batch_size=32, rng=np.random.default_rng(0))
    trainer.save_checkpoint(path)
    weights_after_epoch_1 = trainer.model.state_dict()
    trainer.fit(train, val, epochs=1, batch_size=32)

    def crash(source, destination):
        raise OSError("simulated power cut during os.replace")

    monkeypatch.setattr(classroom.io.atomic.os, "replace", crash)
    with pytest.raises(OSError, match="simulated power cut"):
        trainer.save_checkpoint(path)
    monkeypatch.undo()

    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.npz"]
    fresh = make_trainer(make_mlp(seed=8), "adam")
    fresh.load_checkpoint(path)
    assert fresh.epoch == 1
    _assert_same_state(fresh.model.state_dict(), weights_after_epoch_1)


def test_crash_halfway_through_writing_keeps_previous_checkpoint(tmp_path, monkeypatch):
    train, _ = _data()
    path = tmp_path / "checkpoint.npz"
    trainer = make_trainer(make_mlp(seed=1), "sgd")
    trainer.fit(train, epochs=1, batch_size=32, rng=np.random.default_rng(0))
    trainer.save_checkpoint(path)
    bytes_before = path.read_bytes()

    real_savez = np.savez

    def savez_that_dies_midway(file, **arrays):
        file.write(b"PK\x03\x04 half of a zip file")  # some bytes reach the temp file...
        raise KeyboardInterrupt  # ...then the user presses Ctrl-C

    monkeypatch.setattr(classroom.io.model_files.np, "savez", savez_that_dies_midway)
    with pytest.raises(KeyboardInterrupt):
        trainer.save_checkpoint(path)
    monkeypatch.setattr(classroom.io.model_files.np, "savez", real_savez)

    assert path.read_bytes() == bytes_before
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.npz"]
    make_trainer(make_mlp(seed=2), "sgd").load_checkpoint(path)


def test_model_checkpoint_with_epoch_pattern_writes_one_file_per_epoch(tmp_path):
    train, _ = _data()
    callback = ModelCheckpoint(tmp_path / "epoch-{epoch:02d}.npz")
    trainer = make_trainer(make_mlp(seed=1), "sgd", callbacks=[callback])
    trainer.fit(train, epochs=3, batch_size=32, rng=np.random.default_rng(0))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch-01.npz", "epoch-02.npz", "epoch-03.npz"]
    assert callback.last_path == tmp_path / "epoch-03.npz"


def test_model_checkpoint_save_best_only_keeps_the_best_epoch(tmp_path):
    train, val = _data()
    callback = ModelCheckpoint(tmp_path / "best.npz", monitor="val_loss", save_best_only=True)
    snapshots = {}

    class Snapshot(Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            snapshots[epoch] = trainer.model.state_dict()

    trainer = make_trainer(
        make_mlp(seed=1), "sgd", callbacks=[callback, Snapshot()]
    )
    trainer.optimizer.lr = 0.5  # large steps so the validation loss goes up and down
    trainer.fit(train, val, epochs=6, batch_size=16, rng=np.random.default_rng(0))

    best_epoch, best_value = trainer.history.best("val_loss", "min")
    fresh = make_trainer(make_mlp(seed=3), "sgd")
    fresh.load_checkpoint(tmp_path / "best.npz")
    assert fresh.epoch == best_epoch
    assert callback.best == best_value
    _assert_same_state(fresh.model.state_dict(), snapshots[best_epoch])


def test_loading_a_checkpoint_into_a_different_architecture_lists_every_mismatch(tmp_path):
    train, _ = _data()
    trainer = make_trainer(make_mlp(seed=1, hidden=16), "sgd")
    trainer.fit(train, epochs=1, batch_size=32, rng=np.random.default_rng(0))
    trainer.save_checkpoint(tmp_path / "checkpoint.npz")

    other = make_trainer(make_mlp(seed=1, hidden=8), "sgd")
    with pytest.raises(ValueError, match=r"'0\.weight' has shape \(16, 5\), the model expects \(8, 5\)"):
        other.load_checkpoint(tmp_path / "checkpoint.npz")


@pytest.mark.parametrize(
    "content, message",
    [
        (b"not a zip file at all", "not a valid .npz"),
        (b"", "not a valid .npz"),
    ],
)
def test_loading_a_damaged_checkpoint_raises_a_clear_error(tmp_path, content, message):
    path = tmp_path / "checkpoint.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        load_checkpoint(path, make_trainer(make_mlp(seed=1), "sgd"))


def test_loading_a_saved_model_file_as_checkpoint_explains_the_difference(tmp_path):
    model = make_mlp(seed=1)
    classroom.io.save_model(tmp_path / "model.npz", model, metadata={"name": "mlp"})
    with pytest.raises(ValueError, match="not a training checkpoint"):
        make_trainer(make_mlp(seed=1), "sgd").load_checkpoint(tmp_path / "model.npz")


def test_loading_a_missing_checkpoint_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        make_trainer(make_mlp(seed=1), "sgd").load_checkpoint(tmp_path / "nope.npz")


def test_save_into_a_missing_folder_names_the_folder(tmp_path):
    trainer = make_trainer(make_mlp(seed=1), "sgd")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        trainer.save_checkpoint(tmp_path / "missing" / "checkpoint.npz")
    assert not (tmp_path / "missing").exists()
    assert os.listdir(tmp_path) == []
