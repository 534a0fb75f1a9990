"""Load a folder of labelled images: ``class/image`` or ``split/class/image``.

This is how the course reads CIFAR-10's image version and the learner's own
photos. The source may be a folder or a ``.zip``/``.tar.gz`` archive of one;
archives are read member by member, never extracted to disk::

    photos/                       photos.tar.gz
        train/                      (same tree inside)
            cat/001.jpg
            dog/a.png
        test/
            cat/...

Class folders sorted alphabetically give the labels 0, 1, 2, ...

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

import hashlib
import io
import os
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .cache import cached
from .errors import CorruptDataError, MissingDataError

#: File extensions read as images (case-insensitive); other files are ignored.
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm"})

_ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")
_BACKGROUND = (255, 255, 255)


@dataclass
class ImageFolder:
    """Images and labels read by :func:`load_image_folder`.

    Attributes
    ----------
    images : ndarray of shape (n_images, height, width, 3), dtype uint8
        RGB pixels, NHWC.
    labels : ndarray of shape (n_images,), dtype int64
        Index into ``classes``.
    classes : list of str
        Class folder names, sorted; ``classes[label]`` names a label.
    paths : list of str
        Path of each image relative to the folder or archive root (e.g.
        ``"train/cat/001.jpg"``), in the same order as ``images``.
    """

    images: np.ndarray
    labels: np.ndarray
    classes: list
    paths: list

    def __len__(self) -> int:
        """Number of images."""
        return len(self.labels)


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


def is_archive(path: str | os.PathLike) -> bool:
    """Return True when ``path`` names an archive file (``.zip``, ``.tar``, ``.tar.gz``, ``.tgz``).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    bool
    """
    return str(path).lower().endswith(_ARCHIVE_SUFFIXES) and Path(path).is_file()


def iter_image_files(source: str | os.PathLike) -> Iterator[tuple[str, bytes]]:
    """Yield ``(relative_path, encoded_bytes)`` for every image file in a folder or archive.

    Parameters
    ----------
    source : str or path-like
        A folder, a ``.zip``, or a ``.tar``/``.tar.gz``/``.tgz`` archive.
        Archives are read member by member; nothing is extracted to disk.

    Yields
    ------
    (str, bytes)
        Path relative to the root with ``/`` separators, and file contents.
        Folders and zip files are visited in sorted order, tar archives in
        stored order (a compressed tar can only be read front to back).

    Raises
    ------
    CorruptDataError
        The archive is truncated or unreadable.
    """
    source = Path(source)
    if source.is_dir():
        for folder, subfolders, files in os.walk(source):
            subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
            for file_name in sorted(files):
                path = Path(folder) / file_name
                if is_image_name(file_name):
                    yield path.relative_to(source).as_posix(), path.read_bytes()
    elif zipfile.is_zipfile(source):
        yield from _iter_zip(source)
    else:
        yield from _iter_tar(source)


def _iter_zip(source: Path, limit: int | None = None) -> Iterator[tuple[str, bytes]]:
    """Image members of a zip file, sorted by name (at most ``limit``)."""
    try:
        with zipfile.ZipFile(source) as archive:
            names = sorted(info.filename for info in archive.infolist() if not info.is_dir())
            for name in [name for name in names if is_image_name(name)][:limit]:
                yield name, archive.read(name)
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise CorruptDataError(f"{source}: unreadable or truncated zip file ({error}); fetch it again") from None


def _iter_tar(source: Path) -> Iterator[tuple[str, bytes]]:
    """Image members of a (compressed) tar archive, streamed in stored order."""
    try:
        with tarfile.open(source, mode="r|*") as archive:
            for member in archive:
                name = member.name.removeprefix("./")
                if member.isfile() and is_image_name(name):
                    yield name, archive.extractfile(member).read()
    except (tarfile.TarError, EOFError, OSError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise CorruptDataError(f"{source}: unreadable or truncated archive ({error}); fetch it again") from None


def first_image_files(source: str | os.PathLike, limit: int | None = None) -> list[tuple[str, bytes]]:
    """Return the first ``limit`` image files of a folder or archive, sorted by path.

    Folders and zip files read only the files returned; a tar archive has to
    be read through to know which names come first.

    Parameters
    ----------
    source : str or path-like
        A folder or an archive (see :func:`iter_image_files`).
    limit : int, optional
        How many files; default None returns all.

    Returns
    -------
    list of (str, bytes)
        ``(relative_path, encoded_bytes)`` sorted by path.
    """
    source = Path(source)
    if source.is_dir():
        paths = sorted(
            path for path in source.rglob("*") if path.is_file() and is_image_name(path.relative_to(source).as_posix())
        )[:limit]
        return [(path.relative_to(source).as_posix(), path.read_bytes()) for path in paths]
    if zipfile.is_zipfile(source):
        return list(_iter_zip(source, limit))
    return sorted(_iter_tar(source))[:limit]


def _class_of(path: str, split: str | None, source: Path) -> tuple[str, str] | None:
    """Return ``(root_prefix, class_name)`` for an image path, or None to skip it."""
    parts = PurePosixPath(path).parts
    if split is None:
        if len(parts) < 2:
            raise ValueError(
                f"{source}: image {path!r} is not inside a class folder; expected class/image "
                "(or split/class/image with split=...)"
            )
        return "/".join(parts[:-2]), parts[-2]
    if len(parts) >= 3 and parts[-3] == split:
        return "/".join(parts[:-3]), parts[-2]
    return None


def _decode_folder(source: Path, split: str | None, size) -> dict[str, np.ndarray]:
    """Decode every image of ``source`` (for one split) into arrays."""
    records = []  # (class_name, path, pixels)
    roots = set()
    seen_folders = set()
    classes_in_any_split = {}  # root prefix -> class names under any split folder of that root
    for path, data in iter_image_files(source):
        parts = PurePosixPath(path).parts
        if len(parts) >= 3:
            seen_folders.add(parts[-3])
            classes_in_any_split.setdefault("/".join(parts[:-3]), set()).add(parts[-2])
        found = _class_of(path, split, source)
        if found is None:
            continue
        root, class_name = found
        roots.add(root)
        records.append((class_name, path, decode_image(data, name=f"'{path}' in {source}", size=size)))
    if not records:
        where = f" under a {split!r} folder" if split is not None else ""
        hint = f" Folders found above the class folders: {sorted(seen_folders)}." if seen_folders else ""
        raise ValueError(f"{source}: no images found{where} (expected {'split/' if split else ''}class/image).{hint}")
    if split is None and len(roots) > 1:
        raise ValueError(
            f"{source}: images sit in class folders under several parents {sorted(roots)}; "
            "pass split=... to choose one (e.g. split='train')"
        )
    shapes = {pixels.shape for _, _, pixels in records}
    if len(shapes) > 1:
        raise ValueError(f"{source}: images have different sizes {sorted(shapes)[:5]}; pass size=(height, width)")
    records.sort(key=lambda record: (record[0], record[1]))
    classes = {class_name for class_name, _, _ in records}
    if split is not None:
        # Label classes across all splits, so "fox" gets the same label in
        # train and test even when one split has no fox at all.
        classes |= classes_in_any_split[next(iter(roots))]
    classes = sorted(classes)
    label_of = {class_name: label for label, class_name in enumerate(classes)}
    return {
        "images": np.stack([pixels for _, _, pixels in records]),
        "labels": np.array([label_of[class_name] for class_name, _, _ in records], dtype=np.int64),
        "classes": np.array(classes, dtype=str),
        "paths": np.array([path for _, path, _ in records], dtype=str),
    }


def load_image_folder(
    path: str | os.PathLike,
    *,
    split: str | None = None,
    size=(32, 32),
    cache_dir: str | os.PathLike | None = None,
) -> ImageFolder:
    """Load labelled images from a folder or an archive of ``[split/]class/image`` files.

    Parameters
    ----------
    path : str or path-like
        A folder, or a ``.zip``/``.tar``/``.tar.gz``/``.tgz`` archive. A
        wrapper folder inside the archive (``photos/train/cat/...``) is fine.
    split : str, optional
        Read ``<split>/<class>/<image>`` (e.g. ``"train"``). Default None
        reads ``<class>/<image>``. Labels come from the class folders of
        every split, so they agree between splits.
    size : int or (int, int) or None, default (32, 32)
        Output ``(height, width)``: each image is centre-cropped to that
        aspect ratio and resized (see the module docstring). None keeps the
        original size, which must then be the same for every image.
    cache_dir : str or path-like, optional
        Cache the decoded arrays there (``.npy``, keyed by the source's file
        sizes and modification times and by ``split`` and ``size``). Default
        None decodes every time.

    Returns
    -------
    ImageFolder
        ``images`` uint8 (N, height, width, 3), ``labels`` int64 (N,),
        ``classes`` (sorted class folder names), ``paths`` (relative paths).

    Raises
    ------
    MissingDataError
        ``path`` does not exist (a ``FileNotFoundError``; the message says
        what to put there).
    CorruptDataError
        An image cannot be decoded (the message names it) or the archive is damaged.
    ValueError
        No images found, images outside class folders, or mixed sizes with ``size=None``.

    Examples
    --------
    >>> photos = load_image_folder("my_photos", size=(64, 64))   # doctest: +SKIP
    >>> photos.images.shape, photos.classes                      # doctest: +SKIP
    ((120, 64, 64, 3), ['cat', 'dog'])
    """
    source = Path(path)
    if not source.exists():
        parent = source.absolute().parent
        raise MissingDataError(
            f"Image folder {source.name} is not in the data directory {parent}.\n"
            f"{source.absolute()} does not exist. Make it a folder with one sub-folder per class "
            f"({source.name}/<class>/<image>.jpg, or {source.name}/<split>/<class>/<image>.jpg with split=...), "
            "or an archive (.zip, .tar.gz, .tgz, .tar) of that tree, then call load_image_folder again.",
            dataset=f"Image folder {source.name}",
            directory=parent,
        )
    if source.is_file() and not is_archive(source):
        raise ValueError(f"{source} is neither a folder nor a .zip/.tar/.tar.gz/.tgz archive")
    target = normalize_size(size)
    readable_name = "".join(character if character.isalnum() else "_" for character in source.name)
    location_hash = hashlib.sha256(str(source.absolute()).encode()).hexdigest()[:8]
    size_text = "x".join(map(str, target)) if target else "orig"
    params = {"split": split, "size": target, "loader": "image_folder-3"}
    arrays = cached(
        f"imagefolder-{readable_name}-{location_hash}-{split or 'all'}-{size_text}",
        sources=[source],
        params=params,
        build=lambda: _decode_folder(source, split, target),
        cache_folder=cache_dir,
    )
    return ImageFolder(
        images=arrays["images"],
        labels=arrays["labels"],
        classes=[str(class_name) for class_name in arrays["classes"]],
        paths=[str(relative_path) for relative_path in arrays["paths"]],
    )
