"""Weekend 1's ``Linear`` checks: the initial weights, forward, backward (the three gradients), finite differences."""

from __future__ import annotations

import numpy as np

from classroom.nn.gradcheck import numerical_gradient

from ..compare import ATOL, FD_ATOL, FD_RTOL, RTOL, as_ndarray, close, error_summary
from ..core import CheckFailed, register
from .reference import WEEKEND, ReferenceLinear


LINEAR_CASES = [(30, 5, 4, 3), (31, 1, 7, 2), (32, 16, 12, 10)]  # seed, N, in, out


def _linear_pair(ns, seed, n_in, n_out, dtype=np.float64):
    """The learner's Linear and the reference, with the same random weights and bias."""
    rng = np.random.default_rng(seed)
    weight = rng.standard_normal((n_out, n_in)).astype(dtype)
    bias = rng.standard_normal(n_out).astype(dtype)
    learner = ns["Linear"](n_in, n_out, rng=np.random.default_rng(seed))
    learner.weight = weight.copy()
    learner.bias = bias.copy()
    reference = ReferenceLinear(n_in, n_out, dtype=dtype)
    reference.weight = weight
    reference.bias = bias
    return learner, reference


@register(WEEKEND, "linear", "Linear: initial weights", needs=["Linear"],
          compared="the shapes of Linear(784, 128).weight and .bias, and the spread of the initial weights")
def _check_linear_init(ns):
    n_in, n_out = 784, 128
    layer = ns["Linear"](n_in, n_out, rng=np.random.default_rng(0))
    weight = np.asarray(layer.weight)
    bias = np.asarray(layer.bias)
    if weight.shape == (n_in, n_out):
        raise CheckFailed("linear-weight-shape", f"weight has shape {weight.shape}, expected ({n_out}, {n_in})",
                          "store one row per output unit, weight of shape (out_features, in_features), "
                          "and compute x @ weight.T (PyTorch's convention, as in the lesson)")
    if weight.shape != (n_out, n_in) or bias.shape != (n_out,):
        raise CheckFailed("linear-weight-shape", f"weight {weight.shape} and bias {bias.shape}; expected "
                          f"({n_out}, {n_in}) and ({n_out},)",
                          "weight is (out_features, in_features), bias is (out_features,)")
    spread = float(weight.std())
    low, high = 0.1 / np.sqrt(n_in), 3.0 / np.sqrt(n_in)
    if spread == 0.0 or np.unique(weight).size < 2:
        raise CheckFailed("linear-init-symmetric", f"all {weight.size:,} initial weights are equal ({weight.flat[0]:g})",
                          "draw the weights at random, e.g. rng.uniform(-1, 1, shape) / sqrt(in_features): equal weights "
                          "give every hidden unit the same gradient forever")
    if not low <= spread <= high:
        raise CheckFailed("linear-init-scale", f"initial weights have standard deviation {spread:.4f}; expected between "
                          f"{low:.4f} and {high:.4f} (0.1 to 3 times 1/sqrt(in_features))",
                          "scale the random weights by 1/sqrt(in_features) (e.g. rng.uniform(-1, 1, shape) / sqrt(in)), "
                          "so the outputs neither explode nor vanish")
    return f"weight {weight.shape}, bias {bias.shape}, weight std {spread:.4f} (accepted {low:.4f} to {high:.4f})"


@register(WEEKEND, "linear", "Linear: forward", needs=["Linear"],
          compared="Linear.forward against classroom.nn.Linear with the same weights (batches of 5, 1 and 16; "
                   "float64 and float32)")
def _check_linear_forward(ns):
    for seed, n, n_in, n_out in LINEAR_CASES:
        learner, reference = _linear_pair(ns, seed, n_in, n_out)
        x = np.random.default_rng(seed + 100).standard_normal((n, n_in))
        got = as_ndarray(learner.forward(x.copy()), "Linear.forward")
        expected = reference.forward(x)
        where = f"Linear({n_in}, {n_out}) on a batch of {n}"
        if got.shape != expected.shape:
            raise CheckFailed("linear-forward-shape", f"{where}: got shape {got.shape}, expected {expected.shape}",
                              "the output is x @ weight.T + bias, of shape (N, out_features)")
        if close(got, expected):
            continue
        if close(got, expected - reference.bias):
            raise CheckFailed("linear-forgot-bias", f"{where}: your output is x @ weight.T without the bias",
                              "add self.bias (shape (out_features,)); broadcasting adds it to every row")
        raise CheckFailed("linear-forward-mismatch", f"{where}: {error_summary(got, expected)}",
                          "compute x @ self.weight.T + self.bias")
    learner, _ = _linear_pair(ns, 33, 6, 4, dtype=np.float32)
    x32 = np.random.default_rng(133).standard_normal((3, 6)).astype(np.float32)
    got32 = np.asarray(learner.forward(x32))
    if got32.dtype != np.float32:
        raise CheckFailed("linear-dtype", f"float32 input and float32 weights gave a {got32.dtype} output",
                          "keep the input's dtype (float32 trains twice as fast): avoid creating float64 arrays "
                          "inside forward")
    return f"{len(LINEAR_CASES)} cases within {ATOL:g} + {RTOL:g}*|b| of classroom.nn.Linear; float32 stays float32"


@register(WEEKEND, "linear", "Linear: backward", needs=["Linear"],
          compared="Linear.backward (grad_weight, grad_bias and dL/dx) against classroom.nn.Linear, "
                   "batches of 5, 1 and 16, and twice in a row")
