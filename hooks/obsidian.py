"""MkDocs hook: learning-log posts may be written in Obsidian's Markdown.

A note kept in Obsidian can be published as it is. In every post under the
blog's ``posts/`` folder:

* **Inline tags** (``#ML #DL #week1``) become the post's tags (added to the
  ``tags`` of the front matter, so the tags page and the feed list them). A
  line holding only tags is removed (Python-Markdown would otherwise read
  ``#ML`` as a heading); a tag inside a sentence stays visible as ``#tag``.
* **Wikilinks** ``[[Page]]``, ``[[Page|text]]`` and ``[[Page#Heading]]`` are
  resolved by title to a site page, a notebook or a log post (also by file
  name or path: ``[[weekends/01-numpy-network/index]]``; a lesson also answers
  to the start of its title, ``[[Weekend 1]]``). A link that matches nothing,
  or several pages, is reported as a warning naming the file and line, so
  ``mkdocs build --strict`` fails on it.
* **Embeds** ``![[image.png]]`` and ``![[image.png|500]]`` become images
  (``|500`` is the width in pixels, ``|500x300`` width and height); the image
  is looked up beside the post, then by file name among the blog's files.
* **Lists right after a paragraph** (Obsidian needs no blank line before a
  list, Python-Markdown does) get the blank line.

Callouts (``> [!note] Title``) are converted by the ``callouts`` plugin
(mkdocs-callouts), configured in ``mkdocs.yml``. Fenced code blocks and inline
code are left alone.

The conversion is a set of plain functions (``convert``, ``SiteIndex``) so
``scripts/new_post.py`` and the tests use the same rules as the build.
"""

from __future__ import annotations

import logging
import posixpath
import re
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

import yaml

log = logging.getLogger("mkdocs.hooks.obsidian")

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".bmp"}

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
#: Inline code, and attribute lists such as ``{ #id .class }``: no tags or links in there.
_PROTECTED = re.compile(r"(`+)(?:.+?)\1|\{:?\s*[#.][^{}]*\}")
#: ``![[target|option]]`` or ``[[target#heading|text]]``; ``\|`` is the pipe as escaped inside tables.
_WIKILINK = re.compile(r"(!?)\[\[([^\[\]|#\\]*)(#[^\[\]|\\]*)?(?:(?:\\?\|)([^\[\]]*))?\]\]")
#: An Obsidian tag: ``#`` then letters, digits, ``_``, ``-`` or ``/`` with at least one non-digit.
_TAG = re.compile(r"(?<![\w&#/(\[\]\"'`\\.:=])#((?:[^\W\d]|_)[\w/-]*|\d[\w/-]*[^\W\d][\w/-]*)")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?---[ \t]*\r?\n", re.S)
_SIZE = re.compile(r"^\s*(\d+)(?:\s*x\s*(\d+))?\s*$")


class Problem(NamedTuple):
    """Something in a post that cannot be published as written."""

    line: int
    message: str


class Result:
    """The converted Markdown, the tags found in it and the problems met."""

    def __init__(self, markdown: str = ""):
        self.markdown = markdown
        self.tags: list[str] = []
        self.problems: list[Problem] = []


def normalise_title(text: str) -> str:
    """The form titles are compared in: case-folded, one space between words, no markup."""
    text = re.sub(r"[`*_]", "", text)
    return re.sub(r"\s+", " ", text).strip().casefold()


def heading_anchor(heading: str) -> str:
    """The anchor MkDocs' ``toc`` extension gives a heading (``#Heading text`` -> ``heading-text``)."""
    from markdown.extensions.toc import slugify

    return slugify(heading.strip(), "-")


# --------------------------------------------------------------------------
# What a wikilink can point at
# --------------------------------------------------------------------------


def _first_heading(text: str) -> str | None:
    in_fence = False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if not in_fence:
            match = re.match(r"^#\s+(.+?)\s*#*\s*$", line)
            if match:
                return match.group(1)
    return None


