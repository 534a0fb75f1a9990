"""Weekend 3's ``Dropout`` checks: training mode (rates, rescaling, a new mask each call), backward, eval mode.

The inputs are ``DROPOUT_SHAPE`` = (200, 500) arrays with values in [1, 2],
so a zero in the output means a dropped element.
"""

from __future__ import annotations

import numpy as np

from ..compare import ATOL, RTOL, as_ndarray, close, error_summary
from ..core import CheckFailed, register
from .reference import WEEKEND, ReferenceDropout


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
