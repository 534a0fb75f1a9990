"""Unit tests of upload decoding and preprocessing (synthetic images made in the tests)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from classroom.serve.images import Preprocessing, UploadError, decode_upload, sniff_format
from serve_helpers import encode, png_bomb

MNIST_SPEC = Preprocessing.from_dict(
    {"mode": "L", "size": [28, 28], "mean": [0.1307], "std": [0.3081], "invert": "auto"}
)
CIFAR_SPEC = Preprocessing.from_dict(
    {"mode": "RGB", "size": [32, 32], "mean": [0.4914, 0.4822, 0.4465], "std": [0.247, 0.2435, 0.2616]}
)


@pytest.fixture
def digit(rng) -> np.ndarray:
    """A synthetic MNIST-like image: a bright blob on a black 28x28 background."""
    pixels = np.zeros((28, 28), dtype=np.uint8)
    pixels[6:22, 11:17] = rng.integers(180, 256, size=(16, 6))
    return pixels


@pytest.mark.parametrize(
    ("data", "expected"),
    [(b"\x89PNG\r\n\x1a\n rest", "PNG"), (b"\xff\xd8\xff\xe0 rest", "JPEG"), (b"GIF89a", None), (b"", None)],
)
def test_sniff_format_recognises_png_and_jpeg_by_their_first_bytes(data, expected):
    assert sniff_format(data) == expected


@pytest.mark.parametrize("image_format", ["PNG", "JPEG"])
def test_decode_upload_returns_the_decoded_image(image_format, rng):
    pixels = rng.integers(0, 256, size=(20, 30, 3), dtype=np.uint8)
    image = decode_upload(encode(pixels, image_format))
    assert image.size == (30, 20)
    assert image.format == image_format


def test_decode_upload_drafts_a_large_jpeg_smaller_and_records_the_original_size():
    photo = encode(np.full((300, 400, 3), 200, dtype=np.uint8), "JPEG")
    image = decode_upload(photo, draft=("L", (28, 28)))
    assert 28 <= min(image.size) < 300  # decoded at a reduced scale
    assert image.info["original_size"] == (400, 300)
    assert image.info["original_mode"] == "RGB"


def test_decode_upload_refuses_an_empty_file():
    with pytest.raises(UploadError, match="empty") as caught:
        decode_upload(b"")
    assert caught.value.status_code == 400


@pytest.mark.parametrize(
    ("data", "looks_like"),
    [
        (b"this is plain text, not an image", "starts with the bytes"),
        (b'{"image": "data"}', "JSON"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "GIF"),
        (b"%PDF-1.7 ...", "PDF"),
    ],
)
def test_decode_upload_refuses_other_content_with_415_and_says_what_it_looks_like(data, looks_like):
    with pytest.raises(UploadError, match=looks_like) as caught:
        decode_upload(data)
    assert caught.value.status_code == 415


def test_decode_upload_refuses_a_real_gif_image(rng):
    gif = encode(rng.integers(0, 256, size=(8, 8), dtype=np.uint8), "GIF")
    with pytest.raises(UploadError, match="GIF") as caught:
        decode_upload(gif)
    assert caught.value.status_code == 415


@pytest.mark.parametrize("declared", ["text/plain", "image/gif", "application/json"])
def test_decode_upload_refuses_a_declared_non_image_content_type(declared, digit):
    with pytest.raises(UploadError, match=declared) as caught:
        decode_upload(encode(digit), content_type=declared)
    assert caught.value.status_code == 415


@pytest.mark.parametrize("declared", ["image/png", "image/jpeg", "application/octet-stream", None])
def test_decode_upload_accepts_image_and_unknown_declared_types(declared, digit):
    assert decode_upload(encode(digit), content_type=declared).size == (28, 28)


@pytest.mark.parametrize("image_format", ["PNG", "JPEG"])
@pytest.mark.parametrize("keep_fraction", [0.1, 0.5, 0.8])
def test_decode_upload_refuses_a_truncated_file_with_400(image_format, keep_fraction, rng):
    data = encode(rng.integers(0, 256, size=(64, 64, 3), dtype=np.uint8), image_format)
    with pytest.raises(UploadError, match="truncated or corrupt") as caught:
        decode_upload(data[: int(len(data) * keep_fraction)])
    assert caught.value.status_code == 400


def test_decode_upload_refuses_a_decompression_bomb_before_decoding_it():
    bomb = png_bomb(6000, 6000)  # 36 megapixels in about 4 KB
    assert len(bomb) < 10_000
    with pytest.raises(UploadError, match="36,000,000 pixels") as caught:
        decode_upload(bomb, max_pixels=1_000_000)
    assert caught.value.status_code == 413


def test_decode_upload_accepts_an_image_exactly_at_the_pixel_limit():
    image = decode_upload(png_bomb(100, 50), max_pixels=5_000)
    assert image.size == (100, 50)


def test_preprocessing_of_a_28x28_grayscale_digit_matches_the_training_normalisation(digit):
    result = MNIST_SPEC(Image.open(io.BytesIO(encode(digit))))
    expected = ((digit.astype(np.float32) / 255.0 - 0.1307) / 0.3081)[None]
    assert result.shape == (1, 28, 28)
    assert result.dtype == np.float32
    np.testing.assert_allclose(result, expected, rtol=1e-6, atol=1e-6)


def test_preprocessing_auto_inverts_a_dark_digit_on_white_paper(digit):
    on_paper = Image.fromarray(255 - digit)
    np.testing.assert_allclose(
        MNIST_SPEC(on_paper), MNIST_SPEC(Image.fromarray(digit)), rtol=1e-6, atol=1e-6
    )


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "LA", "P", "1", "I;16", "CMYK"])
def test_preprocessing_converts_every_colour_mode_to_the_model_input_shape(mode, rng):
    pixels = rng.integers(0, 256, size=(40, 50, 3), dtype=np.uint8)
    image = Image.fromarray(pixels).convert(mode) if mode != "I;16" else Image.fromarray(
        pixels[..., 0].astype(np.uint16) * 257
    )
    for spec in (MNIST_SPEC, CIFAR_SPEC):
        result = spec(image)
        assert result.shape == spec.output_shape
        assert np.all(np.isfinite(result))


def test_preprocessing_scales_16_bit_grayscale_down_to_8_bit(digit):
    sixteen_bit = Image.fromarray(digit.astype(np.uint16) * 257)
    np.testing.assert_allclose(
        MNIST_SPEC(sixteen_bit), MNIST_SPEC(Image.fromarray(digit)), rtol=1e-6, atol=1e-6
    )


def test_preprocessing_draws_transparent_pixels_on_white():
    transparent = Image.new("RGBA", (32, 32), (255, 0, 0, 0))  # fully transparent red
    result = CIFAR_SPEC(transparent)
    white = (1.0 - np.array(CIFAR_SPEC.mean)) / np.array(CIFAR_SPEC.std)
    np.testing.assert_allclose(result[:, 0, 0], white, rtol=1e-5)


def test_preprocessing_keeps_a_palette_image_colours(rng):
    pixels = rng.integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
    palette = Image.fromarray(pixels).quantize(colors=256)
    expected = CIFAR_SPEC(palette.convert("RGB"))
    np.testing.assert_allclose(CIFAR_SPEC(palette), expected, rtol=1e-6)


def test_preprocessing_crops_the_centre_of_a_wide_image():
    wide = np.zeros((32, 96, 3), dtype=np.uint8)
    wide[:, 32:64] = 255  # the centre square is white, the sides black
    result = CIFAR_SPEC(Image.fromarray(wide))
    white = (1.0 - np.array(CIFAR_SPEC.mean)) / np.array(CIFAR_SPEC.std)
    np.testing.assert_allclose(result.mean(axis=(1, 2)), white, rtol=1e-5)


def test_preprocessing_applies_the_exif_orientation_of_a_photo():
    pixels = np.zeros((32, 64, 3), dtype=np.uint8)  # landscape as stored
    pixels[:, :32] = 255
    image = Image.fromarray(pixels)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), quality=95)
    upright = image.transpose(Image.Transpose.ROTATE_270)  # 90 degrees clockwise
    decoded = decode_upload(buffer.getvalue())
    np.testing.assert_allclose(CIFAR_SPEC(decoded), CIFAR_SPEC(upright), atol=0.15)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"mode": "CMYK", "size": [28, 28]}, "mode must be"),
        ({"mode": "L"}, "missing"),
        ({"mode": "L", "size": [28]}, "height, width"),
        ({"mode": "RGB", "size": [32, 32], "mean": [0.5]}, "needs 3 value"),
        ({"mode": "L", "size": [28, 28], "std": [0.0]}, "positive"),
        ({"mode": "L", "size": [28, 28], "invert": "sometimes"}, "invert"),
    ],
)
def test_preprocessing_from_dict_names_the_invalid_setting(spec, message):
    with pytest.raises(ValueError, match=message):
        Preprocessing.from_dict(spec)


def test_preprocessing_round_trips_through_its_dict():
    assert Preprocessing.from_dict(MNIST_SPEC.to_dict()) == MNIST_SPEC
