#!/usr/bin/env python3
"""Create a learning-log post from a template, or import a note from Obsidian.

Usage (from the repository root)::

    python3 scripts/new_post.py "Backprop finally clicked" --tags ML,week1 --category "Daily log"
    python3 scripts/new_post.py "Weekend 1 recap" --template weekend-recap --date 2026-11-29
    python3 scripts/new_post.py --from ~/vault/2025-08-02.md --category "Daily log"

Templates (``--template``): ``daily-log`` (the default), ``weekend-recap``,
``month-reflection`` and ``lesson-notes`` (with a questionnaire that the site
turns into a quiz). Each has a default category; ``--category`` overrides it.

The post is written to ``docs/blog/posts/YYYY-MM-DD-<slug>.md`` with a front
matter the site accepts (date, authors, categories, tags). The script refuses
to overwrite an existing post and only accepts a category listed in
``categories_allowed`` in ``mkdocs.yml``.

``--from NOTE.md`` imports a note as it was written in Obsidian: mojibake is
repaired (ftfy, plus a fallback for copies whose invisible characters were
stripped), the date is taken from the note's title or file name, inline
``#tags`` become the post's tags, embedded attachments (``![[image.png|500]]``)
are copied into a folder named after the post and their links rewritten, and
a ``[[wikilink]]`` that names no page of the site is written as plain text.
What was changed is printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import posixpath
import re
import shutil
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


def _load_obsidian():
    """Import ``hooks/obsidian.py``: the Obsidian syntax the build understands."""
    spec = importlib.util.spec_from_file_location("obsidian_hook", ROOT / "hooks" / "obsidian.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


obsidian = _load_obsidian()

FRONT_MATTER = """---
date: {date}
authors: [{author}]
categories:
  - {category}
tags:
{tags}
---

# {title}
"""

DAILY_LOG = """
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

WEEKEND_RECAP = """
One or two sentences: what this weekend was for and how far I got.

<!-- more -->

## What I built

- The pieces I wrote, and the tests or checks they pass.

## What I measured

Every number with the command that produced it, so anyone can run it again.

| What | Value | Command |
| --- | --- | --- |
| Test accuracy | 0.00 | `python3 scripts/...` |

## What went wrong

- The bug that cost the most time, and how I found it.

## What I would do differently

- One change to the routine or the code for next weekend.

## Next weekend

- [ ] The first thing to read
- [ ] The first thing to build
"""

MONTH_REFLECTION = """
One or two sentences: where I stand a month into the course.

<!-- more -->

## What I learned

- The ideas I now understand well enough to explain, each with where it came from.

## Open questions

Each question links to the page of the site that answers it, when there is one
(write the page's title in a wikilink, e.g. [[Weekend 3]]); a question without
an answer on the site says where I will look.

- A question I cannot answer yet? The site's answer: [[Weekend 1]].
- Another question? Not answered on the site yet: where I will look next.

## What's next

- [ ] The next weekend, and the one habit I want to keep
"""

LESSON_NOTES = """
One or two sentences: which lesson or chapter these notes are for.

<!-- more -->

## Summary

- The three ideas of the lesson, in my own words.

## Notes

- Definitions, equations and the examples that made them click.

## Questionnaire

Answered without looking; the site turns each question into a quiz that
remembers what I got right.

???+ question "A question with one right answer?"
    - [ ] A wrong answer
    - [x] The right answer
    - [ ] Another wrong answer

    Why the right answer is right.

??? question "A question to answer in my own words?"
    The model answer, revealed when the question is opened; then I mark
    whether I got it.

## Still unclear

- What I will ask or look up next.
"""

#: name -> (default category, default tags, body after the title)
TEMPLATES = {
    "daily-log": ("Daily log", ["log"], DAILY_LOG),
    "weekend-recap": ("Weekend recap", ["recap"], WEEKEND_RECAP),
    "month-reflection": ("Weekend recap", ["reflection"], MONTH_REFLECTION),
    "lesson-notes": ("Daily log", ["lesson-notes"], LESSON_NOTES),
}


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


