"""Checks of weekend 3 (regularization): the L2 penalty and its gradient, inverted dropout, early stopping.

The learner's API (see the workbook ``workbooks/weekend-03.py``):

* ``l2_penalty(weights, weight_decay)``: ``weight_decay / 2 * sum ||W||**2`` over a
  list of weight arrays, a float; ``l2_gradient(weights, weight_decay)``: the list
  ``[weight_decay * W, ...]``. This is the package's convention: the term
  ``classroom.optim.SGD(weight_decay=...)`` adds to every gradient.
* ``Dropout(p=0.5, rng=None)`` with ``forward(x)``, ``backward(grad_output)``,
  ``train()`` and ``eval()``, as ``classroom.nn.Dropout``: inverted dropout,
  zeroing each element with probability ``p`` and scaling the survivors by
  ``1 / (1 - p)`` in training mode, the identity in evaluation mode.
* ``train_with_early_stopping(params, train_epoch, validation_loss, max_epochs,
  patience)``: the loop of ``classroom.train.EarlyStopping``; returns
  ``(best_epoch, history)`` and leaves the best weights in ``params``.

Every check compares with the package on random inputs from fixed seeds (the
dropout rates statistically, with the tolerance in the message) or on
scripted validation curves.
"""

from __future__ import annotations

import numpy as np

from classroom import nn
from classroom.nn.gradcheck import numerical_gradient
from classroom.nn.module import Parameter
from classroom.optim import SGD
from classroom.train import EarlyStopping

from .compare import ATOL, FD_ATOL, FD_RTOL, RTOL, as_float, as_ndarray, close, error_summary
from .core import CheckFailed, register

__all__ = [
    "reference_solutions",
    "reference_l2_penalty",
    "reference_l2_gradient",
    "ReferenceDropout",
    "reference_train_with_early_stopping",
]

WEEKEND = "weekend-03"


# --------------------------------------------------------------------------
# Reference implementations (thin wrappers of the package)
# --------------------------------------------------------------------------


def reference_l2_gradient(weights, weight_decay):
    """The gradient ``classroom.optim.SGD(weight_decay=...)`` adds to each weight: ``weight_decay * W``.

    Computed by letting the package's SGD take one step of ``lr = 1`` from a
    zero loss gradient, so it is the package's convention by construction.

    Parameters
    ----------
    weights : list of ndarray
        The weight arrays (any shapes).
    weight_decay : float

    Returns
    -------
    list of ndarray
        One array per weight, of its shape.
    """
    parameters = [Parameter(np.array(weight, dtype=np.float64, copy=True)) for weight in weights]
    before = [parameter.data.copy() for parameter in parameters]
    SGD(parameters, lr=1.0, weight_decay=weight_decay).step()
    return [start - parameter.data for start, parameter in zip(before, parameters)]


def reference_l2_penalty(weights, weight_decay):
    """The penalty whose gradient is :func:`reference_l2_gradient`: ``weight_decay / 2 * sum ||W||**2``.

    The same term as ``BinaryLogisticRegression.objective`` adds.

    Parameters
    ----------
    weights : list of ndarray
    weight_decay : float

    Returns
    -------
    float
    """
    return 0.5 * weight_decay * float(sum(np.sum(np.asarray(weight, dtype=np.float64) ** 2) for weight in weights))


class ReferenceDropout:
    """The learner's ``Dropout`` API on top of ``classroom.nn.Dropout``.

    Parameters
    ----------
    p : float, default 0.5
        Probability of zeroing an element.
    rng : numpy.random.Generator, optional
    """

    def __init__(self, p=0.5, rng=None):
        self.layer = nn.Dropout(p, rng=rng)
        self.p = p

    def train(self):
        """Training mode: drop and rescale."""
        self.layer.train()
        return self

    def eval(self):
        """Evaluation mode: the identity."""
        self.layer.eval()
        return self

    def forward(self, x):
        """Same shape and dtype as ``x``."""
        return self.layer.forward(x)

    __call__ = forward

    def backward(self, grad_output):
        """The gradient through the last forward's mask and scale."""
        return self.layer.backward(grad_output)


