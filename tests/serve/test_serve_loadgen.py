"""``classroom.serve.loadgen`` against a real ``classroom serve`` process (seeded untrained MLP, synthetic images)."""

from __future__ import annotations

import numpy as np
import pytest

from serve_helpers import encode, seeded_mlp_file

from classroom.serve.loadgen import LoadResult, local_server, multipart_upload, send_requests

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")


def test_identical_and_distinct_requests_all_succeed_and_the_server_is_stopped(tmp_path):
    path = seeded_mlp_file(tmp_path)
    rng = np.random.default_rng(0)
    uploads = [encode(rng.integers(0, 256, size=(28, 28)).astype(np.uint8)) for _ in range(5)]
    with local_server([path], "--cache-size", "8") as (url, process):
        one = send_requests(url, uploads[:1], requests=10, concurrency=1)
        many = send_requests(url, uploads, requests=20, concurrency=4)
        broken = send_requests(url, [b"not an image"], requests=2)
    assert process.poll() is not None
    assert (one.completed, one.errors) == (10, [])
    assert (many.completed, many.errors) == (20, [])
    assert many.concurrency == 4 and many.requests_per_second > 0
    assert broken.completed == 0 and all(error.startswith("HTTP 4") for error in broken.errors)
    summary = one.summary()
    assert summary["p50_ms"] <= summary["p99_ms"] and summary["completed"] == 10


def test_a_server_that_cannot_start_raises_with_its_log(tmp_path):
    missing = tmp_path / "missing.npz"
    with pytest.raises(RuntimeError, match="exited with status"):
        with local_server([missing], startup_timeout=30):
            pass


def test_load_result_percentiles_and_the_upload_body():
    result = LoadResult(latencies=np.array([0.001, 0.002, 0.003]), elapsed=0.5, concurrency=1)
    assert result.completed == 3 and result.requests_per_second == 6.0
    assert result.percentile_ms(50) == pytest.approx(2.0)
    assert np.isnan(LoadResult(latencies=np.array([]), elapsed=1.0, concurrency=1).percentile_ms(50))
    body = multipart_upload(b"PNGDATA")
    assert b'name="file"' in body and b"PNGDATA" in body and body.endswith(b"--\r\n")
    with pytest.raises(ValueError, match="at least one upload"):
        send_requests("http://127.0.0.1:1", [], requests=1)
