"""CelebA aligned face photos, centre-cropped to squares.

Sources accepted in ``<data_dir>/celeba/``, first found wins:

1. ``img_align_celeba/`` — the extracted folder of ``000001.jpg`` ...;
2. one archive holding ``img_align_celeba/*.jpg``: the official
   ``img_align_celeba.zip`` as downloaded, or a ``.tar.gz``/``.tgz``/``.tar``.
   Archives are read without extracting them.

Cropping: the aligned faces are portraits taller than wide (178x218 in the
official release, 89x109 in the half-size copy). The face sits in the middle,
so the loader takes the **centred square** (rows 20:198 of a 178x218 image,
rows 10:99 of an 89x109 one) and resizes it to ``size`` x ``size``. Images
are ordered by file name, so ``limit=n`` gives the same first ``n`` faces on
every machine.

Licence: CelebA is available for non-commercial research and education only.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import numpy as np

from .cache import cached, cache_key, read_cache
from .image_folder import decode_image, first_image_files
from .paths import cache_dir, dataset_dir, missing_data_error

CELEBA_URL = "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html"
_FOLDER = "img_align_celeba"
_ARCHIVE_PATTERNS = ("*.zip", "*.tar.gz", "*.tgz", "*.tar")


def find_celeba_source(folder: Path) -> Path | None:
    """Return the CelebA source in ``folder`` (the image folder or the archive), else None.

    Parameters
    ----------
    folder : pathlib.Path
        The ``celeba`` folder of the data directory.

    Returns
    -------
    pathlib.Path or None

    Raises
    ------
    ValueError
        Several archives are present, so the choice would be ambiguous.
    """
    if (folder / _FOLDER).is_dir():
        return folder / _FOLDER
    archives = sorted({path for pattern in _ARCHIVE_PATTERNS for path in folder.glob(pattern) if path.is_file()})
    if len(archives) > 1:
        names = [path.name for path in archives]
        raise ValueError(f"{folder} holds several archives {names}; keep only one CelebA archive")
    return archives[0] if archives else None


def _decode_celeba(source: Path, size: int, limit: int | None) -> dict[str, np.ndarray]:
    """Decode the first ``limit`` faces (by file name) to size x size RGB."""
    encoded = first_image_files(source, limit)
    if not encoded:
        raise ValueError(f"{source}: no .jpg images found (expected {_FOLDER}/000001.jpg, ...)")
    faces = np.empty((len(encoded), size, size, 3), dtype=np.uint8)
    for index, (name, data) in enumerate(encoded):
        faces[index] = decode_image(data, name=f"'{name}' in {source}", size=(size, size))
    names = np.array([PurePosixPath(name).name for name, _ in encoded], dtype=str)
    return {"images": faces, "names": names}


def load_celeba(
    *,
    size: int = 64,
    limit: int | None = None,
    data_dir: str | os.PathLike | None = None,
) -> np.ndarray:
    """Load CelebA faces as square RGB images.

    Parameters
    ----------
    size : int, default 64
        Side of the output squares, in pixels.
    limit : int, optional
        Load only the first ``limit`` faces (by file name). Default None loads all.
    data_dir : str or path-like, optional
        Data directory; default ``$CLASSROOM_DATA`` or ``~/.cache/classroom``.
        The files live in its ``celeba/`` folder (see the module docstring).

    Returns
    -------
    ndarray of shape (n_faces, size, size, 3), dtype uint8
        RGB faces, NHWC.

    Raises
    ------
    MissingDataError
        No CelebA images found; the message says where to get them.
    CorruptDataError
        An image cannot be decoded (the message names it).

    Notes
    -----
    The decoded faces are cached in ``<data_dir>/cache/``. When all faces
    were decoded once (``limit=None``), any ``limit`` is served from that
    cache; otherwise only the first ``limit`` faces are decoded and cached.

    Examples
    --------
    >>> faces = load_celeba(size=64, limit=500)   # doctest: +SKIP
    >>> faces.shape                              # doctest: +SKIP
    (500, 64, 64, 3)
    """
    if int(size) != size or size < 1:
        raise ValueError(f"size must be a positive int, got {size!r}")
    if limit is not None and (int(limit) != limit or limit < 1):
        raise ValueError(f"limit must be a positive int or None, got {limit!r}")
    folder = dataset_dir("celeba", data_dir)
    source = find_celeba_source(folder)
    if source is None:
        raise missing_data_error(
            "CelebA",
            folder,
            [
                "img_align_celeba.zip as downloaded (no need to extract it), or",
                f"its extracted {_FOLDER}/ folder with 000001.jpg, 000002.jpg, ..., or",
                f"a .tar.gz archive of {_FOLDER}/*.jpg",
            ],
            source=(
                f'{CELEBA_URL} ("Align&Cropped Images", img_align_celeba.zip). '
                "Licence: non-commercial research and education only"
            ),
            download_hint=False,
        )
    folder_for_cache = cache_dir(data_dir)
    full_params = {"size": int(size), "limit": None, "loader": "celeba-2"}
    full = read_cache(folder_for_cache, f"celeba-{size}-all", cache_key([source], full_params), mmap_mode="r")
    if full is not None:
        count = len(full["images"]) if limit is None else min(limit, len(full["images"]))
        return np.array(full["images"][:count])
    arrays = cached(
        f"celeba-{size}-{limit or 'all'}",
        sources=[source],
        params={"size": int(size), "limit": limit, "loader": "celeba-2"},
        build=lambda: _decode_celeba(source, int(size), limit),
        cache_folder=folder_for_cache,
    )
    return arrays["images"]
