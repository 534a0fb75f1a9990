"""The "watch it learn" animations play on the built site.

Four notebooks end a section with an animation made by the build (nothing
is committed as a file): the two-moons decision boundary forming (weekend
5), the first-layer weights of a small MNIST network (weekend 1), the
optimizer paths on the loss surfaces (weekend 6) and the VAE's samples after
every epoch (weekend 7). The site is built once (quick mode), served on
127.0.0.1 and opened in Debian's Chromium with every request to another host
refused. On each page the player must show its first frame, step to the
next frame with its button, play by itself, and stay within the size bound
of ``classroom.plots.animation``.
"""

from __future__ import annotations

import re

import pytest

from site_helpers import build_site_once, chromium_context, serve_site

from classroom.plots.animation import MAX_FRAMES, MAX_HTML_BYTES

pytestmark = pytest.mark.slow

#: Page (relative to the site) -> what the animation shows.
ANIMATED_PAGES = {
    "weekends/01-numpy-network/mnist_two_layer/": "first-layer weights",
    "weekends/05-autograd/autograd/": "two-moons decision boundary",
    "weekends/06-optimizers/optimizers/": "optimizer paths",
    "weekends/07-generative/vae/": "VAE samples by epoch",
}

_PLAYER = re.compile(r'<div class="animation">.*?</script>', re.S)
_FRAME = re.compile(r"data:image/png;base64,")


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    return build_site_once(tmp_path_factory)


@pytest.fixture(scope="module")
def served_site(built_site):
    yield from serve_site(built_site)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    yield from chromium_context(tmp_path_factory.mktemp("chromium-animations"))


@pytest.mark.parametrize("page_path", sorted(ANIMATED_PAGES))
def test_each_animated_page_holds_one_bounded_player(built_site, page_path):
    html = (built_site.path / page_path / "index.html").read_text(encoding="utf-8")
    players = html.count('<div class="animation">')
    assert players == 1, f"{page_path} ({ANIMATED_PAGES[page_path]}): expected one player, found {players}"
    # The player: matplotlib's script and style, the controls, then the script holding the frames.
    division = html.index('<div class="animation">')
    start = html.rindex("function isInternetExplorer", 0, division)
    player_html = html[start:_PLAYER.search(html, division).end()]
    frames = len(_FRAME.findall(player_html))
    assert 2 <= frames <= MAX_FRAMES, f"{page_path}: the player has {frames} frames"
    assert len(player_html.encode("utf-8")) <= MAX_HTML_BYTES

@pytest.mark.parametrize("page_path", sorted(ANIMATED_PAGES))
def test_the_player_steps_and_plays_offline(served_site, browser, page_path):
    refused = []

    def route(request_route):
        if request_route.request.url.startswith(served_site):
            request_route.continue_()
        else:
            refused.append(request_route.request.url)
            request_route.abort()

    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route("**/*", route)
    try:
        page.goto(served_site + page_path, wait_until="load")
        player = page.locator("div.animation").first
        player.scroll_into_view_if_needed()
        image, slider = player.locator("img"), player.locator("input.anim-slider")
        first_src = image.get_attribute("src")
        assert first_src and first_src.startswith("data:image/png;base64,"), "the first frame is not shown"
        assert slider.input_value() == "0"
        frames = int(slider.get_attribute("max")) + 1
        assert frames >= 2

        player.get_by_role("button", name="Next frame", exact=True).click()
        assert slider.input_value() == "1"
        assert image.get_attribute("src") != first_src, "the next frame shows the same picture"

        player.get_by_role("button", name="First frame", exact=True).click()
        player.get_by_role("button", name="Play", exact=True).click()
        page.wait_for_function(
            "slider => parseInt(slider.value) >= 2 || slider.max < 2", arg=slider.element_handle(), timeout=10_000
        )
        player.get_by_role("button", name="Pause", exact=True).click()
        assert not errors, f"{page_path}: JavaScript errors {errors}"
        other_hosts = [url for url in refused if "font-awesome" in url or "maxcdn" in url]
        assert not other_hosts, f"the player asked another host for {other_hosts}"
    finally:
        page.close()
