"""Obsidian syntax in learning-log posts (hooks/obsidian.py): the rules, then real strict builds."""

from __future__ import annotations

import re
import struct
import zlib

import markdown
import pytest

from log_site import build_log_site, built_post, make_log_site
from site_helpers import ROOT, load_module

obsidian = load_module("hooks/obsidian.py", "obsidian_hook_under_test")

POST = "blog/posts/2026-12-01-obsidian.md"


@pytest.fixture(scope="module")
def index():
    nav = load_module("hooks/site_content.py", "site_content_for_obsidian").read_mkdocs_config(ROOT / "mkdocs.yml")["nav"]
    return obsidian.SiteIndex.from_folder(ROOT / "docs", nav)


def convert(text, index, first_line=1):
    return obsidian.convert(text, POST, index, first_line=first_line)


# --------------------------------------------------------------------------
# Tags
# --------------------------------------------------------------------------


def test_a_line_of_tags_becomes_the_posts_tags_not_a_heading(index):
    result = convert("# Title\n#ML #DL #week1\n\nText.\n", index)
    assert result.tags == ["ML", "DL", "week1"]
    html = markdown.markdown(result.markdown)
    assert "<h1>ML" not in html and "#ML" not in html
    assert result.markdown.split("\n")[1] == "", "the tag line is blanked so later line numbers stay right"


def test_tags_in_a_sentence_are_collected_and_stay_visible(index):
    result = convert("I finally got #backprop today, see #week1/day2.\n", index)
    assert result.tags == ["backprop", "week1/day2"]
    assert '<span class="log-tag">#backprop</span>' in result.markdown


@pytest.mark.parametrize(
    "line",
    [
        "Code `#not-a-tag` stays.",
        "C# and F# are languages, issue #42 is a number.",
        "A link [here](https://example.org/page#section) and [there](#anchor).",
        "## A heading { #custom-id }",
        "An entity &#35; and a colour in `#fff`.",
    ],
)
def test_things_that_look_like_tags_are_not_tags(index, line):
    result = convert(line + "\n", index)
    assert result.tags == []
    assert "log-tag" not in result.markdown


def test_nothing_changes_inside_fenced_code(index):
    text = "```python\n#ML is a comment [[The plan]] ![[x.png]]\n```\n"
    result = convert(text, index)
    assert result.markdown == text and result.tags == [] and result.problems == []


# --------------------------------------------------------------------------
# Wikilinks
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "link, expected",
    [
        ("[[The plan]]", "[The plan](../../plan.md)"),
        ("[[the PLAN|our plan]]", "[our plan](../../plan.md)"),
        ("[[Weekend 1]]", "[Weekend 1](../../weekends/01-numpy-network/index.md)"),
        ("[[Weekend 2 · From linear to logistic regression]]", "(../../weekends/02-logistic-regression/index.md)"),
        ("[[weekends/03-regularization/index|weekend 3]]", "[weekend 3](../../weekends/03-regularization/index.md)"),
        ("[[The plan#The weekend routine]]", "(../../plan.md#the-weekend-routine)"),
        ("[[XOR by hand and by gradient descent]]", "(../../foundations/xor.py)"),
        ("[[course-kickoff]]", "(2026-11-22-course-kickoff.md)"),
        ("[[Kickoff: building the classroom before the first weekend]]", "(2026-11-22-course-kickoff.md)"),
        ("[[#Insights]]", "[Insights](#insights)"),
    ],
)
def test_wikilinks_resolve_by_title_path_or_file_name(index, link, expected):
    result = convert(f"See {link}.\n", index)
    assert result.problems == []
    assert expected in result.markdown
    assert "[[" not in result.markdown


def test_an_unresolved_wikilink_is_reported_with_its_line(index):
    result = convert("Line one.\n\nBuilt on [[PyTorch]].\n", index, first_line=10)
    assert [problem.line for problem in result.problems] == [12]
    message = result.problems[0].message
    assert "[[PyTorch]] matches no page" in message and "remove the brackets" in message


def test_an_ambiguous_wikilink_lists_the_pages_it_could_mean(index):
    result = convert("Open the [[Notebook]].\n", index)
    assert len(result.problems) == 1
    assert "matches several pages" in result.problems[0].message
    assert "[[foundations/xor]]" in result.problems[0].message or "[[weekends/" in result.problems[0].message


def test_a_pipe_escaped_in_a_table_still_separates_the_text(index):
    result = convert("| [[The plan\\|plan]] | x |\n", index)
    assert "[plan](../../plan.md)" in result.markdown


# --------------------------------------------------------------------------
# Embeds
# --------------------------------------------------------------------------


def image_index(tmp_path, *names):
    docs = tmp_path / "docs"
    (docs / "blog" / "posts").mkdir(parents=True)
    for name in names:
        path = docs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"not really an image")
    (docs / "blog" / "posts" / "2026-12-01-obsidian.md").write_text("---\ndate: 2026-12-01\n---\n# Post\n")
    return obsidian.SiteIndex.from_folder(docs)


