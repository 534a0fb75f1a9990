"""The "Try it" page: the course's models run in the browser, offline, as they run in Python.

The site is built once for this module (``mkdocs build --strict``, quick
mode), served on 127.0.0.1, and opened in Debian's Chromium through
Playwright with every request to another host refused, so the page must work
from its own files. Then:

* strokes drawn on the canvas, one mouse stroke per run of ink in each row of
  an MNIST test digit, give the label the Python model gives that digit; the
  page's input is exactly what ``classroom.serve.preprocessing.Preprocessing``
  makes of the canvas, and its probabilities match the Python model's on that
  input within ``PROBABILITY_ATOL``;
* CIFAR-10 test images (the page's sample buttons, an uploaded PNG and an
  uploaded image of another size, which the page crops and resizes) give the
  Python model's top-1 and probabilities within ``PROBABILITY_ATOL``;
* the page's download size and the time of its first inference are printed.

Without the browser (fast): the runtime copied into the site matches the
checksums recorded in ``hooks/try_it.py``, a changed byte is refused, the page
says where its models come from, and no npm file is committed.
"""

from __future__ import annotations

import base64
import io
import json
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from site_helpers import ARTIFACTS, ROOT, build_site_once, load_module, serve_site

try_it_hook = load_module("hooks/try_it.py", "try_it_hook_under_test")

pytestmark = pytest.mark.slow

#: Largest difference allowed between a probability in the page and in NumPy
#: (float32 networks on both sides; measured differences are about 1e-7).
PROBABILITY_ATOL = 1e-4
#: The page's input against Preprocessing's (the JavaScript port repeats Pillow's integer arithmetic).
INPUT_ATOL = 1e-6


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    return build_site_once(tmp_path_factory)


@pytest.fixture(scope="module")
def assets(built_site):
    return built_site.path / "try-it" / "assets"


@pytest.fixture(scope="module")
def manifest(assets):
    path = assets / "models.json"
    assert path.is_file(), "the build wrote no try-it/assets/models.json: is hooks/try_it.py in mkdocs.yml?"
    return json.loads(path.read_text(encoding="utf-8"))


def served(assets, manifest, key):
    """The Python model from the model file published beside the ONNX file, loaded as the server loads it."""
    from classroom.serve.model_file import load_served_model

    entry = manifest["models"][key]
    if not entry["available"]:
        pytest.fail(f"the {key} model is missing from the build: {entry.get('missing')}")
    return load_served_model(assets / entry["npz"])


# --------------------------------------------------------------------------
# Without a browser
# --------------------------------------------------------------------------
def test_the_runtime_in_the_site_is_the_pinned_npm_release(assets, manifest):
    runtime = manifest["runtime"]
    assert runtime["package"] == "onnxruntime-web" and runtime["version"] == try_it_hook.ORT_WEB_VERSION
    for relative, expected in try_it_hook.ORT_WEB_FILES.items():
        published = assets / "ort" / Path(relative).name
        assert try_it_hook.sha256_file(published) == expected, f"{published.name} differs from the recorded SHA-256"
        assert runtime["files"][published.name]["sha256"] == expected
    notice = (assets / "ort" / "THIRD-PARTY-NOTICE.txt").read_text(encoding="utf-8")
    assert "MIT" in notice and try_it_hook.ORT_WEB_TARBALL_SHA256 in notice


def test_a_changed_byte_in_the_runtime_is_refused(tmp_path):
    package = tmp_path / "package"
    for relative in try_it_hook.ORT_WEB_FILES:
        (package / relative).parent.mkdir(parents=True, exist_ok=True)
        (package / relative).write_bytes(b"not the real file")
    problems = try_it_hook.runtime_problems(package)
    assert len(problems) == len(try_it_hook.ORT_WEB_FILES) and "has SHA-256" in problems[0]
    with pytest.raises(try_it_hook.RuntimeFilesError, match="changed since it was checked"):
        try_it_hook.read_runtime(package)
    with pytest.raises(try_it_hook.RuntimeFilesError, match="delete it and fetch it again"):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(try_it_hook.ORT_WEB_ENV, str(package))
            try_it_hook.find_runtime(tmp_path, fetch=False)


def test_a_missing_runtime_names_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.delenv(try_it_hook.ORT_WEB_ENV, raising=False)
    folder, reason = try_it_hook.find_runtime(tmp_path, fetch=False)
    assert folder is None
    assert f"npm pack onnxruntime-web@{try_it_hook.ORT_WEB_VERSION}" in reason


