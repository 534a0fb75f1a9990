"""Callbacks: early stopping (with best-weight restore), the NaN guard, ordering.

Data are SYNTHETIC Gaussian blobs (see ``trainer_helpers``); where a test
needs a known sequence of validation losses it is SCRIPTED by a callback.
"""

from __future__ import annotations

import numpy as np
import pytest
from trainer_helpers import make_mlp, make_trainer, synthetic_blobs

from classroom.nn import CrossEntropyLoss, Linear, Module, MSELoss, Parameter, Sequential
from classroom.optim import SGD
from classroom.train import Callback, EarlyStopping, NaNGuard, Trainer, TrainingDiverged


@pytest.fixture
def blobs():
    inputs, labels = synthetic_blobs(seed=1, n_samples=300, spread=2.0)
    return (inputs[:200], labels[:200]), (inputs[200:], labels[200:])


class ScriptedValLoss(Callback):
    """Replace ``val_loss`` with a SCRIPTED sequence (runs before every other callback)."""

    order = -1000

    def __init__(self, values):
        self.values = list(values)

    def on_epoch_end(self, trainer, epoch, logs):
        logs["val_loss"] = self.values[epoch - 1]


class WeightSnapshots(Callback):
    """Keep a copy of the model's weights at the end of each epoch."""

    def __init__(self):
        self.by_epoch = {}

    def on_epoch_end(self, trainer, epoch, logs):
        self.by_epoch[epoch] = trainer.model.state_dict()


def _assert_same_state(first, second):
    for name in first:
        np.testing.assert_array_equal(first[name], second[name], err_msg=name)


# ---------------------------------------------------------- early stopping
def test_early_stopping_stops_after_patience_and_restores_the_best_epochs_weights(blobs):
    train, val = blobs
    script = ScriptedValLoss([1.0, 0.6, 0.5, 0.55, 0.52, 0.51, 0.4, 0.3])
    stopper = EarlyStopping(monitor="val_loss", patience=3)
    snapshots = WeightSnapshots()
    trainer = make_trainer(make_mlp(seed=0), "sgd", callbacks=[script, stopper, snapshots])
    trainer.fit(train, val, epochs=8, batch_size=32, rng=np.random.default_rng(0))

    assert trainer.history.epochs == [1, 2, 3, 4, 5, 6]  # 3 epochs without beating 0.5
    assert stopper.best_epoch == 3
    assert stopper.stopped_epoch == 6
    assert stopper.restored
    _assert_same_state(trainer.model.state_dict(), snapshots.by_epoch[3])
    assert not np.array_equal(trainer.model.state_dict()["0.weight"], snapshots.by_epoch[6]["0.weight"])


@pytest.mark.parametrize(
    "min_delta, stopped_after",
    [(0.0, 7), (0.06, 5)],  # 0.55 -> 0.5 counts only without min_delta
)
def test_early_stopping_min_delta_ignores_small_improvements(blobs, min_delta, stopped_after):
    train, val = blobs
    script = ScriptedValLoss([1.0, 0.55, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6])
    stopper = EarlyStopping(patience=3 if min_delta else 4, min_delta=min_delta)
    trainer = make_trainer(make_mlp(seed=0), "sgd", callbacks=[script, stopper])
    trainer.fit(train, val, epochs=9, batch_size=64, rng=np.random.default_rng(0))
    assert trainer.epoch == stopped_after


def test_early_stopping_mode_max_on_accuracy_restores_the_most_accurate_weights(blobs):
    train, val = blobs
    stopper = EarlyStopping(monitor="val_accuracy", patience=2)  # "auto" -> max
    assert stopper.mode == "max"
    snapshots = WeightSnapshots()
    trainer = make_trainer(make_mlp(seed=0), "sgd", callbacks=[stopper, snapshots])
    trainer.optimizer.lr = 0.3  # noisy steps, so accuracy goes up and down
    trainer.fit(train, val, epochs=15, batch_size=16, rng=np.random.default_rng(0))

    best_epoch, best_value = trainer.history.best("val_accuracy", "max")
    assert stopper.best_epoch == best_epoch
    assert stopper.best == best_value
    _assert_same_state(trainer.model.state_dict(), snapshots.by_epoch[best_epoch])
    assert trainer.evaluate(*val)["accuracy"] == pytest.approx(best_value)


def test_early_stopping_on_real_training_restores_the_lowest_val_loss_weights(blobs):
    train, val = blobs
    stopper = EarlyStopping(monitor="val_loss", patience=3)
    snapshots = WeightSnapshots()
    model = make_mlp(seed=0, hidden=64)
    trainer = make_trainer(model, "adam", callbacks=[stopper, snapshots])
    trainer.optimizer.lr = 0.05  # a big network on noisy blobs: it overfits
    trainer.fit(train, val, epochs=40, batch_size=16, rng=np.random.default_rng(0))

    best_epoch, best_value = trainer.history.best("val_loss", "min")
    assert trainer.epoch < 40, "expected the validation loss to stop improving"
    assert stopper.best_epoch == best_epoch
    _assert_same_state(model.state_dict(), snapshots.by_epoch[best_epoch])
    assert trainer.evaluate(*val)["loss"] == pytest.approx(best_value, rel=1e-12)


