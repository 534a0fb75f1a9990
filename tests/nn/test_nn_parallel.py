"""classroom.nn.parallel: slices of the batch in worker threads give the same results as one thread."""

from __future__ import annotations

import time

import numpy as np
import pytest

from classroom.nn.gradcheck import check_module_gradients
from classroom.models.cnn import cifar_cnn
from classroom.nn import BatchNorm1d, BatchNorm2d, Conv2d, ConvTranspose2d, MaxPool2d
from classroom.nn import parallel


@pytest.fixture
def two_workers():
    """Two worker threads for the test, back to one (no threads) afterwards."""
    parallel.set_workers(2)
    yield
    parallel.set_workers(1)


@pytest.mark.parametrize("workers, length", [(1, 5), (2, 5), (2, 1), (3, 7), (4, 2), (2, 0)])
def test_chunks_cover_every_item_once_in_order(workers, length):
    parallel.set_workers(workers)
    try:
        parts = parallel.chunks(length)
    finally:
        parallel.set_workers(1)
    covered = [index for part in parts for index in range(length)[part]]
    assert covered == list(range(length))
    assert len(parts) == max(1, min(workers, length))
    sizes = [part.stop - part.start for part in parts]
    assert max(sizes) - min(sizes) <= 1


def test_run_chunks_returns_results_in_slice_order(two_workers):
    values = np.arange(10.0)
    assert parallel.run_chunks(lambda part: values[part].sum(), len(values)) == [10.0, 35.0]


def test_for_each_slice_slices_every_array_and_passes_options_unchanged(two_workers):
    x, out = np.arange(10.0), np.empty(10)
    seen = []

    def double(x, out, *, factor):
        seen.append(len(x))
        np.multiply(x, factor, out=out)
        return float(out.sum())

    assert parallel.for_each_slice(double, x, out, factor=2.0) == [20.0, 70.0]
    np.testing.assert_array_equal(out, 2 * np.arange(10.0))
    assert sorted(seen) == [5, 5]


def test_for_each_slice_with_one_worker_calls_once_with_the_whole_arrays():
    x = np.arange(7.0)
    assert parallel.for_each_slice(lambda x: x.shape, x) == [(7,)]


def test_set_workers_rejects_zero():
    with pytest.raises(ValueError, match="at least 1 worker"):
        parallel.set_workers(0)


def forward_and_backward(layer, x, rng):
    """Output, input gradient and parameter gradients of one training step (synthetic data)."""
    layer.train()
    layer.zero_grad()
    out = layer(x)
    grad_output = np.random.default_rng(5).standard_normal(out.shape)
    grad_input = layer.backward(grad_output)
    return [np.array(out), np.array(grad_input)] + [p.grad.copy() for p in layer.parameters()]


LAYERS = {
    "conv, in < out (col2im route)": lambda: (Conv2d(2, 5, 3, padding=1, rng=0, dtype=np.float64), (3, 2, 6, 7)),
    "conv, in >= out (convolution route)": lambda: (Conv2d(5, 3, 3, padding=1, rng=0, dtype=np.float64), (3, 5, 6, 6)),
    "conv, stride 2": lambda: (Conv2d(3, 4, (3, 2), stride=2, padding=(1, 0), rng=0, dtype=np.float64), (5, 3, 7, 8)),
    "conv, one image": lambda: (Conv2d(3, 4, 3, rng=0, dtype=np.float64), (1, 3, 5, 5)),
    "transposed conv, stride 2, padding 1": lambda: (
        ConvTranspose2d(3, 4, 4, stride=2, padding=1, rng=0, dtype=np.float64), (3, 3, 5, 4)
    ),
    "transposed conv, output padding": lambda: (
        ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1, rng=0, dtype=np.float64), (5, 2, 3, 3)
    ),
    "batch norm 2d": lambda: (BatchNorm2d(4, dtype=np.float64), (3, 4, 5, 5)),
    "batch norm 1d": lambda: (BatchNorm1d(6, dtype=np.float64), (7, 6)),
    "max pool 2x2": lambda: (MaxPool2d(2), (3, 2, 6, 7)),
    "max pool 3, stride 2, padding 1": lambda: (MaxPool2d(3, 2, 1), (3, 2, 7, 6)),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_two_workers_give_the_same_outputs_and_gradients_as_one(name, rng):
    layer, shape = LAYERS[name]()
    x = rng.standard_normal(shape)
    one_thread = forward_and_backward(layer, x, rng)
    parallel.set_workers(2)
    try:
        two_threads = forward_and_backward(layer, x, rng)
    finally:
        parallel.set_workers(1)
    for single, split in zip(one_thread, two_threads):
        # Sums over the batch are added in a different order: equal up to rounding.
        np.testing.assert_allclose(split, single, rtol=1e-12, atol=1e-12)


def test_whole_cnn_gradients_match_finite_differences_with_two_workers(two_workers):
    rng = np.random.default_rng(0)
    model = cifar_cnn(widths=(2, 3), convs_per_stage=(1, 2), num_classes=3, rng=0).double()
    x = rng.standard_normal((3, 3, 8, 8))
    assert check_module_gradients(model, x, rng=rng).passed


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_run_chunks_works_in_a_forked_child(two_workers):
    import os

    values = np.arange(10.0)
    for _ in range(5):  # the parent's pool runs, and its threads end up idle
        parallel.run_chunks(lambda part: values[part].sum(), len(values))
    time.sleep(0.2)  # a pool copied by fork would count on those idle threads, which the child lacks
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # the child: the parent's worker threads do not exist here
        import signal

        signal.alarm(20)  # a child stuck waiting for dead threads is killed, and the test fails
        try:
            result = parallel.run_chunks(lambda part: values[part].sum(), len(values))
            os.write(write_end, repr([float(total) for total in result]).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    _, status = os.waitpid(child, 0)
    message = os.read(read_end, 100).decode()
    os.close(read_end)
    assert status == 0
    assert message == "[10.0, 35.0]"
