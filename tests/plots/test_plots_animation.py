"""Tests of ``classroom.plots.animation``: frames turned into a bounded HTML player.

All frames here are SYNTHETIC (random pixels, straight lines), made for these tests.
"""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="matplotlib is needed to draw plots")

from classroom.plots import animate_figure, animate_images  # noqa: E402
from classroom.plots.animation import MAX_DPI, MAX_FRAMES, MAX_HTML_BYTES, frame_indices  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def embedded_frames(html: str) -> list[bytes]:
    """The PNG files embedded in a player, in frame order."""
    found = re.findall(r'frames\[(\d+)\] = "data:image/png;base64,(.*?)"', html, flags=re.S)
    assert [int(index) for index, _ in found] == list(range(len(found)))
    return [base64.b64decode(re.sub(r"\\\n|\\n|\s", "", data)) for _, data in found]


def synthetic_frames(rng, n, shape=(12, 16)):
    return [rng.random(shape) for _ in range(n)]


def test_every_frame_is_embedded_once_as_a_png(rng):
    html = animate_images(synthetic_frames(rng, 7))
    frames = embedded_frames(html)
    assert len(frames) == 7
    assert all(frame.startswith(PNG_SIGNATURE) for frame in frames)
    assert len(set(frames)) == 7, "different pictures must give different frames"
    assert "new Array(7)" in html and "_anim_slider" in html and "play_animation" in html


def test_frames_have_the_picture_size_times_scale(rng):
    from PIL import Image
    import io

    html = animate_images(synthetic_frames(rng, 2, shape=(10, 30)), scale=3)
    width, height = Image.open(io.BytesIO(embedded_frames(html)[0])).size
    assert (width, height) == (90, 30)


def test_titles_are_drawn_one_per_frame(rng):
    frames = [np.zeros((8, 8))] * 3  # the same picture: only the captions differ
    with_titles = embedded_frames(animate_images(frames, titles=["step 0", "step 10", "step 20"], vmin=0, vmax=1))
    assert len(set(with_titles)) == 3
    without = embedded_frames(animate_images(frames, vmin=0, vmax=1))
    assert len(set(without)) == 1


def test_rgb_uint8_frames_like_image_grid_are_accepted(rng):
    frames = [rng.integers(0, 256, size=(9, 11, 3), dtype=np.uint8) for _ in range(4)]
    assert len(embedded_frames(animate_images(frames))) == 4


def test_the_buttons_show_plain_characters_instead_of_font_icons(rng):
    html = animate_images(synthetic_frames(rng, 2))
    assert 'class="fa ' not in html
    assert 'aria-label="Play"' in html and "\u25b6" in html


def test_the_player_asks_no_other_host_for_anything(rng):
    html = animate_images(synthetic_frames(rng, 2))
    assert "font-awesome" not in html and "<link" not in html
    assert "http://" not in html and "https://" not in html


def test_frames_get_a_palette_unless_full_colour_is_asked_for(rng):
    from PIL import Image
    import io

    frames = synthetic_frames(rng, 2, shape=(20, 20))
    palette = Image.open(io.BytesIO(embedded_frames(animate_images(frames, colours=16))[0]))
    assert palette.mode == "P" and len(palette.getcolors()) <= 16
    full = Image.open(io.BytesIO(embedded_frames(animate_images(frames, colours=None))[0]))
    assert full.mode == "RGBA" and len(full.getcolors(maxcolors=100_000)) > 16
    with pytest.raises(ValueError, match="colours must be an integer from 2 to 256"):
        animate_images(frames, colours=1000)


def test_animate_figure_calls_draw_frame_for_every_frame():
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(3, 2))
    (line,) = axis.plot([], [])
    axis.set(xlim=(0, 5), ylim=(0, 5))
    drawn = []

    def draw(index):
        drawn.append(index)
        line.set_data(np.arange(index + 2), np.arange(index + 2))

    html = animate_figure(figure, draw, 5)
    assert drawn == [0, 1, 2, 3, 4]
    frames = embedded_frames(html)
    assert len(frames) == 5 and len(set(frames)) == 5
    assert not plt.fignum_exists(figure.number), "the player replaces the figure, which is closed"


def test_no_frames_is_a_clear_error():
    with pytest.raises(ValueError, match="at least one frame"):
        animate_images([])
    import matplotlib.pyplot as plt

    with pytest.raises(ValueError, match="at least one frame"):
        animate_figure(plt.figure(), lambda index: None, 0)


def test_frames_of_different_shapes_are_refused(rng):
    frames = [rng.random((8, 8)), rng.random((8, 8)), rng.random((8, 9))]
    with pytest.raises(ValueError, match=r"frame 2 has \(8, 9\)"):
        animate_images(frames)
    with pytest.raises(ValueError, match="picture of shape"):
        animate_images([rng.random((4, 4, 2))])
    with pytest.raises(ValueError, match="one per frame"):
        animate_images(synthetic_frames(rng, 3), titles=["only one"])


def test_too_many_frames_names_the_limit(rng):
    with pytest.raises(ValueError, match=f"MAX_FRAMES = {MAX_FRAMES}"):
        animate_images([np.zeros((2, 2))] * (MAX_FRAMES + 1))


def test_too_high_a_dpi_names_the_limit(rng):
    with pytest.raises(ValueError, match=f"MAX_DPI = {MAX_DPI}"):
        animate_images(synthetic_frames(rng, 2), dpi=MAX_DPI + 1)
    with pytest.raises(ValueError, match="MAX_HTML_BYTES"):
        animate_images(synthetic_frames(rng, 2), max_bytes=MAX_HTML_BYTES + 1)


def test_a_player_over_the_byte_bound_is_refused_not_truncated(rng):
    frames = synthetic_frames(rng, 10, shape=(60, 60))  # noise compresses badly: about 10 kB per frame
    html = animate_images(frames)
    size = len(html.encode())
    with pytest.raises(ValueError, match=f"more than the limit of {size - 1:,} bytes"):
        animate_images(frames, max_bytes=size - 1)
    assert len(embedded_frames(animate_images(frames, max_bytes=size))) == 10


def test_thirty_frames_of_a_smooth_weight_grid_sized_picture_fit_under_the_bound(rng):
    """30 frames of a smooth 122 x 242 picture (the size of a grid of 4 x 8 weight images) fit."""
    base = np.add.outer(np.sin(np.linspace(0, 6, 122)), np.cos(np.linspace(0, 9, 242)))
    frames = [base * (1 + 0.02 * index) for index in range(30)]
    html = animate_images(frames, titles=[f"step {10 * index}" for index in range(30)], cmap="RdBu_r")
    assert len(embedded_frames(html)) == 30
    assert len(html.encode()) <= MAX_HTML_BYTES


def test_frame_indices_spread_evenly_and_keep_both_ends():
    np.testing.assert_array_equal(frame_indices(1501, 5), [0, 375, 750, 1125, 1500])
    np.testing.assert_array_equal(frame_indices(3, 10), [0, 1, 2])
    np.testing.assert_array_equal(frame_indices(10, 1), [9])
    with pytest.raises(ValueError, match="at least one item"):
        frame_indices(0, 5)
