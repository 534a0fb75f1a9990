"""The data behind generated pages (books, topics, plan) and the lesson pages."""

from __future__ import annotations

import re

import pytest

from site_helpers import ROOT, site_content

DOCS = ROOT / "docs"
DATA = DOCS / "data"
LESSON_SECTIONS = (
    "## Goal",
    "## Task",
    "## Essential resource",
    "## The routine",
    "## Exercises",
    "## Self-check",
    "## Common failure modes",
    "## Notebook",
)


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_books_file_is_valid_and_holds_the_course_books():
    books = site_content.load_books(DATA / "books.yml")
    titles = " | ".join(book["title"] for book in books)
    for expected in ("Hands-On Machine Learning", "Hundred-Page", "Dive into Deep Learning", "Deep Learning", "Neural Networks from Scratch"):
        assert expected in titles


def test_topics_file_is_valid_and_has_twelve_topics():
    topics = site_content.load_topics(DATA / "topics.yml")
    assert len(topics) == 12
    assert topics[0]["topic"] == "Python refresher"
    assert topics[-1]["topic"] == "Invent something small"


def test_weekend_plan_matches_the_lesson_folders():
    weekends = site_content.load_weekends(DATA / "weekends.yml")
    assert [weekend["number"] for weekend in weekends] == list(range(1, 9))
    slugs = [weekend["slug"] for weekend in weekends]
    assert slugs == [
        "01-numpy-network", "02-logistic-regression", "03-regularization", "04-convolutions",
        "05-autograd", "06-optimizers", "07-generative", "08-deploy",
    ]


@pytest.mark.parametrize(
    "entry, message",
    [
        ("- title: A\n  authors: B\n  purpose: C\n  free: true\n", "entry 1 ('A') is missing link"),
        ("- title: A\n  authors: B\n  link: ftp://x.org/a\n  purpose: C\n  free: true\n", "must start with http"),
        ("- title: A\n  authors: B\n  link: https://x.org/a\n  free: true\n", "missing purpose"),
        ("- authors: B\n  link: https://x.org/a\n  purpose: C\n  free: true\n", "entry 1 is missing title"),
        ("- title: A\n  authors: B\n  link: https://x.org/a\n  purpose: C\n  free: maybe\n", "write true or false"),
        ("title: A\n", "expected a list of entries"),
        ("- title: [unclosed\n", "not valid YAML"),
    ],
)
def test_bad_book_entry_is_rejected_naming_file_and_entry(tmp_path, entry, message):
    path = write(tmp_path / "books.yml", entry)
    with pytest.raises(site_content.ContentError) as error:
        site_content.load_books(path)
    assert str(path) in str(error.value)
    assert message in str(error.value)


@pytest.mark.parametrize("field, second", [("title", "- title: a book\n  link: https://x.org/2\n"), ("link", "- title: Other\n  link: https://x.org/1\n")])
def test_duplicate_book_title_or_link_is_rejected(tmp_path, field, second):
    first = "- title: A Book\n  authors: B\n  link: https://x.org/1\n  purpose: C\n  free: false\n"
    path = write(tmp_path / "books.yml", first + second + "  authors: B\n  purpose: C\n  free: false\n")
    with pytest.raises(site_content.ContentError, match=rf"entry 2 repeats the {field} of entry 1"):
        site_content.load_books(path)


def test_topic_with_a_relative_link_is_rejected(tmp_path):
    path = write(tmp_path / "topics.yml", "- topic: T\n  summary: S\n  resource: R\n  link: /docs/page\n")
    with pytest.raises(site_content.ContentError, match=r"entry 1 \('T'\) has link '/docs/page'"):
        site_content.load_topics(path)


def test_missing_data_file_names_the_path(tmp_path):
    with pytest.raises(site_content.ContentError, match="file not found"):
        site_content.load_books(tmp_path / "nope.yml")


def test_rendered_bookshelf_links_every_book():
    books = site_content.load_books(DATA / "books.yml")
    markdown = site_content.render_books(books)
    for book in books:
        assert f"### {book['title']}" in markdown
        assert f"]({book['link']})" in markdown


