"""``RecordEvery``: a function's results every N steps or epochs, from the Trainer or a loop of one's own.

Data are SYNTHETIC Gaussian blobs (see ``trainer_helpers``).
"""

from __future__ import annotations

import numpy as np
import pytest
from trainer_helpers import make_mlp, make_trainer, synthetic_blobs

from classroom.train import RecordEvery


@pytest.fixture
def blobs():
    inputs, labels = synthetic_blobs(seed=3, n_samples=100)
    return inputs, labels


def test_records_every_n_steps_from_the_start(blobs):
    model = make_mlp(0)
    recorder = RecordEvery(lambda: (trainer.step, model[0].weight.data.copy()), every=4, unit="step")
    trainer = make_trainer(model, "sgd", callbacks=[recorder])
    trainer.fit(blobs, epochs=3, batch_size=10, rng=0)  # 10 steps per epoch, 30 in all
    assert recorder.at == [0, 4, 8, 12, 16, 20, 24, 28]
    assert [step for step, _ in recorder.values] == recorder.at, "each value is taken at its own step"
    first, last = recorder.values[0][1], recorder.values[-1][1]
    assert not np.array_equal(first, last), "copies of the weights change as training goes on"


def test_records_every_n_epochs_and_continues_across_fit_calls(blobs):
    model = make_mlp(0)
    recorder = RecordEvery(lambda: trainer.epoch, every=2)
    trainer = make_trainer(model, "sgd", callbacks=[recorder])
    trainer.fit(blobs, epochs=3, batch_size=25, rng=0)
    trainer.fit(blobs, epochs=3, batch_size=25)
    assert recorder.at == [0, 2, 3, 4, 6]  # epoch 3 is where the second fit starts
    assert recorder.values == recorder.at
    assert len(recorder) == 5


def test_recording_does_not_change_training(blobs):
    plain_model, recorded_model = make_mlp(0), make_mlp(0)
    recorder = RecordEvery(lambda: recorded.predict(blobs[0][:5]), every=1, unit="step")
    plain, recorded = make_trainer(plain_model, "adam"), make_trainer(recorded_model, "adam", callbacks=[recorder])
    plain.fit(blobs, epochs=2, batch_size=16, rng=0)
    recorded.fit(blobs, epochs=2, batch_size=16, rng=0)
    for (name, first), (_, second) in zip(plain_model.named_parameters(), recorded_model.named_parameters()):
        np.testing.assert_array_equal(first.data, second.data, err_msg=name)
    assert len(recorder) == 1 + 2 * 7  # 100 samples in batches of 16: 7 steps per epoch


def test_tick_and_record_serve_a_hand_written_loop():
    values = iter("abcdef")
    recorder = RecordEvery(lambda: next(values), every=5)
    recorder.record(0)
    recorded = [step for step in range(1, 16) if recorder.tick(step)]
    assert recorded == [5, 10, 15]
    assert recorder.at == [0, 5, 10, 15] and recorder.values == ["a", "b", "c", "d"]


def test_without_at_start_the_first_record_is_after_every_steps(blobs):
    recorder = RecordEvery(lambda: None, every=10, unit="step", at_start=False)
    trainer = make_trainer(make_mlp(0), "sgd", callbacks=[recorder])
    trainer.fit(blobs, epochs=2, batch_size=10, rng=0)
    assert recorder.at == [10, 20]


@pytest.mark.parametrize("kwargs, message", [
    ({"every": 0}, "every must be an integer >= 1"),
    ({"every": 2.5}, "every must be an integer >= 1"),
    ({"unit": "batch"}, "unit must be 'step' or 'epoch'"),
])
def test_bad_arguments_are_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RecordEvery(lambda: None, **kwargs)
    with pytest.raises(TypeError, match="callable"):
        RecordEvery("not a function")
