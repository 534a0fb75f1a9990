"""Helpers for the website tests (not a conftest.py: a second conftest would
shadow ``from conftest import ...`` in the rest of the suite).

``build_site_once`` builds the site once per test run (shared by every module and worker) with
``mkdocs build --strict`` in quick mode, into a temporary folder, with
``SITE_URL`` pointing at the port the browser test will serve it on.
``served_site`` serves that folder with ``python -m http.server`` on
127.0.0.1 for the browser test.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = Path("/usr/bin/chromium")
#: Headless, and quiet on a machine without internet: no background requests to Google's hosts.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "tests" / "artifacts"


def load_module(relative_path: str, name: str):
    """Import a hook or script by file path (they are not part of the package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / relative_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


site_content = load_module("hooks/site_content.py", "site_content_under_test")
notebooks_hook = load_module("hooks/notebooks.py", "notebooks_hook_under_test")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_environment(site_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        CLASSROOM_QUICK="1",
        SITE_URL=site_url,
        NO_MKDOCS_2_WARNING="1",
        DISABLE_MKDOCS_2_WARNING="true",
        PYTHONWARNINGS="ignore::DeprecationWarning",
    )
    return env


#: Seconds the first build of a run may take: every notebook executed in quick mode
#: on a fresh clone, while the other workers run their tests on the same cores
#: (about 12 minutes measured on 2 cores, against pytest's 600 s for one test).
BUILD_TIMEOUT_SECONDS = 2400


def run_build(site_dir: Path, site_url: str) -> subprocess.CompletedProcess:
    """Run ``mkdocs build --strict`` into ``site_dir``; return the finished process."""
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)]
    return subprocess.run(
        command, cwd=ROOT, env=build_environment(site_url), capture_output=True, text=True, timeout=BUILD_TIMEOUT_SECONDS
    )


def sources_fingerprint() -> str:
    """Hash of everything that decides notebook execution: package sources and notebooks."""
    import hashlib

    digest = hashlib.sha256()
    for folder in (ROOT / "src" / "classroom", ROOT / "docs"):
        for path in sorted(folder.rglob("*.py")):
            if "__pycache__" not in path.parts:
                digest.update(str(path).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@dataclass
class BuiltSite:
    path: Path
    port: int
    url: str
    log: str
    sources_before: str = ""
    sources_after: str = ""


def build_site_once(tmp_path_factory) -> BuiltSite:
    """Build the site with ``mkdocs build --strict`` in quick mode, once per test run.

    Every test module that needs the built site calls this from its own
    fixture, and with ``pytest -n`` (pytest-xdist) every worker does too: the
    first caller builds behind a lock file in the run's shared temporary
    folder and records the result; the others wait for the lock and reuse the
    record, so one run builds the site once. A failed build is recorded too,
    so each caller fails with the same log instead of building again.
    """
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the folder all workers of this run share
    record_path = shared / "built-site.json"
    with FileLock(str(shared / "built-site.lock")):
        if not record_path.is_file():
            record = _build_and_record(shared / "built-site")
            record_path.write_text(json.dumps(record), encoding="utf-8")
        record = json.loads(record_path.read_text(encoding="utf-8"))
    if record["returncode"] != 0:
        pytest.fail(f"mkdocs build --strict failed (exit {record['returncode']}):\n{record['log'][-6000:]}")
    return BuiltSite(
        path=Path(record["path"]),
        port=record["port"],
        url=record["url"],
        log=record["log"],
        sources_before=record["sources_before"],
        sources_after=record["sources_after"],
    )


def _build_and_record(site_dir: Path) -> dict:
    """Build into ``site_dir``; return what ``build_site_once`` records (JSON-ready)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    before = sources_fingerprint()
    result = run_build(site_dir, url)
    return {
        "path": str(site_dir),
        "port": port,
        "url": url,
        "log": result.stdout + result.stderr,
        "returncode": result.returncode,
        "sources_before": before,
        "sources_after": sources_fingerprint(),
    }


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def serve_site(built_site):
    """Serve the built site on 127.0.0.1 with Python's HTTP server; yields its base URL.

    It serves on the port the site was built for (its ``SITE_URL``) when that
    port is free. When another test worker already serves the same build
    there, it picks a free port: pages link to each other relatively, so only
    the absolute URLs (canonical links, sitemap, feed) then name the other port.
    """
    port = built_site.port if _port_is_free(built_site.port) else free_port()
    url = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(built_site.path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the HTTP server for the built site did not start on port {port}")
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def chromium_context(profile: Path, viewport: tuple[int, int] = (1280, 900)):
    """Yield a Playwright browser context of the system Chromium with its own empty profile.

    Without Playwright or Chromium the test is skipped, and in CI it fails
    (CI installs both, so a missing one is a broken setup, not a reason to skip).
    Use it as ``yield from chromium_context(tmp_path_factory.mktemp("profile"))``
    in a fixture.
    """

    def unavailable(reason):
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright (python) is not installed")
    if not CHROMIUM.exists():
        unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": viewport[0], "height": viewport[1]},
        )
        try:
            yield context
        finally:
            context.close()