class _ParamsModel:
    """A ``state_dict``/``load_state_dict`` view of a dict of arrays, for ``EarlyStopping``."""

    def __init__(self, params):
        self.params = params

    def state_dict(self):
        return {name: np.array(value, copy=True) for name, value in self.params.items()}

    def load_state_dict(self, state):
        for name, value in state.items():
            self.params[name][...] = value


class _Loop:
    """The few trainer attributes ``EarlyStopping`` reads and writes."""

    def __init__(self, params):
        self.model = _ParamsModel(params)
        self.stop_training = False
        self.epoch = 0


def reference_train_with_early_stopping(params, train_epoch, validation_loss, max_epochs, patience):
    """Train until the validation loss stops improving, then restore the best weights (``classroom.train.EarlyStopping``).

    Parameters
    ----------
    params : dict of str to ndarray
        The model's weights; ``train_epoch`` changes these arrays in place.
    train_epoch : callable
        ``train_epoch()`` trains one epoch.
    validation_loss : callable
        ``validation_loss()`` returns the current validation loss (float).
    max_epochs : int
    patience : int
        Stop after this many epochs in a row without a strictly lower loss.

    Returns
    -------
    best_epoch : int
        The epoch (from 1) with the lowest validation loss; the first one on ties.
    history : list of float
        The validation loss after every epoch that ran.
    """
    stopper = EarlyStopping(monitor="val_loss", mode="min", patience=patience)
    loop = _Loop(params)
    history = []
    for epoch in range(1, max_epochs + 1):
        train_epoch()
        loss = float(validation_loss())
        history.append(loss)
        loop.epoch = epoch
        stopper.on_epoch_end(loop, epoch, {"val_loss": loss})
        if loop.stop_training:
            break
    stopper.on_fit_end(loop)
    return stopper.best_epoch, history


def reference_solutions() -> dict[str, object]:
    """Return every stub name of the weekend-03 workbook mapped to the package's implementation.

    Returns
    -------
    dict of str to object
        ``l2_penalty``, ``l2_gradient``, ``Dropout``, ``train_with_early_stopping``.
    """
    return {
        "l2_penalty": reference_l2_penalty,
        "l2_gradient": reference_l2_gradient,
        "Dropout": ReferenceDropout,
        "train_with_early_stopping": reference_train_with_early_stopping,
    }


# --------------------------------------------------------------------------
# L2
# --------------------------------------------------------------------------

L2_CASES = [  # seed, shapes, weight_decay
    (0, [(4, 3)], 0.01),
    (1, [(5, 4), (3, 5)], 0.5),
    (2, [(6,), (2, 3), (4, 2)], 5e-3),
]


def _weights(seed, shapes):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for shape in shapes]


def _call_unchanged(ns, name, weights, weight_decay):
    """Call the learner's function on copies and fail if it changed them."""
    given = [weight.copy() for weight in weights]
    result = ns[name](given, weight_decay)
    if not all(np.array_equal(a, b) for a, b in zip(given, weights)):
        raise CheckFailed("l2-modifies-weights", f"{name} changed the weight arrays it was given",
                          "compute new arrays (weight_decay * w) instead of scaling w in place (w *= ...): the weights "
                          "belong to the model")
    return result


@register(WEEKEND, "l2", "l2_penalty: value", needs=["l2_penalty"],
          compared="l2_penalty(weights, weight_decay) against weight_decay/2 * sum ||W||^2, the penalty whose gradient "
                   "classroom.optim.SGD(weight_decay=...) adds (1 to 3 weight arrays)")