def page_titles(path: Path) -> list[str]:
    """Titles a Markdown page or a jupytext notebook answers to (front matter ``title``, first heading)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    titles = []
    if path.suffix == ".py":
        for line in text.splitlines():
            match = re.match(r"^# # (.+)$", line)
            if match:
                titles.append(match.group(1).strip())
                break
        return titles
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            meta = yaml.safe_load(match.group(1) or "") or {}
        except (yaml.YAMLError, ValueError):
            meta = {}
        if isinstance(meta, dict):
            if isinstance(meta.get("title"), str):
                titles.append(meta["title"])
            if isinstance(meta.get("slug"), str):
                titles.append(meta["slug"])
        text = text[match.end():]
    heading = _first_heading(text)
    if heading and not heading.startswith(":::"):
        titles.append(heading)
    return titles


def _nav_titles(nav) -> list[tuple[str, str]]:
    """(title, src_uri) pairs from the ``nav`` of mkdocs.yml."""
    pairs = []
    items = nav if isinstance(nav, list) else [nav]
    for item in items:
        if isinstance(item, dict):
            for title, value in item.items():
                if isinstance(value, str) and not re.match(r"^[a-z]+://", value):
                    pairs.append((title, value))
                else:
                    pairs.extend(_nav_titles(value))
    return pairs


class SiteIndex:
    """Pages, notebooks and posts a wikilink may name, and the images an embed may show.

    Parameters
    ----------
    docs_dir : Path
        The documentation folder.
    sources : iterable of str
        ``src_uri`` of every file of the build (``"weekends/01-numpy-network/index.md"``).
    nav : list, optional
        The ``nav`` of mkdocs.yml; its titles are accepted too when unique.
    source_paths : dict, optional
        ``src_uri`` -> absolute path, for files that do not live in ``docs_dir``.
    """

    def __init__(self, docs_dir: Path, sources, nav=None, source_paths=None):
        self.docs_dir = Path(docs_dir)
        self.sources = sorted(set(sources))
        self.by_key: dict[str, set[str]] = {}
        self.prefixes: dict[str, set[str]] = {}
        source_paths = source_paths or {}
        pages = [uri for uri in self.sources if uri.endswith((".md", ".py"))]
        for uri in pages:
            path = Path(source_paths.get(uri, self.docs_dir / uri))
            stem = uri.rsplit(".", 1)[0]
            keys = {stem, posixpath.basename(stem)}
            if posixpath.basename(stem) == "index":
                keys.discard("index")
                keys.add(posixpath.dirname(stem) or "index")
            post_match = re.match(r"^\d{4}-\d{2}-\d{2}-(.+)$", posixpath.basename(stem))
            if post_match:
                keys.add(post_match.group(1))
            titles = page_titles(path)
            keys.update(titles)
            for key in keys:
                self.by_key.setdefault(normalise_title(key), set()).add(uri)
            for title in titles:
                for separator in (" · ", ": "):
                    if separator in title:
                        self.prefixes.setdefault(normalise_title(title.split(separator)[0]), set()).add(uri)
        for title, uri in _nav_titles(nav or []):
            if uri in pages:
                self.by_key.setdefault(normalise_title(title), set()).add(uri)
        self.media = [uri for uri in self.sources if not uri.endswith((".md", ".py"))]

    @classmethod
    def from_folder(cls, docs_dir: Path, nav=None) -> "SiteIndex":
        """Index every file below ``docs_dir`` (used outside a build, e.g. by the importer)."""
        docs_dir = Path(docs_dir)
        sources = [
            path.relative_to(docs_dir).as_posix()
            for path in docs_dir.rglob("*")
            if path.is_file() and "data" != path.relative_to(docs_dir).parts[0]
        ]
        return cls(docs_dir, sources, nav)

    def find_page(self, target: str) -> tuple[str | None, list[str]]:
        """Return (src_uri, []) for a unique match, (None, candidates) otherwise."""
        key = normalise_title(target.strip().removesuffix(".md"))
        candidates = self.by_key.get(key) or set()
        if not candidates and key in self.prefixes and key not in self.by_key:
            candidates = self.prefixes[key]
        if len(candidates) == 1:
            return next(iter(candidates)), []
        return None, sorted(candidates)

    def find_media(self, target: str, page_uri: str) -> str | None:
        """Return the ``src_uri`` of the file an embed names, relative to the page first."""
        target = target.strip().lstrip("/")
        here = posixpath.dirname(page_uri)
        for candidate in (posixpath.normpath(posixpath.join(here, target)), posixpath.normpath(target)):
            if candidate in self.media:
                return candidate
        name = posixpath.basename(target)
        matches = [uri for uri in self.media if posixpath.basename(uri) == name]
        nearby = [uri for uri in matches if uri.startswith(here + "/")]
        if len(nearby) == 1:
            return nearby[0]
        return matches[0] if len(matches) == 1 else None

    def examples(self) -> str:
        lessons = sorted(uri for uri in self.sources if re.match(r"^weekends/\d\d-[^/]+/index\.md$", uri))
        if lessons:
            titles = page_titles(self.docs_dir / lessons[0])
            if titles:
                return f"[[{titles[-1]}]] or [[{lessons[0].removesuffix('.md')}]]"
        return "[[Page title]] or [[folder/page]]"


def relative_link(from_uri: str, to_uri: str) -> str:
    """A relative Markdown link target from one source file to another, quoted for spaces."""
    return quote(posixpath.relpath(to_uri, posixpath.dirname(from_uri) or "."))


# --------------------------------------------------------------------------
# The conversion
# --------------------------------------------------------------------------


def _outside_code(line: str, convert_text):
    """Apply ``convert_text`` to the parts of a line outside inline code spans."""
    parts, last = [], 0
    for match in _PROTECTED.finditer(line):
        parts.append(convert_text(line[last:match.start()]))
        parts.append(match.group(0))
        last = match.end()
    parts.append(convert_text(line[last:]))
    return "".join(parts)


def find_tags(line: str) -> list[str]:
    """Obsidian tags in one line of text (outside inline code), without the ``#``."""
    found = []
    _outside_code(line, lambda text: found.extend(_TAG.findall(text)) or text)
    return found


