"""MkDocs hook: the self-check questions become quizzes that remember the reader's answers.

The questions stay in the Markdown, written as they always were, in a
``## Self-check`` section (lesson pages) or a ``## Questionnaire`` section
(learning-log posts)::

    ???+ question "Where is the decision boundary of binary logistic regression?"
        - [ ] Where the predicted probability is 1
        - [x] Where \\(x^\\top w + b = 0\\), i.e. \\(\\hat p = 0.5\\)

        Why: the explanation, shown once the reader has answered.

    ??? question "Why do we need a non-linearity between the two layers?"
        The model answer, revealed when the question is opened.

A question whose body starts with a task list is a choice question: one
``[x]`` makes it single choice, several make it multiple choice. Any other
question is answered in the reader's own words and graded by the reader
("I got it" / "I did not") once the model answer is revealed.

This hook checks the questions (a choice question needs two choices and at
least one right one; the problems are warnings naming file and line, so a
strict build fails), gives each question a stable id made from its text, and
replaces ``<!-- classroom:quiz-progress -->`` (on the plan page) with a
progress table per lesson. ``docs/javascripts/quiz.js`` does the rest in the
browser and keeps the answers in ``localStorage`` only: nothing is sent.
"""

from __future__ import annotations

import html
import json
import logging
import posixpath
import re
from pathlib import Path
from typing import NamedTuple

log = logging.getLogger("mkdocs.hooks.quizzes")

PROGRESS_MARKER = "<!-- classroom:quiz-progress -->"
QUIZ_SECTIONS = ("self-check", "questionnaire")
STORAGE_KEY = "classroom-quiz-v1"

_SECTION = re.compile(r"^##\s+(Self-check|Questionnaire)\s*$", re.I)
_QUESTION = re.compile(r'^(\?\?\?\+?)\s+question\s+"(.+)"\s*$')
_CHOICE = re.compile(r"^    [-*]\s+\[([ xX])\]\s+(.*)$")


class Question(NamedTuple):
    id: str
    title: str
    kind: str  # "single", "multiple" or "free"
    line: int
    choices: int


def question_id(title: str) -> str:
    """A stable id from the question's text: lower-case words joined by hyphens (at most 60 characters)."""
    text = re.sub(r"\\\(|\\\)|[`*_\\{}^$]", " ", title)
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60].rstrip("-") or "question"


def parse_questions(markdown: str, first_line: int = 1) -> tuple[list[Question], list[tuple[int, str]]]:
    """The quiz questions of a page and the problems found: ([Question], [(line, message)])."""
    questions: list[Question] = []
    problems: list[tuple[int, str]] = []
    lines = markdown.split("\n")
    in_section = False
    fence = False
    index = 0
    while index < len(lines):
        line = lines[index]
        number = first_line + index
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        if fence:
            index += 1
            continue
        if re.match(r"^#{1,2}\s", line):
            in_section = bool(_SECTION.match(line))
        match = _QUESTION.match(line) if in_section else None
        if not match:
            index += 1
            continue
        title = match.group(2)
        body_end = index + 1
        while body_end < len(lines) and (not lines[body_end].strip() or lines[body_end].startswith("    ")):
            body_end += 1
        body = [text for text in lines[index + 1:body_end] if text.strip()]
        choices = [_CHOICE.match(text) for text in body]
        marked = [choice for choice in choices if choice]
        if marked and not choices[0]:
            problems.append((number, f'question "{title}": its choices must come first in the body, before the explanation'))
        right = sum(1 for choice in marked if choice.group(1) in "xX")
        if marked and len(marked) < 2:
            problems.append((number, f'question "{title}" has one choice; give at least two ("    - [ ] ..."), or write it without a task list to make it a free-text question'))
        elif marked and right == 0:
            problems.append((number, f'question "{title}" has no right choice; mark the right one(s) with "    - [x] ..."'))
        kind = "free" if not marked else ("single" if right == 1 else "multiple")
        if not any(not choice for choice in choices) and kind != "free":
            problems.append((number, f'question "{title}" has no explanation; add a paragraph after the choices saying why'))
        if not body:
            problems.append((number, f'question "{title}" has no answer; indent the model answer by 4 spaces below it'))
        identifier = question_id(title)
        for earlier in questions:
            if earlier.id == identifier:
                problems.append((number, f'question "{title}" has the same id as the one on line {earlier.line} ({identifier!r}); reword one of them'))
        questions.append(Question(identifier, title, kind, number, len(marked)))
        index = body_end
    return questions, problems


def line_offset(source: str) -> int:
    match = re.match(r"\A---[ \t]*\r?\n.*?\r?\n---[ \t]*\r?\n", source, re.S)
    if not match:
        return 0
    rest = source[match.end():]
    return source[:match.end()].count("\n") + (len(rest) - len(rest.lstrip("\n")))