def _check_l2_penalty(ns):
    for seed, shapes, weight_decay in L2_CASES:
        weights = _weights(seed, shapes)
        got = as_float(_call_unchanged(ns, "l2_penalty", weights, weight_decay), "l2_penalty")
        expected = reference_l2_penalty(weights, weight_decay)
        where = f"{len(shapes)} arrays {shapes}, weight_decay={weight_decay}"
        if close(got, expected):
            continue
        if close(got, 2 * expected):
            raise CheckFailed("l2-penalty-convention", f"{where}: got {got:.6g}, expected {expected:.6g}: twice the "
                              "course's penalty",
                              "use the package's convention, weight_decay / 2 * sum(W**2): its gradient is exactly "
                              "weight_decay * W, the term SGD(weight_decay=...) adds")
        if len(shapes) > 1 and close(got, reference_l2_penalty(weights[:1], weight_decay)):
            raise CheckFailed("l2-not-all-weights", f"{where}: got {got:.6g}, expected {expected:.6g}; only the first "
                              "array counted", "sum the squares of every weight array in the list")
        total_abs = 0.5 * weight_decay * sum(float(np.sum(np.abs(w))) for w in weights)
        if close(got, total_abs) or close(got, 2 * total_abs):
            raise CheckFailed("l2-is-l1", f"{where}: got {got:.6g}, expected {expected:.6g}; that is the L1 penalty "
                              "(absolute values)", "square the weights: weight_decay / 2 * np.sum(w**2)")
        if close(got, 0.5 * weight_decay * sum(float(np.mean(w**2)) for w in weights)):
            raise CheckFailed("l2-mean-not-sum", f"{where}: got {got:.6g}, expected {expected:.6g}; you averaged the "
                              "squares", "add up the squares (np.sum), do not average them: the penalty grows with the "
                              "number of weights")
        raise CheckFailed("l2-penalty-mismatch", f"{where}: got {got:.6g}, expected {expected:.6g} "
                          f"(tolerance {ATOL:g} + {RTOL:g}*|b|)",
                          "the penalty is weight_decay / 2 * sum over the arrays of np.sum(W**2)")
    return f"{len(L2_CASES)} cases within {ATOL:g} + {RTOL:g}*|b| of weight_decay/2 * sum ||W||^2"


@register(WEEKEND, "l2", "l2_gradient: matches SGD's weight decay", needs=["l2_gradient"],
          compared="l2_gradient(weights, weight_decay) against the term classroom.optim.SGD(weight_decay=...) adds "
                   "to each gradient")
def _check_l2_gradient(ns):
    for seed, shapes, weight_decay in L2_CASES:
        weights = _weights(seed, shapes)
        got = _call_unchanged(ns, "l2_gradient", weights, weight_decay)
        expected = reference_l2_gradient(weights, weight_decay)
        where = f"{len(shapes)} arrays {shapes}, weight_decay={weight_decay}"
        if not isinstance(got, (list, tuple)) or len(got) != len(expected):
            raise CheckFailed("l2-grad-shape", f"{where}: got {type(got).__name__}"
                              f"{f' of length {len(got)}' if isinstance(got, (list, tuple)) else ''}, expected a list "
                              f"of {len(expected)} arrays", "return one gradient per weight array, in the same order: "
                              "[weight_decay * w for w in weights]")
        for index, (mine, theirs) in enumerate(zip(got, expected)):
            mine = np.asarray(mine, dtype=np.float64)
            if close(mine, theirs):
                continue
            if mine.shape != theirs.shape:
                raise CheckFailed("l2-grad-shape", f"{where}: gradient {index} has shape {mine.shape}, expected "
                                  f"{theirs.shape}", "each gradient has the shape of its weight array")
            if close(mine, 2 * theirs):
                raise CheckFailed("l2-grad-convention", f"{where}: gradient {index} is 2 * weight_decay * W, expected "
                                  "weight_decay * W",
                                  "with the course's penalty weight_decay / 2 * ||W||^2 the 2 from the square cancels "
                                  "the 1/2: the gradient is weight_decay * W, as in SGD(weight_decay=...)")
            if close(mine, -theirs):
                raise CheckFailed("l2-grad-sign", f"{where}: gradient {index} is -weight_decay * W",
                                  "the gradient points away from zero, +weight_decay * W; the update w -= lr * grad "
                                  "then shrinks the weights")
            raise CheckFailed("l2-grad-mismatch", f"{where}: gradient {index}: {error_summary(mine, theirs)}",
                              "the gradient of weight_decay / 2 * ||W||^2 is weight_decay * W")
    return f"{len(L2_CASES)} cases within {ATOL:g} + {RTOL:g}*|b| of SGD's weight_decay * W"


@register(WEEKEND, "l2", "l2_gradient: finite differences", needs=["l2_penalty", "l2_gradient"],
          compared="l2_gradient against central differences of your own l2_penalty (float64, eps 1e-6)")
