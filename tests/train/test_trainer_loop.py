"""The training loop: learning, history, evaluation, misuse errors, progress bars.

Data are SYNTHETIC Gaussian blobs (see ``trainer_helpers``).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from trainer_helpers import make_mlp, make_trainer, synthetic_blobs

from classroom.evaluation.metrics import accuracy
from classroom.nn import CrossEntropyLoss, Linear, MSELoss
from classroom.optim import SGD
from classroom.optim.lr_scheduler import OneCycleLR, StepLR
from classroom.train import Callback, History, ProgressBar, Trainer


@pytest.fixture
def blobs():
    inputs, labels = synthetic_blobs(seed=0, n_samples=300)
    return (inputs[:240], labels[:240]), (inputs[240:], labels[240:])


def test_fit_lowers_the_loss_and_learns_separable_blobs():
    inputs, labels = synthetic_blobs(seed=0, n_samples=300, spread=0.5)
    train, val = (inputs[:240], labels[:240]), (inputs[240:], labels[240:])
    trainer = make_trainer(make_mlp(seed=0), "sgd")
    history = trainer.fit(train, val, epochs=8, batch_size=32, rng=np.random.default_rng(0))
    assert history["loss"][-1] < 0.6 * history["loss"][0]
    assert history["val_accuracy"][-1] >= 0.95


def test_history_records_every_epoch_with_train_and_val_keys(blobs):
    train, val = blobs
    trainer = make_trainer(make_mlp(seed=0), "sgd")
    history = trainer.fit(train, val, epochs=3, batch_size=32, rng=np.random.default_rng(0))
    assert history is trainer.history
    assert history.epochs == [1, 2, 3]
    assert set(history.keys()) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert all(len(history[key]) == 3 for key in history.keys())
    # The last validation entry is what evaluate() says about the final weights.
    final = trainer.evaluate(*val)
    assert history["val_loss"][-1] == pytest.approx(final["loss"], rel=1e-12)
    assert history["val_accuracy"][-1] == pytest.approx(final["accuracy"])


def test_history_to_dict_is_json_serialisable_and_round_trips(blobs):
    train, val = blobs
    trainer = make_trainer(make_mlp(seed=0), "sgd")
    trainer.fit(train, val, epochs=2, batch_size=64, rng=np.random.default_rng(0))
    text = json.dumps(trainer.history.to_dict())
    again = History.from_dict(json.loads(text))
    assert again.to_dict() == trainer.history.to_dict()
    assert again.epochs == [1, 2]


def test_history_pads_keys_that_appear_or_disappear_with_none():
    history = History()
    history.record(1, {"loss": 1.0})
    history.record(2, {"loss": 0.5, "val_loss": 0.7})
    history.record(3, {"loss": 0.4})
    assert history.to_dict() == {
        "epoch": [1, 2, 3],
        "loss": [1.0, 0.5, 0.4],
        "val_loss": [None, 0.7, None],
    }
    assert history.best("val_loss", "min") == (2, 0.7)


def test_train_loss_in_history_is_the_sample_weighted_mean_of_batch_losses(blobs):
    train, _ = blobs
    batch_losses = []

    class RecordBatches(Callback):
        def on_batch_end(self, trainer, logs):
            batch_losses.append(logs["loss"])

    trainer = make_trainer(make_mlp(seed=0), "sgd", callbacks=[RecordBatches()])
    trainer.fit(train, epochs=1, batch_size=100, rng=np.random.default_rng(0))  # batches 100, 100, 40
    expected = (100 * batch_losses[0] + 100 * batch_losses[1] + 40 * batch_losses[2]) / 240
    assert trainer.history["loss"][0] == pytest.approx(expected, rel=1e-12)
    assert trainer.step == 3


def test_fit_is_reproducible_with_the_same_seed_and_differs_with_another(blobs):
    train, _ = blobs
    results = []
    for seed in (5, 5, 6):
        trainer = make_trainer(make_mlp(seed=0), "sgd")
        trainer.fit(train, epochs=2, batch_size=32, rng=np.random.default_rng(seed))
        results.append(trainer.model.state_dict()["0.weight"])
    np.testing.assert_array_equal(results[0], results[1])
    assert not np.array_equal(results[0], results[2])


def test_calling_fit_twice_continues_epoch_numbering(blobs):
    train, _ = blobs
    trainer = make_trainer(make_mlp(seed=0), "sgd")
    trainer.fit(train, epochs=2, batch_size=64, rng=np.random.default_rng(0))
    trainer.fit(train, epochs=1, batch_size=64)
    assert trainer.history.epochs == [1, 2, 3]
    assert trainer.epoch == 3


def test_evaluate_and_predict_use_eval_mode_and_restore_training_mode(blobs):
    _, val = blobs
    model = make_mlp(seed=0, dropout=0.5)
    trainer = make_trainer(model, "sgd")
    model.train()
    first = trainer.predict(val[0], batch_size=7)
    second = trainer.predict(val[0], batch_size=60)
    np.testing.assert_allclose(first, second, rtol=1e-12)  # dropout off: deterministic
    assert model.training
    results = trainer.evaluate(*val, batch_size=13)
    assert results["accuracy"] == pytest.approx(accuracy(val[1], first))
    assert results["loss"] == pytest.approx(float(CrossEntropyLoss()(first, val[1])), rel=1e-12)


def test_step_scheduler_is_stepped_once_per_epoch_and_lr_is_recorded(blobs):
    train, _ = blobs
    trainer = make_trainer(make_mlp(seed=0), "sgd", with_scheduler=True)  # StepLR gamma 0.7
    trainer.fit(train, epochs=3, batch_size=64, rng=np.random.default_rng(0))
    np.testing.assert_allclose(trainer.history["lr"], [0.05, 0.035, 0.0245])
    assert trainer.optimizer.lr == pytest.approx(0.05 * 0.7**3)


def test_per_step_scheduler_is_stepped_after_every_batch(blobs):
    train, _ = blobs
    model = make_mlp(seed=0)
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=2 * 4)
    trainer = Trainer(
        model, CrossEntropyLoss(), optimizer, scheduler=scheduler, scheduler_interval="step", progress=False
    )
    trainer.fit(train, epochs=2, batch_size=64, rng=np.random.default_rng(0))  # 4 batches per epoch
    assert scheduler.last_epoch == 8


def test_regression_with_mse_and_no_metrics():
    rng = np.random.default_rng(0)
    inputs = rng.normal(size=(200, 3))  # SYNTHETIC: y = x @ w + noise
    targets = inputs @ np.array([[1.0], [-2.0], [0.5]]) + 0.01 * rng.normal(size=(200, 1))
    model = Linear(3, 1, rng=rng).double()
    trainer = Trainer(model, MSELoss(), SGD(model.parameters(), lr=0.1), metrics={}, progress=False)
    history = trainer.fit((inputs, targets), epochs=20, batch_size=20, rng=rng)
    assert set(history.keys()) == {"loss", "lr"}
    assert history["loss"][-1] < 1e-3
    np.testing.assert_allclose(model.weight.data, [[1.0, -2.0, 0.5]], atol=0.01)


# ----------------------------------------------------------------- misuse
@pytest.mark.parametrize(
    "train_data, error, message",
    [
        ((np.zeros((10, 5)), np.zeros(9, dtype=np.int64)), ValueError, "X has 10 samples but y has 9"),
        ((np.zeros((0, 5)), np.zeros(0, dtype=np.int64)), ValueError, "empty"),
        (np.zeros((10, 5)), TypeError, "must be a tuple \\(X, y\\)"),
        ((np.zeros((10, 5)),), TypeError, "of length 1"),
    ],
)
def test_fit_rejects_malformed_training_data(train_data, error, message):
    trainer = make_trainer(make_mlp(seed=0), "sgd")
    with pytest.raises(error, match=message):
        trainer.fit(train_data, epochs=1)


def test_fit_rejects_malformed_validation_data(blobs):
    train, _ = blobs
    trainer = make_trainer(make_mlp(seed=0), "sgd")
    with pytest.raises(ValueError, match="val_data: X has 3 samples but y has 2"):
        trainer.fit(train, (np.zeros((3, 5)), np.zeros(2, dtype=np.int64)), epochs=1)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1, got 0"),
        ({"batch_size": 2.5}, TypeError, "batch_size must be an integer"),
        ({"epochs": -1}, ValueError, "epochs must be >= 0"),
    ],
)
def test_fit_rejects_bad_settings(blobs, kwargs, error, message):
    train, _ = blobs
    trainer = make_trainer(make_mlp(seed=0), "sgd")
    with pytest.raises(error, match=message):
        trainer.fit(train, **kwargs)
    assert trainer.step == 0  # nothing was trained


def test_trainer_rejects_objects_that_are_not_models_losses_or_optimizers():
    model = make_mlp(seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match="loss_fn .* has no backward"):
        Trainer(model, lambda outputs, targets: 0.0, optimizer)
    with pytest.raises(TypeError, match="optimizer .* has no step"):
        Trainer(model, CrossEntropyLoss(), object())
    with pytest.raises(TypeError, match="callbacks must be Callback instances"):
        Trainer(model, CrossEntropyLoss(), optimizer, callbacks=[print])
    with pytest.raises(ValueError, match="scheduler_interval"):
        Trainer(model, CrossEntropyLoss(), optimizer, scheduler=StepLR(optimizer, 1), scheduler_interval="batch")


# ---------------------------------------------------------------- progress
def test_progress_false_adds_no_progress_bar():
    model = make_mlp(seed=0)
    trainer = Trainer(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), progress=False)
    assert not any(isinstance(c, ProgressBar) for c in trainer.callbacks)


def test_progress_auto_is_quiet_when_stdout_is_not_a_terminal(blobs, capsys):
    train, _ = blobs
    model = make_mlp(seed=0)
    trainer = Trainer(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), progress="auto")
    trainer.fit(train, epochs=2, batch_size=64, rng=np.random.default_rng(0))
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


def test_progress_true_forces_bars_even_without_a_terminal(blobs, capsys):
    train, val = blobs
    model = make_mlp(seed=0)
    trainer = Trainer(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), progress=True)
    trainer.fit(train, val, epochs=2, batch_size=64, rng=np.random.default_rng(0))
    output = capsys.readouterr().out
    assert "epoch 1/2" in output
    assert "epoch 2/2" in output
    assert "val_loss" in output


def test_progress_bar_rejects_unknown_settings():
    with pytest.raises(ValueError, match="True, False or 'auto'"):
        ProgressBar(enabled="yes")


def test_accuracy_metric_on_regression_targets_explains_how_to_turn_it_off():
    rng = np.random.default_rng(0)
    inputs, targets = rng.normal(size=(20, 3)), rng.normal(size=(20, 1))  # SYNTHETIC
    model = Linear(3, 1, rng=rng).double()
    trainer = Trainer(model, MSELoss(), SGD(model.parameters(), lr=0.1), progress=False)
    with pytest.raises(ValueError, match=r"metric 'accuracy' failed .* pass metrics=\{\} to Trainer"):
        trainer.fit((inputs, targets), epochs=1, batch_size=10)


def test_evaluate_names_the_non_finite_input_rows_and_can_raise():
    from classroom.models.mlp import MLP
    from classroom.nn import CrossEntropyLoss
    from classroom.optim import SGD
    from classroom.train import Trainer

    rng = np.random.default_rng(0)
    model = MLP(4, [8], 3, rng=rng, dtype=np.float64)
    trainer = Trainer(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1))
    inputs, targets = rng.standard_normal((10, 4)), rng.integers(0, 3, 10)
    inputs[3, 1] = np.nan
    with pytest.warns(RuntimeWarning) as caught:
        trainer.evaluate(inputs, targets)
    messages = [str(warning.message) for warning in caught]
    assert any("1 of 10 input rows are not finite" in text and "the first at index 3" in text for text in messages)
    assert any("1 of 10 rows of the scores are not finite" in text for text in messages)  # and accuracy says why
    with pytest.raises(ValueError, match="1 of 10 input rows are not finite"):
        trainer.evaluate(inputs, targets, non_finite="raise")
