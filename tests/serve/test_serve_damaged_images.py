"""Damaged uploads are refused with 400 and a message that names the fix, never decoded into grey padding.

The images are SYNTHETIC (``photo_like``: gradients, discs and noise made here),
except in the test marked ``data``, which uses real CelebA JPEG files.
"""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from PIL import Image
from serve_helpers import encode, photo_like

from classroom.serve.images import UploadError, decode_upload

DRAFT = ("RGB", (32, 32))  # as the server decodes for a 32x32 RGB model
DAMAGED = "data is truncated or corrupt"
FIX = "re-save or re-export the image"


def refusal(data: bytes) -> UploadError:
    """The UploadError that decode_upload raises for ``data`` (the test fails if it accepts it)."""
    with pytest.raises(UploadError) as caught:
        decode_upload(data, draft=DRAFT)
    return caught.value


def accepted(data: bytes) -> bool:
    """Whether decode_upload accepts ``data``; a refusal must be a 400 or 415 that names the fix."""
    try:
        decode_upload(data, draft=DRAFT)
    except UploadError as error:
        assert error.status_code in (400, 415), error.message
        assert FIX in error.message or "not a PNG or JPEG" in error.message, error.message
        return False
    return True


def bit_flips(data: bytes, count: int, seed: int):
    """``count`` copies of ``data``, each with one bit flipped at a random position (fixed seed)."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        position, bit = int(rng.integers(len(data))), int(rng.integers(8))
        copy = bytearray(data)
        copy[position] ^= 1 << bit
        yield bytes(copy)


def jpeg(pixels: np.ndarray, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", **options)
    return buffer.getvalue()


def with_jpeg_size(data: bytes, width: int, height: int) -> bytes:
    """``data`` with the size in its baseline frame header (SOF0) replaced."""
    frame = data.index(b"\xff\xc0")
    return data[: frame + 5] + struct.pack(">HH", height, width) + data[frame + 9 :]


def scan_start(data: bytes) -> int:
    """Offset of the first byte of entropy-coded data (after the scan header)."""
    header = data.index(b"\xff\xda")
    return header + 2 + struct.unpack(">H", data[header + 2 : header + 4])[0]


# --------------------------------------------------------------------------- JPEG
def test_a_jpeg_whose_header_claims_5000x5000_pixels_for_8x8_of_data_is_refused(rng):
    claims_more = with_jpeg_size(jpeg(photo_like(rng, 8, 8)), 5000, 5000)
    error = refusal(claims_more)
    assert error.status_code == 400
    assert error.message.startswith(f"the JPEG {DAMAGED}: the header says 5000x5000 pixels")
    assert FIX in error.message


def test_a_jpeg_whose_header_claims_twice_its_rows_is_refused_not_padded_with_grey(rng):
    data = jpeg(photo_like(rng, 64, 64))
    error = refusal(with_jpeg_size(data, 64, 128))  # enough bytes for the block count, not for the rows
    assert error.status_code == 400
    assert "the image data end before its last pixels" in error.message and FIX in error.message


@pytest.mark.parametrize("keep", [0.3, 0.9, 0.99])
def test_a_jpeg_cut_short_and_closed_with_an_end_marker_is_refused(keep, rng):
    data = jpeg(photo_like(rng))
    start = scan_start(data)
    cut = data[: start + int((len(data) - 2 - start) * keep)] + b"\xff\xd9"
    assert refusal(cut).status_code == 400


@pytest.mark.parametrize("keep", [0.05, 0.5, 0.999])
def test_a_jpeg_cut_short_without_its_end_marker_is_refused(keep, rng):
    data = jpeg(photo_like(rng))
    error = refusal(data[: int(len(data) * keep)])
    assert error.status_code == 400 and DAMAGED in error.message and FIX in error.message


def test_a_jpeg_with_restart_markers_out_of_order_is_refused(rng):
    data = jpeg(photo_like(rng), restart_marker_blocks=2)
    second = data.index(b"\xff\xd1", scan_start(data))
    damaged = data[: second + 1] + b"\xd2" + data[second + 2 :]  # RST1 -> RST2
    error = refusal(damaged)
    assert "restart marker RST2" in error.message and "where RST1 belongs" in error.message


def test_every_flip_of_a_jpeg_segment_length_is_refused(rng):
    data = jpeg(photo_like(rng))
    position, lengths = 2, []
    while data[position + 1] != 0xDA:  # the segments before the scan
        lengths.append(position + 2)
        position += 2 + struct.unpack(">H", data[position + 2 : position + 4])[0]
    lengths.append(position + 2)  # the scan header's own length
    flips = [(offset + byte, bit) for offset in lengths for byte in (0, 1) for bit in range(8)]
    for offset, bit in flips:
        copy = bytearray(data)
        copy[offset] ^= 1 << bit
        assert not accepted(bytes(copy)), f"byte {offset}, bit {bit}"


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"quality": 100, "subsampling": 0},
        {"quality": 10},
        {"progressive": True},
        {"optimize": True},
        {"restart_marker_blocks": 1},
        {"restart_marker_rows": 1},
    ],
    ids=lambda options: ",".join(f"{key}={value}" for key, value in options.items()) or "default",
)
def test_valid_jpegs_of_every_kind_are_accepted(options, rng):
    assert accepted(jpeg(photo_like(rng), **options))


@pytest.mark.parametrize("mode", ["L", "CMYK"])
def test_valid_grayscale_and_cmyk_jpegs_are_accepted(mode, rng):
    assert accepted(encode(photo_like(rng), "JPEG", mode=mode))


@pytest.mark.parametrize("size", [(1, 1), (7, 13), (17, 9)])
def test_valid_jpegs_of_odd_sizes_are_accepted(size, rng):
    assert accepted(jpeg(photo_like(rng, *size)))


def test_a_flat_grey_jpeg_is_accepted():
    assert accepted(jpeg(np.full((40, 40, 3), 128, np.uint8)))


def test_bytes_after_the_end_marker_are_ignored(rng):
    # Some phones store more data after a JPEG's end marker; decoders ignore it, and so do we.
    assert accepted(jpeg(photo_like(rng)) + b"trailing data of a phone")


def test_what_no_check_can_see_a_flipped_bit_in_a_quantization_table_gives_another_valid_image(rng):
    data = jpeg(photo_like(rng))
    table = data.index(b"\xff\xdb") + 5 + 10  # the 11th value of the first quantization table
    changed = data[:table] + bytes([data[table] ^ 0x08]) + data[table + 1 :]
    assert accepted(changed)  # JPEG has no checksum: this decodes, and is classified
    before = np.asarray(decode_upload(data), dtype=int)
    after = np.asarray(decode_upload(changed), dtype=int)
    assert np.abs(before - after).max() > 0


def test_most_bit_flips_of_a_jpeg_decode_to_another_valid_image_and_the_rest_get_400(rng):
    """60 single-bit flips of one synthetic photo (print the count with -s).

    Four fifths of the file are entropy-coded data without a checksum: a flip
    there changes a coefficient, or the Huffman decoder gets back in step
    after a few codes. Only flips that break the structure, or make the data
    end early, can be seen; ``accepted`` checks each refusal is a 400 naming the fix.
    """
    data = jpeg(photo_like(rng), quality=75)
    kept = sum(accepted(copy) for copy in bit_flips(data, 60, seed=0))
    print(f"\n{kept} of 60 bit-flipped copies of a {len(data):,}-byte synthetic JPEG accepted")
    assert 30 < kept < 60


@pytest.mark.data
def test_real_celeba_jpegs_are_accepted_and_their_bit_flips_measured():
    from conftest import require_dataset

    require_dataset("celeba")
    from classroom.config import data_dir
    from classroom.data.celeba import find_celeba_source
    from classroom.data.image_folder import first_image_files

    files = first_image_files(find_celeba_source(data_dir() / "celeba"), 20)
    assert all(accepted(data) for _, data in files)
    name, data = files[0]
    kept = sum(accepted(copy) for copy in bit_flips(data, 60, seed=0))
    print(f"\n{kept} of 60 bit-flipped copies of {name} ({len(data):,} bytes) accepted")


# --------------------------------------------------------------------------- PNG
def test_a_png_without_its_end_chunk_is_refused(rng):
    data = encode(photo_like(rng, 16, 16))
    error = refusal(data[:-12])  # IEND is the last 12 bytes
    assert error.status_code == 400
    assert error.message.startswith(f"the PNG {DAMAGED}: the file ends at byte") and "IEND" in error.message


def test_every_single_bit_flip_of_a_png_is_refused(rng):
    data = encode(photo_like(rng, 6, 6))
    for position in range(len(data)):
        for bit in range(8):
            copy = bytearray(data)
            copy[position] ^= 1 << bit
            assert not accepted(bytes(copy)), f"byte {position}, bit {bit}"


def test_a_png_whose_image_data_fail_their_crc_names_the_chunk(rng):
    data = bytearray(encode(photo_like(rng, 16, 16)))
    crc = data.index(b"IEND") - 8  # the CRC-32 of the IDAT chunk before IEND
    data[crc] ^= 0x01
    error = refusal(bytes(data))
    assert "the CRC-32 of the IDAT chunk at byte 33 does not match its data" in error.message


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGB", "RGBA", "I;16"])
def test_valid_pngs_of_every_mode_are_accepted(mode, rng):
    pixels = photo_like(rng, 20, 30)
    image = Image.fromarray(pixels).convert(mode) if mode != "I;16" else Image.fromarray(
        pixels[..., 0].astype(np.uint16) * 257
    )
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    assert accepted(buffer.getvalue())
    assert accepted(buffer.getvalue() + b"bytes after IEND")