def _check_l2_fd(ns):
    weights = _weights(3, [(3, 2), (4,)])
    weight_decay = 0.3
    got = ns["l2_gradient"]([weight.copy() for weight in weights], weight_decay)
    for index, weight in enumerate(weights):
        point = [w.copy() for w in weights]

        def penalty(_):
            return as_float(ns["l2_penalty"]([w.copy() for w in point], weight_decay), "l2_penalty")

        numeric = numerical_gradient(penalty, point[index])
        mine = np.asarray(got[index], dtype=np.float64)
        if not close(mine, numeric, FD_ATOL, FD_RTOL):
            ratio = float(np.sum(mine * numeric) / np.sum(numeric * numeric)) if np.any(numeric) else float("nan")
            raise CheckFailed("l2-grad-vs-penalty", f"gradient {index} vs central differences of your l2_penalty: "
                              f"{error_summary(mine, numeric, FD_ATOL, FD_RTOL) if mine.shape == numeric.shape else 'shapes differ'}"
                              f" (your gradient is {ratio:.3g} times the derivative of your penalty)",
                              "your penalty and your gradient disagree by a factor: the derivative of c * sum(W**2) "
                              "is 2 * c * W, so weight_decay / 2 * sum(W**2) gives weight_decay * W")
    return f"within {FD_ATOL:g} + {FD_RTOL:g}*|numeric| of central differences of your penalty"


# --------------------------------------------------------------------------
# Dropout
# --------------------------------------------------------------------------

DROPOUT_RATES = (0.2, 0.5, 0.7)
DROPOUT_SHAPE = (200, 500)  # 100,000 elements: the drop rate is measured to about 0.0016 (one sd)
RATE_TOLERANCE = 0.01  # absolute, about six standard deviations


def _dropout_input(seed, dtype=np.float64):
    """Inputs in [1, 2]: no zeros, so a zero in the output means 'dropped'."""
    return np.random.default_rng(seed).uniform(1.0, 2.0, DROPOUT_SHAPE).astype(dtype)


def _make_dropout(ns, p, seed):
    return ns["Dropout"](p, rng=np.random.default_rng(seed))


@register(WEEKEND, "dropout", "Dropout: training mode", needs=["Dropout"],
          compared=f"Dropout(p).forward on 100,000 inputs for p in {DROPOUT_RATES}: every output 0 or x/(1-p) "
                   f"(tolerance {ATOL:g}) as classroom.nn.Dropout, the share of zeros within {RATE_TOLERANCE} of p, "
                   "a new mask each call, float32 kept")
def _check_dropout_train(ns):
    for index, p in enumerate(DROPOUT_RATES):
        x = _dropout_input(index)
        layer = _make_dropout(ns, p, 100 + index)
        out = as_ndarray(layer.forward(x.copy()), "Dropout.forward")
        if out.shape != x.shape:
            raise CheckFailed("dropout-shape", f"p={p}: output shape {out.shape}, expected {x.shape}",
                              "dropout keeps the input's shape: multiply x by a mask of x.shape")
        dropped = out == 0
        rate = float(dropped.mean())
        kept = ~dropped
        if np.any(kept) and close(out[kept], x[kept]):
            raise CheckFailed("dropout-not-rescaled", f"p={p}: the kept values equal the input; expected "
                              f"x / (1 - p) = x * {1 / (1 - p):.4g}",
                              "inverted dropout divides the survivors by (1 - p), so the expected output equals the "
                              "input and evaluation needs no change: return x * mask / (1 - p)")
        if abs(rate - (1 - p)) <= RATE_TOLERANCE < abs(rate - p):
            raise CheckFailed("dropout-rate-swapped", f"p={p}: {rate:.3f} of the outputs are zero, expected p = {p}",
                              "p is the probability of *dropping*: keep an element when rng.random(x.shape) >= p "
                              "(keep probability 1 - p)")
        if abs(rate - p) > RATE_TOLERANCE:
            raise CheckFailed("dropout-rate", f"p={p}: {rate:.3f} of the outputs are zero, expected {p} +- "
                              f"{RATE_TOLERANCE}", "zero each element independently with probability p: "
                              "mask = rng.random(x.shape) >= p")
        expected = x * kept / (1 - p)  # classroom.nn.Dropout with the learner's mask
        if not close(out, expected):
            raise CheckFailed("dropout-values", f"p={p}: with your mask, classroom.nn.Dropout gives x * mask / (1 - p); "
                              f"{error_summary(out, expected)}", "return x * mask / (1 - p) with a 0/1 mask")
        again = np.asarray(layer.forward(x.copy()))
        if np.array_equal(again == 0, dropped):
            raise CheckFailed("dropout-same-mask", f"p={p}: two forward calls dropped exactly the same elements",
                              "draw a new mask on every forward call from self.rng (create the generator once, in "
                              "__init__, and do not re-seed it)")
    x32 = _dropout_input(9, np.float32)
    out32 = np.asarray(_make_dropout(ns, 0.5, 109).forward(x32))
    if out32.dtype != np.float32:
        raise CheckFailed("dropout-dtype", f"float32 input gave a {out32.dtype} output",
                          "cast the mask to the input's dtype (mask.astype(x.dtype)) so float32 training stays float32")
    return f"rates within {RATE_TOLERANCE} of {DROPOUT_RATES}, values x/(1-p) within {ATOL:g}; float32 stays float32"