def test_early_stopping_without_validation_data_explains_what_to_pass(blobs):
    train, _ = blobs
    trainer = make_trainer(make_mlp(seed=0), "sgd", callbacks=[EarlyStopping(monitor="val_loss")])
    with pytest.raises(KeyError, match="pass val_data to fit"):
        trainer.fit(train, epochs=2, batch_size=64, rng=np.random.default_rng(0))


@pytest.mark.parametrize(
    "kwargs, message",
    [({"patience": -1}, "patience"), ({"min_delta": -0.1}, "min_delta"), ({"mode": "lowest"}, "mode")],
)
def test_early_stopping_rejects_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EarlyStopping(**kwargs)


# --------------------------------------------------------------- NaN guard
def _synthetic_regression(n_samples=200):
    """SYNTHETIC regression data: y = x @ w + noise."""
    rng = np.random.default_rng(0)
    inputs = rng.normal(size=(n_samples, 3))
    targets = inputs @ np.array([[1.0], [-2.0], [0.5]]) + 0.1 * rng.normal(size=(n_samples, 1))
    return inputs, targets


def test_nan_loss_stops_training_before_the_weights_are_touched():
    inputs, targets = _synthetic_regression()
    inputs[25] = np.nan  # in the third batch of 10 when not shuffled
    model = Linear(3, 1, rng=np.random.default_rng(0)).double()
    trainer = Trainer(model, MSELoss(), SGD(model.parameters(), lr=0.05), metrics={}, progress=False)
    weights_after_batch_2 = {}

    class Remember(Callback):
        def on_batch_end(self, trainer, logs):
            if logs["batch"] == 1:
                weights_after_batch_2.update(trainer.model.state_dict())

    trainer.callbacks.append(Remember())
    with pytest.raises(TrainingDiverged) as caught:
        trainer.fit((inputs, targets), epochs=2, batch_size=10, shuffle=False)

    message = str(caught.value)
    assert "epoch 1, step 3 (batch 3 of 20)" in message
    assert "the loss is not finite (loss = nan)" in message
    assert "lower learning rate (it is 0.05 now)" in message
    assert isinstance(caught.value, FloatingPointError)
    assert (caught.value.epoch, caught.value.step, caught.value.quantity) == (1, 3, "loss")
    _assert_same_state(model.state_dict(), weights_after_batch_2)


def test_nan_input_is_caught_at_the_step_whose_batch_holds_it(blobs):
    (inputs, labels), _ = blobs
    inputs = inputs.copy()
    inputs[25] = np.nan  # ReLU passes NaN on (as PyTorch's does), so the loss of batch 3 is NaN
    trainer = make_trainer(make_mlp(seed=0), "sgd")
    with pytest.raises(TrainingDiverged, match=r"step 3 \(batch 3 of 20\): the loss is not finite"):
        trainer.fit((inputs, labels), epochs=1, batch_size=10, shuffle=False)


def test_non_finite_inputs_are_named_as_the_cause_before_the_learning_rate():
    inputs, targets = _synthetic_regression()  # SYNTHETIC data
    inputs[[21, 25]] = np.nan  # three bad rows in the third batch of 10 (not shuffled)
    inputs[27, 1] = np.inf
    model = Linear(3, 1, rng=np.random.default_rng(0)).double()
    trainer = Trainer(model, MSELoss(), SGD(model.parameters(), lr=0.05), metrics={}, progress=False)
    with pytest.raises(TrainingDiverged) as caught:
        trainer.fit((inputs, targets), epochs=1, batch_size=10, shuffle=False)

    message = str(caught.value)
    assert "step 3 (batch 3 of 20): the loss is not finite (loss = nan) because the inputs are not" in message
    assert "3 of the 10 rows of this batch hold NaN or inf inputs (2 with NaN, 1 with inf)" in message
    assert "the first is row 1 of the batch" in message
    assert "Clean the data or check the preprocessing" in message
    assert message.index("inputs") < message.index("learning rate")
    assert caught.value.non_finite_input_rows == 3


def test_a_train_step_called_by_hand_names_its_non_finite_inputs_too():
    inputs, targets = _synthetic_regression()  # SYNTHETIC data
    batch = inputs[:10].copy()
    batch[4] = np.nan
    model = Linear(3, 1, rng=np.random.default_rng(0)).double()
    trainer = Trainer(model, MSELoss(), SGD(model.parameters(), lr=0.05), metrics={}, progress=False)
    with pytest.raises(TrainingDiverged, match="1 of the 10 rows of this batch hold NaN or inf inputs"):
        trainer.train_step(batch, targets[:10])


