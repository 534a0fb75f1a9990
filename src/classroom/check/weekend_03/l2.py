"""Weekend 3's L2 checks: ``l2_penalty``'s value, ``l2_gradient`` against SGD's weight decay and finite differences.

The weights are a list of 1 to 3 arrays of any shapes; the gradient is a list
of arrays of the same shapes.
"""

from __future__ import annotations

import numpy as np

from classroom.nn.gradcheck import numerical_gradient

from ..compare import ATOL, FD_ATOL, FD_RTOL, RTOL, as_float, close, error_summary
from ..core import CheckFailed, register
from .reference import WEEKEND, reference_l2_gradient, reference_l2_penalty


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