def test_no_npm_package_or_wasm_file_is_committed():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    offending = [path for path in tracked if "node_modules/" in path or path.endswith((".wasm", ".tgz")) or "/ort." in path]
    assert not offending, f"npm files are fetched at build time, never committed: {offending}"


def test_the_page_says_where_each_model_comes_from(built_site, manifest):
    html = (built_site.path / "try-it" / "index.html").read_text(encoding="utf-8")
    assert "Where these models come from" in html
    for key, entry in manifest["models"].items():
        assert entry["available"], f"the {key} model is missing from a strict build"
        run = entry["run"]
        assert run["command"] in html.replace("&ndash;", "--"), f"the page does not show the {key} command"
        if run["mode"] == "quick":
            assert "quick mode" in html
        assert run["date"][:10] in html
        assert entry["preprocess"]["size"] in ([28, 28], [32, 32])
    assert f"onnxruntime-web</a> {try_it_hook.ORT_WEB_VERSION}" in html


# --------------------------------------------------------------------------
# In the browser
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def served_site(built_site):
    yield from serve_site(built_site)


@pytest.fixture(scope="module")
def page_offline(built_site, served_site, tmp_path_factory):
    """The try-it page in Chromium, every other host refused; yields (page, facts about the load).

    When another test worker already served this build on the port it was
    built for, this module serves it on another one; the site's absolute
    URLs (the sitemap that instant navigation reads) still name the built
    port, so those requests go to this server: the same site, not another host.
    """
    from site_helpers import CHROMIUM, CHROMIUM_ARGS, IN_CI

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if IN_CI:
            pytest.fail("Playwright (python) is not installed")
        pytest.skip("Playwright (python) is not installed")
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail(f"Chromium is not installed at {CHROMIUM}")
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    refused, downloaded, errors = [], [], []

    def route(route):
        if route.request.url.startswith(served_site):
            route.continue_()
        elif route.request.url.startswith(built_site.url):
            route.continue_(url=served_site + route.request.url[len(built_site.url):])
        else:
            refused.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-try-it")),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 1000},
        )
        try:
            context.route("**/*", route)
            page = context.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("requestfinished", lambda request: downloaded.append((request.url, request.sizes()["responseBodySize"])))
            started = time.perf_counter()
            page.goto(served_site + "try-it/")
            page.wait_for_selector('#try-it[data-state="ready"], #try-it[data-state="error"]', timeout=180_000)
            facts = {"refused": refused, "downloaded": downloaded, "errors": errors,
                     "ready_seconds": time.perf_counter() - started}
            state = page.evaluate("window.classroomTryIt.state")
            assert state == "ready", f"the page did not get ready: {page.evaluate('window.classroomTryIt.error')}"
            yield page, facts
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "20-try-it.png"), full_page=True)
        finally:
            context.close()


#: Hosts every page of the site asks for and can do without (the theme's web fonts, MathJax's CDN).
SITE_WIDE_HOSTS = ("fonts.googleapis.com", "fonts.gstatic.com", "cdn.jsdelivr.net/npm/mathjax")


def ink_runs(digit: np.ndarray, threshold: int = 128):
    """``(row, first column, last column)`` of every run of ink in a 28 x 28 digit."""
    runs = []
    for row in range(digit.shape[0]):
        ink = np.flatnonzero(digit[row] >= threshold)
        if ink.size:
            breaks = np.flatnonzero(np.diff(ink) > 1)
            for start, stop in zip(np.r_[0, breaks + 1], np.r_[breaks, ink.size - 1]):
                runs.append((row, int(ink[start]), int(ink[stop])))
    return runs


def draw_digit(page, digit: np.ndarray) -> int:
    """Reproduce ``digit`` on the 280 x 280 canvas with the thin pen (one cell of the 28 x 28 grid)."""
    page.click("#try-it-clear")
    page.select_option("#try-it-pen", "10")
    box = page.locator("#try-it-canvas").bounding_box()
    cell = box["width"] / 28
    strokes = ink_runs(digit)
    for row, first, last in strokes:
        y = box["y"] + (row + 0.5) * cell
        page.mouse.move(box["x"] + (first + 0.5) * cell, y)
        page.mouse.down()
        page.mouse.move(box["x"] + (last + 0.5) * cell, y, steps=max(1, last - first))
        page.mouse.up()
    return len(strokes)


def canvas_image(page):
    from PIL import Image

    data_url = page.evaluate("document.getElementById('try-it-canvas').toDataURL('image/png')")
    return Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))).convert("RGB")


