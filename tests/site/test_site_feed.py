"""The learning log's Atom feed (hooks/feed.py), and reading time and tags on every post."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from log_site import build_log_site, make_log_site
from site_helpers import ROOT, load_module, site_content

feed_hook = load_module("hooks/feed.py", "feed_hook_under_test")

ATOM = "{http://www.w3.org/2005/Atom}"
SITE_URL = "http://127.0.0.1:8000/"
POSTS = sorted((ROOT / "docs" / "blog" / "posts").glob("*.md"))


def post_title(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return re.search(r"^# (.+)$", text, flags=re.M).group(1).strip()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("feed")
    root = make_log_site(tmp_path)
    result = build_log_site(root, tmp_path / "site", SITE_URL)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return tmp_path / "site"


def text_of(element, tag):
    child = element.find(ATOM + tag)
    assert child is not None, f"<{tag}> missing in {element.tag}"
    return child.text


@pytest.mark.slow
def test_the_feed_is_valid_atom_with_every_post(site):
    feed = ET.parse(site / "blog" / "feed.xml").getroot()  # raises on malformed XML
    assert feed.tag == ATOM + "feed"
    assert text_of(feed, "id") == SITE_URL + "blog/feed.xml"
    assert text_of(feed, "title") and text_of(feed, "updated")
    assert feed.find(ATOM + "author/" + ATOM + "name").text
    links = {link.get("rel"): link.get("href") for link in feed.findall(ATOM + "link")}
    assert links["self"] == SITE_URL + "blog/feed.xml" and links["alternate"] == SITE_URL + "blog/"

    entries = feed.findall(ATOM + "entry")
    titles = [text_of(entry, "title") for entry in entries]
    assert sorted(titles) == sorted(post_title(path) for path in POSTS), "every post, and only posts, in the feed"
    published = [text_of(entry, "published") for entry in entries]
    assert published == sorted(published, reverse=True), "newest first"
    for entry, path in ((entry, next(p for p in POSTS if post_title(p) == text_of(entry, "title"))) for entry in entries):
        meta = site_content.read_front_matter(path)
        assert text_of(entry, "published").startswith(meta["date"].isoformat())
        url = text_of(entry, "id")
        assert url.startswith(SITE_URL + "blog/") and url.endswith("/")
        assert (site / url[len(SITE_URL):] / "index.html").exists(), f"{url} is not a page of the site"
        terms = {category.get("term") for category in entry.findall(ATOM + "category")}
        assert set(meta["categories"]) | set(meta.get("tags", [])) <= terms
        content = entry.find(ATOM + "content")
        assert content.get("type") == "html" and content.get("{http://www.w3.org/XML/1998/namespace}base") == url
        assert "<h2" in content.text and "headerlink" not in content.text
        assert entry.find(ATOM + "author/" + ATOM + "name").text


@pytest.mark.slow
def test_every_page_announces_the_feed_and_the_log_links_it(site):
    for page in ("index.html", "blog/index.html", "weekends/01-numpy-network/index.html"):
        html = (site / page).read_text(encoding="utf-8")
        assert f'type="application/atom+xml" title="ML Classroom learning log" href="{SITE_URL}blog/feed.xml"' in html, page
    assert 'href="feed.xml"' in (site / "blog" / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("post", POSTS, ids=lambda path: path.stem)
def test_every_post_shows_its_reading_time_and_tags(site, post):
    meta = site_content.read_front_matter(post)
    date = meta["date"]
    pages = sorted((site / "blog" / f"{date:%Y}" / f"{date:%m}" / f"{date:%d}").glob("*/index.html"))
    html = next(page.read_text(encoding="utf-8") for page in pages if post_title(post) in page.read_text(encoding="utf-8"))
    assert re.search(r"\d+ min read", html), "reading time"
    shown = set(re.findall(r'class="md-tag[^"]*"[^>]*>\s*([^<]+?)\s*<', html))
    assert set(map(str, meta.get("tags", []))) <= shown, f"tags shown: {shown}"


def test_titles_and_content_with_markup_characters_stay_valid_xml():
    entry = {
        "title": "Loss < 0.1 & accuracy > 97 %", "url": SITE_URL + "blog/x/", "created": dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc),
        "updated": None, "authors": ["A & B"], "terms": ["ML", "Q&A"], "summary": "<p>1 < 2</p>", "content": "<p>a &amp; b</p>",
    }
    document = feed_hook.render_feed([entry], SITE_URL, "ML Classroom", dt.datetime(2026, 12, 2, tzinfo=dt.timezone.utc))
    root = ET.fromstring(document)
    assert root.find(ATOM + "entry/" + ATOM + "title").text == entry["title"]
    assert root.find(ATOM + "entry/" + ATOM + "content").text == "<p>a &amp; b</p>"
    assert root.find(ATOM + "updated").text == "2026-12-01T00:00:00Z"


def test_an_empty_log_still_makes_a_valid_feed():
    built = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.timezone.utc)
    root = ET.fromstring(feed_hook.render_feed([], SITE_URL, "ML Classroom", built))
    assert root.find(ATOM + "updated").text == "2026-12-02T10:00:00Z" and root.find(ATOM + "entry") is None