def is_tag_line(line: str) -> bool:
    """True for a line made only of tags, such as ``#ML #DL #week1``."""
    if not find_tags(line):
        return False
    return not re.sub(r"[\s,;]", "", _TAG.sub("", line))


def convert(markdown: str, page_uri: str, index: SiteIndex | None, first_line: int = 1, *, resolve_links=True) -> Result:
    """Turn Obsidian syntax in ``markdown`` into the site's Markdown.

    Parameters
    ----------
    markdown : str
        The post's Markdown without its front matter.
    page_uri : str
        The post's ``src_uri`` (links are made relative to it).
    index : SiteIndex or None
        What links and embeds may point at; ``None`` leaves them as written.
    first_line : int
        The line number of the first line of ``markdown`` in the file, so
        problems are reported at the right line.
    """
    result = Result()
    lines = markdown.split("\n")
    out: list[str] = []
    fence: str | None = None
    previous_text = in_list = False
    for number, line in enumerate(lines, start=first_line):
        opening = _FENCE.match(line)
        if fence is not None:
            out.append(line)
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
            out.append(line)
            previous_text = in_list = False
            continue
        if is_tag_line(line):
            result.tags.extend(find_tags(line))
            out.append("")
            previous_text = in_list = False
            continue
        result.tags.extend(find_tags(line))

        def convert_text(text, number=number):
            if index is not None:
                text = _WIKILINK.sub(lambda match: _replace_wikilink(match, page_uri, index, number, result, resolve_links), text)
            return _TAG.sub(r'<span class="log-tag">#\1</span>', text)

        converted = _outside_code(line, convert_text)
        stripped = line.strip()
        is_list = bool(_LIST_ITEM.match(line))
        if is_list and previous_text:
            out.append("")  # Obsidian starts a list right after a paragraph; Python-Markdown needs a blank line
        out.append(converted)
        if not stripped:
            previous_text = in_list = False
        elif is_list:
            in_list, previous_text = True, False
        else:
            block_start = stripped.startswith(("#", ">", "|", "<", "!!!", "???", "===")) or line[:1] in (" ", "\t")
            previous_text = not in_list and not block_start
    result.markdown = "\n".join(out)
    seen, tags = set(), []
    for tag in result.tags:
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    result.tags = tags
    return result


