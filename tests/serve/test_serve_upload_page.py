"""The upload page at ``/`` in a real headless Chromium against a real server.

The model is an untrained MLP with seeded weights: the test checks the page
(model list, upload, result table, error display), not accuracy.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("classroom.models.mlp", reason="classroom.models.mlp is not available")

from serve_helpers import encode, running_server, seeded_mlp_file  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="module")
def page_and_server(tmp_path_factory):
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
    model = seeded_mlp_file(tmp_path_factory.mktemp("models"), name="digits")
    with running_server([model]) as (base_url, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        try:
            page = browser.new_page()
            external = []
            page.on(
                "request",
                lambda request: external.append(request.url)
                if not request.url.startswith(base_url) and not request.url.startswith("blob:")
                else None,
            )
            page.goto(base_url + "/")
            yield page, tmp_path_factory.mktemp("uploads"), external
        finally:
            browser.close()


def test_upload_page_lists_the_models(page_and_server):
    page, _, _ = page_and_server
    page.wait_for_selector("#model option", state="attached")
    assert page.locator("#model option").first.get_attribute("value") == "digits"


def test_upload_page_shows_the_top_5_predictions_of_an_uploaded_image(page_and_server):
    page, folder, external = page_and_server
    image = folder / "digit.png"
    pixels = np.zeros((28, 28), dtype=np.uint8)
    pixels[5:23, 12:16] = 255  # a synthetic "1"
    image.write_bytes(encode(pixels))
    page.set_input_files("#file", str(image))
    page.click("#submit")
    page.wait_for_selector("#results tr")
    assert page.locator("#results tr").count() == 5
    assert "Model digits" in page.inner_text("#meta")
    assert page.inner_text("#error") == ""
    assert external == []  # everything comes from the server itself: no CDN


def test_upload_page_shows_the_servers_error_for_a_non_image(page_and_server):
    page, folder, _ = page_and_server
    text_file = folder / "notes.txt"
    text_file.write_text("not an image")
    page.set_input_files("#file", str(text_file))
    page.click("#submit")
    page.wait_for_function("document.getElementById('error').textContent.length > 0")
    assert page.inner_text("#error").startswith("Error 415")
    assert page.locator("#results tr").count() == 0
