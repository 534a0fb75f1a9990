"""MkDocs hook: an Atom feed of the learning log, ``blog/feed.xml``.

Every post of the blog becomes an entry, newest first, with its title, date,
authors, categories and tags (the inline ``#tags`` of ``hooks/obsidian.py``
included), the excerpt before ``<!-- more -->`` as the summary and the whole
post as the content (``xml:base`` keeps its relative links working in a feed
reader). Every page announces the feed in its ``<head>`` so browsers and feed
readers find it, and the log's index links it.

Why not mkdocs-rss-plugin: every release of it caps ``tzdata`` below 2026 on
Windows, which conflicts with the pinned ``tzdata`` (``uv lock`` finds no
solution for the Windows machines the lock covers), and it brings GitPython
for dates the posts already state in their front matter.
"""

from __future__ import annotations

import datetime as dt
import logging
import posixpath
import re
import xml.etree.ElementTree as ET
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.feed")

FEED_PATH = "blog/feed.xml"
FEED_TITLE = "ML Classroom learning log"
ATOM = "http://www.w3.org/2005/Atom"
EXCERPT_MARK = "<!-- more -->"

_entries: list[dict] = []
_posts_prefix = "blog/posts/"


def _as_datetime(value) -> dt.datetime | None:
    if isinstance(value, dict):
        value = value.get("created")
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
    return None


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def post_entry(page, html: str, site_url: str) -> dict:
    """What the feed says about one post."""
    meta = page.meta or {}
    date = meta.get("date")
    created = _as_datetime(date)
    updated = _as_datetime(date.get("updated")) if isinstance(date, dict) and date.get("updated") else created
    authors = [getattr(author, "name", str(author)) for author in getattr(page, "authors", []) or []]
    if not authors:
        authors = [str(name) for name in meta.get("authors") or []]
    categories = [str(name) for name in meta.get("categories") or []]
    tags = [str(name) for name in meta.get("tags") or []]
    html = re.sub(r'<a class="headerlink"[^>]*>.*?</a>', "", html)  # the pilcrows of the page's headings
    html = re.sub(r"\A\s*<h1[^>]*>.*?</h1>\s*", "", html, flags=re.S)  # the title is the entry's title
    summary = html.split(EXCERPT_MARK, 1)[0].strip() if EXCERPT_MARK in html else None
    return {
        "title": page.title or page.file.name,
        "url": site_url + page.url,
        "created": created,
        "updated": updated or created,
        "authors": authors,
        "terms": categories + [tag for tag in tags if tag not in categories],
        "summary": summary,
        "content": html,
    }


def render_feed(entries: list[dict], site_url: str, site_name: str, built: dt.datetime) -> bytes:
    """The Atom document (RFC 4287) for ``entries``, newest first."""
    ET.register_namespace("", ATOM)

    def sub(parent, tag, text=None, **attributes):
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {key.replace("_", ":"): value for key, value in attributes.items()})
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM}}}feed")
    feed_url = site_url + FEED_PATH
    sub(feed, "id", feed_url)
    sub(feed, "title", FEED_TITLE)
    sub(feed, "subtitle", f"A learner's log of {site_name}: daily notes, weekend recaps, reflections and lesson notes.")
    sub(feed, "link", href=feed_url, rel="self", type="application/atom+xml")
    sub(feed, "link", href=site_url + "blog/", rel="alternate", type="text/html")
    ordered = sorted(entries, key=lambda entry: (entry["created"] or built, entry["url"]), reverse=True)
    stamps = [entry["updated"] or entry["created"] for entry in ordered]
    newest = max((stamp for stamp in stamps if stamp), default=built)
    sub(feed, "updated", _stamp(newest))
    author = sub(feed, "author")
    sub(author, "name", site_name)
    sub(feed, "generator", "ML Classroom hooks/feed.py")
    for entry in ordered:
        item = sub(feed, "entry")
        sub(item, "id", entry["url"])
        sub(item, "title", entry["title"])
        sub(item, "link", href=entry["url"], rel="alternate", type="text/html")
        sub(item, "published", _stamp(entry["created"] or built))
        sub(item, "updated", _stamp(entry["updated"] or entry["created"] or built))
        for name in entry["authors"]:
            sub(sub(item, "author"), "name", name)
        for term in entry["terms"]:
            sub(item, "category", term=term)
        if entry["summary"]:
            sub(item, "summary", entry["summary"], type="html")
        content = sub(item, "content", entry["content"], type="html")
        content.set("{http://www.w3.org/XML/1998/namespace}base", entry["url"])
    ET.indent(feed)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8") + b"\n"


# --------------------------------------------------------------------------
# MkDocs events
# --------------------------------------------------------------------------


def _site_url(config) -> str:
    url = config.site_url or "http://127.0.0.1:8000/"
    return url if url.endswith("/") else url + "/"


def on_files(files, config):
    """Reserve ``blog/feed.xml`` so pages may link it (it is written after the build)."""
    from mkdocs.structure.files import File

    global _posts_prefix
    for name, plugin in config.plugins.items():
        if name.endswith("blog"):
            blog_dir = posixpath.normpath(plugin.config.blog_dir)
            _posts_prefix = posixpath.normpath(plugin.config.post_dir.format(blog=blog_dir)) + "/"
    if files.get_file_from_path(FEED_PATH) is None:
        files.append(File.generated(config, FEED_PATH, content=b""))
    return files


def on_pre_build(config):
    _entries.clear()


def on_page_content(html, page, config, files):
    if page.file.src_uri.startswith(_posts_prefix):
        _entries.append(post_entry(page, html, _site_url(config)))
    return html


def on_post_page(output, page, config):
    """Announce the feed in every page's ``<head>``."""
    link = f'<link rel="alternate" type="application/atom+xml" title="{FEED_TITLE}" href="{_site_url(config)}{FEED_PATH}">'
    return output.replace("</head>", f"  {link}\n  </head>", 1)


def on_post_build(config):
    target = Path(config.site_dir) / FEED_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    built = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    target.write_bytes(render_feed(_entries, _site_url(config), config.site_name, built))
    log.info("feed: %s with %d posts", FEED_PATH, len(_entries))
