"""MkDocs hook: pages generated from data, and checks on the learning log.

* ``docs/data/books.yml`` fills the bookshelf (marker ``<!-- classroom:books -->``).
* ``docs/data/topics.yml`` fills the foundational topics (``<!-- classroom:topics -->``).
* ``docs/data/weekends.yml`` fills the 8-weekend plan (``<!-- classroom:plan -->``);
  the notebook column lists the notebooks that exist in each lesson folder,
  the workbook column the weekend's workbook (published by ``hooks/workbooks.py``).
* Every post under ``docs/blog/posts/`` must have a valid front matter: a real
  date, categories from ``categories_allowed`` in ``mkdocs.yml``, tags as a
  list, known authors. A broken post fails the build naming the file.

The validators are plain functions so the tests and ``scripts/new_post.py``
use exactly the same rules.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path
from urllib.parse import urlparse

import yaml

BOOKS_MARKER = "<!-- classroom:books -->"
TOPICS_MARKER = "<!-- classroom:topics -->"
PLAN_MARKER = "<!-- classroom:plan -->"
NOTEBOOKS_MARKER = "<!-- classroom:notebooks -->"

BOOK_FIELDS = ("title", "authors", "link", "purpose", "free")
TOPIC_FIELDS = ("topic", "summary", "resource", "link")
WEEKEND_FIELDS = ("number", "slug", "title", "goal", "task", "resource", "resource_link")


class ContentError(ValueError):
    """A data file or a post breaks a rule; the message names the file and the entry."""


# --------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------


class _TolerantLoader(yaml.SafeLoader):
    """A safe YAML loader that keeps going past MkDocs' ``!ENV`` and ``!!python/name`` tags."""


def _unknown_tag(loader, suffix, node):
    return None


_TolerantLoader.add_multi_constructor("!", _unknown_tag)
_TolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/", _unknown_tag)


def read_mkdocs_config(path: Path) -> dict:
    """Read ``mkdocs.yml`` as plain data (environment tags become None)."""
    with open(path, encoding="utf-8") as stream:
        return yaml.load(stream, Loader=_TolerantLoader)


def blog_settings(mkdocs_yml: Path) -> dict:
    """Return the blog plugin's options from ``mkdocs.yml`` (categories_allowed, blog_dir...)."""
    config = read_mkdocs_config(mkdocs_yml)
    for entry in config.get("plugins", []):
        if isinstance(entry, dict) and "blog" in entry:
            return entry["blog"] or {}
    raise ContentError(f"{mkdocs_yml}: the blog plugin is not configured")