def test_finite_inputs_are_cleared_when_the_learning_rate_diverges(blobs):
    train, _ = blobs  # SYNTHETIC data, all finite
    model = make_mlp(seed=0)
    trainer = Trainer(model, CrossEntropyLoss(), SGD(model.parameters(), lr=1e300), progress=False)
    with pytest.raises(TrainingDiverged) as caught, np.errstate(over="ignore", invalid="ignore"):
        trainer.fit(train, epochs=3, batch_size=20, rng=np.random.default_rng(0))  # the overflow is the point
    message = str(caught.value)
    assert message.index("Try a lower learning rate") < message.index("the inputs of this batch are all finite")
    assert caught.value.non_finite_input_rows == 0


def test_nan_guard_can_be_turned_off():
    inputs, targets = _synthetic_regression()
    inputs[0] = np.nan
    model = Linear(3, 1, rng=np.random.default_rng(0)).double()
    trainer = Trainer(
        model, MSELoss(), SGD(model.parameters(), lr=0.05), metrics={}, progress=False, nan_guard=False
    )
    assert not any(isinstance(c, NaNGuard) for c in trainer.callbacks)
    history = trainer.fit((inputs, targets), epochs=1, batch_size=50, shuffle=False)
    assert np.isnan(history["loss"][0])
    assert np.isnan(model.weight.data).all()


class InfiniteGradient(Module):
    """A test layer whose backward puts inf into its parameter's gradient."""

    def __init__(self):
        super().__init__()
        self.scale = Parameter(np.ones(1))

    def forward(self, x):
        return x * self.scale.data

    def backward(self, grad_output):
        self.scale.grad += np.inf
        return grad_output * self.scale.data


def test_non_finite_gradient_names_the_parameter(blobs):
    train, _ = blobs
    model = Sequential(make_mlp(seed=0), InfiniteGradient())
    trainer = Trainer(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), progress=False)
    with pytest.raises(TrainingDiverged, match=r"gradient of parameter '1.scale' is not finite \(1 inf of 1 values\)"):
        trainer.fit(train, epochs=1, batch_size=50, rng=np.random.default_rng(0))


def test_huge_learning_rate_diverges_with_a_clear_message(blobs):
    train, _ = blobs
    model = make_mlp(seed=0)
    trainer = Trainer(model, CrossEntropyLoss(), SGD(model.parameters(), lr=1e300), progress=False)
    with pytest.raises(TrainingDiverged, match="Try a lower learning rate") as caught:
        with np.errstate(over="ignore", invalid="ignore"):  # the overflow is the point here
            trainer.fit(train, epochs=3, batch_size=20, rng=np.random.default_rng(0))
    assert caught.value.epoch == 1
    assert caught.value.quantity.startswith(("loss", "gradient", "parameter"))


def test_non_finite_parameter_after_the_step_is_reported(blobs):
    train, _ = blobs
    model = make_mlp(seed=0)
    optimizer = SGD(model.parameters(), lr=float("inf"))
    trainer = Trainer(model, CrossEntropyLoss(), optimizer, progress=False)
    with pytest.raises(TrainingDiverged, match=r"epoch 1, step 1 .* parameter '0.weight' is not finite"):
        trainer.fit(train, epochs=1, batch_size=20, rng=np.random.default_rng(0))


# ---------------------------------------------------------------- ordering
def test_callbacks_run_sorted_by_order_then_in_the_order_given():
    calls = []

    class Named(Callback):
        def __init__(self, name, order=0):
            self.name, self.order = name, order

        def on_fit_start(self, trainer):
            calls.append(self.name)

    model = make_mlp(seed=0)
    trainer = Trainer(
        model,
        CrossEntropyLoss(),
        SGD(model.parameters(), lr=0.1),
        callbacks=[Named("late", order=200), Named("a"), Named("b"), Named("early", order=-500)],
        progress=False,
    )
    inputs, labels = synthetic_blobs(seed=0, n_samples=20)
    trainer.fit((inputs, labels), epochs=1, batch_size=10)
    assert calls == ["early", "a", "b", "late"]


def test_exception_in_training_reaches_on_exception_hooks(blobs):
    (inputs, labels), _ = blobs
    seen = []

    class Watcher(Callback):
        def on_exception(self, trainer, error):
            seen.append(type(error).__name__)

    inputs = inputs.copy()
    inputs[:] = np.nan
    trainer = make_trainer(make_mlp(seed=0), "sgd", callbacks=[Watcher()])
    with pytest.raises(TrainingDiverged):
        trainer.fit((inputs, labels), epochs=1, batch_size=50)
    assert seen == ["TrainingDiverged"]
