"""Helpers for the website tests (not a conftest.py: a second conftest would
shadow ``from conftest import ...`` in the rest of the suite).

``built_site`` builds the site once per test session with
``mkdocs build --strict`` in quick mode, into a temporary folder, with
``SITE_URL`` pointing at the port the browser test will serve it on.
``served_site`` serves that folder with ``python -m http.server`` on
127.0.0.1 for the browser test.
"""

from __future__ import annotations

import importlib.util
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


def run_build(site_dir: Path, site_url: str) -> subprocess.CompletedProcess:
    """Run ``mkdocs build --strict`` into ``site_dir``; return the finished process."""
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)]
    return subprocess.run(
        command, cwd=ROOT, env=build_environment(site_url), capture_output=True, text=True, timeout=900
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
    """Build the site with ``mkdocs build --strict`` in quick mode (called by a session fixture)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    site_dir = tmp_path_factory.mktemp("site")
    before = sources_fingerprint()
    result = run_build(site_dir, url)
    after = sources_fingerprint()
    log = result.stdout + result.stderr
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed (exit {result.returncode}):\n{log[-6000:]}")
    return BuiltSite(path=site_dir, port=port, url=url, log=log, sources_before=before, sources_after=after)


def serve_site(built_site):
    """Serve the built site on 127.0.0.1 with Python's HTTP server; yields its base URL."""
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(built_site.port), "--bind", "127.0.0.1", "--directory", str(built_site.path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(built_site.url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the HTTP server for the built site did not start on port {built_site.port}")
                time.sleep(0.2)
        yield built_site.url
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
