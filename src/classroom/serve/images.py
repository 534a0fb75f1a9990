"""Turn an uploaded file into the array a model expects, or explain why not.

Two steps, kept apart so each can be tested on its own:

1. :func:`decode_upload` checks the raw bytes and decodes them with Pillow.
   Only PNG and JPEG are accepted, recognised by their first bytes (the
   "magic number"), not by the file name or the declared content type. The
   file's structure is checked (:mod:`classroom.serve.integrity`: complete
   chunks and segments, checksums, enough image data), because Pillow decodes
   damaged files leniently, filling missing JPEG data with grey. The image
   size is checked *before* any pixel is decoded, so a small file that
   claims to hold a gigantic image (a "decompression bomb") is refused
   without using the memory it asks for.
2. :class:`classroom.serve.preprocessing.Preprocessing` converts the decoded image exactly as the model's
   training data were prepared: colour mode, size, scaling to ``[0, 1]``,
   optional inversion, and per-channel normalisation. Its settings are stored
   in the model file's metadata under ``"preprocess"``, so the server cannot
   drift from training.

Every problem raises :class:`UploadError`, which carries the HTTP status code
the server answers with and a message that names the problem and the fix.

How an upload is converted is documented in :mod:`classroom.serve.preprocessing`.
"""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, UnidentifiedImageError

from classroom.serve.integrity import jpeg_data_ran_out, jpeg_problem, png_problem
from classroom.serve.limits import (
    DEFAULT_MAX_DECODED_BYTES,
    DEFAULT_MAX_IMAGE_PIXELS,
    DEFAULT_MAX_UPLOAD_BYTES,
)

__all__ = [
    "ACCEPTED_CONTENT_TYPES",
    "DEFAULT_MAX_IMAGE_PIXELS",
    "DEFAULT_MAX_UPLOAD_BYTES",
    "Preprocessing",
    "UploadError",
    "damaged",
    "decode_upload",
    "decoded_size",
    "release_freed_memory",
    "sniff_format",
]


ACCEPTED_CONTENT_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/jpg", "image/pjpeg", "application/octet-stream"}
)
"""Declared content types of the upload that are accepted (the bytes are checked anyway).

``application/octet-stream`` is what many clients send when they do not know
the type; the first bytes of the file then decide.
"""

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
)

# Formats we recognise only to give a better error message; they are refused.
_OTHER_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a zip archive"),
    (b"\x00\x00\x01\x00", "an ICO icon"),
)

# What Pillow may raise on damaged data, besides its own errors.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, zlib.error, struct.error)


class UploadError(Exception):
    """An upload the server refuses, with the HTTP status to answer.

    Parameters
    ----------
    status_code : int
        400 (bad or damaged data), 413 (too large) or 415 (unsupported type).
    message : str
        What is wrong and how to fix it; sent to the client as ``detail``.
    """

    def __init__(self, status_code: int, message: str):
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def damaged(image_format: str, problem: str) -> UploadError:
    """The 400 error for a truncated or corrupt upload: what is wrong, then the fix.

    Parameters
    ----------
    image_format : str
        ``"PNG"`` or ``"JPEG"``.
    problem : str
        What is damaged, e.g. ``"the file ends at byte 1,000 before its IEND chunk"``.

    Returns
    -------
    UploadError
    """
    return UploadError(
        400,
        f"the {image_format} data is truncated or corrupt: {problem}; re-save or re-export the image "
        "and upload the whole file",
    )


def sniff_format(data: bytes) -> str | None:
    """Return ``"PNG"`` or ``"JPEG"`` from the first bytes of ``data``, else None.

    Parameters
    ----------
    data : bytes
        The start of the file (at least 8 bytes to recognise PNG).

    Returns
    -------
    str or None
        The Pillow format name, or None when the bytes are neither.
    """
    for signature, name in _SIGNATURES:
        if data.startswith(signature):
            return name
    return None


def _describe_unsupported(data: bytes) -> str:
    """Say what ``data`` looks like, for the error message of an unsupported upload."""
    for signature, description in _OTHER_SIGNATURES:
        if data.startswith(signature):
            return f"it looks like {description}"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "it looks like a WebP image"
    stripped = data[:64].lstrip()
    if stripped[:1] in (b"{", b"["):
        return "it looks like JSON text"
    if stripped[:1] == b"<":
        return "it looks like HTML/XML text"
    return f"it starts with the bytes {data[:8]!r}"