def render_front_matter(title: str, date: dt.date, category: str, tags: list[str], author: str) -> str:
    """Return the front matter and the ``# Title`` line of a post."""
    tag_lines = "\n".join(f"  - {yaml_scalar(tag)}" for tag in tags) if tags else "  - log"
    return FRONT_MATTER.format(
        date=date.isoformat(), author=author, category=yaml_scalar(category), tags=tag_lines, title=title.strip()
    )


def yaml_scalar(text: str) -> str:
    """``text`` as a YAML scalar: quoted when YAML would read it as something else."""
    import yaml

    loaded = yaml.safe_load(text) if text.strip() else None
    return text if isinstance(loaded, str) and loaded == text else json.dumps(text, ensure_ascii=False)


def render_post(title: str, date: dt.date, category: str, tags: list[str], author: str, template: str = "daily-log") -> str:
    """Return the text of a new post made from ``template`` (a key of ``TEMPLATES``)."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown template {template!r}; choose one of {sorted(TEMPLATES)}")
    if not tags:
        tags = TEMPLATES[template][1]
    return render_front_matter(title, date, category, tags, author) + TEMPLATES[template][2]


def _blog(root: Path, category: str, author: str):
    """Check category and author against the site's settings; return (posts_dir, allowed, authors)."""
    settings = site_content.blog_settings(root / "mkdocs.yml")
    allowed = settings.get("categories_allowed") or []
    if category not in allowed:
        raise ValueError(f"unknown category {category!r}; choose one of {allowed} (categories_allowed in mkdocs.yml)")
    blog_dir = root / "docs" / settings.get("blog_dir", "blog")
    authors = site_content.known_authors(blog_dir / ".authors.yml")
    if authors and author not in authors:
        raise ValueError(f"unknown author {author!r}; add it to {blog_dir / '.authors.yml'} or use one of {sorted(authors)}")
    return blog_dir / "posts", allowed, authors


