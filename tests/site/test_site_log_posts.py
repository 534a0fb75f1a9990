"""The learning log's posts: one of each kind, numbers with their commands, questions with their answers."""

from __future__ import annotations

import re

from site_helpers import ROOT, site_content

POSTS = ROOT / "docs" / "blog" / "posts"
WEEKEND_1 = (ROOT / "docs" / "weekends" / "01-numpy-network" / "index.md").read_text(encoding="utf-8")

#: Each kind of post and the sections its template gives it (scripts/new_post.py).
KINDS = {
    "daily log": ["## Goals for today", "## What I studied", "## Insights and reflections", "## Questions"],
    "weekend recap": ["## What I built", "## What I measured", "## What went wrong", "## Next weekend"],
    "month-in reflection": ["## What I learned", "## Open questions", "## What's next"],
    "lesson notes": ["## Summary", "## Notes", "## Questionnaire"],
}


def section(text: str, heading: str) -> str:
    start = text.index(heading) + len(heading)
    following = re.search(r"^## ", text[start:], flags=re.M)
    return text[start:start + following.start()] if following else text[start:]


def posts_of_kind(kind):
    return [path for path in sorted(POSTS.glob("*.md")) if all(h in path.read_text(encoding="utf-8") for h in KINDS[kind])]


def test_the_log_has_a_post_of_every_kind():
    for kind in KINDS:
        assert posts_of_kind(kind), f"no {kind} post in docs/blog/posts (sections {KINDS[kind]})"


def test_every_measured_number_of_the_weekend_recap_comes_with_its_command():
    for path in posts_of_kind("weekend recap"):
        measured = section(path.read_text(encoding="utf-8"), "## What I measured")
        rows = [row for row in measured.splitlines() if row.startswith("|") and not re.match(r"^\|\s*(What|-)", row)]
        assert rows, f"{path.name}: no measurements"
        for row in rows:
            command = row.rstrip(" |").rsplit("|", 1)[1].strip()
            assert command == "same" or re.fullmatch(r"`[^`]+`", command), f"{path.name}: no command in {row!r}"


def test_the_weekend_1_recap_quotes_the_full_runs_as_the_lesson_page_records_them():
    text = (POSTS / "2026-11-29-weekend-1-recap.md").read_text(encoding="utf-8")
    full_runs = section(text, "## What I measured").split("And the full recipe", 1)[1]
    numbers = re.findall(r"\d+\.\d+|\d+ s\b", full_runs)
    assert len(numbers) >= 10
    missing = [number for number in numbers if number not in WEEKEND_1]
    assert not missing, f"numbers not on the weekend-1 page: {missing}"
    for command in re.findall(r"`([^`]+)`", full_runs):
        assert command in WEEKEND_1 or command.startswith("classroom train mnist"), command


def test_every_open_question_links_the_site_or_says_it_is_not_answered_there():
    for path in posts_of_kind("month-in reflection"):
        questions = [item for item in section(path.read_text(encoding="utf-8"), "## Open questions").split("\n- ") if "?" in item]
        assert len(questions) >= 3
        for question in (" ".join(item.split()) for item in questions):
            assert "[[" in question or "Not answered on the site yet" in question, f"{path.name}: {question[:80]!r}"


def test_the_lesson_notes_questionnaire_has_choice_and_free_text_questions():
    for path in posts_of_kind("lesson notes"):
        questionnaire = section(path.read_text(encoding="utf-8"), "## Questionnaire")
        assert re.search(r'^\?\?\?\+ question "', questionnaire, flags=re.M) and "    - [x] " in questionnaire
        assert re.search(r'^\?\?\? question "', questionnaire, flags=re.M)


def test_every_post_is_valid():
    settings = site_content.blog_settings(ROOT / "mkdocs.yml")
    assert len(site_content.validate_posts(POSTS, settings["categories_allowed"], POSTS.parent / ".authors.yml")) >= 4
