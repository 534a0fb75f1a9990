"""scripts/new_post.py --from NOTE.md (importing an Obsidian note) and the post templates."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from log_site import build_log_site, built_post, make_log_site
from site_helpers import load_module, site_content
from test_site_obsidian import tiny_png

pytest.importorskip("ftfy", reason="the importer needs ftfy (pip install -e .[docs])")

new_post = load_module("scripts/new_post.py", "new_post_for_import")

#: A daily note as a learner keeps it in Obsidian (abridged from a real one).
NOTE = """# 2025-08-02, Saturday
#ML #DL #week1
## 🎯 Goals for Today
- [x] Watch [Part 1: Getting started](https://course.fast.ai/Lessons/lesson1.html)
- [ ] Re-read [[Weekend 1|the weekend 1 lesson]] before coding
## 💡 Insights and Reflections
- The fastai library is built on top of [[PyTorch]] ...
- The routine is in [[The plan]]; the gradient check is the one from [[XOR by hand and by gradient descent]].
![[assets/Screenshot 2025-08-02 at 13.16.04.png|500]]
> [!tip] Next time
> Check the shapes before the learning rate.
## ❌ What did not work
- Training on the full set on a laptop, #today at least
## 📝 Questions
- Why does the learning-rate finder pick the steepest slope?
"""

EMOJI = ("🎯", "💡", "❌", "📝")


def mojibake(text: str) -> str:
    """The note as a wrong encoding shows it: UTF-8 bytes read as Windows-1254 (🎯 -> ğŸ\\x8e¯)."""
    return text.encode("utf-8").decode("sloppy-windows-1254")


def stripped(text: str) -> str:
    """A copy of the mojibake whose invisible control characters were removed (🎯 -> ğŸ¯)."""
    return "".join(char for char in mojibake(text) if not 0x80 <= ord(char) < 0xA0)


FORMS = {"mojibake": mojibake, "mojibake-without-control-characters": stripped}


def test_the_two_forms_really_differ():
    assert "ğŸ\x8e¯" in mojibake(NOTE) and "ğŸ¯" in stripped(NOTE)
    assert "\x8e" not in stripped(NOTE) and "\x9d" not in stripped(NOTE)


@pytest.mark.parametrize("form", FORMS)
def test_mojibake_is_repaired_in_both_forms(form):
    fixed, notes = new_post.fix_mojibake(FORMS[form](NOTE))
    assert fixed == NOTE
    if form == "mojibake":
        assert notes == [], "an intact mojibake needs no guess"
    else:
        assert any("restored as 🎯" in note and "line 3" in note for note in notes), notes


def test_ftfy_alone_cannot_repair_the_stripped_copy():
    """Why the fallback exists: without it the target emoji stays broken."""
    import ftfy

    assert "🎯" not in ftfy.fix_text(stripped(NOTE))


@pytest.mark.parametrize(
    "text",
    ["Café, naïve, déjà vu, «quoted» — ±3 °C, ¯\\_(ツ)_/¯", "Ağırlık ölçümü şöyle: İyi", "Straße Œuvre ½"],
)
def test_the_fallback_leaves_real_accented_text_alone(text):
    assert new_post.restore_stripped_mojibake(text) == (text, [])
    assert new_post.fix_mojibake(text)[0] == text


@pytest.fixture
def site(tmp_path):
    """A copy of the site and a vault folder holding the note's attachment."""
    root = make_log_site(tmp_path)
    vault = tmp_path / "vault"
    (vault / "assets").mkdir(parents=True)
    (vault / "assets" / "Screenshot 2025-08-02 at 13.16.04.png").write_bytes(tiny_png(8, 6))
    return root, vault


def write_note(vault, text, name="2025-08-02.md"):
    note = vault / name
    note.write_bytes(text.encode("utf-8"))
    return note


@pytest.mark.slow
@pytest.mark.parametrize("form", FORMS)
def test_an_imported_note_builds_strictly_with_tags_image_links_and_emoji(site, tmp_path, form):
    root, vault = site
    note = write_note(vault, FORMS[form](NOTE))
    path, report = new_post.import_note(note, category="Daily log", root=root)

    assert path == root / "docs" / "blog" / "posts" / "2025-08-02-saturday.md"
    meta = site_content.validate_post(path, ["Daily log", "Weekend recap", "Course news"], {"team"})
    assert meta["date"] == dt.date(2025, 8, 2)
    assert meta["categories"] == ["Daily log"]
    assert meta["tags"] == ["ML", "DL", "week1", "today"]
    text = path.read_text(encoding="utf-8")
    assert "ğŸ" not in text and all(emoji in text for emoji in EMOJI)
    assert "#ML #DL" not in text, "the tag line moved into the front matter"
    assert "<!-- more -->" in text
    copied = path.parent / "2025-08-02-saturday" / "screenshot-2025-08-02-at-13-16-04.png"
    assert copied.read_bytes() == (vault / "assets" / "Screenshot 2025-08-02 at 13.16.04.png").read_bytes()
    assert "![[2025-08-02-saturday/screenshot-2025-08-02-at-13-16-04.png|500]]" in text
    assert "built on top of PyTorch ..." in text, "a link to no page of the site becomes plain text"
    assert any("[[PyTorch]] matches no page of the site" in line and "line 7" in line for line in report.notes), report.notes
    assert "[[Weekend 1|the weekend 1 lesson]]" in text and "[[The plan]]" in text

    result = build_log_site(root, tmp_path / "site")
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    page = built_post(tmp_path / "site", "2025-08-02-saturday")
    html = page.read_text(encoding="utf-8")
    assert re.search(r"<h2[^>]*>🎯 Goals for Today", html), "the heading with its emoji"
    assert "ğŸ" not in html
    tags = set(re.findall(r'class="md-tag[^"]*"[^>]*>\s*([^<]+?)\s*<', html))
    assert {"ML", "DL", "week1"} <= tags, tags
    image = re.search(r'<img[^>]+screenshot[^>]*>', html)
    assert image and 'width="500"' in image.group(0)
    assert (page.parent / re.search(r'src="([^"]+)"', image.group(0)).group(1)).resolve().is_file()
    assert ">the weekend 1 lesson</a>" in html and 'weekends/01-numpy-network/"' in html
    # the notebook is a page on the real site, a plain file in this copy without notebooks
    assert re.search(r'href="[^"]*foundations/xor(/|\.py)"', html) and 'class="admonition tip"' in html
    assert 'class="task-list-item"' in html


def test_import_refuses_to_overwrite_and_writes_nothing_the_second_time(site):
    root, vault = site
    note = write_note(vault, NOTE)
    path, _ = new_post.import_note(note, root=root)
    path.write_text(path.read_text(encoding="utf-8") + "\nMy own edits.\n", encoding="utf-8")
    with pytest.raises(FileExistsError, match="exists already"):
        new_post.import_note(note, root=root)
    assert path.read_text(encoding="utf-8").endswith("My own edits.\n")
    assert sorted(p.name for p in (path.parent / path.stem).iterdir()) == ["screenshot-2025-08-02-at-13-16-04.png"]


def test_the_date_comes_from_the_file_name_when_the_title_has_none(site):
    root, vault = site
    note = write_note(vault, "# Backprop day\n#ML\n\nText.\n", name="2025-08-09 notes.md")
    path, _ = new_post.import_note(note, root=root)
    assert path.name == "2025-08-09-backprop-day.md"
    assert site_content.read_front_matter(path)["date"] == dt.date(2025, 8, 9)


def test_a_written_out_date_in_the_title_is_read():
    assert new_post.date_in("Notes of 2 August 2025") == dt.date(2025, 8, 2)
    assert new_post.date_in("Sat, Aug 16, 2025") == dt.date(2025, 8, 16)
    assert new_post.date_in("No date here") is None


def test_a_note_without_a_date_is_refused_with_the_fix(site):
    root, vault = site
    note = write_note(vault, "# Undated thoughts\n\nText.\n", name="thoughts.md")
    with pytest.raises(ValueError, match=r"no date in the title 'Undated thoughts' or the file name; pass --date"):
        new_post.import_note(note, root=root)
    path, _ = new_post.import_note(note, root=root, date=dt.date(2025, 9, 1))
    assert path.name == "2025-09-01-undated-thoughts.md"


def test_a_missing_attachment_names_the_note_and_line_and_writes_nothing(site):
    root, vault = site
    note = write_note(vault, "# 2025-08-03\n\nText.\n\n![[assets/gone.png|300]]\n", name="2025-08-03.md")
    with pytest.raises(ValueError, match=r"2025-08-03.md:5: the embedded file 'assets/gone.png' was not found"):
        new_post.import_note(note, root=root)
    assert not list((root / "docs" / "blog" / "posts").glob("2025-08-03*"))


def test_the_command_line_imports_and_reports(site, capsys, monkeypatch):
    root, vault = site
    note = write_note(vault, stripped(NOTE))
    monkeypatch.setattr(new_post, "ROOT", root)
    monkeypatch.setattr(new_post, "import_note", lambda *a, _f=new_post.import_note, **k: _f(*a, **{**k, "root": root}))
    assert new_post.main(["--from", str(note), "--category", "Daily log", "--tags", "fastai"]) == 0
    captured = capsys.readouterr()
    assert "created docs/blog/posts/2025-08-02-saturday.md" in captured.out
    assert "restored as 🎯" in captured.err and "[[PyTorch]]" in captured.err
    meta = site_content.read_front_matter(root / "docs" / "blog" / "posts" / "2025-08-02-saturday.md")
    assert meta["tags"][0] == "fastai"


# --------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------

HEADINGS = {
    "daily-log": ["## Goals for today", "## What I studied", "## Insights and reflections", "## Inspirations", "## Questions"],
    "weekend-recap": ["## What I built", "## What I measured", "## What went wrong", "## What I would do differently", "## Next weekend"],
    "month-reflection": ["## What I learned", "## Open questions", "## What's next"],
    "lesson-notes": ["## Summary", "## Notes", "## Questionnaire", "## Still unclear"],
}


@pytest.mark.parametrize("template", sorted(HEADINGS))
def test_every_template_makes_a_valid_post_with_its_sections(site, template):
    root, _ = site
    path = new_post.create_post(f"A {template} post", tags=[], template=template, date=dt.date(2026, 12, 5), root=root)
    meta = site_content.validate_post(path, ["Daily log", "Weekend recap", "Course news"], {"team"})
    assert meta["categories"] == [new_post.TEMPLATES[template][0]]
    text = path.read_text(encoding="utf-8")
    positions = [text.index(heading) for heading in HEADINGS[template]]
    assert positions == sorted(positions), "sections in their order"
    if template == "lesson-notes":
        assert '???+ question "' in text and "    - [x] " in text and '??? question "' in text
    if template == "month-reflection":
        assert "[[Weekend 1]]" in text


def test_an_unknown_template_is_refused(site):
    root, _ = site
    with pytest.raises(ValueError, match="unknown template 'essay'; choose one of"):
        new_post.create_post("Title", tags=[], template="essay", root=root)
