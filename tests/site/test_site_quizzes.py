"""Self-checks as quizzes (hooks/quizzes.py, docs/javascripts/quiz.js): the rules, the build, a real browser."""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

import pytest

from log_site import build_log_site, make_log_site
from site_helpers import ARTIFACTS, ROOT, BuiltSite, chromium_context, free_port, load_module, serve_site
from test_site_build import route_mathjax_locally

quizzes = load_module("hooks/quizzes.py", "quizzes_hook_under_test")

LESSONS = sorted((ROOT / "docs" / "weekends").glob("[0-9][0-9]-*/index.md")) + [ROOT / "docs" / "month-2" / "index.md"]

QUIZ = '''## Self-check

???+ question "Pick one"
    - [ ] no
    - [x] yes

    Because.

???+ question "Pick two"
    - [x] a
    - [x] b
    - [ ] c

    Both.

??? question "Say it in words"
    The model answer.

## Next section

??? question "Not a quiz: outside the section"
    Text.
'''


def test_questions_are_read_with_their_kind_and_line():
    questions, problems = quizzes.parse_questions(QUIZ, first_line=10)
    assert problems == []
    assert [(q.id, q.kind, q.line, q.choices) for q in questions] == [
        ("pick-one", "single", 12, 2),
        ("pick-two", "multiple", 18, 3),
        ("say-it-in-words", "free", 25, 0),
    ]


@pytest.mark.parametrize(
    "body, message",
    [
        ("    - [x] only one\n\n    Why.\n", "has one choice; give at least two"),
        ("    - [ ] a\n    - [ ] b\n\n    Why.\n", "has no right choice; mark the right one(s)"),
        ("    - [ ] a\n    - [x] b\n", "has no explanation"),
        ("    Why first.\n    - [ ] a\n    - [x] b\n", "choices must come first"),
        ("", "has no answer"),
    ],
)
def test_a_broken_question_is_reported_with_its_line_and_the_fix(body, message):
    _, problems = quizzes.parse_questions(f'## Self-check\n\n???+ question "Q?"\n{body}', first_line=5)
    assert problems and problems[0][0] == 7
    assert message in problems[0][1]


def test_two_questions_with_the_same_text_are_reported():
    text = '## Questionnaire\n\n??? question "Same?"\n    A.\n\n??? question "Same?"\n    B.\n'
    _, problems = quizzes.parse_questions(text)
    assert problems == [(6, "question \"Same?\" has the same id as the one on line 3 ('same'); reword one of them")]


def test_question_ids_are_stable_readable_and_short():
    assert quizzes.question_id("What shape does `dL/dW1` have, and why?") == "what-shape-does-dl-dw1-have-and-why"
    assert quizzes.question_id("Why can't we back-propagate through \\(z \\sim \\mathcal N\\)?").startswith("why-can-t-we-back")
    assert len(quizzes.question_id("word " * 40)) <= 60


def test_the_html_of_a_quiz_section_is_marked_in_order():
    questions, _ = quizzes.parse_questions(QUIZ)
    html = (
        '<h2 id="self-check">Self-check</h2><details class="question" open="open"><summary>Pick one</summary></details>'
        '<details class="question" open="open"></details><details class="question"></details>'
        '<h2 id="next-section">Next</h2><details class="question"></details>'
    )
    marked, count = quizzes.annotate_html(html, "weekends/01-x/", questions)
    assert count == 3
    assert re.findall(r'data-quiz-id="([^"]+)"', marked) == ["pick-one", "pick-two", "say-it-in-words"]
    assert marked.count('class="question quiz"') == 3 and '<details class="question"></details>' in marked
    assert '<p class="quiz-score" data-quiz-page="weekends/01-x/" data-quiz-total="3"></p>' in marked


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.parent.name)
def test_every_lesson_self_check_is_a_quiz_with_a_choice_question(lesson):
    text = lesson.read_text(encoding="utf-8")
    questions, problems = quizzes.parse_questions(text)
    assert problems == [], problems
    assert len(questions) >= 3, f"{lesson}: the self-check should have at least three questions"
    kinds = {question.kind for question in questions}
    assert kinds & {"single", "multiple"} and "free" in kinds, f"{lesson}: kinds {kinds}"


# --------------------------------------------------------------------------
# Builds
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("quizzes")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    root = make_log_site(tmp_path)
    result = build_log_site(root, tmp_path / "site", url)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return BuiltSite(path=tmp_path / "site", port=port, url=url, log=result.stdout + result.stderr)


