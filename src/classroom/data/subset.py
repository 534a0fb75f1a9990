"""A small image folder of a few CIFAR-10 classes, laid out like your own photos.

:func:`make_image_folder_subset` writes::

    out/
        train/<class>/0000.jpg ...   (at most ``train_per_class`` files per class)
        test/<class>/0000.jpg ...    (at most ``test_per_class`` files per class)
        subset.json                  (what was asked for and what was written)

from whichever CIFAR-10 form the data directory holds (see
:mod:`classroom.data.cifar10`):

* the image-folder version (``cifar10-jpg.tar.gz`` or an extracted
  ``train|test/<class>/`` tree): the JPEG files of the chosen classes are
  copied **unchanged**, read member by member without extracting the archive;
* the official binary or Python version (``cifar-10-binary.tar.gz``,
  ``cifar-10-python.tar.gz`` or their extracted folders): the decoded images
  are written as lossless PNG files ``0000.png`` ... .

Within each class the files are the first ones in the source's order (the
official order for the binary versions, the stored order of the archive,
which is sorted, for the image version), so the same arguments always give
the same folder. The folder is built in a temporary folder next to ``out``
and renamed into place when it is complete: an interrupted run never leaves a
half-written ``out``. When ``out`` already holds a folder made with the same
arguments, nothing is done.

The month-2 lesson loads the result with :func:`classroom.data.load_image_folder`,
exactly as a folder of your own photos.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image

from .cifar10 import CIFAR10_CLASSES, cifar10_source, classify_cifar10_source, read_cifar10_source
from .errors import MissingDataError
from .image_files import iter_image_files
from .paths import cache_dir, missing_data_error, resolve_data_dir

#: The two splits written.
SPLITS = ("train", "test")
#: Name of the manifest written into the folder.
MANIFEST = "subset.json"


def check_request(classes, train_per_class: int, test_per_class: int) -> list[str]:
    """Validate a subset request; return the class names.

    Parameters
    ----------
    classes : sequence of str
        Class folder names.
    train_per_class, test_per_class : int
        Limits per class, each at least 1.

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        No classes, repeated classes, a name that is not a plain folder name,
        or a limit below 1.
    """
    classes = [str(name) for name in classes]
    if not classes:
        raise ValueError("pass at least one class, e.g. --classes cat dog ship")
    repeated = sorted({name for name in classes if classes.count(name) > 1})
    if repeated:
        raise ValueError(f"classes must be distinct, got {repeated} more than once")
    for name in classes:
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise ValueError(f"class {name!r} is not a plain folder name")
    for flag, value in (("--train-per-class", train_per_class), ("--test-per-class", test_per_class)):
        if isinstance(value, bool) or int(value) != value or value < 1:
            raise ValueError(f"{flag} must be a whole number >= 1, got {value!r}")
    return classes


def _missing_source_error(path: Path, data_dir) -> MissingDataError:
    """The error for an explicit ``source`` that does not exist or is no CIFAR-10 form."""
    directory = resolve_data_dir(data_dir).absolute()
    return missing_data_error(
        "CIFAR-10",
        path.absolute().parent,
        download_code=(
            f"from classroom.data import load_cifar10; load_cifar10('train', data_dir={str(directory)!r}, download=True)"
        ),
        download_what=f"the official binary version into the data directory {directory}",
        offline_files="cifar-10-binary.tar.gz or cifar-10-python.tar.gz (official) or cifar10-jpg.tar.gz",
        offline_folder="cifar10",
        looked_for=path.name,
        source="https://www.cs.toronto.edu/~kriz/cifar.html (CIFAR-10 by A. Krizhevsky)",
        reason=(
            f"CIFAR-10 archive not found: {path.absolute()} does not exist or is not a CIFAR-10 folder or archive. "
            f"Pass an existing one, or none to use the data directory {directory}, which the commands below fill."
        ),
        commands_dir=directory,
    )


def _copy_image_files(source: Path, classes: list[str], limits: dict[str, int], folder: Path) -> dict:
    """Copy the first image files of each chosen class unchanged; return counts and the classes seen."""
    counts = {split: {name: 0 for name in classes} for split in SPLITS}
    wanted = set(classes)
    seen_classes = set()
    for relative, data in iter_image_files(source):
        parts = PurePosixPath(relative).parts
        if len(parts) < 3 or parts[-3] not in SPLITS:
            continue
        split, class_name, file_name = parts[-3:]
        seen_classes.add(class_name)
        if class_name not in wanted or counts[split][class_name] >= limits[split]:
            continue
        target = folder / split / class_name / file_name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        counts[split][class_name] += 1
    return {"counts": counts, "classes_in_source": sorted(seen_classes)}


def _write_decoded(
    kind: str, source: Path, classes: list[str], limits: dict[str, int], folder: Path, cache_folder
) -> dict:
    """Write the first decoded images of each chosen class as PNG files; return counts."""
    counts = {split: {name: 0 for name in classes} for split in SPLITS}
    if any(name not in CIFAR10_CLASSES for name in classes):
        return {"counts": counts, "classes_in_source": list(CIFAR10_CLASSES)}
    for split in SPLITS:
        images, labels = read_cifar10_source(kind, source, split, cache_folder=cache_folder)
        for class_name in classes:
            chosen = np.flatnonzero(labels == CIFAR10_CLASSES.index(class_name))[: limits[split]]
            target_folder = folder / split / class_name
            target_folder.mkdir(parents=True, exist_ok=True)
            for number, index in enumerate(chosen):
                buffer = io.BytesIO()
                Image.fromarray(images[index]).save(buffer, format="PNG")
                (target_folder / f"{number:04d}.png").write_bytes(buffer.getvalue())
            counts[split][class_name] = len(chosen)
    return {"counts": counts, "classes_in_source": list(CIFAR10_CLASSES)}


def make_image_folder_subset(
    out: str | os.PathLike,
    classes,
    *,
    train_per_class: int = 2000,
    test_per_class: int = 1000,
    source: str | os.PathLike | None = None,
    data_dir: str | os.PathLike | None = None,
    download: bool | None = None,
    overwrite: bool = False,
) -> dict:
    """Write the image folder ``out`` of a few CIFAR-10 classes (see the module docstring).

    Parameters
    ----------
    out : str or path-like
        Folder to create. Its parent must exist or be creatable.
    classes : sequence of str
        CIFAR-10 class names, e.g. ``["cat", "dog", "ship"]``.
    train_per_class, test_per_class : int, default 2000 and 1000
        At most this many images per class in ``train/`` and ``test/``
        (CIFAR-10 has 5,000 and 1,000).
    source : str or path-like, optional
        A CIFAR-10 folder or archive in any supported form. Default None
        uses the one in ``<data_dir>/cifar10/``.
    data_dir : str or path-like, optional
        Data directory; default ``$CLASSROOM_DATA`` or ``~/.cache/classroom``.
        Decoded binary versions are cached in its ``cache/`` folder.
    download : bool, optional
        With no ``source`` and no CIFAR-10 in the data directory, fetch the
        official binary version (needs internet). Default None downloads only
        when ``CLASSROOM_DOWNLOAD=1``.
    overwrite : bool, default False
        Replace an existing ``out`` made with other arguments.

    Returns
    -------
    dict
        The manifest written to ``out/subset.json``: ``"request"`` (source
        name, classes, limits), ``"counts"`` (``{split: {class: n}}``),
        ``"format"`` (``"jpeg copies"`` or ``"png"``), and ``"reused": True``
        when ``out`` was already there (False otherwise).

    Raises
    ------
    MissingDataError
        No CIFAR-10 in the data directory and no download (not allowed or
        offline), or ``source`` does not exist.
    ValueError
        Bad arguments, a class that is not in the source, or an existing
        ``out`` that differs (without ``overwrite``).
    CorruptDataError
        The source is truncated or unreadable.

    Examples
    --------
    >>> manifest = make_image_folder_subset("cat-dog-ship", ["cat", "dog", "ship"])  # doctest: +SKIP
    >>> manifest["counts"]["test"]                                                 # doctest: +SKIP
    {'cat': 1000, 'dog': 1000, 'ship': 1000}
    """
    classes = check_request(classes, train_per_class, test_per_class)
    if source is not None:
        found = classify_cifar10_source(source)
        if found is None:
            raise _missing_source_error(Path(source), data_dir)
    else:
        found = None
    out = Path(out)
    limits = {"train": int(train_per_class), "test": int(test_per_class)}

    def request_for(path: Path) -> dict:
        return {"source": path.name, "classes": classes, **{f"{split}_per_class": limits[split] for split in SPLITS}}

    if found is None:
        found = cifar10_source(data_dir, download=download)
    kind, path = found
    request = request_for(path)
    if out.exists():
        manifest_path = out / MANIFEST
        if manifest_path.is_file():
            manifest = json.loads(manifest_path.read_text())
            if manifest.get("request") == request:
                return {"format": "jpeg copies", **manifest, "reused": True}  # older manifests lack "format"
        if not overwrite:
            raise ValueError(
                f"{out} already exists and was not made with these arguments; "
                "choose another --out or pass --overwrite to replace it"
            )

    out.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{out.name}-building-", dir=out.parent))
    try:
        if kind == "image_folder":
            result = _copy_image_files(path, classes, limits, building)
            file_format = "jpeg copies"
        else:
            result = _write_decoded(kind, path, classes, limits, building, cache_dir(data_dir))
            file_format = "png"
        missing = [name for name in classes if name not in result["classes_in_source"]]
        if missing:
            raise ValueError(
                f"class(es) {missing} are not in {path.name}; available: {result['classes_in_source']}"
            )
        manifest = {"request": request, "counts": result["counts"], "format": file_format}
        (building / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        if out.exists():  # overwrite: move the old folder aside, then swap
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
            os.replace(out, old / out.name)
            os.replace(building, out)
            shutil.rmtree(old)
        else:
            os.replace(building, out)
    finally:
        if building.exists():
            shutil.rmtree(building)
    return {**manifest, "reused": False}
