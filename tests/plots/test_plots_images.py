"""Smoke tests of classroom.plots.images with the non-interactive Agg backend (synthetic arrays)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="matplotlib is needed to draw plots")

from classroom import plots  # noqa: E402


@pytest.mark.parametrize(
    "shape",
    [(6, 28, 28), (6, 784), (6, 8, 8, 3), (6, 3, 8, 8), (6, 1, 28, 28)],
)
def test_show_images_accepts_common_layouts(rng, shape):
    images = rng.random(shape).astype(np.float32)
    figure = plots.show_images(images, labels=np.arange(6), ncols=4)
    drawn = [axis for axis in figure.axes if axis.get_images()]
    assert len(drawn) == 6
    assert len(figure.axes) == 8  # 2 rows of 4, two left empty


def test_show_images_colours_titles_by_correctness(rng):
    images = rng.integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    figure = plots.show_images(images, labels=[1, 2, 3], predictions=[1, 0, 3])
    titles = [axis.title for axis in figure.axes]
    assert titles[0].get_text() == "pred 1\ntrue 1"
    assert titles[1].get_color() == "red"
    assert titles[2].get_color() == "green"


def test_show_images_uses_class_names(rng):
    figure = plots.show_images(rng.random((2, 4, 4)), labels=[0, 1], class_names=["cat", "dog"])
    assert [axis.title.get_text() for axis in figure.axes] == ["cat", "dog"]


@pytest.mark.parametrize(
    "images, labels, message",
    [
        (np.zeros((3, 28, 28)), [1, 2], "3 images but 2 labels"),
        (np.zeros((3, 30)), None, "not a square"),
        (np.zeros((0, 28, 28)), None, "no images"),
        (np.zeros((28, 28)), None, "not a square"),
    ],
)
def test_show_images_explains_bad_input(images, labels, message):
    with pytest.raises(ValueError, match=message):
        plots.show_images(images, labels=labels)


def test_show_weights_as_images_draws_count_units_symmetrically(rng):
    weights = rng.standard_normal((50, 784))
    figure = plots.show_weights_as_images(weights, (28, 28), count=10, ncols=5)
    images = [axis.get_images()[0] for axis in figure.axes if axis.get_images()]
    assert len(images) == 10
    low, high = images[0].get_clim()
    assert low == pytest.approx(-high)
    assert high == pytest.approx(np.abs(weights[0]).max())


def test_show_weights_as_images_rejects_rows_of_the_wrong_size(rng):
    with pytest.raises(ValueError, match=r"\(units, 784\)"):
        plots.show_weights_as_images(rng.standard_normal((10, 100)), (28, 28))


def test_figures_render_to_png(tmp_path, rng):
    figure = plots.show_weights_as_images(rng.standard_normal((4, 16)), (4, 4))
    path = tmp_path / "weights.png"
    figure.savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