def compare(page_result: dict, model, pil_image, what: str) -> tuple[float, float]:
    """The page's input and probabilities against Preprocessing and the NumPy model; return the largest differences."""
    expected_input = model.preprocessing(pil_image).reshape(-1)
    page_input = np.asarray(page_result["input"], dtype=np.float32)
    input_difference = float(np.abs(page_input - expected_input).max())
    assert input_difference <= INPUT_ATOL, f"{what}: the page's input differs from Preprocessing's by {input_difference:.3g}"
    expected = model.predict(expected_input[np.newaxis])[0]
    probabilities = np.asarray(page_result["probabilities"])
    difference = float(np.abs(probabilities - expected).max())
    assert difference <= PROBABILITY_ATOL, f"{what}: probabilities differ by {difference:.3g} (allowed {PROBABILITY_ATOL})"
    assert page_result["top"][0]["label"] == model.classes[int(np.argmax(expected))], f"{what}: another top-1"
    return input_difference, difference


@pytest.mark.browser
@pytest.mark.data
def test_strokes_that_reproduce_mnist_test_digits_get_the_python_models_label(page_offline, assets, manifest):
    from conftest import require_dataset

    require_dataset("mnist")
    from classroom.data import load_mnist

    page, _ = page_offline
    model = served(assets, manifest, "mnist")
    images, labels = load_mnist("test")
    python_probabilities = model.predict(np.stack([model.preprocessing(_grey(image)) for image in images[:200]]))
    # Digits the Python model reads correctly and without doubt, one per class where it can.
    chosen = []
    for digit in range(10):
        candidates = [i for i in range(200) if labels[i] == digit and python_probabilities[i].max() > 0.95
                      and np.argmax(python_probabilities[i]) == digit]
        chosen += candidates[:1]
    assert len(chosen) >= 5, "the quick-mode digit reader is not confident on enough test digits"
    agreed = []
    for index in chosen:
        before = page.evaluate("window.classroomTryIt.count.mnist")
        strokes = draw_digit(page, images[index])
        page.wait_for_function("n => window.classroomTryIt.count.mnist >= n", arg=before + strokes, timeout=30_000)
        result = page.evaluate("window.classroomTryIt.last.mnist")
        input_difference, difference = compare(result, model, canvas_image(page), f"MNIST test digit {index}")
        reproduced = np.asarray(result["input"]).reshape(28, 28)
        correlation = np.corrcoef(reproduced.ravel(), (images[index] >= 128).ravel())[0, 1]
        assert correlation > 0.8, f"the strokes do not reproduce test digit {index} (correlation {correlation:.2f})"
        page_label = result["top"][0]["label"]
        assert page.locator("#try-it-digit-bars li").count() == 5
        agreed.append(page_label == str(labels[index]))
        print(f"MNIST test digit {index} (a {labels[index]}): {strokes} strokes, page reads {page_label}; "
              f"input difference {input_difference:.1e}, probability difference {difference:.1e}")
    assert all(agreed), f"the page read {sum(agreed)} of {len(agreed)} reproduced digits as the Python model does"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("#try-it-digit").screenshot(path=str(ARTIFACTS / "21-try-it-digit.png"))


def _grey(image: np.ndarray):
    from PIL import Image

    return Image.fromarray(image, mode="L")