def _replace_wikilink(match, page_uri, index: SiteIndex, line: int, result: Result, resolve_links: bool) -> str:
    embed, target, heading, option = match.group(1), match.group(2).strip(), match.group(3), match.group(4)
    written = match.group(0)
    if embed:
        return _replace_embed(target, option, page_uri, index, line, result, written)
    text = (option or "").strip() or (f"{target} › {heading[1:]}" if target and heading else target or (heading or "#")[1:])
    anchor = f"#{heading_anchor(heading[1:])}" if heading else ""
    if not target:  # [[#Heading]]: a heading of this page
        return f"[{text}]({anchor})"
    uri, candidates = index.find_page(target)
    if uri is None:
        if candidates:
            listed = ", ".join(f"[[{candidate.rsplit('.', 1)[0]}]]" for candidate in candidates)
            message = f"{written} matches several pages ({listed}); write one of those paths instead"
        else:
            message = (
                f"{written} matches no page, notebook or log post of the site by title or file name; "
                f"link an existing one (e.g. {index.examples()}), or remove the brackets to keep it as plain text"
            )
        result.problems.append(Problem(line, message))
        return written if resolve_links else text
    if not resolve_links:
        return written
    return f"[{text}]({relative_link(page_uri, uri)}{anchor})"


def _replace_embed(target, option, page_uri, index: SiteIndex, line, result: Result, written: str) -> str:
    suffix = posixpath.splitext(target)[1].lower()
    if suffix not in IMAGE_SUFFIXES:
        result.problems.append(
            Problem(line, f"{written} embeds a note or a file that is not an image; the site only embeds images "
                          f"({', '.join(sorted(IMAGE_SUFFIXES))}): link the note with [[...]] instead")
        )
        return written
    uri = index.find_media(target, page_uri)
    if uri is None:
        here = posixpath.dirname(page_uri)
        result.problems.append(
            Problem(line, f"{written}: no image {target!r} beside the post ({here}/) or anywhere in the blog; "
                          "put the file there (scripts/new_post.py --from copies a note's attachments)")
        )
        return written
    alt = posixpath.splitext(posixpath.basename(target))[0]
    attributes = []
    size = _SIZE.match(option or "")
    if size:
        attributes.append(f'width="{size.group(1)}"')
        if size.group(2):
            attributes.append(f'height="{size.group(2)}"')
    elif option and option.strip():
        alt = option.strip()
    alt = alt.replace("[", "(").replace("]", ")")
    image = f"![{alt}]({relative_link(page_uri, uri)})"
    return image + (f"{{ {' '.join(attributes)} }}" if attributes else "")


# --------------------------------------------------------------------------
# MkDocs events
# --------------------------------------------------------------------------

try:  # the decorator only exists inside MkDocs
    from mkdocs.plugins import event_priority
except ImportError:  # pragma: no cover

    def event_priority(_priority):
        return lambda function: function


_index: SiteIndex | None = None
_posts_prefix = "blog/posts/"


def _blog_posts_prefix(config) -> str:
    for name, plugin in config.plugins.items():
        if name.endswith("blog"):
            blog_dir = posixpath.normpath(plugin.config.blog_dir)
            post_dir = plugin.config.post_dir.format(blog=blog_dir)
            return posixpath.normpath(post_dir) + "/"
    return "blog/posts/"


@event_priority(-100)  # after gen-files, so generated pages can be linked too
def on_files(files, config):
    global _index, _posts_prefix
    _posts_prefix = _blog_posts_prefix(config)
    source_paths = {file.src_uri: file.abs_src_path for file in files if file.abs_src_path}
    _index = SiteIndex(Path(config.docs_dir), [file.src_uri for file in files], config.get("nav"), source_paths)
    return files


def line_offset(source: str) -> int:
    """How many lines of a file come before the Markdown MkDocs hands to plugins (front matter, blank lines)."""
    match = _FRONT_MATTER.match(source)
    if not match:
        return 0
    rest = source[match.end():]
    return source[:match.end()].count("\n") + (len(rest) - len(rest.lstrip("\n")))


@event_priority(80)  # before the callouts, tags and blog plugins read the Markdown
def on_page_markdown(markdown, page, config, files):
    if not page.file.src_uri.startswith(_posts_prefix) or _index is None:
        return markdown
    try:
        source = Path(page.file.abs_src_path).read_text(encoding="utf-8")
    except OSError:
        source = markdown
    result = convert(markdown, page.file.src_uri, _index, first_line=line_offset(source) + 1)
    shown = Path(config.docs_dir).name + "/" + page.file.src_uri
    for problem in result.problems:
        log.warning("%s:%d: %s", shown, problem.line, problem.message)
    if result.tags:
        tags = list(page.meta.get("tags") or [])
        known = {str(tag).casefold() for tag in tags}
        tags += [tag for tag in result.tags if tag.casefold() not in known]
        page.meta["tags"] = tags
    return result.markdown
