"""Weekend 4 checks: the references pass, every hint is proven by a deliberately wrong piece.

Each mutant is a mistake a learner makes (``mutants_weekend_04.py`` holds a
learner-style solution with switches); the check must fail it with the
hint_id that names the mistake. The end-to-end CIFAR-10 run is ``slow`` and
``data``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from classroom.check import FAIL, run_checks
from classroom.check.weekend_04 import reference_solutions
from conftest import require_dataset

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_helpers import (  # noqa: E402
    assert_fails_with_hint,
    assert_piece_passes,
    assert_unwritten_stubs_report_not_written,
    stub_names,
    workbook_path,
)
from mutants_weekend_04 import (  # noqa: E402
    COL2IM,
    IM2COL,
    learner_solutions,
    make_col2im,
    make_conv2d,
    make_im2col,
    make_maxpool2d,
)

WEEKEND = "weekend-04"
WORKBOOK = workbook_path(WEEKEND)
FAST_PIECES = ["im2col", "conv2d", "maxpool"]


def assert_fails_with(piece: str, namespace: dict, hint_id: str):
    assert_fails_with_hint(run_checks(WEEKEND, namespace, piece), hint_id)


# ----------------------------------------------------------------- references
@pytest.mark.parametrize("piece", FAST_PIECES)
def test_reference_passes(piece):
    assert_piece_passes(WEEKEND, reference_solutions(), piece)


@pytest.mark.parametrize("piece", FAST_PIECES)
def test_learner_style_solution_passes(piece):
    assert_piece_passes(WEEKEND, learner_solutions(), piece)


def test_reference_covers_every_stub():
    assert stub_names(WORKBOOK) == set(reference_solutions())


def test_unwritten_stubs_report_not_written(monkeypatch):
    assert_unwritten_stubs_report_not_written(WEEKEND, monkeypatch)


# ------------------------------------------------------------------ mutants
def _conv_variant(**methods):
    """A learner-style Conv2d with some methods replaced."""
    base = make_conv2d()
    return type("Conv2d", (base,), methods)


def _pool_variant(**methods):
    return type("MaxPool2d", (make_maxpool2d(),), methods)


IM2COL_MUTANTS = [
    ("im2col-patch-order", dict(im2col=make_im2col(order="ckk"))),
    ("im2col-no-padding", dict(im2col=make_im2col(pad=False))),
    ("im2col-stride-ignored", dict(im2col=make_im2col(use_stride=False))),
    ("im2col-shape", dict(im2col=lambda x, k, stride=1, padding=0: IM2COL(x, k, stride, padding).reshape(x.shape[0], -1))),
    ("im2col-mismatch", dict(im2col=lambda x, k, stride=1, padding=0: IM2COL(x, k, stride, padding)[::-1])),
    ("not-an-array", dict(im2col=lambda x, k, stride=1, padding=0: IM2COL(x, k, stride, padding).tolist())),
    ("col2im-overwrite", dict(col2im=make_col2im(accumulate=False))),
    ("col2im-padding-not-cropped", dict(col2im=make_col2im(crop=False))),
    ("col2im-shape", dict(col2im=lambda c, shape, k, stride=1, padding=0: COL2IM(c, shape, k, stride, padding).transpose(0, 2, 3, 1))),
    ("col2im-mismatch", dict(col2im=lambda c, shape, k, stride=1, padding=0: 2 * COL2IM(c, shape, k, stride, padding))),
]


@pytest.mark.parametrize("hint_id, overrides", IM2COL_MUTANTS, ids=[m[0] for m in IM2COL_MUTANTS])
def test_im2col_mutants(hint_id, overrides):
    assert_fails_with("im2col", learner_solutions(**overrides), hint_id)


def _forward_nhwc(self, x):
    return make_conv2d().forward(self, x).transpose(0, 2, 3, 1)


def _forward_no_bias(self, x):
    return make_conv2d().forward(self, x) - self.bias[:, None, None]


def _backward_then(change):
    def backward(self, grad_output):
        grad_input = make_conv2d().backward(self, grad_output)
        return change(self, grad_input)

    return backward


def _bias_reversed(self, grad_input):
    self.grad_bias = self.grad_bias[::-1].copy()
    return grad_input


def _weight_summed(self, grad_input):
    self.grad_weight = self.grad_weight.sum(axis=0)
    return grad_input


def _weight_grad_half_again(self, grad_input):
    self.grad_weight = self.grad_weight * 1.5  # wrong numbers, not a layout or batch-size mistake
    return grad_input


def _input_padded(self, grad_input):
    p = self.padding
    return np.pad(grad_input, ((0, 0), (0, 0), (p + 1, p + 1), (p + 1, p + 1)))


CONV_MUTANTS = [
    ("conv-weight-grad-layout", make_conv2d(weight_layout=False)),
    ("conv-grad-batch-scale", make_conv2d(batch_scale="divide")),
    ("conv-dtype", make_conv2d(upcast=True)),
    ("conv-output-shape", _conv_variant(forward=_forward_nhwc)),
    ("conv-forward-mismatch", _conv_variant(forward=_forward_no_bias)),
    ("conv-bias-grad", _conv_variant(backward=_backward_then(_bias_reversed))),
    ("conv-backward-shape", _conv_variant(backward=_backward_then(_weight_summed))),
    ("conv-backward-mismatch", _conv_variant(backward=_backward_then(_weight_grad_half_again))),
    ("conv-input-grad-shape", _conv_variant(backward=_backward_then(_input_padded))),
    ("conv-input-grad-mismatch", _conv_variant(backward=_backward_then(lambda self, g: g[:, ::-1]))),
]


@pytest.mark.parametrize("hint_id, conv", CONV_MUTANTS, ids=[m[0] for m in CONV_MUTANTS])
def test_conv_mutants(hint_id, conv):
    assert_fails_with("conv2d", learner_solutions(Conv2d=conv), hint_id)


def test_weight_layout_mutant_also_fails_the_finite_difference_check():
    report = run_checks(WEEKEND, learner_solutions(Conv2d=make_conv2d(weight_layout=False)), "conv2d")
    by_name = {result.check: result for result in report}
    assert by_name["Conv2d: finite differences"].hint_id == "conv-weight-grad-layout"
    assert "finite differences" in by_name["Conv2d: finite differences"].measured


def _pool_forward_stride_one(self, x):
    stride, self.stride = self.stride, 1
    try:
        return make_maxpool2d().forward(self, x)
    finally:
        self.stride = stride


POOL_MUTANTS = [
    ("maxpool-grad-every-position", make_maxpool2d(route="every")),
    ("maxpool-overlap-overwrite", make_maxpool2d(accumulate=False)),
    ("maxpool-backward-mismatch", make_maxpool2d(route="top-left")),
    ("maxpool-output-shape", _pool_variant(forward=_pool_forward_stride_one)),
    ("maxpool-forward-mismatch", _pool_variant(forward=lambda self, x: -make_maxpool2d().forward(self, -x))),
]


@pytest.mark.parametrize("hint_id, pool", POOL_MUTANTS, ids=[m[0] for m in POOL_MUTANTS])
def test_pool_mutants(hint_id, pool):
    assert_fails_with("maxpool", learner_solutions(MaxPool2d=pool), hint_id)


def test_failure_messages_state_the_tolerance():
    report = run_checks(WEEKEND, learner_solutions(Conv2d=make_conv2d(weight_layout=False)), "conv2d")
    failed = [result for result in report if result.status == FAIL]
    assert all("tolerance" in result.measured or "shape" in result.measured for result in failed), report


# ------------------------------------------------------------- end to end
def test_cnn_wrong_shapes_fail_before_any_data_is_loaded():
    namespace = learner_solutions(MaxPool2d=_pool_variant(forward=lambda self, x: x))  # no downsampling
    (result,) = run_checks(WEEKEND, namespace, "cnn")
    assert result.status == FAIL and result.hint_id == "cnn-sanity-shapes", result
    assert result.seconds < 5, result


CNN_FAST_MUTANTS = [
    ("cnn-no-gradient", make_conv2d(zero_weight_grad=True)),
    ("cnn-diverged", make_conv2d(batch_scale="multiply")),
    ("cnn-not-learning", make_conv2d(flip_sign=True)),
]


@pytest.mark.slow
@pytest.mark.data
@pytest.mark.parametrize("hint_id, conv", CNN_FAST_MUTANTS, ids=[m[0] for m in CNN_FAST_MUTANTS])
def test_cnn_mutants_fail_in_the_sanity_phase(hint_id, conv):
    require_dataset("cifar10")
    namespace = learner_solutions(Conv2d=conv)
    (result,) = run_checks(WEEKEND, namespace, "cnn")
    assert result.status == FAIL and result.hint_id == hint_id, result
    assert result.seconds < 120, result  # data loading and the sanity phase, not the training (about 5 s idle)


@pytest.mark.slow
@pytest.mark.data
@pytest.mark.timeout(1800)  # trains on real CIFAR-10 images: 416 s on a loaded two-core machine
def test_cnn_reference_clears_the_floor():
    require_dataset("cifar10")
    (result,) = run_checks(WEEKEND, reference_solutions(), "cnn")
    assert result.passed, result


def _forward_blind_on_big_batches(self, x):
    out = make_conv2d().forward(self, x)
    return out if len(x) <= 128 else np.zeros_like(out)


@pytest.mark.slow
@pytest.mark.data
def test_cnn_floor_can_fail(monkeypatch):
    """The floor branch fails: a Conv2d that trains normally but outputs zeros on the 500-image test batches.

    Not a realistic mistake (realistic gradient mistakes are caught by the sanity phase); it
    proves that the accuracy comparison itself can fail.
    """
    require_dataset("cifar10")
    import classroom.check.weekend_04.cnn as module  # the module whose check reads these constants

    # The blind network guesses whatever it learned, so a short training proves the branch as well.
    monkeypatch.setattr(module, "CNN_TRAIN_IMAGES", 2_000)
    monkeypatch.setattr(module, "CNN_EPOCHS", 1)
    namespace = learner_solutions(Conv2d=_conv_variant(forward=_forward_blind_on_big_batches))
    (result,) = run_checks(WEEKEND, namespace, "cnn")
    assert result.status == FAIL and result.hint_id == "cnn-accuracy-below-floor", result
