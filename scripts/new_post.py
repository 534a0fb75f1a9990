#!/usr/bin/env python3
"""Create a learning-log post from the daily-log template.

Usage (from the repository root)::

    python3 scripts/new_post.py "Backprop finally clicked" --tags ML,week1 --category "Daily log"
    python3 scripts/new_post.py "Weekend 1 recap" --category "Weekend recap" --date 2026-11-29

The post is written to ``docs/blog/posts/YYYY-MM-DD-<slug>.md`` with a front
matter the site accepts (date, authors, categories, tags) and the five
sections of a daily log. The script refuses to overwrite an existing post and
only accepts a category listed in ``categories_allowed`` in ``mkdocs.yml``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import re
import sys
import tempfile
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load_site_content():
    """Import ``hooks/site_content.py``: the same validation rules as the site build."""
    spec = importlib.util.spec_from_file_location("site_content", ROOT / "hooks" / "site_content.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


site_content = _load_site_content()

TEMPLATE = """---
date: {date}
authors: [{author}]
categories:
  - {category}
tags:
{tags}
---

# {title}

One or two sentences: what today was about.

<!-- more -->

## Goals for today

- [ ] First goal
- [ ] Second goal

## What I studied

- Resource, chapter or section, and the one idea worth keeping from it.

## Insights and reflections

- What clicked, what surprised me, what I would do differently.

## Inspirations

- A person, paper, project or post that pushed me today.

## Questions

- What I still do not understand (and where I will look next).
"""


def slugify(title: str) -> str:
    """Turn a title into a file-name slug: lower case ASCII words joined by hyphens."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    if not slug:
        raise ValueError(f"the title {title!r} has no letters or digits to build a file name from")
    return slug


def parse_tags(text: str) -> list[str]:
    """Split ``"ML, week1"`` into ``["ML", "week1"]``; empty items are dropped."""
    return [tag.strip() for tag in text.split(",") if tag.strip()]


def render_post(title: str, date: dt.date, category: str, tags: list[str], author: str) -> str:
    """Return the text of a new post."""
    tag_lines = "\n".join(f"  - {tag}" for tag in tags) if tags else "  - log"
    return TEMPLATE.format(
        date=date.isoformat(), author=author, category=category, tags=tag_lines, title=title.strip()
    )


def create_post(
    title: str,
    *,
    category: str,
    tags: list[str],
    date: dt.date | None = None,
    author: str = "team",
    root: Path = ROOT,
) -> Path:
    """Write a new post and return its path.

    Parameters
    ----------
    title : str
        The post title (also the source of the file name).
    category : str
        One of ``categories_allowed`` in ``<root>/mkdocs.yml``.
    tags : list of str
        Tags such as ``["ML", "week1"]``.
    date : datetime.date, optional
        The post date; today when omitted.
    author : str, default "team"
        An author id from ``docs/blog/.authors.yml``.
    root : Path
        Repository root (holds ``mkdocs.yml`` and ``docs/``).

    Raises
    ------
    ValueError
        Unknown category or author, or a title without letters.
    FileExistsError
        A post with the same date and title exists already.
    """
    settings = site_content.blog_settings(root / "mkdocs.yml")
    allowed = settings.get("categories_allowed") or []
    if category not in allowed:
        raise ValueError(f"unknown category {category!r}; choose one of {allowed} (categories_allowed in mkdocs.yml)")
    blog_dir = root / "docs" / settings.get("blog_dir", "blog")
    authors = site_content.known_authors(blog_dir / ".authors.yml")
    if authors and author not in authors:
        raise ValueError(f"unknown author {author!r}; add it to {blog_dir / '.authors.yml'} or use one of {sorted(authors)}")
    date = date or dt.date.today()
    posts_dir = blog_dir / "posts"
    path = posts_dir / f"{date.isoformat()}-{slugify(title)}.md"
    if path.exists():
        raise FileExistsError(f"{path} exists already; choose another title or edit that post")
    posts_dir.mkdir(parents=True, exist_ok=True)
    text = render_post(title, date, category, tags, author)
    handle, temporary = tempfile.mkstemp(dir=posts_dir, suffix=".md.tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        try:
            os.link(temporary, path)  # fails instead of overwriting if the post appeared meanwhile
        except FileExistsError:
            raise FileExistsError(f"{path} exists already; choose another title or edit that post") from None
        except OSError:
            os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
    site_content.validate_post(path, allowed, authors or None)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("title", help="post title, e.g. \"Backprop finally clicked\"")
    parser.add_argument("--category", required=True, help="one of categories_allowed in mkdocs.yml, e.g. \"Daily log\"")
    parser.add_argument("--tags", default="", help="comma-separated tags, e.g. ML,week1")
    parser.add_argument("--date", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)")
    parser.add_argument("--author", default="team", help="author id from docs/blog/.authors.yml (default: team)")
    args = parser.parse_args(argv)
    try:
        path = create_post(args.title, category=args.category, tags=parse_tags(args.tags), date=args.date, author=args.author)
    except (ValueError, FileExistsError, site_content.ContentError) as error:
        print(f"new_post: {error}", file=sys.stderr)
        return 1
    print(f"created {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
