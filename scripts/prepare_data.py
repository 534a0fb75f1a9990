#!/usr/bin/env python3
"""Fill the data directory from a folder of offline copies of the datasets.

Usage::

    python3 scripts/prepare_data.py SOURCE [--data-dir DIR]

``SOURCE`` holds ``mnist/*.gz``, ``cifar10/cifar10-jpg.tar.gz`` and
``celeba/celeba-10k-89x109-jpg.tar.gz`` (any subset). Each file is linked
(or copied where links are not possible) into the data directory under the
same relative path, which is where ``classroom.data`` looks. Decoded caches
are then written beside the links, so the source may be read-only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from classroom.config import data_dir  # noqa: E402

DATASET_FOLDERS = ("mnist", "cifar10", "celeba")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path)
    parser.add_argument("--data-dir", type=Path, default=None, help="default: $CLASSROOM_DATA or ~/.cache/classroom")
    args = parser.parse_args()
    target_root = args.data_dir or data_dir()
    if not args.source.is_dir():
        sys.exit(f"{args.source} is not a folder of datasets")
    linked = 0
    for folder in DATASET_FOLDERS:
        for source_file in sorted((args.source / folder).glob("*")):
            if not source_file.is_file():
                continue
            target = target_root / folder / source_file.name
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists() or target.is_symlink():
                target.unlink()
            try:
                os.symlink(source_file.resolve(), target)
            except OSError:
                shutil.copy2(source_file, target)
            linked += 1
    print(f"prepared {linked} files in {target_root}")


if __name__ == "__main__":
    main()
