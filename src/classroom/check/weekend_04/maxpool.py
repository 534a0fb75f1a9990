"""Weekend 4's ``MaxPool2d`` checks: forward, backward against the package and against finite differences.

Windows that do not cover the last row or column and overlapping windows
(stride smaller than the kernel) are among the cases.
"""

from __future__ import annotations

import numpy as np

from classroom.nn.gradcheck import numerical_gradient

from ..compare import ATOL, FD_ATOL, FD_RTOL, RTOL, close, max_error_summary
from ..core import CheckFailed, register
from .reference import WEEKEND, ReferenceMaxPool2d, _as_array


POOL_CASES = [  # seed, kernel, stride, input shape
    (40, 2, None, (2, 3, 6, 6)),
    (41, 2, None, (3, 2, 7, 5)),  # windows do not cover the last row / column
    (42, 3, 2, (2, 2, 7, 7)),  # overlapping windows
    (43, 2, 1, (1, 3, 5, 6)),  # overlapping windows
]


def _every_position_gradient(grad_output, shape, kernel, stride):
    """What a max-pool backward gives when it sends each gradient to every position of its window."""
    grad = np.zeros(shape)
    out_h, out_w = grad_output.shape[2:]
    for y in range(out_h):
        for x in range(out_w):
            grad[:, :, y * stride : y * stride + kernel, x * stride : x * stride + kernel] += grad_output[:, :, y : y + 1, x : x + 1]
    return grad


@register(WEEKEND, "maxpool", "MaxPool2d: forward", needs=["MaxPool2d"],
          compared="MaxPool2d.forward against classroom.nn.MaxPool2d (4 configurations)")
def _check_pool_forward(ns):
    for seed, kernel, stride, shape in POOL_CASES:
        x = np.random.default_rng(seed).standard_normal(shape)
        got = _as_array(ns["MaxPool2d"](kernel, stride=stride).forward(x.copy()), "MaxPool2d.forward")
        expected = ReferenceMaxPool2d(kernel, stride).forward(x)
        where = f"MaxPool2d({kernel}, stride={stride}) on {shape}"
        if got.shape != expected.shape:
            raise CheckFailed("maxpool-output-shape", f"{where}: got shape {got.shape}, expected {expected.shape}",
                              "out_h = (H - kernel_size)//stride + 1 (the last rows are dropped when windows "
                              "do not fit), and stride defaults to kernel_size")
        if not close(got, expected):
            raise CheckFailed("maxpool-forward-mismatch", f"{where}: {max_error_summary(got, expected)}",
                              "take the maximum over each window's kernel_size x kernel_size positions, separately "
                              "for every image and channel")
    return f"{len(POOL_CASES)} configurations equal to classroom.nn.MaxPool2d within {ATOL:g}"


def _check_pool_gradient(where, got, expected, grad_output, shape, kernel, stride, against, atol=ATOL, rtol=RTOL):
    if got.shape != expected.shape:
        raise CheckFailed("maxpool-backward-mismatch", f"{where}: backward returned shape {got.shape}, expected {expected.shape}",
                          "backward returns a gradient with the input's shape, zero where no maximum was")
    if close(got, expected, atol, rtol):
        return
    if close(got, _every_position_gradient(grad_output, shape, kernel, stride), atol, rtol):
        raise CheckFailed(
            "maxpool-grad-every-position",
            f"{where}: you sent each output gradient to every position of its window "
            f"({max_error_summary(got, expected, atol, rtol)} vs {against})",
            "only the position that held the maximum gets the gradient: remember the argmax of each window in "
            "forward and add the gradient there only; every other position gets zero",
        )
    if np.all(np.abs(got[np.abs(expected) <= atol]) <= atol) and abs(np.sum(got) - np.sum(grad_output)) > 1e-4:
        raise CheckFailed(
            "maxpool-overlap-overwrite",
            f"{where}: gradients went to the right positions but {abs(np.sum(got) - np.sum(grad_output)):.3f} of "
            f"the total {np.sum(grad_output):.3f} was lost ({max_error_summary(got, expected, atol, rtol)})",
            "when windows overlap a position can be the maximum of two windows: add with += so it gets both gradients",
        )
    raise CheckFailed("maxpool-backward-mismatch", f"{where}: {max_error_summary(got, expected, atol, rtol)} vs {against}",
                      "route each output gradient to the argmax of its window (first maximum on ties), "
                      "and add where windows overlap")


@register(WEEKEND, "maxpool", "MaxPool2d: backward vs package", needs=["MaxPool2d"],
          compared="MaxPool2d.backward against classroom.nn.MaxPool2d (overlapping and non-overlapping windows)")
def _check_pool_backward(ns):
    for seed, kernel, stride, shape in POOL_CASES:
        rng = np.random.default_rng(seed + 400)
        x = rng.standard_normal(shape)
        learner, reference = ns["MaxPool2d"](kernel, stride=stride), ReferenceMaxPool2d(kernel, stride)
        learner.forward(x.copy())
        out = reference.forward(x)
        grad_output = rng.uniform(0.5, 1.5, out.shape)  # positive: lost gradient shows in the total
        got = _as_array(learner.backward(grad_output.copy()), "MaxPool2d.backward")
        expected = reference.backward(grad_output)
        _check_pool_gradient(f"MaxPool2d({kernel}, stride={stride}) on {shape}", got, expected, grad_output,
                             shape, kernel, reference.stride, "classroom.nn.MaxPool2d")
    return f"{len(POOL_CASES)} configurations within {ATOL:g} + {RTOL:g}*|b| of classroom.nn.MaxPool2d"


@register(WEEKEND, "maxpool", "MaxPool2d: finite differences", needs=["MaxPool2d"],
          compared="MaxPool2d.backward against central differences of your own forward (float64, no ties)")
def _check_pool_gradcheck(ns):
    for seed, kernel, stride, shape in [(50, 2, None, (2, 2, 4, 4)), (51, 3, 2, (1, 2, 5, 5))]:
        rng = np.random.default_rng(seed)
        x = rng.permutation(np.prod(shape)).reshape(shape) * 0.1  # distinct values: no ties, no kinks within eps
        pool = ns["MaxPool2d"](kernel, stride=stride)
        out = np.asarray(pool.forward(x.copy()))
        projection = rng.uniform(0.5, 1.5, out.shape)
        got = _as_array(pool.backward(projection.copy()), "MaxPool2d.backward")
        numeric = numerical_gradient(lambda value: float(np.sum(np.asarray(pool.forward(value.copy())) * projection)), x.copy())
        step = kernel if stride is None else stride
        _check_pool_gradient(f"MaxPool2d({kernel}, stride={stride}) on {shape}", got, numeric, projection, shape,
                             kernel, step, "finite differences", FD_ATOL, FD_RTOL)
    return f"input gradient within {FD_ATOL:g} + {FD_RTOL:g}*|numeric| of central differences"