def _check_linear_backward(ns):
    for seed, n, n_in, n_out in LINEAR_CASES:
        learner, reference = _linear_pair(ns, seed, n_in, n_out)
        rng = np.random.default_rng(seed + 200)
        x = rng.standard_normal((n, n_in))
        grad_output = rng.standard_normal((n, n_out))
        learner.forward(x.copy())
        reference.forward(x)
        got_input = learner.backward(grad_output.copy())
        expected_input = reference.backward(grad_output)
        where = f"Linear({n_in}, {n_out}) on a batch of {n}"
        got_weight = np.asarray(learner.grad_weight)
        expected_weight = reference.grad_weight
        if not close(got_weight, expected_weight):
            if got_weight.shape == expected_weight.T.shape and got_weight.shape != expected_weight.shape:
                raise CheckFailed("linear-weight-grad-transposed",
                                  f"{where}: grad_weight has shape {got_weight.shape}, expected {expected_weight.shape} "
                                  "(the weight's shape)",
                                  "grad_weight must have the weight's shape (out, in): use grad_output.T @ x, "
                                  "not x.T @ grad_output")
            if n > 1 and close(got_weight, expected_weight / n):
                raise CheckFailed("linear-grad-batch-size",
                                  f"{where}: grad_weight is the expected gradient divided by the batch size {n}",
                                  "do not average again in the layer: cross_entropy_grad already divides by N, "
                                  "so grad_weight = grad_output.T @ x is a plain sum over the batch")
            raise CheckFailed("linear-weight-grad-mismatch", f"{where}: grad_weight {error_summary(got_weight, expected_weight)}",
                              "grad_weight = grad_output.T @ x, with x the input saved by forward")
        got_bias = np.asarray(learner.grad_bias)
        if not close(got_bias, reference.grad_bias):
            if n > 1 and close(got_bias, reference.grad_bias / n):
                raise CheckFailed("linear-grad-batch-size", f"{where}: grad_bias is the expected one divided by {n}",
                                  "sum over the batch, do not average: the 1/N is already in cross_entropy_grad")
            raise CheckFailed("linear-bias-grad", f"{where}: grad_bias has shape {got_bias.shape} (expected "
                              f"{reference.grad_bias.shape}); {error_summary(got_bias, reference.grad_bias) if got_bias.shape == reference.grad_bias.shape else 'shapes differ'}",
                              "the bias is added to every row, so its gradient is the sum of grad_output over the "
                              "batch: grad_output.sum(axis=0)")
        got_input = as_ndarray(got_input, "Linear.backward")
        if not close(got_input, expected_input):
            raise CheckFailed("linear-input-grad", f"{where}: the returned dL/dx (shape {got_input.shape}, expected "
                              f"{expected_input.shape}): "
                              f"{error_summary(got_input, expected_input) if got_input.shape == expected_input.shape else 'shapes differ'}",
                              "backward returns dL/dx = grad_output @ self.weight, of shape (N, in_features)")
        # A second backward with the same gradient must give the same gradients, not twice them.
        learner.backward(grad_output.copy())
        again = np.asarray(learner.grad_weight)
        if close(again, 2 * expected_weight):
            raise CheckFailed("linear-grad-accumulates",
                              f"{where}: after a second backward, grad_weight is twice the gradient",
                              "overwrite the gradients in backward (self.grad_weight = ...), do not add to them with +=: "
                              "each backward describes one batch")
        if not close(again, expected_weight):
            raise CheckFailed("linear-weight-grad-mismatch", f"{where}: the second backward gave a different grad_weight "
                              f"({error_summary(again, expected_weight)})",
                              "backward must only depend on the x saved by the last forward and on grad_output")
    return f"{len(LINEAR_CASES)} cases within {ATOL:g} + {RTOL:g}*|b| of classroom.nn.Linear"


@register(WEEKEND, "linear", "Linear: finite differences", needs=["Linear"],
          compared="Linear.backward against central differences of your own forward (float64, eps 1e-6)")
def _check_linear_fd(ns):
    rng = np.random.default_rng(40)
    layer = ns["Linear"](4, 3, rng=np.random.default_rng(40))
    layer.weight = rng.standard_normal((3, 4))
    layer.bias = rng.standard_normal(3)
    x = rng.standard_normal((5, 4))
    projection = rng.standard_normal((5, 3))

    def loss(_=None):
        return float(np.sum(np.asarray(layer.forward(x)) * projection))

    loss()
    got_input = as_ndarray(layer.backward(projection.copy()), "Linear.backward")
    analytic = {"weight": np.array(layer.grad_weight, dtype=np.float64), "bias": np.array(layer.grad_bias, dtype=np.float64),
                "x": np.array(got_input, dtype=np.float64)}
    numeric = {"x": numerical_gradient(loss, x), "weight": numerical_gradient(loss, layer.weight),
               "bias": numerical_gradient(loss, layer.bias)}
    for name in ("weight", "bias", "x"):
        if not close(analytic[name], numeric[name], FD_ATOL, FD_RTOL):
            raise CheckFailed("linear-gradcheck", f"dL/d{name} vs central differences: "
                              f"{error_summary(analytic[name], numeric[name], FD_ATOL, FD_RTOL) if analytic[name].shape == numeric[name].shape else f'shape {analytic[name].shape} vs {numeric[name].shape}'}",
                              "compare your backward with the lesson's formulas: dW = G.T @ X, db = G.sum(axis=0), "
                              "dX = G @ W")
    return f"dL/dweight, dL/dbias and dL/dx within {FD_ATOL:g} + {FD_RTOL:g}*|numeric| of central differences"