@register(WEEKEND, "dropout", "Dropout: backward", needs=["Dropout"],
          compared="Dropout.backward against classroom.nn.Dropout's rule: grad_output times the last forward's "
                   "mask / (1 - p)")
def _check_dropout_backward(ns):
    for index, p in enumerate((0.3, 0.6)):
        x = _dropout_input(20 + index)
        layer = _make_dropout(ns, p, 120 + index)
        out = np.asarray(layer.forward(x.copy()))
        scaled_mask = (out != 0) / (1 - p)
        grad_output = np.random.default_rng(220 + index).uniform(1.0, 2.0, x.shape)
        got = as_ndarray(layer.backward(grad_output.copy()), "Dropout.backward")
        expected = grad_output * scaled_mask
        if close(got, expected):
            continue
        where = f"p={p}"
        if got.shape == x.shape and close(got, grad_output):
            raise CheckFailed("dropout-backward-mask", f"{where}: backward returned grad_output unchanged",
                              "a dropped unit passes no gradient back: multiply grad_output by the same mask / (1 - p) "
                              "that forward used (save it in forward)")
        if got.shape == x.shape and close(got, grad_output * (out != 0)):
            raise CheckFailed("dropout-backward-not-rescaled", f"{where}: backward applies the mask but not the 1/(1-p)",
                              "forward multiplied by mask / (1 - p), so backward multiplies by the same mask / (1 - p)")
        if got.shape == x.shape and float(np.mean((got == 0) == (out == 0))) < 0.99:
            raise CheckFailed("dropout-backward-mask", f"{where}: backward zeroed the gradient at other positions than "
                              f"forward dropped ({np.mean((got == 0) != (out == 0)):.3f} of them differ; a new mask?)",
                              "save the mask in forward and reuse it in backward; never draw a second one")
        raise CheckFailed("dropout-backward-mismatch", f"{where}: "
                          f"{error_summary(got, expected) if got.shape == expected.shape else f'shape {got.shape}'}",
                          "return grad_output * mask / (1 - p) with the mask of the last forward")
    return f"gradients equal to grad_output * mask / (1 - p) within {ATOL:g} + {RTOL:g}*|b|"


@register(WEEKEND, "dropout", "Dropout: eval mode", needs=["Dropout"],
          compared="after eval(): forward and backward are the identity (exactly, as classroom.nn.Dropout); after "
                   "train(): dropping again")