def annotate_html(content: str, page_key: str, questions: list[Question]) -> tuple[str, int]:
    """Mark the quiz questions in a page's HTML; return (html, questions marked).

    Only ``<details class="question">`` elements inside the quiz sections are
    marked, in order, with ``data-quiz-id``, ``data-quiz-kind`` and
    ``data-quiz-page``; a score line follows each section's heading.
    """
    pattern = re.compile(r'(<h2 id="(?:%s)"[^>]*>.*?</h2>)(.*?)(?=<h2[ >]|\Z)' % "|".join(QUIZ_SECTIONS), re.S)
    remaining = list(questions)
    marked = 0

    def section(match):
        nonlocal marked
        heading, body = match.group(1), match.group(2)

        def mark(details):
            nonlocal marked
            if not remaining:
                return details.group(0)
            question = remaining.pop(0)
            marked += 1
            return (
                f'<details class="question quiz" data-quiz-id="{question.id}" data-quiz-kind="{question.kind}" '
                f'data-quiz-page="{html.escape(page_key)}"{details.group(1)}>'
            )

        before = marked
        body = re.sub(r'<details class="question"([^>]*)>', mark, body)
        count = marked - before
        score = f'<p class="quiz-score" data-quiz-page="{html.escape(page_key)}" data-quiz-total="{count}"></p>'
        return heading + score + body

    content = pattern.sub(section, content)
    return content, marked


# --------------------------------------------------------------------------
# The progress table on the plan page
# --------------------------------------------------------------------------


def render_progress(rows: list[tuple[str, str, str, list[Question]]]) -> str:
    """HTML for ``<!-- classroom:quiz-progress -->``: rows are (label, href, page key, questions)."""
    lines = [
        '<div class="quiz-progress">',
        "<table>",
        "<thead><tr><th>Lesson</th><th>Questions</th><th>Answered</th><th>Right</th><th>Progress</th></tr></thead>",
        "<tbody>",
    ]
    for label, href, key, questions in rows:
        ids = html.escape(json.dumps([question.id for question in questions]))
        total = len(questions)
        lines.append(
            f'<tr data-quiz-page="{html.escape(key)}" data-quiz-ids="{ids}">'
            f'<td><a href="{html.escape(href)}#self-check">{html.escape(label)}</a></td>'
            f"<td>{total}</td>"
            f'<td class="quiz-answered">0</td><td class="quiz-right">0</td>'
            f'<td><progress max="{total}" value="0"></progress></td></tr>'
        )
    lines += [
        "</tbody>",
        "</table>",
        '<p><button type="button" class="md-button quiz-reset">Reset my progress</button> '
        '<span class="quiz-status" role="status"></span></p>',
        "</div>",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------
# MkDocs events
# --------------------------------------------------------------------------

_questions: dict[str, list[Question]] = {}


def _lesson_sources(docs_dir: Path) -> list[tuple[str, str]]:
    """(label, src_uri) of every lesson, in the order of the plan, then month 2."""
    import yaml

    lessons = []
    weekends_file = docs_dir / "data" / "weekends.yml"
    if weekends_file.exists():
        for weekend in yaml.safe_load(weekends_file.read_text(encoding="utf-8")) or []:
            lessons.append((f"{weekend['number']} · {weekend['title']}", f"weekends/{weekend['slug']}/index.md"))
    lessons.append(("Month 2 · Ship a classifier", "month-2/index.md"))
    return lessons


def _read_questions(path: Path) -> list[Question]:
    source = path.read_text(encoding="utf-8")
    return parse_questions(source[_front_matter_end(source):], line_offset(source) + 1)[0]


def _front_matter_end(source: str) -> int:
    match = re.match(r"\A---[ \t]*\r?\n.*?\r?\n---[ \t]*\r?\n", source, re.S)
    if not match:
        return 0
    rest = source[match.end():]
    return match.end() + (len(rest) - len(rest.lstrip("\n")))


def on_pre_build(config):
    _questions.clear()


def on_page_markdown(markdown, page, config, files):
    docs_dir = Path(config.docs_dir)
    if any(_SECTION.match(line) for line in markdown.split("\n")):
        try:
            source = Path(page.file.abs_src_path).read_text(encoding="utf-8")
            first_line = line_offset(source) + 1
        except (OSError, TypeError):
            first_line = 1
        questions, problems = parse_questions(markdown, first_line)
        shown = f"{docs_dir.name}/{page.file.src_uri}"
        for line, message in problems:
            log.warning("%s:%d: %s", shown, line, message)
        if questions:
            _questions[page.file.src_uri] = questions
    if PROGRESS_MARKER in markdown:
        rows = []
        for label, src_uri in _lesson_sources(docs_dir):
            file = files.get_file_from_path(src_uri)
            if file is None:
                continue
            questions = _read_questions(docs_dir / src_uri)
            if questions:
                href = posixpath.relpath(file.url or ".", page.url or ".") + "/"
                rows.append((label, href.replace("//", "/"), file.url, questions))
        markdown = markdown.replace(PROGRESS_MARKER, render_progress(rows))
    return markdown


def on_page_content(content, page, config, files):
    questions = _questions.get(page.file.src_uri)
    if not questions:
        return content
    content, marked = annotate_html(content, page.url, questions)
    if marked != len(questions):
        log.warning(
            "%s/%s: %d quiz questions in the Markdown but %d in the page; write each as '??? question \"...\"' "
            "directly under the section heading, not inside another block",
            Path(config.docs_dir).name, page.file.src_uri, len(questions), marked,
        )
    return content
