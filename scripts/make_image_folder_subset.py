"""Make a small image folder of a few CIFAR-10 classes, laid out like your own photos.

Reads the image-folder version of CIFAR-10 (``<data_dir>/cifar10/cifar10-jpg.tar.gz``,
a tree ``train|test/<class>/NNNN.jpg``) member by member, without extracting
the archive, and copies the JPEG files of the chosen classes unchanged into::

    OUT/
        train/<class>/0000.jpg ...   (at most --train-per-class files per class)
        test/<class>/0000.jpg ...    (at most --test-per-class files per class)
        subset.json                  (what was asked for and what was written)

Within each class the files are the first ones in the archive's (sorted)
order, so the same arguments always give the same folder. The folder is
built in a temporary folder next to ``OUT`` and renamed into place when it
is complete: an interrupted run never leaves a half-written ``OUT``. When
``OUT`` already holds a folder made with the same arguments, nothing is done.

The month-2 lesson loads the result with ``classroom.data.load_image_folder``,
exactly as a folder of your own photos.

Usage::

    python scripts/make_image_folder_subset.py --classes cat dog ship --out data/pets-and-ships
    python scripts/make_image_folder_subset.py --classes cat dog ship --out /tmp/small \\
        --train-per-class 300 --test-per-class 100
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

ARCHIVE = PurePosixPath("cifar10") / "cifar10-jpg.tar.gz"
SPLITS = ("train", "test")
MANIFEST = "subset.json"


def default_archive() -> Path:
    """Return ``<data_dir>/cifar10/cifar10-jpg.tar.gz`` (data dir: ``$CLASSROOM_DATA`` or the cache)."""
    try:
        from classroom.config import data_dir
    except ImportError:  # run from a checkout without installing the package
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
        from classroom.config import data_dir
    return data_dir() / ARCHIVE


def check_request(classes, train_per_class: int, test_per_class: int) -> list[str]:
    """Validate the request; return the class names.

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


def copy_subset(archive: Path, classes: list[str], limits: dict[str, int], folder: Path) -> dict:
    """Stream ``archive`` and write the chosen files under ``folder``; return the counts.

    Parameters
    ----------
    archive : Path
        The CIFAR-10 image-folder archive (``.tar.gz``).
    classes : list of str
        Class folder names to copy.
    limits : dict of str to int
        Maximum files per class for each split (``{"train": 300, "test": 100}``).
    folder : Path
        An empty folder to write ``split/class/file`` into.

    Returns
    -------
    dict
        ``{"counts": {split: {class: n}}, "classes_in_archive": [...]}``.
    """
    counts = {split: {name: 0 for name in classes} for split in SPLITS}
    wanted = set(classes)
    seen_classes = set()
    try:
        with tarfile.open(archive, mode="r|*") as stream:
            for member in stream:
                parts = PurePosixPath(member.name.removeprefix("./")).parts
                if not member.isfile() or len(parts) != 3 or parts[0] not in SPLITS:
                    continue
                split, class_name, file_name = parts
                seen_classes.add(class_name)
                if class_name not in wanted or counts[split][class_name] >= limits[split]:
                    continue
                target = folder / split / class_name / file_name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(stream.extractfile(member).read())
                counts[split][class_name] += 1
    except (tarfile.TarError, EOFError) as error:
        raise ValueError(f"{archive}: unreadable or truncated archive ({error}); fetch it again") from None
    return {"counts": counts, "classes_in_archive": sorted(seen_classes)}


def make_subset(
    out,
    classes,
    *,
    train_per_class: int = 2000,
    test_per_class: int = 1000,
    archive=None,
    overwrite: bool = False,
) -> dict:
    """Write the image folder ``out`` (see the module docstring); return its manifest.

    Parameters
    ----------
    out : str or path-like
        Folder to create. Its parent must exist or be creatable.
    classes : sequence of str
        CIFAR-10 class names, e.g. ``["cat", "dog", "ship"]``.
    train_per_class, test_per_class : int, default 2000 and 1000
        At most this many images per class in ``train/`` and ``test/``
        (CIFAR-10 has 5,000 and 1,000).
    archive : str or path-like, optional
        Default ``<data_dir>/cifar10/cifar10-jpg.tar.gz``.
    overwrite : bool, default False
        Replace an existing ``out`` made with other arguments.

    Returns
    -------
    dict
        The manifest written to ``out/subset.json``: the request, the
        counts per split and class, and ``"reused": True`` when ``out``
        was already there.

    Raises
    ------
    FileNotFoundError
        The archive is missing.
    ValueError
        Bad arguments, a class that is not in the archive, or an existing
        ``out`` that differs (without ``overwrite``).
    """
    classes = check_request(classes, train_per_class, test_per_class)
    archive = Path(archive) if archive is not None else default_archive()
    out = Path(out)
    request = {
        "source": archive.name,
        "classes": classes,
        "train_per_class": int(train_per_class),
        "test_per_class": int(test_per_class),
    }
    if out.exists():
        manifest_path = out / MANIFEST
        if manifest_path.is_file():
            manifest = json.loads(manifest_path.read_text())
            if manifest.get("request") == request:
                return {**manifest, "reused": True}
        if not overwrite:
            raise ValueError(
                f"{out} already exists and was not made with these arguments; "
                "choose another --out or pass --overwrite to replace it"
            )
    if not archive.is_file():
        raise FileNotFoundError(
            f"CIFAR-10 image-folder archive not found: {archive}. Put cifar10-jpg.tar.gz in "
            "<data_dir>/cifar10/ (set CLASSROOM_DATA to your data folder) or pass --archive PATH"
        )

    out.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{out.name}-building-", dir=out.parent))
    try:
        result = copy_subset(archive, classes, {"train": train_per_class, "test": test_per_class}, building)
        missing = [name for name in classes if name not in result["classes_in_archive"]]
        if missing:
            raise ValueError(
                f"class(es) {missing} are not in {archive.name}; "
                f"available: {result['classes_in_archive']}"
            )
        manifest = {"request": request, "counts": result["counts"]}
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


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Copy a few CIFAR-10 classes into an image folder train|test/<class>/*.jpg."
    )
    parser.add_argument("--classes", nargs="+", required=True, help="class names, e.g. cat dog ship")
    parser.add_argument("--out", type=Path, required=True, help="folder to create")
    parser.add_argument("--train-per-class", type=int, default=2000, help="images per class in train/ (default 2000)")
    parser.add_argument("--test-per-class", type=int, default=1000, help="images per class in test/ (default 1000)")
    parser.add_argument("--archive", type=Path, default=None, help="default: <data_dir>/cifar10/cifar10-jpg.tar.gz")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out made differently")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        manifest = make_subset(
            args.out,
            args.classes,
            train_per_class=args.train_per_class,
            test_per_class=args.test_per_class,
            archive=args.archive,
            overwrite=args.overwrite,
        )
    except (FileNotFoundError, ValueError) as error:
        print(f"make_image_folder_subset: error: {error}", file=sys.stderr)
        return 2
    state = "already there" if manifest["reused"] else "written"
    for split, per_class in manifest["counts"].items():
        summary = ", ".join(f"{name} {count}" for name, count in per_class.items())
        print(f"{args.out}/{split}: {summary} ({state})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
