"""One image file to one RGB array of a fixed size: decoding and the resize policy.

The image loaders (:func:`classroom.data.load_image_folder`, CelebA) and
the server's uploads all decode through :func:`decode_image`, so a photo
becomes the same array wherever it is read.

Resize policy
-------------
Every image is turned into RGB (grey, palette, CMYK, 16-bit and images with
transparency included; transparent pixels are composited on white; the
EXIF orientation of phone photos is applied), then **centre-cropped to the
target's aspect ratio and resized** (bicubic, antialiased) to exactly
``size``: nothing is stretched, at the cost of trimming the edges of the
longer side (a 300x200 photo becomes its middle 200x200 square for a square
target). Images already of the target size are left untouched.
"""

from __future__ import annotations

import io
from pathlib import PurePosixPath

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import CorruptDataError

#: File extensions read as images (case-insensitive); other files are ignored.
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm"})

_BACKGROUND = (255, 255, 255)


def normalize_size(size) -> tuple[int, int] | None:
    """Turn ``size`` into ``(height, width)``.

    Parameters
    ----------
    size : int or (int, int) or None
        An int means a square; a pair is ``(height, width)``; None keeps the
        original size.

    Returns
    -------
    (int, int) or None
    """
    if size is None:
        return None
    if isinstance(size, (int, np.integer)):
        size = (int(size), int(size))
    if len(size) != 2 or any(int(side) != side or side < 1 for side in size):
        raise ValueError(f"size must be a positive int or a pair (height, width) of positive ints, got {size!r}")
    return int(size[0]), int(size[1])


def _to_rgb(image: Image.Image) -> Image.Image:
    """Convert any Pillow mode to RGB (alpha composited on white)."""
    if image.mode == "RGB":
        return image
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        # 16-bit grey: scale 0..65535 to 0..255 (Pillow's own conversion would clip).
        grey = np.asarray(image, dtype=np.float64)
        grey = np.clip(np.rint(grey * (255.0 / 65535.0)), 0, 255).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, _BACKGROUND + (255,))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def decode_image(data: bytes, *, name: str, size=(32, 32)) -> np.ndarray:
    """Decode one image file to RGB pixels of the requested size.

    Parameters
    ----------
    data : bytes
        The encoded file (JPEG, PNG, ...).
    name : str
        The file's name, used in error messages (e.g. the path inside an archive).
    size : int or (int, int) or None, default (32, 32)
        Target ``(height, width)``; see the module's resize policy. None keeps
        the original size.

    Returns
    -------
    ndarray of shape (height, width, 3), dtype uint8

    Raises
    ------
    CorruptDataError
        The file is not a readable image; the message names it.
    """
    target = normalize_size(size)
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened)
            image = _to_rgb(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise CorruptDataError(
            f"could not decode image {name}: {type(error).__name__}: {error}. Delete or replace this file."
        ) from None
    if target is not None and (image.height, image.width) != target:
        image = centre_crop_resize(image, target)
    return np.asarray(image, dtype=np.uint8)


def centre_crop_resize(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Cut the largest centred box with the target's aspect ratio, then resize it.

    Parameters
    ----------
    image : PIL.Image.Image
        Any size.
    size : (int, int)
        Target ``(height, width)``.

    Returns
    -------
    PIL.Image.Image
        Exactly ``size``; bicubic, antialiased resampling.

    Examples
    --------
    An 89x109 (width x height) portrait to a 64x64 square keeps rows 10:99
    (the centred 89x89 square), then shrinks it.
    """
    height, width = size
    crop_width = min(image.width, round(image.height * width / height))
    crop_height = min(image.height, round(image.width * height / width))
    left = (image.width - crop_width) // 2
    top = (image.height - crop_height) // 2
    # Crop first: resizing with a box would let the filter read pixels outside the box.
    cropped = image.crop((left, top, left + crop_width, top + crop_height))
    if cropped.size == (width, height):
        return cropped
    return cropped.resize((width, height), resample=Image.Resampling.BICUBIC)


def is_image_name(name: str) -> bool:
    """Return True for a visible file with an image extension (see ``IMAGE_EXTENSIONS``).

    Parameters
    ----------
    name : str
        A file name or path.

    Returns
    -------
    bool
    """
    base = PurePosixPath(name).name
    return not base.startswith(".") and PurePosixPath(base).suffix.lower() in IMAGE_EXTENSIONS
