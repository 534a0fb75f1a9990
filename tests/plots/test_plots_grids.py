"""Tests of ``classroom.plots.grids``: images tiled into one uint8 picture, without matplotlib."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from classroom.plots import image_grid


def test_image_grid_tiles_images_with_white_padding():
    images = np.zeros((5, 3, 4, 4))
    grid = image_grid(images, columns=3, padding=1)
    assert grid.shape == (2 * 5 + 1, 3 * 5 + 1, 3) and grid.dtype == np.uint8
    assert grid[0, 0, 0] == 255 and grid[1, 1, 0] == 0
    assert np.all(grid[6:10, 11:15] == 255), "the sixth tile is empty"


def test_image_grid_puts_each_image_in_its_tile_channels_last(rng):
    images = rng.random((3, 2, 2, 3))  # synthetic, (n, channels, height, width)
    grid = image_grid(images, columns=2, padding=1)
    expected = np.round(images * 255).astype(np.uint8).transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(grid[1:3, 1:4], expected[0])
    np.testing.assert_array_equal(grid[1:3, 5:8], expected[1])
    np.testing.assert_array_equal(grid[4:6, 1:4], expected[2])


def test_image_grid_clips_values_outside_the_unit_interval():
    grid = image_grid(np.array([[[[-0.5, 1.5]]]]), columns=1, padding=0)
    np.testing.assert_array_equal(grid[..., 0], [[0, 255]])


def test_image_grid_rejects_images_without_a_channel_axis():
    with pytest.raises(ValueError, match=r"expects \(n, channels, height, width\)"):
        image_grid(np.zeros((5, 4, 4)))


def test_image_grid_does_not_import_matplotlib():
    code = (
        "import sys, numpy as np\n"
        "from classroom.plots import image_grid\n"
        "image_grid(np.zeros((2, 1, 3, 3)))\n"
        "print('matplotlib' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