def decode_upload(
    data: bytes,
    *,
    content_type: str | None = None,
    max_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
    draft: tuple[str, tuple[int, int]] | None = None,
    max_decoded_bytes: int = DEFAULT_MAX_DECODED_BYTES,
) -> Image.Image:
    """Check and decode uploaded bytes into a Pillow image.

    Parameters
    ----------
    data : bytes
        The whole uploaded file.
    content_type : str, optional
        The content type the client declared for the file part; when given it
        must be one of :data:`ACCEPTED_CONTENT_TYPES`. Default: not checked.
    max_pixels : int, default 25_000_000
        Largest accepted ``width * height``. Checked from the image header,
        before the pixels are decoded.
    draft : (mode, (width, height)), optional
        For JPEG only: let the decoder produce a smaller image directly (it
        can scale by 1/2, 1/4 or 1/8 while decoding, which is much faster
        for large photos). The result is at least this size. Default: off.
    max_decoded_bytes : int, default 128 MiB
        Largest accepted decoded size, ``width * height * channels * bytes
        per sample`` from the header (after ``draft``), checked before the
        pixels are decoded (see :func:`decoded_size`).

    Returns
    -------
    PIL.Image.Image
        The decoded image, pixels loaded. ``image.info["original_size"]``
        and ``image.info["original_mode"]`` describe the upload as sent
        (``draft`` may decode a smaller or grayscale image).

    Raises
    ------
    UploadError
        400 for an empty, truncated or corrupt file (see
        :mod:`classroom.serve.integrity` for what is checked), 413 for an image
        with too many pixels, 415 for a declared type or content that is not
        PNG/JPEG.
    """
    if not data:
        raise UploadError(
            400,
            "the uploaded file is empty (0 bytes); send a PNG or JPEG image in the "
            "form field 'file'",
        )
    if content_type:
        declared = content_type.split(";")[0].strip().lower()
        if declared not in ACCEPTED_CONTENT_TYPES:
            raise UploadError(
                415,
                f"the uploaded file is declared as '{declared}'; send a PNG or JPEG "
                "image (image/png or image/jpeg)",
            )
    image_format = sniff_format(data)
    if image_format is None:
        raise UploadError(
            415,
            f"the uploaded file is not a PNG or JPEG image ({_describe_unsupported(data)}); "
            "send a PNG or JPEG image",
        )

    try:
        image = Image.open(io.BytesIO(data), formats=[image_format])
    except Image.DecompressionBombError as error:
        raise UploadError(413, f"the image is too large to decode safely ({error})") from None
    except UnidentifiedImageError:
        raise damaged(image_format, "its header cannot be read") from None
    except _DECODE_ERRORS as error:
        raise damaged(image_format, f"its header cannot be read ({type(error).__name__}: {error})") from None
    problem = png_problem(data) if image_format == "PNG" else jpeg_problem(data)
    if problem is not None:
        raise damaged(image_format, problem)

    width, height = image.size
    if width < 1 or height < 1:
        raise UploadError(400, f"the image has no pixels ({width}x{height})")
    if width * height > max_pixels:
        raise UploadError(
            413,
            f"the image is {width}x{height} = {width * height:,} pixels, more than the "
            f"limit of {max_pixels:,} pixels (a file this small that decodes this large "
            "may be a decompression bomb); resize it before uploading",
        )

    original_mode = image.mode
    if draft is not None and image_format == "JPEG":
        draft_mode, draft_size = draft
        image.draft(draft_mode, draft_size)
    cost = decoded_size(image, data)
    if cost > max_decoded_bytes:
        raise UploadError(
            413,
            f"the image would take {cost:,} bytes to decode ({width}x{height}, {_sample_text(image, data)}), "
            f"more than the limit of {max_decoded_bytes:,}; send a smaller or 8-bit image",
        )
    try:
        image.load()
        ran_out = image_format == "JPEG" and jpeg_data_ran_out(data, image, draft)
    except Image.DecompressionBombError as error:
        raise UploadError(413, f"the image is too large to decode safely ({error})") from None
    except _DECODE_ERRORS as error:
        raise damaged(image_format, f"{type(error).__name__}: {error}") from None
    if ran_out:
        raise damaged(image_format, "the image data end before its last pixels (the decoder filled them with grey)")
    image.info["original_size"] = (width, height)
    image.info["original_mode"] = original_mode
    return image


#: PNG colour type -> channels (grey, -, RGB, palette, grey + alpha, -, RGBA).
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def _samples(image: Image.Image, data: bytes) -> tuple[int, int]:
    """``(channels, bytes per sample)`` of the upload: from a PNG's header, else from the image mode."""
    if image.format == "PNG" and len(data) >= 26 and data[12:16] == b"IHDR":
        bit_depth, colour_type = data[24], data[25]
        return _PNG_CHANNELS.get(colour_type, 4), max(1, (bit_depth + 7) // 8)
    bands = len(image.getbands())
    return bands, 2 if image.mode.startswith("I;16") else 4 if image.mode in ("I", "F") else 1


def _sample_text(image: Image.Image, data: bytes) -> str:
    channels, size = _samples(image, data)
    return f"{channels} channel{'s' if channels > 1 else ''} of {8 * size} bits"


def decoded_size(image: Image.Image, data: bytes) -> int:
    """Bytes the decoded pixels take: width x height x channels x bytes per sample, from the header.

    Parameters
    ----------
    image : PIL.Image.Image
        Opened but not loaded (after ``draft`` for a JPEG, so its reduced size counts).
    data : bytes
        The uploaded file (a PNG's header gives its bit depth and colour type).

    Returns
    -------
    int

    Examples
    --------
    A 5000 x 5000 16-bit RGBA PNG: 5000 * 5000 * 4 channels * 2 bytes = 200,000,000.
    """
    channels, size = _samples(image, data)
    width, height = image.size
    return width * height * channels * size


#: Decoded sizes from which the server hands freed memory back to the system after a prediction.
LARGE_DECODE_BYTES = 16 * 1024 * 1024
_malloc_trim = []


def release_freed_memory() -> bool:
    """Hand the heap memory freed by a large decode back to the operating system.

    Pillow's pixel buffers and NumPy's copies are freed after each request,
    but glibc keeps freed memory mapped for reuse, so after a burst of large
    images the server stayed about 60 MB above its baseline (measured with
    ``tests/serve/test_serve_decode_limits.py``). ``malloc_trim(0)`` returns it.
    Elsewhere than glibc this does nothing.

    Returns
    -------
    bool
        True when memory was trimmed.
    """
    if not _malloc_trim:
        try:
            import ctypes

            _malloc_trim.append(ctypes.CDLL("libc.so.6").malloc_trim)
        except (OSError, AttributeError):
            _malloc_trim.append(None)
    trim = _malloc_trim[0]
    if trim is None:
        return False
    trim(0)
    return True


# The second step lives in its own module; the name stays importable from here.
from classroom.serve.preprocessing import Preprocessing  # noqa: E402
