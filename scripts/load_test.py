"""Bounded load test of the model server: latency percentiles, throughput and memory.

Sends ``--requests`` POST /predict requests of one 32x32 image over
``--concurrency`` connections and reports p50/p90/p99 latency and requests per
second. As a reference measured in the same run, the same load is first sent
to ``GET /health`` (the cost of HTTP alone), and the report gives the ratio.

It only talks to this machine: it starts ``classroom serve`` itself on a free
port of 127.0.0.1 (one worker), or takes ``--url`` of a local server. Every
run is bounded by the request count and by ``--time-limit`` seconds.

The image is a real CIFAR-10 test image when the data are available,
otherwise a synthetic one (random pixels, stated in the report).

Usage::

    python scripts/load_test.py --model runs/models/cifar_cnn_demo.npz
    python scripts/load_test.py --url http://127.0.0.1:8000 --model-name mnist-mlp
    python scripts/load_test.py --model runs/models/mnist_mlp.npz -n 2000 -c 8 --time-limit 60

For a server it started, the report also gives the server's resident memory
(RSS, read from ``/proc/<pid>/status`` on Linux): before the run, the peak
since the server started (``VmHWM``) and after the run, so a load that makes
the server grow shows up next to the latency it caused.

Goal for one worker and one 32x32 image: p99 <= 20 ms and >= 200 requests/s.
The client runs on the same machine and takes CPU from the server, so the
numbers are a lower bound of what the server alone could do.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
from PIL import Image

from classroom.serve.loadgen import local_server

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
GOAL_P99_MS = 20.0
GOAL_RPS = 200.0


# --------------------------------------------------------------------------- the image
def load_image_png(path: Path | None) -> tuple[bytes, str]:
    """Return (PNG bytes of a 32x32 image, description)."""
    if path is not None:
        image = Image.open(path)
        image.load()
        description = f"{path.name} ({image.width}x{image.height} {image.mode})"
    else:
        try:
            from classroom.data import CIFAR10_CLASSES, load_cifar10

            images, labels = load_cifar10("test")
            image = Image.fromarray(images[0])
            description = f"CIFAR-10 test image 0 (a {CIFAR10_CLASSES[labels[0]]}, 32x32 RGB)"
        except Exception as error:  # data missing: say so, use synthetic pixels
            pixels = np.random.default_rng(0).integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
            image = Image.fromarray(pixels)
            description = f"SYNTHETIC 32x32 RGB noise (CIFAR-10 not available: {error})"
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue(), description


# --------------------------------------------------------------------------- the load
def build_request(host: str, method: str, path: str, *, content_type: str | None = None, body: bytes = b"") -> bytes:
    """The raw bytes of one HTTP/1.1 keep-alive request (built once, sent many times)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    if content_type is not None:
        lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def multipart_request(host: str, path: str, png: bytes) -> bytes:
    """A POST request whose multipart form holds ``png`` in the field ``file``."""
    boundary = "load-test-boundary"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="image.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode() + png + f"\r\n--{boundary}--\r\n".encode()
    return build_request(host, "POST", path, content_type=f"multipart/form-data; boundary={boundary}", body=body)


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Read one HTTP/1.1 response with a Content-Length body; return (status, body)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def run_load(url: str, request: bytes, *, requests: int, concurrency: int, time_limit: float) -> dict:
    """Send ``request`` ``requests`` times over ``concurrency`` keep-alive connections, bounded in time.

    A minimal asyncio HTTP client: the request bytes are prepared once, so
    the client spends as little CPU as possible (it shares the machine with
    the server it measures).
    """
    address = urlparse(url)
    latencies: list[float] = []
    server_ms: list[float] = []
    errors: list[str] = []
    issued = 0
    deadline = time.perf_counter() + time_limit

    async def connection():
        nonlocal issued
        reader = writer = None
        while issued < requests and time.perf_counter() < deadline:
            issued += 1
            started = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(address.hostname, address.port)
                writer.write(request)
                status, body = await read_response(reader)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as error:
                errors.append(f"{type(error).__name__}: {error}")
                if writer is not None:
                    writer.close()
                reader = writer = None
                continue
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors.append(f"HTTP {status}: {body[:200].decode(errors='replace')}")
            elif b"inference_ms" in body:
                server_ms.append(json.loads(body)["inference_ms"])
        if writer is not None:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started

    milliseconds = np.array(latencies) * 1000.0

    def percentile(q):
        return float(np.percentile(milliseconds, q)) if len(milliseconds) else float("nan")

    return {
        "completed": len(latencies),
        "errors": errors,
        "elapsed": elapsed,
        "rps": len(latencies) / elapsed if elapsed > 0 else 0.0,
        "p50": percentile(50),
        "p90": percentile(90),
        "p99": percentile(99),
        "max": percentile(100),
        "server_p50": float(np.median(server_ms)) if server_ms else float("nan"),
        "timed_out": len(latencies) + len(errors) < requests,
    }


def describe(name: str, result: dict, cpu_ms: float | None) -> str:
    """One line of the report."""
    line = (
        f"{name:<9} {result['completed']:>6} ok {len(result['errors']):>4} errors  "
        f"{result['rps']:>7.1f} req/s  p50 {result['p50']:6.2f} ms  p90 {result['p90']:6.2f} ms  "
        f"p99 {result['p99']:6.2f} ms  max {result['max']:7.2f} ms"
    )
    if cpu_ms is not None:
        line += f"  server CPU {cpu_ms:.2f} ms/request"
    if not np.isnan(result["server_p50"]):
        line += f"  (decode+model p50 {result['server_p50']:.2f} ms)"
    if result["timed_out"]:
        line += "  [stopped by --time-limit]"
    return line


