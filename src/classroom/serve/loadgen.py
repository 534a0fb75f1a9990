"""A small, bounded load generator for the model server, and a way to run one locally.

* :func:`local_server` starts ``classroom serve`` in a subprocess on a free
  port of 127.0.0.1, waits for ``/health`` and always stops it afterwards;
* :func:`send_requests` posts uploads to ``/predict`` one at a time or over
  several keep-alive connections at once, and reports throughput and
  latency percentiles.

Only the standard library is used on the client side (``http.client`` and
threads), so the client spends little CPU next to the server it measures;
on one machine they still share the cores, so the numbers are a lower
bound of what the server alone could do.

Examples
--------
>>> with local_server(["runs/models/mnist_mlp.npz"]) as (url, process):   # doctest: +SKIP
...     result = send_requests(url, [png_bytes], requests=200, concurrency=4)
>>> result.requests_per_second, result.percentile_ms(99)                 # doctest: +SKIP
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator, Sequence
from urllib.parse import urlparse

import numpy as np

__all__ = ["LoadResult", "free_port", "local_server", "multipart_upload", "send_requests"]

BOUNDARY = "classroom-load-boundary"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def multipart_upload(data: bytes, *, filename: str = "image.png", content_type: str = "image/png") -> bytes:
    """The body of a multipart form holding ``data`` in the field ``file`` (boundary :data:`BOUNDARY`)."""
    head = (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def _get_status(url: str, path: str, timeout: float) -> int | None:
    address = urlparse(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=timeout)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


@contextmanager
def local_server(models: Sequence, *extra: str, startup_timeout: float = 60.0) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run ``classroom serve`` on 127.0.0.1 until the ``with`` block ends; yield ``(base_url, process)``.

    Parameters
    ----------
    models : sequence of path
        Model files (``--model`` each).
    *extra : str
        More ``classroom serve`` options, e.g. ``"--cache-size", "1024"``.
    startup_timeout : float, default 60
        Seconds to wait for ``/health`` to answer 200.

    Raises
    ------
    RuntimeError
        If the server exits or does not answer in time (the message holds its log).

    Notes
    -----
    The server is stopped (terminate, then kill after 10 s) however the
    block ends, including by an exception or a keyboard interrupt.
    """
    port = free_port()
    command = [sys.executable, "-m", "classroom.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    for model in models:
        command += ["--model", str(model)]
    command += ["--log-level", "warning", "--no-access-log", *extra]
    log = tempfile.TemporaryFile()  # a file, not a pipe: a full pipe would block the server
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_timeout
        while _get_status(url, "/health", 1.0) != 200:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"the server exited with status {process.returncode}: {log.read().decode(errors='replace')}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer /health within {startup_timeout} s")
            time.sleep(0.1)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@dataclass
class LoadResult:
    """What :func:`send_requests` measured.

    Attributes
    ----------
    latencies : ndarray of float
        Seconds from sending each successful request to reading its whole answer.
    elapsed : float
        Wall-clock seconds of the whole run.
    concurrency : int
        Connections used at once.
    errors : list of str
        One line per failed request (HTTP status other than 200, or a network error).
    stopped_early : bool
        True when ``time_limit`` ended the run before every request was sent.
    """

    latencies: np.ndarray
    elapsed: float
    concurrency: int
    errors: list = field(default_factory=list)
    stopped_early: bool = False

    @property
    def completed(self) -> int:
        """Requests answered with 200."""
        return int(len(self.latencies))

    @property
    def requests_per_second(self) -> float:
        """Successful requests divided by the run's wall-clock time."""
        return self.completed / self.elapsed if self.elapsed > 0 else 0.0

    def percentile_ms(self, q: float) -> float:
        """The ``q``-th latency percentile in milliseconds (NaN when nothing completed)."""
        return float(np.percentile(self.latencies, q) * 1000.0) if self.completed else float("nan")

    def summary(self) -> dict:
        """``{"completed", "errors", "rps", "p50_ms", "p90_ms", "p99_ms", "concurrency", "stopped_early"}``."""
        return {
            "completed": self.completed,
            "errors": len(self.errors),
            "rps": round(self.requests_per_second, 1),
            "p50_ms": round(self.percentile_ms(50), 3),
            "p90_ms": round(self.percentile_ms(90), 3),
            "p99_ms": round(self.percentile_ms(99), 3),
            "concurrency": self.concurrency,
            "stopped_early": self.stopped_early,
        }


def send_requests(
    url: str,
    uploads: Sequence[bytes],
    *,
    requests: int,
    concurrency: int = 1,
    path: str = "/predict?top_k=1",
    timeout: float = 10.0,
    time_limit: float = 60.0,
) -> LoadResult:
    """POST ``requests`` uploads over ``concurrency`` keep-alive connections; time each answer.

    Parameters
    ----------
    url : str
        Base URL of a server on this machine, e.g. ``"http://127.0.0.1:8123"``.
    uploads : sequence of bytes
        Image files (PNG); request ``i`` sends ``uploads[i % len(uploads)]``,
        so one upload means N identical requests and N uploads N distinct ones.
    requests : int
        Requests to send in all.
    concurrency : int, default 1
        Connections sending at the same time (1: one request at a time).
    path : str, default "/predict?top_k=1"
        Path and query of each request.
    timeout : float, default 10
        Seconds one request may take before it counts as an error.
    time_limit : float, default 60
        Seconds the whole run may take; no new request starts after it.

    Returns
    -------
    LoadResult
    """
    if requests < 1 or concurrency < 1 or not uploads:
        raise ValueError(f"need requests >= 1, concurrency >= 1 and at least one upload, got {requests}, {concurrency}, {len(uploads)}")
    address = urlparse(url)
    bodies = [multipart_upload(data) for data in uploads]
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Connection": "keep-alive"}
    lock = threading.Lock()
    next_index = [0]
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.perf_counter() + time_limit

    def worker() -> None:
        connection = None
        while True:
            with lock:
                index = next_index[0]
                if index >= requests or time.perf_counter() > deadline:
                    break
                next_index[0] += 1
            body = bodies[index % len(bodies)]
            started = time.perf_counter()
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=timeout)
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                answer = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                with lock:
                    errors.append(f"{type(error).__name__}: {error}")
                if connection is not None:
                    connection.close()
                connection = None
                continue
            seconds = time.perf_counter() - started
            with lock:
                if status == 200:
                    latencies.append(seconds)
                else:
                    errors.append(f"HTTP {status}: {answer[:200].decode(errors='replace')}")
        if connection is not None:
            connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=time_limit + timeout + 5)
    elapsed = time.perf_counter() - started
    return LoadResult(
        latencies=np.array(latencies),
        elapsed=elapsed,
        concurrency=int(concurrency),
        errors=errors,
        stopped_early=next_index[0] < requests,
    )