@pytest.mark.slow
def test_every_lesson_page_carries_its_questions_and_the_plan_a_row_per_lesson(site):
    plan = (site.path / "plan" / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr data-quiz-page="([^"]+)" data-quiz-ids="([^"]+)">', plan)
    assert len(rows) == len(LESSONS)
    for lesson, (page, ids) in zip(LESSONS, rows):
        questions, _ = quizzes.parse_questions(lesson.read_text(encoding="utf-8"))
        assert json.loads(ids.replace("&quot;", '"')) == [question.id for question in questions]
        html = (site.path / page / "index.html").read_text(encoding="utf-8")
        assert re.findall(r'data-quiz-id="([^"]+)"', html) == [question.id for question in questions]
    assert 'class="md-button quiz-reset"' in plan
    assert "javascripts/quiz.js" in plan
    notes = next((site.path / "blog").rglob("lesson-notes-for-weekend-2*/index.html")).read_text(encoding="utf-8")
    assert notes.count('data-quiz-kind="single"') == 2 and 'data-quiz-kind="multiple"' in notes


@pytest.mark.slow
def test_a_broken_quiz_fails_the_strict_build_naming_file_and_line(tmp_path):
    root = make_log_site(tmp_path)
    lesson = root / "docs" / "weekends" / "02-logistic-regression" / "index.md"
    text = lesson.read_text(encoding="utf-8")
    text = text.replace("    - [x] Where \\(\\hat p = 0.5\\)", "    - [ ] Where \\(\\hat p = 0.5\\)")
    lesson.write_text(text, encoding="utf-8")
    line = next(number for number, row in enumerate(text.split("\n"), start=1) if "Where is the decision boundary" in row)
    result = build_log_site(root, tmp_path / "site")
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"docs/weekends/02-logistic-regression/index.md:{line}: question \"Where is the decision boundary" in log, log[-3000:]
    assert "has no right choice" in log


# --------------------------------------------------------------------------
# A real browser
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(site):
    yield from serve_site(site)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    yield from chromium_context(tmp_path_factory.mktemp("chromium-quiz-profile"))


def shoot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=False)


SHAPE = 'details[data-quiz-id="what-shape-does-dl-dw1-have-and-why"]'
NAN = 'details[data-quiz-id="your-loss-is-nan-after-a-few-steps-what-are-the-first-two-th"]'
WHY = 'details[data-quiz-id="why-do-we-need-a-non-linearity-between-the-two-layers"]'


@pytest.mark.slow
@pytest.mark.browser
def test_quiz_answers_are_graded_kept_across_reloads_shown_on_the_plan_and_reset(browser, served):
    from playwright.sync_api import expect

    route_mathjax_locally(browser)
    page = browser.new_page()
    errors, sent = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: sent.append(request))
    page.goto(served + "weekends/01-numpy-network/")
    page.wait_for_selector(f"{SHAPE} form.quiz-choices", state="attached")

    # A single-choice question answered wrong, then a multiple-choice one right.
    shape = page.locator(SHAPE)
    expect(shape.locator(".quiz-explanation")).to_be_hidden()
    assert not shape.evaluate("details => details.open"), "the self-check stays covered until opened"
    shape.locator("summary").click()
    shape.locator("label.quiz-choice", has_text="(784, hidden)").click()
    shape.locator("button.quiz-check").click()
    expect(shape.locator(".quiz-feedback")).to_contain_text("Not quite")
    expect(shape).to_have_class(re.compile(r"\bquiz--wrong\b"))
    expect(shape.locator(".quiz-explanation")).to_be_visible()
    expect(shape.locator("label.quiz-choice--correct")).to_contain_text("the shape of `W1`".replace("`", ""))

    nan = page.locator(NAN)
    nan.locator("summary").click()
    assert nan.locator("input[type=checkbox]").count() == 4, "several right answers: checkboxes"
    nan.locator("label.quiz-choice", has_text="The learning rate").click()
    nan.locator("label.quiz-choice", has_text="numerical stability").click()
    nan.locator("button.quiz-check").click()
    expect(nan.locator(".quiz-feedback")).to_have_text("Right.")

    # A free-text question: open the model answer, grade it yourself.
    why = page.locator(WHY)
    expect(why.locator(".quiz-selfgrade")).to_be_hidden()
    why.locator("summary").click()
    why.locator("button", has_text="I got it").click()
    expect(why.locator(".quiz-feedback")).to_have_text("Marked: got it.")
    expect(page.locator(".quiz-score").first).to_contain_text("3 of 4 answered, 2 right")
    shoot(page, "quiz-01-answered.png")

    # Reload: everything is still there.
    page.reload()
    page.wait_for_selector(f"{SHAPE} form.quiz-choices", state="attached")
    expect(page.locator(SHAPE)).to_have_class(re.compile(r"\bquiz--wrong\b"))
    assert page.locator(SHAPE).locator("label.quiz-choice", has_text="(784, hidden)").locator("input").is_checked()
    expect(page.locator(NAN).locator(".quiz-feedback")).to_have_text("Right.")
    expect(page.locator(WHY)).to_have_class(re.compile(r"\bquiz--right\b"))
    expect(page.locator(f"{WHY} summary .quiz-badge")).to_have_text("✓ got it")
    expect(page.locator(".quiz-score").first).to_contain_text("3 of 4 answered, 2 right")
    stored = json.loads(page.evaluate("window.localStorage.getItem('classroom-quiz-v1')"))
    assert set(stored["pages"]["weekends/01-numpy-network/"]) == {SHAPE.split('"')[1], NAN.split('"')[1], WHY.split('"')[1]}

    # The plan shows the progress of weekend 1 and nothing for the others.
    page.goto(served + "plan/")
    row = page.locator('.quiz-progress tr[data-quiz-page="weekends/01-numpy-network/"]')
    expect(row.locator(".quiz-answered")).to_have_text("3")
    expect(row.locator(".quiz-right")).to_have_text("2")
    assert row.locator("progress").evaluate("bar => bar.value") == 3
    expect(page.locator('.quiz-progress tr[data-quiz-page="weekends/02-logistic-regression/"] .quiz-answered')).to_have_text("0")
    row.scroll_into_view_if_needed()
    shoot(page, "quiz-02-plan-progress.png")

    # Reset clears it, here and on the lesson page.
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("button.quiz-reset").click()
    expect(row.locator(".quiz-answered")).to_have_text("0")
    expect(page.locator(".quiz-status")).to_contain_text("Progress reset")
    assert page.evaluate("window.localStorage.getItem('classroom-quiz-v1')") is None
    page.goto(served + "weekends/01-numpy-network/")
    page.wait_for_selector(f"{SHAPE} form.quiz-choices", state="attached")
    expect(page.locator(SHAPE)).not_to_have_class(re.compile(r"quiz--"))
    assert page.locator(f"{SHAPE} .quiz-badge").count() == 0
    expect(page.locator(".quiz-score").first).to_contain_text("0 of 4 answered")

    # Nothing left the browser: only GETs, to the site or the theme's fonts and MathJax, none naming a question.
    site_host = urlparse(served).netloc
    allowed = {site_host, "cdn.jsdelivr.net", "fonts.googleapis.com", "fonts.gstatic.com"}
    strangers = [(r.method, r.url) for r in sent if r.method != "GET" or urlparse(r.url).netloc not in allowed]
    assert not strangers, strangers
    leaks = [r.url for r in sent if "quiz-" in r.url.split("/")[-1] or SHAPE.split('"')[1] in r.url]
    assert not leaks, leaks
    assert not errors, f"JavaScript errors: {errors}"
    page.close()


@pytest.mark.slow
@pytest.mark.browser
def test_the_feed_opens_in_the_browser_as_xml_with_the_posts(browser, served):
    page = browser.new_page()
    response = page.goto(served + "blog/feed.xml")
    assert response.ok and "xml" in response.headers.get("content-type", "")
    parsed = page.evaluate(
        """async (url) => {
            const text = await (await fetch(url)).text();
            const xml = new DOMParser().parseFromString(text, "application/xml");
            return {
                errors: xml.getElementsByTagName("parsererror").length,
                root: xml.documentElement.localName,
                namespace: xml.documentElement.namespaceURI,
                titles: Array.from(xml.getElementsByTagName("entry")).map(e => e.getElementsByTagName("title")[0].textContent),
            };
        }""",
        served + "blog/feed.xml",
    )
    assert parsed["errors"] == 0, "the feed is not well-formed XML"
    assert (parsed["root"], parsed["namespace"]) == ("feed", "http://www.w3.org/2005/Atom")
    titles = parsed["titles"]
    posts = sorted((ROOT / "docs" / "blog" / "posts").glob("*.md"))
    assert len(titles) == len(posts) >= 4
    assert "Weekend 1 recap: a two-layer network from arrays" in titles
    page.close()