def _check_dropout_eval(ns):
    p = 0.5
    x = _dropout_input(30)
    layer = _make_dropout(ns, p, 130)
    layer.eval()
    out = as_ndarray(layer.forward(x.copy()), "Dropout.forward")
    expected = ReferenceDropout(p).eval().forward(x)
    if not np.array_equal(out, expected):
        if out.shape == x.shape and close(out, x * (1 - p)) or close(out, x / (1 - p)):
            raise CheckFailed("dropout-eval-scaled", f"eval mode: the output is x times "
                              f"{float(np.median(out / x)):.3g}, expected x unchanged",
                              "inverted dropout already rescaled during training, so in eval mode return x as it is")
        share = float(np.mean(out == 0)) if out.shape == x.shape else float("nan")
        raise CheckFailed("dropout-active-in-eval", f"eval mode: {share:.3f} of the outputs are zero and "
                          f"{error_summary(out, expected) if out.shape == x.shape else 'the shape changed'}; expected x unchanged",
                          "eval() must switch dropout off: set self.training = False there, and in forward return x "
                          "when not self.training")
    grad = np.random.default_rng(230).standard_normal(x.shape)
    got = as_ndarray(layer.backward(grad.copy()), "Dropout.backward")
    if not np.array_equal(got, grad):
        raise CheckFailed("dropout-active-in-eval", "eval mode: backward changed the gradient",
                          "in eval mode forward is the identity, so backward returns grad_output unchanged")
    layer.train()
    out = np.asarray(layer.forward(x.copy()))
    share = float(np.mean(out == 0))
    if abs(share - p) > RATE_TOLERANCE:
        raise CheckFailed("dropout-train-not-restored", f"after train(): {share:.3f} of the outputs are zero, "
                          f"expected {p}", "train() must switch dropout back on: self.training = True")
    return "eval mode is the identity for forward and backward; train() drops again"


# --------------------------------------------------------------------------
# Early stopping
# --------------------------------------------------------------------------

# name, validation losses per epoch, max_epochs, patience
STOPPING_SCENARIOS = [
    ("dips at epoch 3", [1.0, 0.8, 0.6, 0.65, 0.7, 0.62, 0.9, 0.95, 0.5, 0.4, 0.3, 0.2], 12, 3),
    ("dips at epoch 3, patience 5", [1.0, 0.8, 0.6, 0.65, 0.7, 0.62, 0.9, 0.95, 0.61, 0.4, 0.3, 0.2], 12, 5),
    ("recovers within the patience", [1.0, 0.9, 1.2, 0.85, 1.3, 1.4, 1.5, 0.1, 0.1], 9, 2),
    ("a tie with the best", [1.0, 0.5, 0.5, 0.6, 0.7, 0.8, 0.9, 0.1], 8, 2),
    ("improves every epoch", [1.0, 0.9, 0.8, 0.7, 0.6, 0.5], 6, 2),
]


class _ScriptedTraining:
    """A fake training run: epoch k sets every weight to k (in place) and the validation loss is scripted."""

    def __init__(self, losses):
        self.losses = losses
        self.epoch = 0
        self.params = {"weight": np.zeros((2, 3)), "bias": np.zeros(2)}
        self.arrays = dict(self.params)  # the model's own arrays: restoring must write into them
        self.validations = 0

    def train_epoch(self):
        self.epoch += 1
        if self.epoch > len(self.losses):
            raise CheckFailed("early-stopping-never-stops", f"train_epoch was called {self.epoch} times, more than "
                              "max_epochs", "stop the loop after max_epochs epochs at most")
        for array in self.arrays.values():
            array[...] = self.epoch

    def validation_loss(self):
        self.validations += 1
        return self.losses[self.epoch - 1]


def _expected_run(losses, max_epochs, patience):
    training = _ScriptedTraining(losses)
    best, history = reference_train_with_early_stopping(training.params, training.train_epoch,
                                                        training.validation_loss, max_epochs, patience)
    return best, history, training.epoch


@register(WEEKEND, "early_stopping", "early stopping: scripted validation curves", needs=["train_with_early_stopping"],
          compared="train_with_early_stopping on 5 scripted validation curves against classroom.train.EarlyStopping: "
                   "epochs trained, best epoch, history, and the weights left in params")