def test_plan_lists_a_notebook_only_where_one_exists(tmp_path):
    weekends = [
        {"number": 1, "slug": "01-a", "title": "A", "goal": "g", "task": "t", "resource": "r", "resource_link": "https://x.org"},
        {"number": 2, "slug": "02-b", "title": "B", "goal": "g", "task": "t", "resource": "r", "resource_link": "https://x.org"},
    ]
    (tmp_path / "01-a").mkdir()
    (tmp_path / "01-a" / "index.md").write_text("# A\n")
    (tmp_path / "01-a" / "lesson.py").write_text("# %%\n")
    table = site_content.render_plan(weekends, tmp_path)
    first, second = table.splitlines()[2:4]
    assert "[lesson](weekends/01-a/lesson.py)" in first
    assert "coming" in second and ".py" not in second


@pytest.mark.parametrize("slug", ["01-numpy-network", "02-logistic-regression", "03-regularization", "04-convolutions", "06-optimizers", "07-generative", "08-deploy"])
def test_lesson_page_has_every_section(slug):
    text = (DOCS / "weekends" / slug / "index.md").read_text(encoding="utf-8")
    positions = [text.find(section) for section in LESSON_SECTIONS]
    missing = [section for section, position in zip(LESSON_SECTIONS, positions) if position < 0]
    assert not missing, f"docs/weekends/{slug}/index.md lacks {missing}"
    assert positions == sorted(positions), "sections are out of order"
    assert len(re.findall(r"^\?\?\? question ", text, flags=re.M)) >= 3
    assert len(re.findall(r"^- \[ \] ", text, flags=re.M)) == 4, "the routine has four blocks"


def test_readme_opens_with_the_two_quick_start_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    serve = readme.find("python3 scripts/dev.py serve")
    test = readme.find("python3 scripts/dev.py test")
    assert 0 < serve < test
    first_section = readme.split("\n## ", 2)[1]
    assert "python3 scripts/dev.py serve" in first_section and "python3 scripts/dev.py test" in first_section
    for topic in ("CLASSROOM_DATA", "scripts/prepare_data.py", "CLASSROOM_QUICK", "## Layout"):
        assert topic in readme


def test_contributing_page_includes_the_root_guide():
    page = (DOCS / "contributing.md").read_text(encoding="utf-8")
    assert '--8<-- "CONTRIBUTING.md"' in page
    guide = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for heading in ("## Add a learning-log post", "## Add a notebook", "## Add a book", "## Run the checks locally", "## What CI checks on a pull request"):
        assert heading in guide


def test_site_sources_mention_no_machine_paths():
    sources = [ROOT / "mkdocs.yml", ROOT / "README.md", ROOT / "CONTRIBUTING.md"]
    sources += [path for path in DOCS.rglob("*") if path.is_file() and path.suffix in {".md", ".yml", ".py", ".js", ".css"}]
    sources += list((ROOT / "hooks").glob("*.py")) + list((ROOT / ".github").rglob("*.y*ml"))
    offenders = [str(path.relative_to(ROOT)) for path in sources if "/work/" in path.read_text(encoding="utf-8")]
    assert not offenders


def test_lesson_notebook_section_links_existing_notebooks(tmp_path):
    notebook = tmp_path / "mnist.py"
    notebook.write_text("# %% [markdown]\n# # A network on MNIST\n", encoding="utf-8")
    rendered = site_content.render_lesson_notebooks([notebook])
    assert '!!! example "Open the notebook"' in rendered
    assert "[A network on MNIST](mnist.py)" in rendered


def test_lesson_without_notebook_says_it_is_not_delivered():
    assert "Not delivered yet" in site_content.render_lesson_notebooks([])


@pytest.mark.parametrize("slug", ["01-numpy-network", "02-logistic-regression", "03-regularization", "04-convolutions", "06-optimizers", "07-generative", "08-deploy"])
def test_lesson_notebook_section_is_generated(slug):
    text = (DOCS / "weekends" / slug / "index.md").read_text(encoding="utf-8")
    assert "<!-- classroom:notebooks -->" in text.split("## Notebook", 1)[1]