def _write_new(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically; never replace a file that exists."""
    if path.exists():
        raise FileExistsError(f"{path} exists already; choose another title or edit that post")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".md.tmp")
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


def create_post(
    title: str,
    *,
    category: str | None = None,
    tags: list[str],
    date: dt.date | None = None,
    author: str = "team",
    root: Path = ROOT,
    template: str = "daily-log",
) -> Path:
    """Write a new post and return its path.

    Parameters
    ----------
    title : str
        The post title (also the source of the file name).
    category : str, optional
        One of ``categories_allowed`` in ``<root>/mkdocs.yml``; the template's
        category when omitted.
    tags : list of str
        Tags such as ``["ML", "week1"]``.
    date : datetime.date, optional
        The post date; today when omitted.
    author : str, default "team"
        An author id from ``docs/blog/.authors.yml``.
    root : Path
        Repository root (holds ``mkdocs.yml`` and ``docs/``).
    template : str, default "daily-log"
        One of ``TEMPLATES``: daily-log, weekend-recap, month-reflection, lesson-notes.

    Raises
    ------
    ValueError
        Unknown template, category or author, or a title without letters.
    FileExistsError
        A post with the same date and title exists already.
    """
    if template not in TEMPLATES:
        raise ValueError(f"unknown template {template!r}; choose one of {sorted(TEMPLATES)}")
    category = category or TEMPLATES[template][0]
    posts_dir, allowed, authors = _blog(root, category, author)
    date = date or dt.date.today()
    path = posts_dir / f"{date.isoformat()}-{slugify(title)}.md"
    _write_new(path, render_post(title, date, category, tags, author, template))
    site_content.validate_post(path, allowed, authors or None)
    return path


# --------------------------------------------------------------------------
# Importing a note
# --------------------------------------------------------------------------

#: Emoji that notes put in front of their headings and lists, most likely first.
#: When a byte of an emoji's mojibake was lost, several emoji fit the rest;
#: the first of these that fits is taken (and the others are reported).
COMMON_EMOJI = (
    "🎯💡📚📝✅❌🤔❓❗📌🔗⭐🚀🧠📖📊📈📉🔍🎉👉🔥💭🛠⏰📅🏁✨🙋🧪🧮💻📎📍📁📂🗂🗒📋🔑🏆💪👍👎😀😅😊🙂🤯"
    "⚠🔄➡✔✏🖊🎓🏫📦🧩🔧⚙🐛🐞🧵🌱🌟💬📣🔔⌛⏳"
)
#: The single-byte code pages mojibake usually goes through, and the bytes each
#: of them shows as an invisible control character (the ones a copy may lose).
_CODE_PAGES = {
    "sloppy-windows-1254": bytes([0x81, 0x8D, 0x8E, 0x8F, 0x90, 0x9D, 0x9E]),
    "sloppy-windows-1252": bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D]),
}


def _utf8_length(lead: int) -> int:
    if 0xC2 <= lead <= 0xDF:
        return 2
    if 0xE0 <= lead <= 0xEF:
        return 3
    if 0xF0 <= lead <= 0xF4:
        return 4
    return 0


def _is_symbol(text: str) -> bool:
    return bool(text) and all(
        unicodedata.category(char) in {"So", "Sm", "Sk"} or char in "\u200d\ufe0f" for char in text
    )


def _repair_sequence(sequence: bytes, invisible: bytes) -> tuple[str, list[str]] | None:
    """Decode one UTF-8 sequence of which one byte may be missing: (chosen, other readings)."""
    try:
        text = sequence.decode("utf-8")
        return (text, []) if _is_symbol(text) else None
    except UnicodeDecodeError:
        pass
    readings = []
    for position in range(1, len(sequence) + 1):
        for byte in invisible:
            candidate = sequence[:position] + bytes([byte]) + sequence[position:]
            try:
                text = candidate.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if _is_symbol(text) and text not in readings:
                readings.append(text)
    if not readings:
        return None
    readings.sort(key=lambda text: (COMMON_EMOJI.find(text[0]) if text[0] in COMMON_EMOJI else len(COMMON_EMOJI), text))
    return readings[0], readings[1:]


def _repair_run(run: str, codec: str, invisible: bytes) -> tuple[str, list[str]] | None:
    """Decode a run of mojibake whose invisible characters may have been stripped."""
    data = run.encode(codec)
    out, alternatives, at = [], [], 0
    while at < len(data):
        length = _utf8_length(data[at])
        if not length:
            return None
        end = at + 1
        while end < len(data) and end - at < length and 0x80 <= data[end] <= 0xBF:
            end += 1
        if end - at < length - 1:
            return None
        repaired = _repair_sequence(data[at:end], invisible)
        if repaired is None:
            return None
        out.append(repaired[0])
        alternatives += repaired[1]
        at = end
    return "".join(out), alternatives


def restore_stripped_mojibake(text: str) -> tuple[str, list[str]]:
    """Repair emoji mojibake that lost its invisible characters (the fallback ftfy needs).

    ``🎯`` read in Windows-1254 is ``ğŸ\\x8e¯``: the third character is an
    invisible control character, and a copy that strips those leaves ``ğŸ¯``,
    which no longer decodes. Each run of such characters is re-encoded, the
    missing byte is tried at every place, and the run is replaced when every
    sequence decodes to a symbol (letters are never changed, so accented text
    stays as it is). Returns the text and one note per repaired run.
    """
    notes = []
    for codec, invisible in _CODE_PAGES.items():
        def encodes_high(char, codec=codec):
            try:
                encoded = char.encode(codec)
            except UnicodeEncodeError:
                return False
            return len(encoded) == 1 and encoded[0] >= 0x80

        out, at = [], 0
        while at < len(text):
            if not encodes_high(text[at]):
                out.append(text[at])
                at += 1
                continue
            end = at
            while end < len(text) and encodes_high(text[end]):
                end += 1
            run = text[at:end]
            repaired = _repair_run(run, codec, invisible)
            if repaired is None or repaired[0] == run:
                out.append(run)
            else:
                fixed, others = repaired
                out.append(fixed)
                complete = ftfy.fix_text(run) == fixed
                if not complete:
                    line = text.count("\n", 0, at) + 1
                    note = f"line {line}: {run!r} had lost an invisible character; restored as {fixed}"
                    if others:
                        note += f" (it could also be {' '.join(others[:6])}: check it)"
                    notes.append(note)
            at = end
        text = "".join(out)
    return text, notes


def fix_mojibake(text: str) -> tuple[str, list[str]]:
    """Return ``text`` with mojibake repaired, and notes on the guesses made.

    The fallback for stripped copies runs first, then ftfy fixes everything
    else (curly quotes are kept: they are not mojibake).
    """
    restored, notes = restore_stripped_mojibake(text)
    fixed = ftfy.fix_text(restored, uncurl_quotes=False)
    return fixed, notes


def _import_ftfy():
    try:
        import ftfy as module
        import ftfy.bad_codecs  # noqa: F401  (registers the sloppy-windows-* codecs)
    except ImportError:
        return None
    return module


ftfy = _import_ftfy()

_DATE_IN_TEXT = re.compile(r"(?<!\d)(\d{4})[-_./](\d{2})[-_./](\d{2})(?!\d)")
_MONTHS = {name: number for number, name in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august",
     "september", "october", "november", "december"], start=1)}
_WRITTEN_DATE = re.compile(
    r"(?:(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+),?\s+(\d{4}))|(?:([A-Za-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4}))"
)


def date_in(text: str) -> dt.date | None:
    """A date written in ``text``: ``2025-08-02`` (or ``2025_08_02``, ``2025.08.02``), ``2 August 2025``, ``August 2, 2025``."""
    match = _DATE_IN_TEXT.search(text)
    if match:
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return None
    for match in _WRITTEN_DATE.finditer(text):
        day, month, year = (match.group(1), match.group(2), match.group(3)) if match.group(1) else (match.group(5), match.group(4), match.group(6))
        number = _MONTHS.get(month.lower()) or next((n for name, n in _MONTHS.items() if len(month) >= 3 and name.startswith(month.lower())), None)
        if number:
            try:
                return dt.date(int(year), number, int(day))
            except ValueError:
                return None
    return None


def _strip_date(title: str) -> str:
    """The title without its date and weekday, for the file name (the date is in it already)."""
    return _DATE_IN_TEXT.sub("", title).strip(" ,;:-–—")


class ImportReport:
    """What the import changed or guessed, to print for the writer."""

    def __init__(self):
        self.notes: list[str] = []
        self.attachments: list[tuple[Path, Path]] = []


def _safe_file_name(name: str) -> str:
    stem, suffix = os.path.splitext(name)
    try:
        stem = slugify(stem)
    except ValueError:
        stem = "attachment"
    return stem + suffix.lower()


def _find_attachment(target: str, note: Path, attachments_dir: Path | None) -> tuple[Path | None, list[Path]]:
    """Find an embedded file the way Obsidian does: beside the note, up the vault, then by name."""
    relative = Path(target)
    looked = []
    folders = [attachments_dir] if attachments_dir else []
    folders += [note.parent, *list(note.parent.parents)[:3]]
    for folder in folders:
        candidate = folder / relative
        looked.append(candidate)
        if candidate.is_file():
            return candidate, looked
    for folder in ([attachments_dir] if attachments_dir else []) + [note.parent]:
        matches = sorted(folder.rglob(relative.name))
        if matches:
            return matches[0], looked
    return None, looked


def convert_note(
    note: Path,
    text: str,
    post_stem: str,
    index,
    attachments_dir: Path | None = None,
    first_line: int = 1,
) -> tuple[str, list[str], ImportReport]:
    """Rewrite a note's Markdown for the site: (markdown, tags found, report).

    Tag-only lines are dropped (their tags are returned), embeds point at the
    post's attachment folder ``post_stem/`` and a wikilink that matches no page
    of the site becomes plain text. Nothing is written.
    """
    report = ImportReport()
    tags: list[str] = []
    out: list[str] = []
    fence = None
    for number, line in enumerate(text.split("\n"), start=first_line):
        opening = obsidian._FENCE.match(line)
        if fence is not None or opening:
            if fence is None:
                fence = opening.group(1)
            elif opening and opening.group(1)[0] == fence[0]:
                fence = None
            out.append(line)
            continue
        if obsidian.is_tag_line(line):
            tags += obsidian.find_tags(line)
            continue
        tags += obsidian.find_tags(line)

        def embed_or_link(match, number=number):
            embed, target = match.group(1), match.group(2).strip()
            if embed:
                if posixpath.splitext(target)[1].lower() not in obsidian.IMAGE_SUFFIXES:
                    return match.group(0)
                source, looked = _find_attachment(target, note, attachments_dir)
                if source is None:
                    places = ", ".join(str(path) for path in looked[:4])
                    raise ValueError(
                        f"{note}:{number}: the embedded file {target!r} was not found (looked at {places}); "
                        "pass --attachments FOLDER with the vault's attachment folder"
                    )
                destination = next((copy for original, copy in report.attachments if original == source), None)
                if destination is None:
                    name, taken = _safe_file_name(source.name), {copy.name for _, copy in report.attachments}
                    stem, suffix = os.path.splitext(name)
                    counter = 2
                    while name in taken:
                        name, counter = f"{stem}-{counter}{suffix}", counter + 1
                    destination = Path(post_stem) / name
                    report.attachments.append((source, destination))
                option = match.group(4)
                return f"![[{destination.as_posix()}{'|' + option if option else ''}]]"
            if not target:
                return match.group(0)
            uri, candidates = index.find_page(target)
            if uri is not None:
                return match.group(0)
            plain = (match.group(4) or "").strip() or target
            why = "matches several pages" if candidates else "matches no page of the site"
            report.notes.append(f"line {number}: {match.group(0)} {why}; written as plain text {plain!r}")
            return plain

        out.append(obsidian._outside_code(line, lambda part: obsidian._WIKILINK.sub(embed_or_link, part)))
    return "\n".join(out), tags, report


def _split_note(text: str) -> tuple[dict, str]:
    """The note's own front matter (Obsidian properties), if any, and the rest."""
    import yaml

    match = obsidian._FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1) or "") or {}
    except (yaml.YAMLError, ValueError):
        meta = {}
    return (meta if isinstance(meta, dict) else {}), text[match.end():]