def server_cpu_seconds(pid: int | None) -> float | None:
    """CPU time (user + system) the server process has used, or None when unknown."""
    if pid is None:
        return None
    try:
        import psutil
    except ImportError:
        return None
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def server_memory(pid: int | None) -> dict[str, int] | None:
    """Resident memory of process ``pid`` in bytes: ``{"rss": now, "peak": highest since it started}``.

    Read from ``/proc/<pid>/status`` (``VmRSS`` and ``VmHWM``, the kernel's
    own high-water mark, so no short peak is missed between samples). None
    when there is no such file (not Linux, or ``pid`` unknown or gone).
    """
    if pid is None:
        return None
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    try:
        return {"rss": int(fields["VmRSS"].split()[0]) * 1024, "peak": int(fields["VmHWM"].split()[0]) * 1024}
    except (KeyError, ValueError, IndexError):
        return None


def describe_memory(before: dict[str, int] | None, after: dict[str, int] | None) -> str:
    """The memory line of the report."""
    if before is None or after is None:
        return "server memory: not measured (needs a server this script started, on Linux)"
    megabytes = 1024 * 1024
    return (
        f"server memory (RSS): {before['rss'] / megabytes:.1f} MB before, peak {after['peak'] / megabytes:.1f} MB "
        f"since the server started, {after['rss'] / megabytes:.1f} MB after "
        f"({(after['rss'] - before['rss']) / megabytes:+.1f} MB)"
    )


async def measure(url: str, png: bytes, arguments, pid: int | None) -> list[tuple[str, dict, float | None]]:
    """Warm up, then measure /health (the HTTP-only reference) and /predict under the same load."""
    query = "top_k=1" + (f"&model={arguments.model_name}" if arguments.model_name else "")
    host = urlparse(url).netloc
    predict = multipart_request(host, f"/predict?{query}", png)
    health = build_request(host, "GET", "/health")
    bounds = {"concurrency": arguments.concurrency, "time_limit": arguments.time_limit}
    await run_load(url, predict, requests=min(100, arguments.requests), **bounds)  # warm-up
    results = []
    for name, request in (("/health", health), ("/predict", predict)):
        cpu_before = server_cpu_seconds(pid)
        result = await run_load(url, request, requests=arguments.requests, **bounds)
        cpu_after = server_cpu_seconds(pid)
        cpu_ms = None
        if cpu_before is not None and result["completed"]:
            cpu_ms = (cpu_after - cpu_before) * 1000.0 / result["completed"]
        results.append((name, result, cpu_ms))
    return results


def main(argv=None) -> int:
    """Parse the options, run the load test, print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--model", type=Path, action="append", help="model file: start a local server for it")
    target.add_argument("--url", help="URL of a server already running on this machine")
    parser.add_argument("--model-name", help="model=NAME for /predict (default: the server's first model)")
    parser.add_argument("-n", "--requests", type=int, default=1000, help="requests per measurement (default 1000)")
    parser.add_argument("-c", "--concurrency", type=int, default=8, help="connections (default 8)")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per measurement at most (default 60)")
    parser.add_argument("--image", type=Path, help="image to send (default: a real 32x32 CIFAR-10 test image)")
    parser.add_argument("--runs", type=int, default=1, help="repeat the measurement (default 1)")
    parser.add_argument(
        "--server-arg", action="append", default=[], help="extra option for classroom serve (repeatable)"
    )
    arguments = parser.parse_args(argv)
    if not 1 <= arguments.requests <= 100_000 or not 1 <= arguments.concurrency <= 64:
        parser.error("--requests must be 1..100000 and --concurrency 1..64")
    if not 0 < arguments.time_limit <= 600:
        parser.error("--time-limit must be between 0 and 600 seconds")
    if arguments.url and urlparse(arguments.url).hostname not in LOCAL_HOSTS:
        parser.error(f"--url must point at this machine (127.0.0.1 or localhost), got {arguments.url}")

    png, description = load_image_png(arguments.image)
    print(f"image: {description}, {len(png)} bytes as PNG")
    print(
        f"load: {arguments.requests} requests over {arguments.concurrency} connections, "
        f"at most {arguments.time_limit:.0f} s each; CPU cores: {os.cpu_count()}"
    )

    def run_all(url: str, pid: int | None) -> int:
        status = 0
        for run in range(1, arguments.runs + 1):
            load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
            memory_before = server_memory(pid)
            (_, reference, reference_cpu), (_, result, cpu) = asyncio.run(measure(url, png, arguments, pid))
            memory_after = server_memory(pid)
            print(f"run {run} (load average before: {load}):")
            print("  " + describe("/health", reference, reference_cpu))
            print("  " + describe("/predict", result, cpu))
            print("  " + describe_memory(memory_before, memory_after))
            print(
                f"  /predict vs /health (HTTP only): p50 x{result['p50'] / reference['p50']:.2f}, "
                f"throughput x{result['rps'] / reference['rps']:.2f}"
            )
            goal_met = result["p99"] <= GOAL_P99_MS and result["rps"] >= GOAL_RPS and not result["errors"]
            print(
                f"  goal p99 <= {GOAL_P99_MS:.0f} ms and >= {GOAL_RPS:.0f} req/s: "
                f"{'met' if goal_met else 'NOT met'}"
            )
            for error in sorted(set(result["errors"] + reference["errors"]))[:5]:
                print(f"  error: {error}")
            if result["errors"] or reference["errors"]:
                status = 1
        return status

    if arguments.url:
        return run_all(arguments.url.rstrip("/"), None)
    try:
        with local_server(arguments.model, *arguments.server_arg) as (url, process):
            return run_all(url, process.pid)
    except RuntimeError as error:  # the server exited or did not answer /health: its log is in the message
        raise SystemExit(f"the server did not start: {error}") from None

if __name__ == "__main__":
    sys.exit(main())
