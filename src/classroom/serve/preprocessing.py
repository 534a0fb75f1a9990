"""Step 2 of an upload: convert the decoded image exactly as the model's training data were prepared.

Step 1, checking and decoding the bytes, is :func:`classroom.serve.images.decode_upload`.
The settings of :class:`Preprocessing` are stored in the model file's metadata
under ``"preprocess"``, so the server cannot drift from training.

How an upload is converted (documented for the API users):

* **Orientation** - a JPEG's EXIF orientation tag is applied (phone photos
  come out upright).
* **Transparency** - images with an alpha channel (RGBA, LA, palette with a
  transparent colour) are drawn onto a white background.
* **Colour** - converted to the model's mode: ``"L"`` (grayscale, ITU-R 601
  luma) or ``"RGB"``. 16-bit grayscale PNGs are scaled down to 8 bits.
* **Size** - the largest centred region with the model's aspect ratio is
  cropped, then resized to the model's size with bilinear filtering
  (anti-aliased when shrinking).
* **Inversion** - ``invert: true`` always inverts; ``invert: "auto"`` inverts
  when the border of the resized image is mostly bright, so a dark digit on
  white paper becomes a bright digit on black like MNIST.
* **Scaling** - pixel values are divided by 255, then ``(x - mean) / std``
  per channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
from PIL import Image, ImageOps

from classroom.serve.images import _DECODE_ERRORS

__all__ = ["Preprocessing"]


def _to_mode(image: Image.Image, mode: str) -> Image.Image:
    """Convert any decoded PNG/JPEG image to 8-bit ``"L"`` or ``"RGB"``.

    Transparent pixels are drawn onto white; 16-bit grayscale is scaled to 8 bits.
    """
    if image.mode == "P":
        has_transparency = "transparency" in image.info
        image = image.convert("RGBA" if has_transparency else "RGB")
    if image.mode.startswith("I"):  # 16-bit (or 32-bit integer) grayscale
        values = np.asarray(image, dtype=np.float64) * (255.0 / 65535.0)
        image = Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8), mode="L")
    elif image.mode == "F":
        values = np.clip(np.rint(np.asarray(image)), 0, 255).astype(np.uint8)
        image = Image.fromarray(values, mode="L")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        background.alpha_composite(image.convert("RGBA"))
        image = background
    if image.mode != mode:
        image = image.convert(mode)
    return image


@dataclass(frozen=True)
class Preprocessing:
    """How to turn an image into a model input, as the training data were prepared.

    Parameters
    ----------
    mode : {"L", "RGB"}
        Colour mode: ``"L"`` gives one channel, ``"RGB"`` three.
    height, width : int
        Size the image is resized to.
    mean, std : tuple of float
        Per-channel normalisation on the ``[0, 1]`` scale: the model sees
        ``(pixel / 255 - mean) / std``. One value per channel.
    invert : bool or "auto", default False
        Invert after scaling (``x -> 1 - x``); ``"auto"`` inverts when the
        border of the resized image is mostly bright.

    Examples
    --------
    >>> spec = Preprocessing.from_dict(
    ...     {"mode": "L", "size": [28, 28], "mean": [0.1307], "std": [0.3081], "invert": "auto"}
    ... )
    >>> spec.channels, spec.height, spec.width
    (1, 28, 28)
    """

    mode: str
    height: int
    width: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    invert: bool | str = False

    def __post_init__(self):
        if self.mode not in ("L", "RGB"):
            raise ValueError(f"preprocess mode must be 'L' or 'RGB', got {self.mode!r}")
        if self.height < 1 or self.width < 1:
            raise ValueError(f"preprocess size must be positive, got {self.height}x{self.width}")
        for name, values in (("mean", self.mean), ("std", self.std)):
            if len(values) != self.channels:
                raise ValueError(
                    f"preprocess {name} needs {self.channels} value(s) for mode "
                    f"{self.mode!r}, got {len(values)}: {list(values)}"
                )
        if any(value <= 0 for value in self.std):
            raise ValueError(f"preprocess std must be positive, got {list(self.std)}")
        if self.invert not in (True, False, "auto"):
            raise ValueError(f"preprocess invert must be true, false or 'auto', got {self.invert!r}")
        # Precomputed once, so each request only subtracts and multiplies.
        shape = (self.channels, 1, 1)
        object.__setattr__(self, "_mean", np.asarray(self.mean, np.float32).reshape(shape))
        object.__setattr__(self, "_inv_std", (1.0 / np.asarray(self.std, np.float32)).reshape(shape))

    @property
    def channels(self) -> int:
        """Number of channels the model sees: 1 for ``"L"``, 3 for ``"RGB"``."""
        return 1 if self.mode == "L" else 3

    @property
    def output_shape(self) -> tuple[int, int, int]:
        """Shape of the array :meth:`__call__` returns: ``(channels, height, width)``."""
        return (self.channels, self.height, self.width)

    @classmethod
    def from_dict(cls, spec: Mapping) -> "Preprocessing":
        """Build from the ``"preprocess"`` dict stored in a model file's metadata.

        Parameters
        ----------
        spec : mapping
            Keys ``mode`` (``"L"``/``"RGB"``), ``size`` (``[height, width]``),
            optional ``mean`` and ``std`` (lists, default 0 and 1 per channel)
            and optional ``invert`` (default False).

        Raises
        ------
        ValueError
            If a key is missing or a value is invalid; the message names it.
        """
        if not isinstance(spec, Mapping):
            raise ValueError(f"'preprocess' must be a dict, got {type(spec).__name__}")
        missing = [key for key in ("mode", "size") if key not in spec]
        if missing:
            raise ValueError(
                f"'preprocess' is missing {missing}; expected keys mode ('L' or 'RGB'), "
                "size ([height, width]), mean, std, invert"
            )
        size = spec["size"]
        if not (isinstance(size, Sequence) and len(size) == 2):
            raise ValueError(f"preprocess size must be [height, width], got {size!r}")
        channels = 1 if spec["mode"] == "L" else 3
        mean = tuple(float(value) for value in spec.get("mean", [0.0] * channels))
        std = tuple(float(value) for value in spec.get("std", [1.0] * channels))
        return cls(
            mode=spec["mode"],
            height=int(size[0]),
            width=int(size[1]),
            mean=mean,
            std=std,
            invert=spec.get("invert", False),
        )

    def to_dict(self) -> dict:
        """Return the JSON-ready dict that :meth:`from_dict` reads back."""
        return {
            "mode": self.mode,
            "size": [self.height, self.width],
            "mean": list(self.mean),
            "std": list(self.std),
            "invert": self.invert,
        }

    def __call__(self, image: Image.Image) -> np.ndarray:
        """Convert a decoded image into the model's input.

        Parameters
        ----------
        image : PIL.Image.Image
            Any image :func:`decode_upload` returns.

        Returns
        -------
        ndarray of shape (channels, height, width), float32
            Scaled, optionally inverted, normalised pixels.
        """
        image = _upright(image)
        image = _to_mode(image, self.mode)
        if image.size != (self.width, self.height):
            image = ImageOps.fit(
                image, (self.width, self.height), method=Image.Resampling.BILINEAR
            )
        pixels = np.asarray(image, dtype=np.float32)
        if pixels.ndim == 2:
            pixels = pixels[np.newaxis]
        else:
            pixels = pixels.transpose(2, 0, 1)
        pixels = pixels * np.float32(1.0 / 255.0)
        if self.invert is True or (self.invert == "auto" and _border_is_bright(pixels)):
            pixels = 1.0 - pixels
        return ((pixels - self._mean) * self._inv_std).astype(np.float32, copy=False)


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation tag; an unreadable tag is ignored (the image is used as stored)."""
    try:
        return ImageOps.exif_transpose(image)
    except _DECODE_ERRORS + (KeyError, TypeError):
        return image


def _border_is_bright(pixels: np.ndarray) -> bool:
    """Return True when the 1-pixel frame of ``pixels`` (C, H, W) in [0, 1] averages above 0.5."""
    border = np.concatenate(
        [
            pixels[:, 0, :].ravel(),
            pixels[:, -1, :].ravel(),
            pixels[:, :, 0].ravel(),
            pixels[:, :, -1].ravel(),
        ]
    )
    return float(border.mean()) > 0.5
