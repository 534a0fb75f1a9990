"""Make a small image folder of a few CIFAR-10 classes, laid out like your own photos.

A thin command-line wrapper around :func:`classroom.data.make_image_folder_subset`,
which reads whichever CIFAR-10 form the data directory holds (the official
binary or Python version, or the image-folder archive ``cifar10-jpg.tar.gz``)
and writes::

    OUT/
        train/<class>/0000.jpg|png ...   (at most --train-per-class files per class)
        test/<class>/0000.jpg|png ...    (at most --test-per-class files per class)
        subset.json                      (what was asked for and what was written)

JPEG files of the image version are copied unchanged; the official versions
are written as lossless PNG files. The same arguments always give the same
folder, an interrupted run never leaves a half-written ``OUT``, and an
``OUT`` made with the same arguments is left as it is.

Usage::

    python scripts/make_image_folder_subset.py --classes cat dog ship --out data/pets-and-ships
    python scripts/make_image_folder_subset.py --classes cat dog ship --out /tmp/small \\
        --train-per-class 300 --test-per-class 100
    python scripts/make_image_folder_subset.py --classes cat dog ship --out cat-dog-ship --download
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from classroom.data.errors import MissingDataError
from classroom.data.subset import MANIFEST, SPLITS, check_request, make_image_folder_subset  # noqa: F401


def make_subset(
    out,
    classes,
    *,
    train_per_class: int = 2000,
    test_per_class: int = 1000,
    archive=None,
    overwrite: bool = False,
    data_dir=None,
    download: bool | None = None,
) -> dict:
    """Write the image folder ``out``; see :func:`classroom.data.make_image_folder_subset`.

    ``archive`` is that function's ``source``: any CIFAR-10 folder or archive
    (default: the one in ``<data_dir>/cifar10/``).
    """
    return make_image_folder_subset(
        out,
        classes,
        train_per_class=train_per_class,
        test_per_class=test_per_class,
        source=archive,
        data_dir=data_dir,
        download=download,
        overwrite=overwrite,
    )


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Copy a few CIFAR-10 classes into an image folder train|test/<class>/. Reads any CIFAR-10 form in "
            "<data_dir>/cifar10/: cifar-10-binary.tar.gz or cifar-10-python.tar.gz (official), or cifar10-jpg.tar.gz."
        )
    )
    parser.add_argument("--classes", nargs="+", required=True, help="class names, e.g. cat dog ship")
    parser.add_argument("--out", type=Path, required=True, help="folder to create")
    parser.add_argument("--train-per-class", type=int, default=2000, help="images per class in train/ (default 2000)")
    parser.add_argument("--test-per-class", type=int, default=1000, help="images per class in test/ (default 1000)")
    parser.add_argument(
        "--archive", type=Path, default=None, help="a CIFAR-10 folder or archive (default: the one in <data_dir>/cifar10/)"
    )
    parser.add_argument("--data-dir", type=Path, default=None, help="default: $CLASSROOM_DATA or ~/.cache/classroom")
    parser.add_argument(
        "--download",
        action="store_true",
        default=None,
        help="download the official CIFAR-10 binary version when the data directory has none (needs internet)",
    )
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
            data_dir=args.data_dir,
            download=args.download,
        )
    except (MissingDataError, ValueError) as error:
        print(f"make_image_folder_subset: error: {error}", file=sys.stderr)
        return 2
    state = "already there" if manifest["reused"] else "written"
    for split, per_class in manifest["counts"].items():
        summary = ", ".join(f"{name} {count}" for name, count in per_class.items())
        print(f"{args.out}/{split}: {summary} ({state})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