def _meta_list(value) -> list[str]:
    if isinstance(value, str):
        return [part.strip().lstrip("#") for part in re.split(r"[,\s]+", value) if part.strip()]
    if isinstance(value, list):
        return [str(part).strip().lstrip("#") for part in value if str(part).strip()]
    return []


def import_note(
    note: Path,
    *,
    category: str = "Daily log",
    title: str | None = None,
    date: dt.date | None = None,
    tags: list[str] = (),
    author: str = "team",
    root: Path = ROOT,
    attachments_dir: Path | None = None,
) -> tuple[Path, ImportReport]:
    """Import an Obsidian note as a post; return its path and what was changed.

    Raises
    ------
    ValueError
        No date to be found, an embedded file that does not exist, an unknown
        category or author.
    FileExistsError
        The post or its attachment folder exists already (nothing is written).
    """
    if ftfy is None:
        raise ValueError("importing needs ftfy: pip install ftfy (it is in the docs extras: pip install -e .[docs])")
    note = Path(note)
    posts_dir, allowed, authors = _blog(root, category, author)
    raw = note.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("sloppy-windows-1252")
    text = text.replace("\r\n", "\n")
    text, mojibake_notes = fix_mojibake(text)
    meta, body = _split_note(text)
    body_line = text[: len(text) - len(body)].count("\n") + 1

    lines = body.split("\n")
    heading_at = next((i for i, line in enumerate(lines) if re.match(r"^#\s+\S", line)), None)
    note_title = lines[heading_at][1:].strip() if heading_at is not None else str(meta.get("title") or note.stem)
    when = date or date_in(note_title) or date_in(note.stem)
    if when is None:
        for key in ("date", "created"):
            value = meta.get(key)
            if isinstance(value, dt.datetime):
                when = value.date()
            elif isinstance(value, dt.date):
                when = value
            elif isinstance(value, str):
                when = date_in(value)
            if when:
                break
    if when is None:
        raise ValueError(f"{note}: no date in the title {note_title!r} or the file name; pass --date YYYY-MM-DD")
    post_title = (title or note_title).strip()
    if heading_at is not None:
        del lines[: heading_at + 1]
        body_line += heading_at + 1
    try:
        slug = slugify(_strip_date(post_title))
    except ValueError:
        slug = "log"
    stem = f"{when.isoformat()}-{slug}"
    path = posts_dir / f"{stem}.md"
    folder = posts_dir / stem
    if path.exists():
        raise FileExistsError(f"{path} exists already; choose another --title or edit that post")
    if folder.exists():
        raise FileExistsError(f"{folder} exists already; it would receive the note's attachments")

    nav = site_content.read_mkdocs_config(root / "mkdocs.yml").get("nav")
    index = obsidian.SiteIndex.from_folder(root / "docs", nav)
    markdown, inline_tags, report = convert_note(note, "\n".join(lines), stem, index, attachments_dir, body_line)
    report.notes[:0] = mojibake_notes
    all_tags, seen = [], set()
    for tag in [*tags, *_meta_list(meta.get("tags")), *inline_tags]:
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            all_tags.append(tag)
    markdown = markdown.strip("\n") + "\n"
    if "<!-- more -->" not in markdown:
        parts = re.split(r"(?m)^(?=## )", markdown, maxsplit=1)
        if len(parts) == 2:
            markdown = parts[0].rstrip("\n") + ("\n\n" if parts[0].strip() else "") + "<!-- more -->\n\n" + parts[1]
    text = render_front_matter(post_title, when, category, all_tags, author) + "\n" + markdown

    if report.attachments:
        folder.mkdir(parents=True, exist_ok=False)
    try:
        for source, destination in report.attachments:
            shutil.copy2(source, posts_dir / destination)
        _write_new(path, text)
    except BaseException:
        if report.attachments:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    site_content.validate_post(path, allowed, authors or None)
    return path, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("title", nargs="?", help="post title, e.g. \"Backprop finally clicked\" (with --from: the note's title)")
    parser.add_argument("--from", dest="note", type=Path, help="import this Obsidian note instead of starting from a template")
    parser.add_argument("--template", default="daily-log", choices=sorted(TEMPLATES), help="kind of post (default: daily-log)")
    parser.add_argument("--category", default=None, help="one of categories_allowed in mkdocs.yml (default: the template's)")
    parser.add_argument("--tags", default="", help="comma-separated tags, e.g. ML,week1")
    parser.add_argument("--date", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD (default: today, or the note's date)")
    parser.add_argument("--author", default="team", help="author id from docs/blog/.authors.yml (default: team)")
    parser.add_argument("--attachments", type=Path, default=None, help="with --from: the folder the note's embedded files are in")
    args = parser.parse_args(argv)
    try:
        if args.note is not None:
            path, report = import_note(
                args.note, category=args.category or "Daily log", title=args.title, date=args.date,
                tags=parse_tags(args.tags), author=args.author, attachments_dir=args.attachments,
            )
            for note in report.notes:
                print(f"new_post: {args.note}: {note}", file=sys.stderr)
            for source, destination in report.attachments:
                print(f"copied {source} -> {destination}")
        else:
            if not args.title:
                parser.error("give a title, or --from NOTE.md")
            path = create_post(
                args.title, category=args.category, tags=parse_tags(args.tags), date=args.date,
                author=args.author, template=args.template,
            )
    except (ValueError, FileExistsError, OSError, site_content.ContentError) as error:
        print(f"new_post: {error}", file=sys.stderr)
        return 1
    print(f"created {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
