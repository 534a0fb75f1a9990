"""``classroom.serve.cache`` and the server's opt-in ``cache_size`` (synthetic inputs, seeded untrained MLP)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from serve_helpers import encode, seeded_mlp_file

from classroom.serve.cache import PredictionCache, input_key


class CountingModel:
    """predict(batch) = row sums, counting the rows it computes."""

    def __init__(self):
        self.rows = 0

    def __call__(self, batch):
        self.rows += len(batch)
        return np.asarray(batch, dtype=np.float64).sum(axis=1, keepdims=True)


def test_repeated_rows_are_answered_from_the_cache_with_the_same_values():
    model = CountingModel()
    cached = PredictionCache(model, max_entries=16)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5)).astype(np.float32)
    first = cached(x)
    again = cached(x[[2, 0]])
    np.testing.assert_array_equal(first, model(x))
    np.testing.assert_array_equal(again, first[[2, 0]])
    assert (cached.hits, cached.misses) == (2, 3)


def test_a_batch_with_new_and_known_rows_computes_only_the_new_ones():
    model = CountingModel()
    cached = PredictionCache(model, max_entries=16)
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    cached(x[:2])
    before = model.rows
    result = cached(x)
    assert model.rows - before == 2
    np.testing.assert_array_equal(result.ravel(), x.sum(axis=1))


def test_the_least_recently_used_entry_is_forgotten_first():
    model = CountingModel()
    cached = PredictionCache(model, max_entries=2)
    a, b, c = (np.full((1, 2), value, dtype=np.float32) for value in (1, 2, 3))
    cached(a), cached(b), cached(a), cached(c)  # b is now the oldest
    assert len(cached) == 2
    rows = model.rows
    cached(a)
    assert model.rows == rows  # a was kept
    cached(b)
    assert model.rows == rows + 1  # b had been dropped


def test_the_key_depends_on_dtype_and_shape_not_only_the_bytes():
    values = np.zeros(4, dtype=np.float32)
    assert input_key(values) != input_key(values.reshape(2, 2))
    assert input_key(values) != input_key(np.zeros(2, dtype=np.float64))
    assert input_key(values) == input_key(values.copy())


def test_returned_arrays_are_copies_so_the_cache_cannot_be_changed_from_outside():
    cached = PredictionCache(CountingModel(), max_entries=4)
    x = np.ones((1, 3), dtype=np.float32)
    cached(x)[0, 0] = -100.0
    assert cached(x)[0, 0] == 3.0


def test_many_threads_get_the_right_answers():
    cached = PredictionCache(CountingModel(), max_entries=8)
    inputs = [np.full((1, 4), value, dtype=np.float32) for value in range(20)]
    wrong = []

    def work(offset):
        for step in range(100):
            value = (offset + step) % 20
            if cached(inputs[value])[0, 0] != 4.0 * value:
                wrong.append(value)

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not wrong and len(cached) <= 8
    assert cached.hits + cached.misses == 400


def test_max_entries_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        PredictionCache(CountingModel(), max_entries=0)


def test_the_server_caches_only_when_asked(tmp_path):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from classroom.serve.app import create_app

    path = seeded_mlp_file(tmp_path)
    png = encode(np.random.default_rng(0).integers(0, 256, size=(28, 28)).astype(np.uint8))
    plain = create_app([path])
    assert plain.state.prediction_caches == {}
    cached_app = create_app([path], cache_size=4)
    (cache,) = cached_app.state.prediction_caches.values()
    assert (cache.hits, cache.misses) == (0, 0)  # the warm-up does not count
    answers = []
    for app in (plain, cached_app, cached_app):
        with TestClient(app) as client:
            response = client.post("/predict?top_k=3", files={"file": ("d.png", png, "image/png")})
            assert response.status_code == 200
            answers.append(response.json()["predictions"])
    assert answers[0] == answers[1] == answers[2]
    assert (cache.hits, cache.misses) == (1, 1)
    with pytest.raises(ValueError, match="cache_size"):
        create_app([path], cache_size=-1)
