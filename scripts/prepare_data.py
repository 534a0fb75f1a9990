#!/usr/bin/env python3
"""Fill the data directory from a folder of dataset files you already have.

Usage::

    python3 scripts/prepare_data.py SOURCE [--data-dir DIR] [--copy]

``SOURCE`` holds any of these, directly or in ``mnist/``, ``fashion_mnist/``,
``cifar10/`` and ``celeba/`` sub-folders:

* MNIST: the official ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
  ``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz`` (or decompressed);
* Fashion-MNIST: its four official files, with the same names as MNIST's, in
  ``fashion_mnist/`` or ``fashion-mnist/`` (directly in ``SOURCE`` they are told
  apart from MNIST's by checksum). Debian's package ``dataset-fashion-mnist``
  installs them in ``/usr/share/datasets/fashion-mnist/``, so
  ``prepare_data.py /usr/share/datasets`` finds them there;
* CIFAR-10: the official ``cifar-10-binary.tar.gz`` or ``cifar-10-python.tar.gz``
  (or their extracted ``cifar-10-batches-bin/`` / ``cifar-10-batches-py/``),
  or the image-folder archive ``cifar10-jpg.tar.gz``;
* CelebA: the official ``img_align_celeba.zip`` (or its extracted
  ``img_align_celeba/``), or the offline copy ``celeba-10k-89x109-jpg.tar.gz``.

Each is linked (or copied, with ``--copy`` or where links are not possible)
into ``<data dir>/<dataset>/``, which is where ``classroom.data`` looks. The
loaders write their decoded caches into ``<data dir>/cache/``, so the
originals may be read-only. A file is never left half-copied.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
try:
    from classroom.data.paths import resolve_data_dir  # noqa: E402
    from classroom.data.prepare import prepare_data_dir  # noqa: E402
except ModuleNotFoundError as missing:  # run by a Python without the project's dependencies
    venv_python = ROOT / ".venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if venv_python.exists() and Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
        os.execv(str(venv_python), [str(venv_python), __file__, *sys.argv[1:]])
    sys.exit(
        f"prepare_data: this Python lacks {missing.name!r}, which the package needs; "
        "run 'python3 scripts/dev.py setup' first (it creates .venv, which this script then uses)"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="folder holding the dataset files (see above)")
    parser.add_argument("--data-dir", type=Path, default=None, help="default: $CLASSROOM_DATA or ~/.cache/classroom")
    parser.add_argument("--copy", action="store_true", help="copy the files instead of linking them")
    args = parser.parse_args(argv)
    try:
        prepared = prepare_data_dir(args.source, args.data_dir, copy=args.copy)
    except FileNotFoundError as error:
        print(f"prepare_data: error: {error}", file=sys.stderr)
        return 2
    for item in prepared:
        print(f"{item.dataset}/{item.target.name}: {item.action}")
    print(f"prepared {len(prepared)} files in {resolve_data_dir(args.data_dir)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
