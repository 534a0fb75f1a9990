"""Build the whole site once (mkdocs build --strict, quick mode), check it, browse it.

The build runs once per session (about half a minute with notebooks cached).
The browser test drives Debian's Chromium through Playwright against the
built site served on 127.0.0.1, and saves screenshots to tests/artifacts/.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from site_helpers import (
    ARTIFACTS,
    IN_CI,
    ROOT,
    build_site_once,
    chromium_context,
    run_build,
    serve_site,
    site_content,
    sources_fingerprint,
)

pytestmark = pytest.mark.slow

MATHJAX_CDN = "https://cdn.jsdelivr.net/npm/mathjax@3.2.2/"


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    return build_site_once(tmp_path_factory)


@pytest.fixture(scope="session")
def served_site(built_site):
    yield from serve_site(built_site)


def page_text(site: Path, url_path: str) -> str:
    path = site / url_path / "index.html" if not url_path.endswith(".html") else site / url_path
    assert path.exists(), f"the built site has no {path.relative_to(site)}"
    return path.read_text(encoding="utf-8")


def documented_modules() -> list[str]:
    """Dotted names of the package modules that must have a reference page."""
    source = ROOT / "src"
    names = []
    for path in sorted((source / "classroom").rglob("*.py")):
        parts = path.relative_to(source).with_suffix("").parts
        if "__pycache__" in parts or parts[-1] == "__main__":
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if any(part.startswith("_") for part in parts):
            continue
        folders = [path.parent, *path.parent.parents]
        if not all((folder / "__init__.py").exists() for folder in folders if folder.is_relative_to(source / "classroom")):
            continue
        names.append(".".join(parts))
    return names


# --------------------------------------------------------------------------
# The built files
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_path",
    [
        "", "plan", "goals", "month-2", "weekends", "foundations", "foundations/xor", "bookshelf",
        "blog", "blog/tags", "contributing", "reference/classroom",
        *[f"weekends/{slug}" for slug in (
            "01-numpy-network", "02-logistic-regression", "03-regularization", "04-convolutions",
            "05-autograd", "06-optimizers", "07-generative", "08-deploy",
        )],
    ],
)
def test_page_is_built(built_site, url_path):
    assert "<html" in page_text(built_site.path, url_path)


def test_build_reports_the_notebook_cache(built_site):
    assert re.search(r"notebooks: executed \d+, reused \d+ from the cache \(quick mode\)", built_site.log)


def test_every_package_module_has_an_api_reference_page(built_site):
    modules = documented_modules()
    assert "classroom.config" in modules and "classroom.nn.module" in modules
    missing = []
    for name in modules:
        parts = name.split(".")
        leaf = built_site.path / "reference" / Path(*parts) / "index.html"
        if not leaf.exists():
            missing.append(name)
            continue
        if name == "classroom.nn.module":
            text = leaf.read_text(encoding="utf-8")
            assert "Parameter" in text and "doc-heading" in text
    assert not missing, f"no API reference page for {missing}"


def test_xor_notebook_page_has_outputs_mode_note_and_downloads(built_site):
    html = page_text(built_site.path, "foundations/xor")
    assert "jupyter-wrapper" in html
    assert re.search(r'<img[^>]+src="data:image/png;base64,', html), "the decision-boundary plot is missing"
    assert "Executed in quick mode on" in html
    assert "solved XOR in" in html, "printed outputs of the training cells are missing"
    assert "cdnjs.cloudflare.com/ajax/libs/mathjax" not in html, "a second MathJax would fight the site's MathJax 3"
    executed = json.loads((built_site.path / "foundations" / "xor" / "xor.ipynb").read_text(encoding="utf-8"))
    assert any(cell.get("outputs") for cell in executed["cells"] if cell["cell_type"] == "code")
    assert (built_site.path / "foundations" / "xor" / "xor.py").read_text(encoding="utf-8").startswith("# ---")


def test_markdown_math_is_marked_up_for_mathjax(built_site):
    html = page_text(built_site.path, "weekends/01-numpy-network")
    assert 'class="arithmatex"' in html
    config = (built_site.path / "javascripts" / "mathjax.js").read_text(encoding="utf-8")
    assert "jupyter-wrapper" in config and '["$", "$"]' in config


def test_bookshelf_and_topics_are_rendered_from_their_data(built_site):
    shelf = page_text(built_site.path, "bookshelf")
    for book in site_content.load_books(ROOT / "docs" / "data" / "books.yml"):
        assert f'href="{book["link"]}"' in shelf
    topics = page_text(built_site.path, "foundations")
    for topic in site_content.load_topics(ROOT / "docs" / "data" / "topics.yml"):
        assert topic["link"] in topics
    assert "<!-- classroom:" not in shelf + topics


def test_plan_marks_exactly_the_weekends_with_notebooks(built_site):
    plan = page_text(built_site.path, "plan")
    rows = re.findall(r"<tr>(.*?)</tr>", plan, flags=re.S)[1:9]
    assert len(rows) == 8
    weekends = site_content.load_weekends(ROOT / "docs" / "data" / "weekends.yml")
    for weekend, row in zip(weekends, rows):
        lesson_dir = built_site.path / "weekends" / weekend["slug"]
        rendered = sorted(path.parent.name for path in lesson_dir.glob("*/index.html"))
        linked = sorted(set(re.findall(rf'href="[^"]*{weekend["slug"]}/([^/"]+)/"', row)))
        assert linked == rendered, f"weekend {weekend['number']}: plan links {linked}, site has notebooks {rendered}"
        if not rendered:
            assert "coming" in row


def test_blog_post_tags_and_categories_are_published(built_site):
    posts = list((built_site.path / "blog").rglob("course-kickoff/index.html"))
    assert posts, "the kickoff post was not published"
    tags = page_text(built_site.path, "blog/tags")
    for tag in ("ML", "DL", "week0"):
        assert re.search(rf">\s*{tag}\s*<", tags), f"tag {tag} missing from the tags page"
    assert (built_site.path / "blog" / "category" / "course-news" / "index.html").exists()


def test_search_index_covers_lessons_and_notebooks(built_site):
    index = json.loads((built_site.path / "search" / "search_index.json").read_text(encoding="utf-8"))
    locations = {entry["location"].split("#")[0] for entry in index["docs"]}
    assert "weekends/04-convolutions/" in locations
    assert "foundations/xor/" in locations


def test_second_build_executes_no_notebook(built_site, tmp_path):
    result = run_build(tmp_path / "site", built_site.url)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    states = {built_site.sources_before, built_site.sources_after, sources_fingerprint()}
    if len(states) > 1:
        message = "notebooks or package sources changed while the builds ran, so re-execution was legitimate"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    match = re.search(r"notebooks: executed (\d+), reused (\d+)", log)
    assert match, log[-2000:]
    assert match.group(1) == "0", "nothing changed, yet a notebook was executed again"
    assert int(match.group(2)) >= 1


# --------------------------------------------------------------------------
# A real browser
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    yield from chromium_context(tmp_path_factory.mktemp("chromium-profile"))


def route_mathjax_locally(context) -> bool:
    """Serve MathJax from an unpacked ``mathjax@3.2.2`` npm package when CLASSROOM_MATHJAX_DIR names one.

    Machines without internet cannot reach the CDN; this lets them check
    math rendering too. Returns True when the route is installed.
    """
    folder = os.environ.get("CLASSROOM_MATHJAX_DIR")
    if not folder or not Path(folder, "es5", "tex-mml-chtml.js").exists():
        return False

    def handle(route):
        relative = route.request.url[len(MATHJAX_CDN):].split("?")[0]
        target = Path(folder) / relative
        if target.is_file():
            route.fulfill(path=str(target))
        else:
            route.fulfill(status=404, body="not in the local MathJax copy")

    context.route(f"{MATHJAX_CDN}**", handle)
    return True


def shoot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=False)


@pytest.mark.browser
def test_browser_tour_of_the_site(browser, served_site):
    from playwright.sync_api import expect

    route_mathjax_locally(browser)
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # Home
    page.goto(served_site)
    page.wait_for_selector("h1")
    assert "ML Classroom" in page.title()
    assert page.locator("h1").first.inner_text().startswith("ML Classroom")
    shoot(page, "01-home.png")

    # Navigate to a weekend lesson through the tabs and the plan
    page.locator(".md-tabs__link", has_text="Weekends").click()
    page.wait_for_url(re.compile(r".*/weekends/$"))
    page.locator("article a", has_text="1 · Python & NumPy").first.click()
    page.wait_for_url(re.compile(r".*/weekends/01-numpy-network/$"))
    expect(page.locator("article h1").first).to_contain_text("Weekend 1")
    details = page.locator("details.question").first
    assert not details.evaluate("element => element.open")
    details.locator("summary").click()
    assert details.evaluate("element => element.open"), "a self-check answer should open on click"
    shoot(page, "02-lesson.png")

    # The XOR notebook with its plot
    page.locator("article a", has_text="XOR notebook").first.click()
    page.wait_for_url(re.compile(r".*/foundations/xor/$"))
    expect(page.locator("article h1").first).to_contain_text("XOR by hand")
    image = page.locator(".jupyter-wrapper img").first
    image.scroll_into_view_if_needed()
    page.wait_for_function("image => image.complete && image.naturalWidth > 200", arg=image.element_handle())
    assert "Executed in quick mode" in page.locator(".notebook-mode").first.inner_text()
    shoot(page, "03-notebook-top.png")
    image.scroll_into_view_if_needed()
    shoot(page, "04-notebook-plot.png")

    # Search
    page.goto(served_site)
    search = page.locator("input.md-search__input")
    search.click()
    search.fill("convolution")
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=15000)
    assert results.count() > 0
    assert "onvolution" in page.locator(".md-search-result").inner_text()
    shoot(page, "05-search.png")
    page.keyboard.press("Escape")

    # API reference
    page.goto(served_site + "reference/classroom/nn/module/")
    expect(page.locator("article h1").first).to_contain_text("classroom.nn.module")
    assert page.locator(".doc-heading", has_text="Parameter").count() > 0
    shoot(page, "06-api-reference.png")

    # Dark mode through the palette toggle (auto -> light -> dark)
    for _ in range(3):
        if page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate":
            break
        page.locator("form[data-md-component='palette'] label:visible").first.click()
        page.wait_for_timeout(300)
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
    shoot(page, "07-dark-mode.png")
    page.goto(served_site + "foundations/xor/")
    page.wait_for_selector(".jupyter-wrapper img")
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate", "the choice should persist"
    shoot(page, "08-dark-notebook.png")

    assert not errors, f"JavaScript errors in the pages: {errors}"
    page.close()


@pytest.mark.browser
def test_browser_renders_math_on_lessons_and_notebooks(browser, served_site):
    local = route_mathjax_locally(browser)
    page = browser.new_page()
    page.goto(served_site + "weekends/01-numpy-network/")
    try:
        page.wait_for_function("window.MathJax && window.MathJax.version", timeout=15000)
    except Exception:
        if IN_CI or local:
            raise
        pytest.skip("MathJax could not be loaded from its CDN (no internet); set CLASSROOM_MATHJAX_DIR to a local copy")
    page.wait_for_selector("article .arithmatex mjx-container", timeout=15000)
    assert page.locator("article .arithmatex mjx-container").count() >= 3
    shoot(page, "09-math-lesson.png")

    page.goto(served_site + "foundations/xor/")
    page.wait_for_selector(".jupyter-wrapper mjx-container", timeout=15000)
    rendered = page.locator(".jupyter-wrapper mjx-container").count()
    assert rendered >= 5, f"only {rendered} formulas typeset in the notebook"
    raw_dollars = page.locator(".jupyter-wrapper .jp-RenderedMarkdown").first.inner_text()
    assert "$\\sigma" not in raw_dollars
    page.locator(".jupyter-wrapper mjx-container").nth(3).scroll_into_view_if_needed()
    shoot(page, "10-math-notebook.png")
    page.close()
