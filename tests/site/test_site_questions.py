"""The Questions section: every page is built with its measurements and its recorded run, and is linked.

Each page under ``docs/questions/`` is a notebook the build executes (quick
mode here) that ends with the numbers of a recorded full run made by
``scripts/question_<slug>.py`` and committed as ``runs/questions/<slug>.json``.
The index lists every page, and the lessons where a question comes up link
to it.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from site_helpers import ROOT, build_site_once

pytestmark = pytest.mark.slow

QUESTION_PAGES = sorted(path.stem for path in (ROOT / "docs" / "questions").glob("*.py"))

#: Pages whose answer is a table of sizes and times, with no plot.
PAGES_WITHOUT_PLOTS = {"formats"}

#: Lesson page -> the question pages it links to (where the question comes up).
LESSON_LINKS = {
    "weekends/01-numpy-network": {"size-and-latency", "deeper-vs-wider", "dense-vs-sparse"},
    "weekends/03-regularization": {"dense-vs-sparse"},
    "weekends/04-convolutions": {"other-input-sizes", "transfer-vs-scratch", "deeper-vs-wider",
                                 "size-and-latency", "cpu-vs-gpu"},
    "weekends/08-deploy": {"formats", "caching-and-batching", "size-and-latency"},
    "month-2": set(QUESTION_PAGES),
}


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    return build_site_once(tmp_path_factory)


def html_of(site: Path, url_path: str) -> str:
    path = site / url_path / "index.html"
    assert path.exists(), f"the built site has no {url_path}/index.html"
    return path.read_text(encoding="utf-8")


def linked_questions(html: str, url_path: str) -> set[str]:
    """The question pages the *text* of a page links to (not its navigation, which links every page)."""
    article = re.search(r"<article\b.*?</article>", html, re.S)
    assert article, f"{url_path}: no <article> in the page"
    page_url = f"http://site/{url_path.strip('/')}/"
    linked = set()
    for href in re.findall(r'href="([^"]+)"', article.group(0)):
        path = urlparse(urljoin(page_url, href)).path
        match = re.fullmatch(r"/questions/([a-z0-9-]+)/", path)
        if match:
            linked.add(match.group(1))
    return linked


def test_there_are_eight_question_pages_and_each_has_its_script_and_recorded_run():
    assert len(QUESTION_PAGES) == 8, QUESTION_PAGES  # the ninth question is the XOR notebook's last section
    for slug in QUESTION_PAGES:
        script = ROOT / "scripts" / f"question_{slug.replace('-', '_')}.py"
        assert script.exists(), f"{slug}: no full-run script {script.name}"
        assert (ROOT / "runs" / "questions" / f"{slug}.json").exists(), f"{slug}: no recorded run committed"


@pytest.mark.parametrize("slug", QUESTION_PAGES)
def test_question_page_shows_its_measurements_and_its_recorded_run(built_site, slug):
    html = html_of(built_site.path, f"questions/{slug}")
    assert "jupyter-wrapper" in html and "Executed in quick mode on" in html
    assert "<table" in html, f"{slug}: no table of measured numbers"
    if slug not in PAGES_WITHOUT_PLOTS:
        assert re.search(r'<img[^>]+src="data:image/png;base64,', html), f"{slug}: no plot"
    script = f"python scripts/question_{slug.replace('-', '_')}.py"
    assert f"command: {script}" in html, f"{slug}: the recorded run's command is not shown"
    assert "No recorded run" not in html and "Traceback" not in html


def test_the_index_links_every_question_and_the_smallest_network_section(built_site):
    html = html_of(built_site.path, "questions")
    assert linked_questions(html, "questions") == set(QUESTION_PAGES)
    assert 'href="../foundations/xor/#how-small-can-it-be"' in html
    xor = html_of(built_site.path, "foundations/xor")
    assert 'id="how-small-can-it-be"' in xor, "the XOR notebook lost the section the index links to"


@pytest.mark.parametrize("lesson", sorted(LESSON_LINKS))
def test_lessons_link_the_questions_they_raise(built_site, lesson):
    missing = LESSON_LINKS[lesson] - linked_questions(html_of(built_site.path, lesson), lesson)
    assert not missing, f"{lesson} does not link {sorted(missing)}"
