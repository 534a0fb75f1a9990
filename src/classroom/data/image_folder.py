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

How each image is decoded and resized (the resize policy) is in
:mod:`classroom.data.image_decoding`; how a folder or an archive is walked
in :mod:`classroom.data.image_files`.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from .cache import cached
from .errors import MissingDataError
from .image_decoding import IMAGE_EXTENSIONS, centre_crop_resize, decode_image, is_image_name, normalize_size
from .image_files import first_image_files, is_archive, iter_image_files

__all__ = [
    "IMAGE_EXTENSIONS",
    "ImageFolder",
    "centre_crop_resize",
    "decode_image",
    "first_image_files",
    "is_archive",
    "is_image_name",
    "iter_image_files",
    "load_image_folder",
    "normalize_size",
]


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