@pytest.mark.browser
@pytest.mark.data
def test_cifar10_test_images_get_the_python_models_top1_and_probabilities(page_offline, assets, manifest, tmp_path):
    from conftest import require_dataset

    require_dataset("cifar10")
    from PIL import Image

    from classroom.data import load_cifar10

    page, _ = page_offline
    model = served(assets, manifest, "cifar10")
    images, labels = load_cifar10("test")

    def last_after(action):
        before = page.evaluate("window.classroomTryIt.count.cifar10")
        action()
        page.wait_for_function("n => window.classroomTryIt.count.cifar10 > n", arg=before, timeout=30_000)
        return page.evaluate("window.classroomTryIt.last.cifar10")

    samples = manifest["models"]["cifar10"]["samples"]
    assert len(samples) == 10
    for number, sample in enumerate(samples[:3]):
        result = last_after(lambda: page.locator("#try-it-samples button").nth(number).click())
        image = Image.open(assets / sample["file"])
        _, difference = compare(result, model, image, f"sample {sample['file']}")
        print(f"CIFAR-10 test image {sample['test_index']} ({sample['label']}): page top-1 "
              f"{result['top'][0]['label']} {result['top'][0]['probability']:.3f}; probability difference {difference:.1e}")

    # Uploads: a test image as it is, and the same image at another size (cropped and resized in the page).
    index = int(np.flatnonzero(labels == 3)[7])
    as_is = tmp_path / f"cifar10-test-{index}.png"
    Image.fromarray(images[index]).save(as_is)
    larger = tmp_path / f"cifar10-test-{index}-97x80.png"
    Image.fromarray(images[index]).resize((97, 80), Image.Resampling.BICUBIC).save(larger)
    for path in (as_is, larger):
        result = last_after(lambda: page.set_input_files("#try-it-upload", str(path)))
        input_difference, difference = compare(result, model, Image.open(path), f"upload {path.name}")
        assert page.locator("#try-it-photo-bars li").count() == 5
        print(f"upload {path.name}: page top-1 {result['top'][0]['label']} "
              f"{result['top'][0]['probability']:.3f}; input difference {input_difference:.1e}, "
              f"probability difference {difference:.1e}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("#try-it-photo-panel").screenshot(path=str(ARTIFACTS / "22-try-it-photo.png"))


@pytest.mark.browser
def test_the_page_works_offline_and_reports_its_size_and_first_inference(page_offline):
    page, facts = page_offline
    assert not facts["errors"], f"JavaScript errors on the page: {facts['errors']}"
    outside = [url for url in facts["refused"] if not any(host in url for host in SITE_WIDE_HOSTS)]
    assert not outside, f"the page asked other hosts for {outside}; everything it needs must be in the site"
    total = sum(size for _, size in facts["downloaded"])
    runtime = sum(size for url, size in facts["downloaded"] if "/try-it/assets/ort/" in url)
    models = sum(size for url, size in facts["downloaded"] if url.endswith(".onnx"))
    assert runtime > 1_000_000 and models > 100_000, "the runtime and the models were not downloaded from the site"
    timings = page.evaluate("window.classroomTryIt.timings")
    if "first_mnist_ms" not in timings:
        page.evaluate("""() => {
            const canvas = document.getElementById('try-it-canvas');
            const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            return window.classroomTryIt.predictPixels('mnist', data, canvas.width, canvas.height);
        }""")
        timings = page.evaluate("window.classroomTryIt.timings")
    print(
        f"try-it page: {total / 1e6:.1f} MB downloaded ({runtime / 1e6:.1f} MB runtime, {models / 1e6:.2f} MB models, "
        f"{len(facts['downloaded'])} requests); ready after {facts['ready_seconds']:.1f} s "
        f"(manifest {timings['manifest_ms']} ms, runtime {timings['runtime_ms']} ms, sessions {timings['sessions_ms']} ms); "
        f"first inference: digit {timings['first_mnist_ms']:.1f} ms"
        + (f", photo {timings['first_cifar10_ms']:.1f} ms" if "first_cifar10_ms" in timings else "")
    )


class _Config(dict):
    """The two things the hook reads from MkDocs' config."""

    def __init__(self, strict: bool):
        super().__init__(strict=strict)
        self.config_file_path = str(ROOT / "mkdocs.yml")


class _Page:
    class file:
        src_uri = try_it_hook.PAGE


@pytest.mark.parametrize("strict, excused, outcome", [
    (False, "", "placeholder"),
    (True, "", "fails"),
    (True, "mnist,cifar10", "placeholder"),
    (True, "mnist", "fails"),
])
def test_a_missing_dataset_leaves_the_model_out_only_where_a_build_allows_it(
    tmp_path, monkeypatch, strict, excused, outcome
):
    from mkdocs.exceptions import PluginError

    empty = tmp_path / "no-data"
    empty.mkdir()
    monkeypatch.setenv("CLASSROOM_DATA", str(empty))
    monkeypatch.setenv("CLASSROOM_QUICK", "1")
    monkeypatch.setenv("CLASSROOM_DATA_UNAVAILABLE", excused)
    monkeypatch.setattr(try_it_hook, "find_runtime", lambda root, fetch=True: (None, "no runtime in this test"))
    if not strict:
        try_it_hook.on_pre_build(_Config(strict))
        markdown = try_it_hook.on_page_markdown(f"# Try it\n\n{try_it_hook.MARKER}\n", _Page, None, None)
        assert 'The digit reader is missing from this build' in markdown
        assert "MNIST is not in the data directory" in markdown and str(empty) in markdown
        assert 'The photo classifier is missing from this build' in markdown
        assert "no runtime in this test" in markdown
        return
    with pytest.raises(PluginError) as caught:
        try_it_hook.on_pre_build(_Config(strict))
    message = str(caught.value)
    if outcome == "fails":
        assert "needs a dataset that is missing" in message and "a strict build needs every dataset" in message
    else:  # both datasets excused: the build gets as far as the runtime, which a strict build needs
        assert "the page needs its inference runtime" in message
