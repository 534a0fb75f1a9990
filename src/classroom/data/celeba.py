"""CelebA aligned face photos, centre-cropped to squares.

Sources accepted in ``<data_dir>/celeba/``, first found wins:

1. ``img_align_celeba/`` — the extracted folder of ``000001.jpg`` ...;
2. ``img_align_celeba.zip`` — the official archive as downloaded;
3. ``celeba-10k-89x109-jpg.tar.gz`` — the course's offline copy (the first
   10,000 faces at half size);
4. any one other archive (``.zip``/``.tar.gz``/``.tgz``/``.tar``) holding
   ``img_align_celeba/*.jpg``.

Archives are read without extracting them.

Download: with ``download=True`` (or ``CLASSROOM_DOWNLOAD=1``), or by calling
:func:`download_celeba`, the official ``img_align_celeba.zip`` (about 1.4 GB)
is fetched from the authors' Google Drive, its MD5 checked, and saved
atomically. Google Drive asks for a confirmation on large files, which the
optional package ``gdown`` handles (``pip install gdown``, or
``pip install 'ml-classroom[data]'``). Google Drive also limits how often a
file may be downloaded each day; when it refuses, the error says so and where
to put the file fetched by hand.

Cropping: the aligned faces are portraits taller than wide (178x218 in the
official release, 89x109 in the half-size copy). The face sits in the middle,
so the loader takes the **centred square** (rows 20:198 of a 178x218 image,
rows 10:99 of an 89x109 one) and resizes it to ``size`` x ``size``. Images
are ordered by file name, so ``limit=n`` gives the same first ``n`` faces on
every machine.

Licence: CelebA (Z. Liu, P. Luo, X. Wang, X. Tang, The Chinese University of
Hong Kong) is available for **non-commercial research and educational
purposes only**; the images may not be redistributed or used commercially.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
from pathlib import Path, PurePosixPath

import numpy as np
from tqdm import tqdm

from classroom.io.atomic import atomic_write

from .cache import cached, cache_key, read_cache
from .download import file_digest
from .errors import ChecksumError, MissingDataError
from .image_decoding import decode_image
from .image_files import first_image_files
from .paths import cache_dir, dataset_dir, download_allowed, missing_data_error, resolve_data_dir

#: The dataset's home page.
CELEBA_URL = "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html"
#: Google Drive id of the official ``img_align_celeba.zip`` ("Align&Cropped Images").
CELEBA_GDRIVE_ID = "0B7EVK8r0v71pZjFTYXZWM3FlRnM"
#: The same file's page on Google Drive, for a download by hand.
CELEBA_GDRIVE_PAGE = f"https://drive.google.com/file/d/{CELEBA_GDRIVE_ID}/view"
#: Name of the official archive.
CELEBA_ZIP = "img_align_celeba.zip"
#: MD5 of the official ``img_align_celeba.zip``.
CELEBA_ZIP_MD5 = "00d2c5bc6d35e252742224ab0c1e8fcb"
#: Licence, in one line.
CELEBA_LICENCE = "CelebA is available for non-commercial research and educational purposes only"

_FOLDER = "img_align_celeba"
_OFFLINE_ARCHIVE = "celeba-10k-89x109-jpg.tar.gz"
_ARCHIVE_PATTERNS = ("*.zip", "*.tar.gz", "*.tgz", "*.tar")
_GDOWN_INSTALL = "pip install gdown"
_EXTRA_INSTALL = "pip install 'ml-classroom[data]'"


def find_celeba_source(folder: Path) -> Path | None:
    """Return the CelebA source in ``folder`` (the image folder or an archive), else None.

    Parameters
    ----------
    folder : pathlib.Path
        The ``celeba`` folder of the data directory.

    Returns
    -------
    pathlib.Path or None
        In the order of the module docstring.

    Raises
    ------
    ValueError
        Neither known archive is present and several other archives are, so
        the choice would be ambiguous.
    """
    if (folder / _FOLDER).is_dir():
        return folder / _FOLDER
    for name in (CELEBA_ZIP, _OFFLINE_ARCHIVE):
        if (folder / name).is_file():
            return folder / name
    archives = sorted({path for pattern in _ARCHIVE_PATTERNS for path in folder.glob(pattern) if path.is_file()})
    if len(archives) > 1:
        names = [path.name for path in archives]
        raise ValueError(f"{folder} holds several archives {names}; keep only one CelebA archive")
    return archives[0] if archives else None


def missing_celeba_error(data_dir: str | os.PathLike | None, *, reason: str | None = None) -> MissingDataError:
    """Build the :class:`MissingDataError` for a data directory without CelebA.

    Parameters
    ----------
    data_dir : str or path-like or None
        The data directory.
    reason : str, optional
        Why a download did not help, when one was tried.

    Returns
    -------
    MissingDataError
    """
    directory = resolve_data_dir(data_dir).absolute()
    target = directory / "celeba" / CELEBA_ZIP
    return missing_data_error(
        "CelebA",
        directory,
        download_code=f"from classroom.data import download_celeba; download_celeba(data_dir={str(directory)!r})",
        download_what=(
            f"the official aligned faces {CELEBA_ZIP} (about 1.4 GB, MD5-checked) from the authors' "
            f"Google Drive (needs gdown: {_GDOWN_INSTALL}, or {_EXTRA_INSTALL})"
        ),
        offline_files=f"{CELEBA_ZIP} (official) or {_OFFLINE_ARCHIVE} (the course's 10,000-face copy)",
        offline_folder="celeba",
        looked_for=(
            f"{CELEBA_ZIP} as downloaded (no need to extract it), its extracted {_FOLDER}/ folder "
            f"(000001.jpg, 000002.jpg, ...), {_OFFLINE_ARCHIVE}, or one .tar.gz archive of {_FOLDER}/*.jpg"
        ),
        source=f'{CELEBA_URL} ("Align&Cropped Images", {CELEBA_ZIP}). Licence: {CELEBA_LICENCE}',
        reason=reason,
        notes=[
            f"By hand: download {CELEBA_ZIP} from {CELEBA_GDRIVE_PAGE} (or from the project page, "
            f'"Align&Cropped Images", folder Img/) and put it, unextracted, at {target}.',
        ],
        setup_commands=() if _gdown_installed() else (_GDOWN_INSTALL,),
    )


def _gdown_installed() -> bool:
    """True when the optional package ``gdown`` can be imported."""
    try:
        return importlib.util.find_spec("gdown") is not None
    except (ImportError, ValueError, AttributeError):  # e.g. sys.modules["gdown"] is None
        return False


def _import_gdown(data_dir):
    """Import the optional ``gdown`` package, or raise a MissingDataError that says how to install it."""
    try:
        return importlib.import_module("gdown")
    except ImportError:
        raise missing_celeba_error(
            data_dir,
            reason=(
                "Downloading CelebA from Google Drive needs the optional package gdown, which is not installed: "
                f"run {_GDOWN_INSTALL} (or {_EXTRA_INSTALL}), then the download command below."
            ),
        ) from None


def _gdown_errors(gdown, name: str) -> tuple[type, ...]:
    """The exception class ``name`` of gdown (top level or ``gdown.exceptions``), as a tuple for ``except``."""
    classes = []
    for holder in (gdown, getattr(gdown, "exceptions", None)):
        candidate = getattr(holder, name, None)
        if isinstance(candidate, type) and issubclass(candidate, Exception) and candidate not in classes:
            classes.append(candidate)
    return tuple(classes)


def _quota_reason(detail: str) -> str:
    return (
        f"Google Drive refused the download ({detail}). It allows each file only so many downloads a day; "
        "when the quota is used up, try again in 24 hours or download the file by hand (see below)."
    )


def _looks_like_web_page(path: str | os.PathLike) -> bool:
    """True when a 'downloaded' file is an HTML page (Google Drive's refusal) or empty."""
    with open(path, "rb") as stream:
        head = stream.read(512).lstrip().lower()
    return not head or head.startswith((b"<!doctype html", b"<html", b"<head"))


def download_celeba(data_dir: str | os.PathLike | None = None, *, progress: bool = True) -> Path:
    """Download the official ``img_align_celeba.zip`` into ``<data_dir>/celeba/``.

    The file (202,599 aligned faces of 178x218 pixels, about 1.4 GB) comes
    from the authors' Google Drive through ``gdown``, which answers Google
    Drive's confirmation page for large files. The bytes go to a temporary
    file next to the destination; only when the MD5 matches the published
    one is it renamed into place, so an interrupted or refused download never
    leaves a partial file.

    Licence: CelebA is available for non-commercial research and educational
    purposes only.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Data directory; default ``$CLASSROOM_DATA`` or ``~/.cache/classroom``.
    progress : bool, default True
        Show a tqdm progress bar (bytes).

    Returns
    -------
    pathlib.Path
        ``<data_dir>/celeba/img_align_celeba.zip``, complete and verified.
        When the file is already there it is returned without a download.

    Raises
    ------
    MissingDataError
        ``gdown`` is not installed, Google Drive refused the file (daily
        quota; it sent a web page instead), or the network failed. The
        message says which, and where to put the file downloaded by hand.
    ChecksumError
        The downloaded file's MD5 differs from the published one; nothing was saved.
    """
    folder = dataset_dir("celeba", data_dir)
    destination = folder / CELEBA_ZIP
    if destination.is_file():
        return destination
    gdown = _import_gdown(data_dir)
    refused = _gdown_errors(gdown, "FileURLRetrievalError")  # Drive would not hand out the file (quota)
    failed = _gdown_errors(gdown, "DownloadError") + (OSError,)  # network; requests' errors are OSErrors
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_write(destination) as output:
        with tqdm(unit="B", unit_scale=True, desc=CELEBA_ZIP, disable=not progress) as bar:

            def report(done: int, total: int | None) -> None:
                if total and bar.total != total:
                    bar.total = total
                bar.update(done - bar.n)

            options = {"id": CELEBA_GDRIVE_ID, "output": output, "quiet": True}
            parameters = inspect.signature(gdown.download).parameters
            if "progress" in parameters:
                options["progress"] = report
            else:  # older gdown: let it draw its own bar
                options["quiet"] = not progress
            if "timeout" in parameters:
                options["timeout"] = 60  # seconds without a byte before giving up
            try:
                result = gdown.download(**options)
            except refused as error:
                raise missing_celeba_error(data_dir, reason=_quota_reason(str(error).strip())) from None
            except failed as error:
                raise missing_celeba_error(
                    data_dir, reason=f"The download from Google Drive failed: {type(error).__name__}: {error}"
                ) from None
        output.flush()
        if result is None or _looks_like_web_page(output.name):
            raise missing_celeba_error(data_dir, reason=_quota_reason("it sent a web page instead of the file"))
        digest = file_digest(output.name, algorithm="md5")
        if digest != CELEBA_ZIP_MD5:
            raise ChecksumError(
                f"{CELEBA_ZIP} from Google Drive (saving to {destination}): md5 is {digest}, expected "
                f"{CELEBA_ZIP_MD5}. The download is corrupted or not the official file; nothing was saved."
            )
    return destination


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
    download: bool | None = None,
) -> np.ndarray:
    """Load CelebA faces as square RGB images.

    Licence: CelebA is available for non-commercial research and educational
    purposes only.

    Parameters
    ----------
    size : int, default 64
        Side of the output squares, in pixels.
    limit : int, optional
        Load only the first ``limit`` faces (by file name). Default None loads all.
    data_dir : str or path-like, optional
        Data directory; default ``$CLASSROOM_DATA`` or ``~/.cache/classroom``.
        The files live in its ``celeba/`` folder (see the module docstring).
    download : bool, optional
        Fetch the official ``img_align_celeba.zip`` (about 1.4 GB, see
        :func:`download_celeba`) when no source is found. Default None
        downloads only when ``CLASSROOM_DOWNLOAD=1``.

    Returns
    -------
    ndarray of shape (n_faces, size, size, 3), dtype uint8
        RGB faces, NHWC.

    Raises
    ------
    MissingDataError
        No CelebA images found and not downloaded; the message gives the
        commands that fix it (see :func:`download_celeba` for download failures).
    ChecksumError
        A downloaded archive's MD5 differs (nothing was saved).
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
    if source is None and download_allowed(download):
        source = download_celeba(data_dir)
    if source is None:
        raise missing_celeba_error(data_dir)
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
