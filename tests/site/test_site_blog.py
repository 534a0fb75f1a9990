"""The learning log: front matter of every post, and scripts/new_post.py."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from site_helpers import ROOT, load_module, site_content

new_post = load_module("scripts/new_post.py", "new_post_under_test")

BLOG = ROOT / "docs" / "blog"
SETTINGS = site_content.blog_settings(ROOT / "mkdocs.yml")
ALLOWED = SETTINGS["categories_allowed"]
AUTHORS = site_content.known_authors(BLOG / ".authors.yml")

GOOD_FRONT_MATTER = "date: 2026-11-22\nauthors: [team]\ncategories:\n  - Daily log\ntags: [ML, week1]\n"


def post(tmp_path, front_matter, name="post.md"):
    path = tmp_path / name
    path.write_text(f"---\n{front_matter}---\n\n# A post\n\nText.\n", encoding="utf-8")
    return path


def test_categories_are_restricted_in_mkdocs_yml():
    assert ALLOWED == ["Daily log", "Weekend recap", "Course news"]
    assert "team" in AUTHORS


def test_every_post_has_a_valid_front_matter():
    posts = site_content.validate_posts(BLOG / "posts", ALLOWED, BLOG / ".authors.yml")
    assert posts, "the learning log should have at least one post"


def test_kickoff_post_follows_the_daily_log_shape():
    text = (BLOG / "posts" / "2026-11-22-course-kickoff.md").read_text(encoding="utf-8")
    for heading in ("## Goals for today", "## What I studied", "## Insights and reflections", "## Inspirations", "## Questions"):
        assert heading in text
    assert "- [x] " in text and "- [ ] " in text


def test_valid_synthetic_post_passes(tmp_path):
    meta = site_content.validate_post(post(tmp_path, GOOD_FRONT_MATTER), ALLOWED, AUTHORS)
    assert meta["date"] == dt.date(2026, 11, 22)


@pytest.mark.parametrize(
    "front_matter, message",
    [
        (GOOD_FRONT_MATTER.replace("2026-11-22", "2026-13-45"), "is not a valid date"),
        (GOOD_FRONT_MATTER.replace("2026-11-22", "22/11/2026"), "is not a valid date"),
        (GOOD_FRONT_MATTER.replace("date: 2026-11-22\n", ""), "has no date"),
        (GOOD_FRONT_MATTER.replace("Daily log", "Random thoughts"), "unknown categories ['Random thoughts']"),
        (GOOD_FRONT_MATTER.replace("categories:\n  - Daily log\n", ""), "categories must be a list"),
        (GOOD_FRONT_MATTER.replace("tags: [ML, week1]", "tags: ML"), "tags must be a list"),
        (GOOD_FRONT_MATTER.replace("[team]", "[somebody]"), "authors ['somebody'] are not in"),
    ],
)
def test_bad_post_is_rejected_with_a_message_naming_the_file(tmp_path, front_matter, message):
    path = post(tmp_path, front_matter, name="2026-11-22-bad.md")
    with pytest.raises(site_content.ContentError) as error:
        site_content.validate_post(path, ALLOWED, AUTHORS)
    assert str(path) in str(error.value)
    assert message in str(error.value)


def test_post_without_front_matter_is_rejected(tmp_path):
    path = tmp_path / "bare.md"
    path.write_text("# Just a title\n", encoding="utf-8")
    with pytest.raises(site_content.ContentError, match="no front matter"):
        site_content.validate_post(path, ALLOWED)


@pytest.fixture
def fake_root(tmp_path):
    """A repository root with the real mkdocs.yml and authors file, and no posts."""
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    (tmp_path / "docs" / "blog").mkdir(parents=True)
    shutil.copy(BLOG / ".authors.yml", tmp_path / "docs" / "blog" / ".authors.yml")
    return tmp_path


def test_new_post_writes_a_valid_post_dated_today(fake_root):
    path = new_post.create_post("Backprop finally clicked!", category="Daily log", tags=["ML", "week1"], root=fake_root)
    today = dt.date.today()
    assert path == fake_root / "docs" / "blog" / "posts" / f"{today.isoformat()}-backprop-finally-clicked.md"
    meta = site_content.validate_post(path, ALLOWED, AUTHORS)
    assert meta["date"] == today
    assert meta["categories"] == ["Daily log"]
    assert meta["tags"] == ["ML", "week1"]
    text = path.read_text(encoding="utf-8")
    assert "# Backprop finally clicked!" in text
    for heading in ("## Goals for today", "## What I studied", "## Insights and reflections", "## Inspirations", "## Questions"):
        assert heading in text
    assert not list(path.parent.glob("*.tmp"))


def test_new_post_uses_the_given_date(fake_root):
    path = new_post.create_post("Recap", category="Weekend recap", tags=[], date=dt.date(2027, 1, 3), root=fake_root)
    assert path.name == "2027-01-03-recap.md"
    assert site_content.validate_post(path, ALLOWED, AUTHORS)["date"] == dt.date(2027, 1, 3)


def test_new_post_refuses_to_overwrite(fake_root):
    path = new_post.create_post("Same title", category="Daily log", tags=["ML"], root=fake_root)
    path.write_text(path.read_text() + "\nMy notes.\n", encoding="utf-8")
    with pytest.raises(FileExistsError, match="exists already"):
        new_post.create_post("Same title", category="Daily log", tags=["ML"], root=fake_root)
    assert path.read_text().endswith("My notes.\n")


def test_new_post_rejects_an_unknown_category(fake_root):
    with pytest.raises(ValueError, match="unknown category 'Thoughts'; choose one of"):
        new_post.create_post("Title", category="Thoughts", tags=[], root=fake_root)
    assert not (fake_root / "docs" / "blog" / "posts").exists()


def test_new_post_command_line_reports_errors_without_a_traceback(capsys):
    assert new_post.main(["Title", "--category", "Nope"]) == 1
    assert "unknown category 'Nope'" in capsys.readouterr().err


@pytest.mark.parametrize("title, slug", [("Hello, World", "hello-world"), ("Épreuve  n°2", "epreuve-n2"), ("week1: CNN!", "week1-cnn")])
def test_slugify_makes_file_name_safe_slugs(title, slug):
    assert new_post.slugify(title) == slug


def test_parse_tags_splits_on_commas():
    assert new_post.parse_tags("ML, week1,,DL ") == ["ML", "week1", "DL"]
