"""Is an uploaded PNG or JPEG whole? Its structure is read before Pillow decodes the pixels.

Pillow decodes damaged files leniently, so :func:`classroom.serve.images.decode_upload`
asks this module first, and answers 400 when it finds a problem:

* :func:`png_problem` - a PNG is a signature followed by chunks, each with a
  length, a type, its data and a CRC-32 of type and data. Pillow checks the
  CRCs of the chunks before the image data; the image data (``IDAT``) are
  checked only by zlib's own checksum, their CRC and the end chunk
  (``IEND``) are never read, so a file cut short after its pixels got
  through. Here every chunk must be complete and match its CRC, ``IHDR``
  must come first and ``IEND`` must close the image. A CRC-32 catches every
  single flipped bit.
* :func:`jpeg_problem` - a JPEG is a list of marked segments (tables, the
  frame header with the image size, scan headers), each scan header followed
  by entropy-coded image data, and an end marker. libjpeg, the decoder under
  Pillow, treats damaged image data as a *warning*: when the data end before
  the last pixel, it fills the rest of the image with grey. Pillow drops
  libjpeg's warnings (its decoder installs a message handler that prints
  nothing and never counts them) and has no switch that turns them into
  errors; ``ImageFile.LOAD_TRUNCATED_IMAGES``, which this package leaves at its
  default ``False``, only covers a file that stops before its end marker.
  Here every segment must be complete, the image data may contain a byte
  ``FF`` only as the stuffed pair ``FF 00`` or as a restart marker in its
  order, the data must be long enough for the 8x8 blocks the header
  announces, and the end marker must follow the last scan.
* :func:`jpeg_data_ran_out` - for the grey filling itself, after decoding: the
  file is decoded once more with invalid bits in front of its end marker. A
  decoder that does not run out of data never reads them, so the result
  equals the upload's; one that does reads them instead of filling in grey,
  and the two differ.

What cannot be detected: JPEG has no checksum. A flipped bit in a
quantization table, or in the image data where it only changes the value of
one coefficient, or where the Huffman decoder gets back in step after a few
codes (it usually does), decodes into another valid image. Such an upload is
classified like any other. Some flips leave image data over after the last
block; libjpeg warns about that too, but telling it apart would mean
decoding every Huffman code here, in Python. These checks only read the
structure, plus one more decode of a JPEG (about twice the decoding time).
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from math import ceil

from PIL import Image

__all__ = ["jpeg_data_ran_out", "jpeg_problem", "png_problem"]


# --------------------------------------------------------------------------- PNG
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_problem(data: bytes) -> str | None:
    """Say what is damaged in a PNG file, or return None when every chunk is whole.

    Parameters
    ----------
    data : bytes
        The whole file, starting with the PNG signature.

    Returns
    -------
    str or None
        The problem, e.g. ``"the CRC-32 of the IDAT chunk at byte 33 does not
        match its data"``; None when the chunks are complete, each matches its
        CRC-32, ``IHDR`` comes first and ``IEND`` ends the image (bytes after
        ``IEND`` are ignored, as every decoder does).
    """
    position = len(PNG_SIGNATURE)
    first = True
    while True:
        if position + 12 > len(data):
            return f"the file ends at byte {len(data):,} before its IEND chunk"
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        name = kind.decode("latin-1")
        if not kind.isalpha():
            return f"the chunk at byte {position:,} has an invalid type {kind!r}"
        end = position + 12 + length
        if end > len(data):
            return f"the {name} chunk at byte {position:,} is cut short ({length:,} bytes announced)"
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(data[position + 4 : end - 4]) != crc:
            return f"the CRC-32 of the {name} chunk at byte {position:,} does not match its data"
        if first and kind != b"IHDR":
            return f"the first chunk is {name}, not IHDR"
        first = False
        if kind == b"IEND":
            return None
        position = end


# --------------------------------------------------------------------------- JPEG
SEQUENTIAL_HUFFMAN = {0xC0, 0xC1}
"""Frame markers of Huffman-coded sequential JPEGs: baseline (SOF0) and extended (SOF1)."""

PROGRESSIVE_HUFFMAN = 0xC2
"""Frame marker of a Huffman-coded progressive JPEG (SOF2)."""

_FRAME_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_RESTART_MARKERS = range(0xD0, 0xD8)
_START, _END, _SCAN, _RESTART_INTERVAL = 0xD8, 0xD9, 0xDA, 0xDD

# In entropy-coded data a byte FF is either stuffed (FF 00) or starts a marker
# (FF then its code, or more FF fill bytes before it); this finds the markers.
_MARKER_IN_DATA = re.compile(rb"\xff[^\x00]")


class _Damaged(Exception):
    """Raised inside the JPEG walk; its message is the problem."""


def jpeg_problem(data: bytes) -> str | None:
    """Say what is damaged in a JPEG file, or return None when its structure is whole.

    Parameters
    ----------
    data : bytes
        The whole file, starting with the start-of-image marker ``FF D8``.

    Returns
    -------
    str or None
        The problem, e.g. ``"the header says 5000x5000 pixels (587,814 blocks
        of 8x8, at least 146,954 bytes of image data) but the scan holds 35
        bytes"``; None when every segment is complete, there is one frame
        header before the first scan, each scan's data hold only stuffed
        ``FF 00`` bytes and restart markers in order and are long enough for
        its blocks (Huffman-coded sequential and progressive DC scans), and the
        end marker follows the last scan. Bytes after the end marker are
        ignored, as every decoder does (some phones store more data there).
    """
    try:
        _walk_jpeg(data)
    except _Damaged as problem:
        return str(problem)
    return None


def _walk_jpeg(data: bytes) -> tuple[int, int]:
    """Check the segments and scans of a JPEG; return (offset of its end marker, frame marker) or raise _Damaged."""
    frame = None
    restart_interval = 0
    scans = 0
    position = 2  # after FF D8
    while True:
        if position >= len(data):
            raise _Damaged(f"the file ends at byte {len(data):,} before its end-of-image marker")
        if data[position] != 0xFF:
            raise _Damaged(f"byte {position:,} should start a marker (FF) but is {data[position]:02X}")
        while position < len(data) and data[position] == 0xFF:  # FF fill bytes may precede a marker
            position += 1
        if position >= len(data):
            raise _Damaged(f"the file ends at byte {len(data):,} before its end-of-image marker")
        marker = data[position]
        position += 1
        if marker == _END:
            if scans == 0:
                raise _Damaged("the end-of-image marker comes before any image data")
            return position - 2, frame["marker"]
        if marker == _START or marker in _RESTART_MARKERS or marker == 0x00:
            raise _Damaged(f"the marker FF {marker:02X} at byte {position - 2:,} does not belong there")
        if position + 2 > len(data):
            raise _Damaged(f"the file ends at byte {len(data):,} inside a segment")
        (length,) = struct.unpack(">H", data[position : position + 2])
        segment = data[position + 2 : position + length]
        if length < 2 or position + length > len(data):
            raise _Damaged(
                f"the segment FF {marker:02X} at byte {position - 2:,} announces {length:,} bytes, "
                f"{len(data) - position:,} are left"
            )
        position += length
        if marker in _FRAME_MARKERS:
            if frame is not None:
                raise _Damaged(f"a second frame header (FF {marker:02X}) at byte {position - length - 2:,}")
            frame = _read_frame(marker, segment)
        elif marker == _RESTART_INTERVAL and len(segment) >= 2:
            (restart_interval,) = struct.unpack(">H", segment[:2])
        elif marker == _SCAN:
            if frame is None:
                raise _Damaged(f"image data at byte {position:,} before the frame header")
            components, spectral_start = _read_scan(segment, frame)
            position = _check_scan_data(data, position, frame, components, spectral_start, restart_interval)
            scans += 1


def _read_frame(marker: int, segment: bytes) -> dict:
    """Read a frame header: size and, per component, its id and sampling factors."""
    if len(segment) < 6:
        raise _Damaged("the frame header is cut short")
    _precision, height, width, count = struct.unpack(">BHHB", segment[:6])
    if count < 1 or len(segment) != 6 + 3 * count:
        raise _Damaged(f"the frame header has {len(segment)} bytes for {count} colour components")
    sampling = {}
    for index in range(count):
        component, factors = segment[6 + 3 * index], segment[7 + 3 * index]
        horizontal, vertical = factors >> 4, factors & 0x0F
        if not (1 <= horizontal <= 4 and 1 <= vertical <= 4):
            raise _Damaged(f"component {component} has invalid sampling factors {horizontal}x{vertical}")
        sampling[component] = (horizontal, vertical)
    if width < 1 or height < 1:
        raise _Damaged(f"the frame header says {width}x{height} pixels")
    return {"marker": marker, "width": width, "height": height, "sampling": sampling}


def _read_scan(segment: bytes, frame: dict) -> tuple[list[int], int]:
    """Read a scan header: the components it codes and its first coefficient (0: the DC values)."""
    count = segment[0] if segment else 0
    if count < 1 or len(segment) != 4 + 2 * count:
        raise _Damaged(f"the scan header has {len(segment)} bytes for {count} components")
    components = [segment[1 + 2 * index] for index in range(count)]
    unknown = [component for component in components if component not in frame["sampling"]]
    if unknown:
        raise _Damaged(f"the scan codes component {unknown[0]}, which the frame header does not have")
    return components, segment[1 + 2 * count]


def _blocks_and_units(frame: dict, components: list[int]) -> tuple[int, int]:
    """8x8 blocks a scan of ``components`` codes, and its coding units (MCUs) that restart intervals count."""
    width, height, sampling = frame["width"], frame["height"], frame["sampling"]
    widest = max(horizontal for horizontal, _ in sampling.values())
    tallest = max(vertical for _, vertical in sampling.values())
    if len(components) == 1:  # one component alone: each block is one unit
        horizontal, vertical = sampling[components[0]]
        blocks = ceil(ceil(width * horizontal / widest) / 8) * ceil(ceil(height * vertical / tallest) / 8)
        return blocks, blocks
    units = ceil(width / (8 * widest)) * ceil(height / (8 * tallest))
    per_unit = sum(sampling[component][0] * sampling[component][1] for component in components)
    return units * per_unit, units


def _check_scan_data(data, start, frame, components, spectral_start, restart_interval) -> int:
    """Check the entropy-coded data that start at ``start``; return where the next marker begins."""
    restarts = 0
    position = start
    while True:
        match = _MARKER_IN_DATA.search(data, position)
        if match is None:
            raise _Damaged(f"the file ends at byte {len(data):,} inside the image data")
        marker = data[match.start() + 1]
        if marker == 0xFF:  # a fill byte: the marker follows
            position = match.start() + 1
        elif marker in _RESTART_MARKERS:
            expected = 0xD0 + restarts % 8
            if marker != expected:
                raise _Damaged(
                    f"restart marker RST{marker - 0xD0} at byte {match.start():,} where RST{expected - 0xD0} belongs"
                )
            restarts += 1
            position = match.end()
        else:
            end = match.start()
            break

    blocks, units = _blocks_and_units(frame, components)
    if restart_interval and restarts > ceil(units / restart_interval):
        raise _Damaged(f"{restarts} restart markers for {units:,} units in intervals of {restart_interval}")
    # The fewest bits a block can take: in a sequential scan one Huffman code
    # (1 bit or more) for the DC difference and one for the AC coefficients
    # (if only "end of block"); in a progressive DC scan one code or one bit.
    # A progressive AC scan can code thousands of empty blocks in one code.
    if frame["marker"] in SEQUENTIAL_HUFFMAN:
        bits_per_block = 2
    elif frame["marker"] == PROGRESSIVE_HUFFMAN and spectral_start == 0:
        bits_per_block = 1
    else:
        bits_per_block = 0
    needed = ceil(blocks * bits_per_block / 8)
    held = end - start - 2 * restarts
    if held < needed:
        raise _Damaged(
            f"the header says {frame['width']}x{frame['height']} pixels ({blocks:,} blocks of 8x8, at least "
            f"{needed:,} bytes of image data) but the scan holds {held:,} bytes"
        )
    return end


_INVALID_CODES = b"\xff\x00" * 64
"""512 bits set to 1 (``FF`` stuffed as ``FF 00``): no JPEG Huffman code is all ones."""


def jpeg_data_ran_out(data: bytes, decoded: Image.Image, draft: tuple[str, tuple[int, int]] | None = None) -> bool:
    """Return True when libjpeg ran out of image data in a sequential JPEG and filled in the rest.

    When the data end early, libjpeg decodes the block where they ran out
    from zero bits and fills every later block with grey, with no error. So
    the file is decoded a second time, the same way, with
    :data:`_INVALID_CODES` in front of its end marker. When the data hold
    every block, the decoder stops before those bits and both images are
    equal. When they run out, it reads the extra bits instead of zeros and
    grey (an invalid code reads as "no change from the block before"), and
    the images differ.

    What it cannot see: data that end inside the last 8x8 block's details
    when decoded at 1/8 scale (one pixel per block, from its average alone),
    and missing blocks after a last block that was exactly mid-grey.
    Progressive JPEGs give False: their last scans refine details and end
    at other markers (:func:`jpeg_problem` still checks their structure).

    Parameters
    ----------
    data : bytes
        A JPEG file whose structure :func:`jpeg_problem` accepted.
    decoded : PIL.Image.Image
        The same file, loaded.
    draft : (mode, (width, height)), optional
        The ``draft`` request ``decoded`` was loaded with, repeated for the
        second decode (which takes as much memory as ``decoded``).

    Returns
    -------
    bool
    """
    end, frame_marker = _walk_jpeg(data)
    if frame_marker not in SEQUENTIAL_HUFFMAN:
        return False
    extended = Image.open(io.BytesIO(data[:end] + _INVALID_CODES + data[end:]), formats=["JPEG"])
    if draft is not None:
        extended.draft(*draft)
    extended.load()
    return not _same_pixels(decoded, extended)


def _same_pixels(first: Image.Image, second: Image.Image, rows: int = 64) -> bool:
    """Whether two images have the same size, mode and pixels; compared ``rows`` at a time (no full copy)."""
    if first.size != second.size or first.mode != second.mode:
        return False
    for top in range(0, first.height, rows):
        box = (0, top, first.width, min(first.height, top + rows))
        if first.crop(box).tobytes() != second.crop(box).tobytes():
            return False
    return True