def _check_early_stopping(ns):
    for name, losses, max_epochs, patience in STOPPING_SCENARIOS:
        best, history, epochs = _expected_run(losses, max_epochs, patience)
        training = _ScriptedTraining(losses)
        result = ns["train_with_early_stopping"](training.params, training.train_epoch, training.validation_loss,
                                                 max_epochs, patience)
        where = f"curve '{name}' {losses[:epochs + 1]}, patience {patience}, max_epochs {max_epochs}"
        if not isinstance(result, tuple) or len(result) != 2:
            raise CheckFailed("early-stopping-return", f"{where}: returned {type(result).__name__}, not "
                              "(best_epoch, history)", "return two things: the best epoch (from 1) and the list of "
                              "validation losses")
        got_best, got_history = result
        losses_seen = losses[: training.epoch]
        best_of_seen = int(np.argmin(losses_seen)) + 1 if losses_seen else 0
        last_of_ties = len(losses_seen) - int(np.argmin(losses_seen[::-1])) if losses_seen else 0
        try:
            got_best_int = int(got_best)
        except (TypeError, ValueError):
            raise CheckFailed("early-stopping-return", f"{where}: best_epoch is {got_best!r}, not an integer",
                              "return the best epoch as an int, counted from 1") from None
        if losses_seen and got_best_int == int(np.argmax(losses_seen)) + 1 != best_of_seen:
            raise CheckFailed("early-stopping-wrong-direction", f"{where}: your best epoch {got_best_int} has the "
                              f"highest validation loss ({losses_seen[got_best_int - 1]})",
                              "lower is better for a loss: count an improvement when loss < best, starting from "
                              "best = float('inf')")
        if training.epoch != epochs:
            if name == "a tie with the best" and best_of_seen != last_of_ties and training.epoch == epochs + 1:
                raise CheckFailed("early-stopping-ties", f"{where}: trained {training.epoch} epochs, expected {epochs}: "
                                  "an equal loss counted as an improvement",
                                  "count an epoch as better only if its loss is strictly lower than the best so far "
                                  "(loss < best), as classroom.train.EarlyStopping does")
            if training.epoch == max_epochs and epochs < max_epochs:
                raise CheckFailed("early-stopping-never-stops", f"{where}: trained all {max_epochs} epochs; expected to "
                                  f"stop after epoch {epochs}",
                                  "count the epochs since the last improvement and stop when the count reaches patience")
            if name == "recovers within the patience" and training.epoch < epochs:
                raise CheckFailed("early-stopping-patience-not-reset", f"{where}: stopped after epoch {training.epoch}, "
                                  f"expected {epochs}: the improvement at epoch 4 did not reset the count",
                                  "set the counter of epochs without improvement back to 0 whenever the loss improves")
            if abs(training.epoch - epochs) == 1:
                raise CheckFailed("early-stopping-patience", f"{where}: trained {training.epoch} epochs, expected "
                                  f"{epochs}", f"stop after exactly `patience` epochs in a row without improvement: "
                                  f"with patience {patience} and the best at epoch {best}, the last epoch is "
                                  f"{best + patience}")
            raise CheckFailed("early-stopping-epochs", f"{where}: trained {training.epoch} epochs, expected {epochs}",
                              "after each epoch: if loss < best, remember it and reset the counter; else add 1 and "
                              "stop when it reaches patience")
        if [float(v) for v in np.atleast_1d(got_history)] != [float(v) for v in history]:
            raise CheckFailed("early-stopping-history", f"{where}: history {list(np.round(got_history, 3))}, expected "
                              f"{history}", "append validation_loss() once after every epoch that ran")
        if got_best_int != best:
            raise CheckFailed("early-stopping-best-epoch", f"{where}: best epoch {got_best}, expected {best}",
                              "return the epoch number, counted from 1, at which the validation loss was lowest")
        values = {name: float(np.mean(array)) for name, array in training.arrays.items()}
        if any(value != best for value in values.values()):
            rebound = all(float(np.mean(training.params[key])) == best for key in training.params)
            if rebound:
                raise CheckFailed("early-stopping-restore-in-place", f"{where}: params points at new arrays holding "
                                  f"epoch {best}'s weights, but the model's own arrays still hold epoch "
                                  f"{int(max(values.values()))}'s", "copy the best weights back into the same arrays: "
                                  "params[name][...] = best[name] (the model keeps using its own arrays)")
            raise CheckFailed("early-stopping-last-weights", f"{where}: params holds the weights of epoch "
                              f"{int(max(values.values()))}, expected the best epoch's, {best}",
                              "when the loss improves keep a copy, {k: v.copy() for k, v in params.items()} (an "
                              "assignment only keeps a reference to arrays that training keeps changing), and copy "
                              "it back at the end with params[k][...] = best[k]")
    return f"{len(STOPPING_SCENARIOS)} curves: same epochs, best epoch, history and restored weights as EarlyStopping"