def test_an_embed_becomes_an_image_with_its_width(tmp_path):
    index = image_index(tmp_path, "blog/posts/2026-12-01-obsidian/Screen shot.png")
    result = convert("![[2026-12-01-obsidian/Screen shot.png|500]]\n", index)
    assert result.problems == []
    assert result.markdown.strip() == '![Screen shot](2026-12-01-obsidian/Screen%20shot.png){ width="500" }'
    html = markdown.markdown(result.markdown, extensions=["attr_list"])
    assert 'width="500"' in html and 'src="2026-12-01-obsidian/Screen%20shot.png"' in html


def test_an_embed_is_found_by_file_name_and_takes_width_and_height(tmp_path):
    index = image_index(tmp_path, "blog/posts/attachments/plot.png")
    result = convert("![[plot.png|320x200]]\n", index)
    assert result.markdown.strip() == '![plot](attachments/plot.png){ width="320" height="200" }'


def test_an_embed_with_alt_text(tmp_path):
    index = image_index(tmp_path, "blog/posts/plot.png")
    assert convert("![[plot.png|Loss curve]]\n", index).markdown.strip() == "![Loss curve](plot.png)"


def test_a_missing_image_and_an_embedded_note_are_reported(tmp_path):
    index = image_index(tmp_path)
    result = convert("![[missing.png|500]]\n![[Some note]]\n", index, first_line=3)
    assert [problem.line for problem in result.problems] == [3, 4]
    assert "no image 'missing.png'" in result.problems[0].message
    assert "not an image" in result.problems[1].message


# --------------------------------------------------------------------------
# Lists and line numbers
# --------------------------------------------------------------------------


def test_a_list_right_after_a_paragraph_gets_its_blank_line(index):
    result = convert("Today:\n- [x] one\n- [ ] two\n  continued\n- three\n", index)
    assert result.markdown == "Today:\n\n- [x] one\n- [ ] two\n  continued\n- three\n"


def test_line_offset_counts_the_front_matter_and_blank_lines():
    assert obsidian.line_offset("---\ndate: 2026-12-01\n---\n\n# Title\n") == 4
    assert obsidian.line_offset("# No front matter\n") == 0


# --------------------------------------------------------------------------
# Real strict builds
# --------------------------------------------------------------------------


def tiny_png(width=4, height=3) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x80\x40\x20" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


OBSIDIAN_POST = """---
date: 2026-12-01
authors: [team]
categories:
  - Daily log
tags:
  - log
---

# Obsidian syntax on the site
#ML #week1

Written in Obsidian: a link to [[Weekend 1|the first weekend]] and to [[The plan]].

<!-- more -->

## Notes
- [x] a task
> [!tip] Remember
> Check the shapes first.

![[2026-12-01-obsidian-syntax/plot.png|300]]
"""


@pytest.mark.slow
def test_a_post_in_obsidian_syntax_builds_strictly(tmp_path):
    root = make_log_site(tmp_path)
    posts = root / "docs" / "blog" / "posts"
    (posts / "2026-12-01-obsidian-syntax.md").write_text(OBSIDIAN_POST, encoding="utf-8")
    (posts / "2026-12-01-obsidian-syntax").mkdir()
    (posts / "2026-12-01-obsidian-syntax" / "plot.png").write_bytes(tiny_png())
    result = build_log_site(root, tmp_path / "site")
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    html = built_post(tmp_path / "site", "obsidian-syntax-on-the-site").read_text(encoding="utf-8")
    assert 'href="../../../../../weekends/01-numpy-network/"' in html and ">the first weekend</a>" in html
    assert 'href="../../../../../plan/"' in html
    image = re.search(r'<img[^>]+plot\.png[^>]*>', html)
    assert image and 'width="300"' in image.group(0)
    src = re.search(r'src="([^"]+)"', image.group(0)).group(1)
    post_dir = built_post(tmp_path / "site", "obsidian-syntax-on-the-site").parent
    assert (post_dir / src).resolve().is_file(), f"the image {src} is not published"
    assert 'class="admonition tip"' in html and "Check the shapes first." in html
    assert "<h1" in html and not re.search(r"<h1[^>]*>\s*ML", html)
    tags = re.findall(r'class="md-tag[^"]*"[^>]*>\s*([^<]+?)\s*<', html)
    assert {"ML", "week1", "log"} <= set(tags), tags
    tags_page = (tmp_path / "site" / "blog" / "tags" / "index.html").read_text(encoding="utf-8")
    assert re.search(r">\s*week1\s*<", tags_page)


@pytest.mark.slow
def test_an_unresolved_wikilink_fails_the_strict_build_naming_file_and_line(tmp_path):
    root = make_log_site(tmp_path)
    post = root / "docs" / "blog" / "posts" / "2026-12-01-broken-link.md"
    post.write_text(
        "---\ndate: 2026-12-01\nauthors: [team]\ncategories:\n  - Daily log\n---\n\n"
        "# A broken link\n\nFine: [[The plan]].\n\nBroken: [[No such page anywhere]].\n",
        encoding="utf-8",
    )
    result = build_log_site(root, tmp_path / "site")
    log = result.stdout + result.stderr
    assert result.returncode != 0, "a strict build must fail on an unresolved wikilink"
    assert "docs/blog/posts/2026-12-01-broken-link.md:12: [[No such page anywhere]] matches no page" in log, log[-3000:]
    assert "The plan" not in re.findall(r"posts/2026-12-01-broken-link.md:\d+: (.*)", log)[0]