def _load_list(path: Path) -> list:
    if not path.exists():
        raise ContentError(f"{path}: file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ContentError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(data, list):
        raise ContentError(f"{path}: expected a list of entries (lines starting with '- '), got {type(data).__name__}")
    return data


def _is_web_link(value) -> bool:
    if not isinstance(value, str):
        return False
    parsed = urlparse(value)
    return parsed.scheme in {"http", "https"} and bool(parsed.netloc)


def _entry_name(entry, index: int, key: str) -> str:
    if isinstance(entry, dict) and entry.get(key):
        return f"entry {index} ({entry[key]!r})"
    return f"entry {index}"


def _check_text_fields(path, entry, index, fields, name_key) -> None:
    if not isinstance(entry, dict):
        raise ContentError(f"{path}: entry {index} must be a mapping with {', '.join(fields)}")
    name = _entry_name(entry, index, name_key)
    missing = [field for field in fields if entry.get(field) in (None, "")]
    if missing:
        raise ContentError(f"{path}: {name} is missing {', '.join(missing)}")
    unknown = sorted(set(entry) - set(fields) - {"weekend", "notes"})
    if unknown:
        raise ContentError(f"{path}: {name} has unknown fields {unknown}; allowed: {', '.join(fields)}")


def _check_unique(path, entries, key, what) -> None:
    seen: dict = {}
    for index, entry in enumerate(entries, start=1):
        value = str(entry[key]).strip().lower()
        if value in seen:
            raise ContentError(f"{path}: entry {index} repeats the {what} of entry {seen[value]}: {entry[key]!r}")
        seen[value] = index


def load_books(path: Path) -> list[dict]:
    """Read and validate the bookshelf data.

    Each entry needs ``title``, ``authors``, ``link`` (http or https),
    ``purpose`` and ``free`` (true/false); titles and links are unique.

    Raises
    ------
    ContentError
        Naming the file and the entry at fault.
    """
    books = _load_list(path)
    for index, book in enumerate(books, start=1):
        _check_text_fields(path, book, index, BOOK_FIELDS, "title")
        name = _entry_name(book, index, "title")
        if not _is_web_link(book["link"]):
            raise ContentError(f"{path}: {name} has link {book['link']!r}; it must start with http:// or https://")
        if not isinstance(book["free"], bool):
            raise ContentError(f"{path}: {name} has free: {book['free']!r}; write true or false")
    _check_unique(path, books, "title", "title")
    _check_unique(path, books, "link", "link")
    return books


def load_topics(path: Path) -> list[dict]:
    """Read and validate the foundational topics (``topic``, ``summary``, ``resource``, ``link``)."""
    topics = _load_list(path)
    for index, topic in enumerate(topics, start=1):
        _check_text_fields(path, topic, index, TOPIC_FIELDS, "topic")
        if not _is_web_link(topic["link"]):
            name = _entry_name(topic, index, "topic")
            raise ContentError(f"{path}: {name} has link {topic['link']!r}; it must start with http:// or https://")
    _check_unique(path, topics, "topic", "topic")
    return topics


def load_weekends(path: Path) -> list[dict]:
    """Read and validate the 8-weekend plan."""
    weekends = _load_list(path)
    for index, weekend in enumerate(weekends, start=1):
        _check_text_fields(path, weekend, index, WEEKEND_FIELDS, "slug")
        if weekend["number"] != index:
            raise ContentError(f"{path}: entry {index} has number {weekend['number']}; weekends must be numbered 1, 2, 3...")
        if not _is_web_link(weekend["resource_link"]):
            raise ContentError(f"{path}: weekend {index} resource_link must start with http:// or https://")
    return weekends


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def render_books(books: list[dict]) -> str:
    """Return the bookshelf as Markdown: one card-like section per book."""
    lines = []
    for book in books:
        badge = ":material-lock-open-variant: free to read online" if book["free"] else ":material-book: paid book"
        lines += [
            f"### {book['title']}",
            "",
            f"*{book['authors']}* · {badge} · [open]({book['link']})",
            "",
            str(book["purpose"]).strip(),
            "",
        ]
    return "\n".join(lines)


def render_topics(topics: list[dict]) -> str:
    """Return the foundational topics as a numbered Markdown table."""
    lines = ["| # | Topic | What you get out of it | Resource |", "| --- | --- | --- | --- |"]
    for number, topic in enumerate(topics, start=1):
        lines.append(
            f"| {number} | **{_cell(topic['topic'])}** | {_cell(topic['summary'])} | "
            f"[{_cell(topic['resource'])}]({topic['link']}) |"
        )
    return "\n".join(lines)


def lesson_notebooks(weekends_dir: Path, slug: str, known_files=None) -> list[Path]:
    """Return the notebooks (jupytext ``.py`` files) that exist in a lesson folder.

    ``known_files``, when given, is the set of ``src_uri`` of the files MkDocs
    collected for this build (e.g. ``"weekends/01-numpy-network/mnist.py"``);
    a notebook is only listed when it is part of the build.
    """
    folder = weekends_dir / slug
    notebooks = sorted(folder.glob("*.py")) if folder.is_dir() else []
    if known_files is not None:
        notebooks = [path for path in notebooks if f"{weekends_dir.name}/{slug}/{path.name}" in known_files]
    return notebooks


def render_plan(
    weekends: list[dict],
    weekends_dir: Path,
    link_prefix: str = "weekends/",
    known_files=None,
    workbook_prefix: str = "workbooks/",
) -> str:
    """Return the 8-weekend table; the notebook column lists the notebooks that exist.

    The workbook column links ``workbooks/weekend-NN.ipynb`` (and its ``.py``)
    when that file is part of the build (``known_files``, as for the notebooks;
    ``hooks/workbooks.py`` adds them).
    """
    lines = [
        "| Weekend | Core goal | Task | Essential resource | Notebook | Workbook |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for weekend in weekends:
        slug = weekend["slug"]
        notebooks = lesson_notebooks(weekends_dir, slug, known_files)
        if notebooks:
            status = "<br>".join(
                f":material-check-circle:{{ title='delivered' }} [{path.stem}]({link_prefix}{slug}/{path.name})"
                for path in notebooks
            )
        else:
            status = ":material-progress-clock: coming"
        name = f"weekend-{int(weekend['number']):02d}"
        if known_files is not None and f"workbooks/{name}.ipynb" in known_files:
            workbook = f"[{name}.ipynb]({workbook_prefix}{name}.ipynb)"
            if f"workbooks/{name}.py" in known_files:
                workbook += f" · [.py]({workbook_prefix}{name}.py)"
        else:
            workbook = "—"
        lines.append(
            f"| [{weekend['number']} · {_cell(weekend['title'])}]({link_prefix}{slug}/index.md) "
            f"| {_cell(weekend['goal'])} | {_cell(weekend['task'])} "
            f"| [{_cell(weekend['resource'])}]({weekend['resource_link']}) | {status} | {workbook} |"
        )
    return "\n".join(lines)


def notebook_title(path: Path) -> str:
    """Return the ``# Title`` of a jupytext notebook (its first Markdown heading), or its file name."""
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^# # (.+)$", line)
        if match:
            return match.group(1).strip()
    return path.name


def render_lesson_notebooks(notebooks: list[Path]) -> str:
    """Return the Markdown that replaces ``<!-- classroom:notebooks -->`` on a lesson page."""
    if not notebooks:
        return (
            '!!! note "Not delivered yet"\n'
            "    This lesson's notebook is being written; [the plan](../../plan.md) marks it when it arrives."
        )
    lines = ['!!! example "Open the notebook"']
    for path in notebooks:
        lines.append(
            f"    - [{notebook_title(path)}]({path.name}): executed when the site is built, "
            "with a download link for the notebook on its page."
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Learning-log posts
# --------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)---[ \t]*\r?\n", re.S)


def read_front_matter(path: Path) -> dict:
    """Return the YAML front matter of a Markdown file (the block between the first two ``---`` lines)."""
    text = path.read_text(encoding="utf-8")
    match = _FRONT_MATTER.match(text)
    if not match:
        raise ContentError(f"{path}: no front matter; a post starts with a '---' line, its fields, then '---'")
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        raise ContentError(f"{path}: front matter is not valid YAML: {error}") from None
    except ValueError as error:  # YAML reads 2026-13-45 as a date and fails
        raise ContentError(f"{path}: the front matter holds something that is not a valid date ({error}); write dates as YYYY-MM-DD") from None
    if not isinstance(data, dict):
        raise ContentError(f"{path}: front matter must be 'key: value' lines")
    return data


def _as_date(value):
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value
    return None


def validate_post(path: Path, allowed_categories, known_authors=None) -> dict:
    """Check one learning-log post and return its front matter.

    Rules: ``date`` is a real date (``YYYY-MM-DD``, or a mapping with
    ``created``); ``categories`` is a non-empty list drawn from
    ``allowed_categories``; ``tags``, when present, is a list of words;
    ``authors``, when given a list of known authors, only names them.

    Raises
    ------
    ContentError
        With the file name and the rule that failed.
    """
    meta = read_front_matter(path)
    date = meta.get("date")
    if date is None:
        raise ContentError(f"{path}: front matter has no date; add e.g. 'date: {_dt.date.today():%Y-%m-%d}'")
    created = date.get("created") if isinstance(date, dict) else date
    if _as_date(created) is None:
        raise ContentError(f"{path}: date {created!r} is not a valid date; write it as YYYY-MM-DD")
    categories = meta.get("categories")
    if not isinstance(categories, list) or not categories:
        raise ContentError(f"{path}: categories must be a list with one of {list(allowed_categories)}")
    unknown = [category for category in categories if category not in allowed_categories]
    if unknown:
        raise ContentError(
            f"{path}: unknown categories {unknown}; allowed (categories_allowed in mkdocs.yml): {list(allowed_categories)}"
        )
    tags = meta.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, (str, int)) for tag in tags):
        raise ContentError(f"{path}: tags must be a list, e.g. 'tags: [ML, week1]'")
    authors = meta.get("authors", [])
    if not isinstance(authors, list):
        raise ContentError(f"{path}: authors must be a list, e.g. 'authors: [team]'")
    if known_authors is not None:
        strangers = [author for author in authors if author not in known_authors]
        if strangers:
            raise ContentError(f"{path}: authors {strangers} are not in docs/blog/.authors.yml")
    return meta


def known_authors(authors_file: Path) -> set:
    """Return the author ids declared in ``.authors.yml``."""
    if not authors_file.exists():
        return set()
    data = yaml.safe_load(authors_file.read_text(encoding="utf-8")) or {}
    return set((data.get("authors") or {}).keys())


def validate_posts(posts_dir: Path, allowed_categories, authors_file: Path | None = None) -> list[Path]:
    """Validate every ``*.md`` post below ``posts_dir``; return the posts checked."""
    authors = known_authors(authors_file) if authors_file is not None else None
    posts = sorted(posts_dir.rglob("*.md"))
    for post in posts:
        validate_post(post, allowed_categories, authors)
    return posts


# --------------------------------------------------------------------------
# MkDocs events
# --------------------------------------------------------------------------

try:  # the decorator only exists inside MkDocs
    from mkdocs.plugins import event_priority
except ImportError:  # pragma: no cover

    def event_priority(_priority):
        return lambda function: function


def _blog_plugin_config(config):
    for name, plugin in config.plugins.items():
        if name.endswith("blog"):
            return plugin.config
    return None


@event_priority(100)  # before the blog plugin reads the posts, so errors name the file clearly
def on_files(files, config):
    """Validate the data files and every learning-log post before anything renders."""
    from mkdocs.exceptions import PluginError

    docs_dir = Path(config.docs_dir)
    blog = _blog_plugin_config(config)
    try:
        load_books(docs_dir / "data" / "books.yml")
        load_topics(docs_dir / "data" / "topics.yml")
        load_weekends(docs_dir / "data" / "weekends.yml")
        if blog is not None:
            blog_dir = docs_dir / blog.blog_dir
            validate_posts(blog_dir / "posts", blog.categories_allowed, blog_dir / ".authors.yml")
    except ContentError as error:
        raise PluginError(str(error)) from None
    return files


def on_page_markdown(markdown, page, config, files):
    """Replace the data markers with the rendered tables."""
    docs_dir = Path(config.docs_dir)
    if BOOKS_MARKER in markdown:
        markdown = markdown.replace(BOOKS_MARKER, render_books(load_books(docs_dir / "data" / "books.yml")))
    if TOPICS_MARKER in markdown:
        markdown = markdown.replace(TOPICS_MARKER, render_topics(load_topics(docs_dir / "data" / "topics.yml")))
    if NOTEBOOKS_MARKER in markdown:
        folder = Path(page.file.src_uri).parent
        notebooks = sorted(
            docs_dir / file.src_uri
            for file in files
            if file.src_uri.endswith(".py") and Path(file.src_uri).parent == folder
        )
        markdown = markdown.replace(NOTEBOOKS_MARKER, render_lesson_notebooks(notebooks))
    if PLAN_MARKER in markdown:
        page_dir = Path(page.file.src_uri).parent
        up = "" if page_dir == Path(".") else "../" * len(page_dir.parts)
        weekends = load_weekends(docs_dir / "data" / "weekends.yml")
        known_files = {file.src_uri for file in files}
        table = render_plan(weekends, docs_dir / "weekends", f"{up}weekends/", known_files, f"{up}workbooks/")
        markdown = markdown.replace(PLAN_MARKER, table)
    return markdown
