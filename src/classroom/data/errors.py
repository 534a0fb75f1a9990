"""Exceptions raised by the dataset loaders.

Each one subclasses a built-in exception, so ``except FileNotFoundError`` or
``except ValueError`` keeps working, and each message names the file at fault
and what to do about it.
"""

from __future__ import annotations


class MissingDataError(FileNotFoundError):
    """A dataset file is not in the data directory and was not downloaded.

    The message lists the missing files, the folder they belong in, the
    ``CLASSROOM_DATA`` environment variable and where to get the files.
    """


class ChecksumError(ValueError):
    """A file's SHA-256 (or MD5) digest differs from the published one.

    The file is not the official release: it is truncated, corrupted or a
    different dataset. The message names the file and both digests.
    """


class CorruptDataError(ValueError):
    """A file could not be decoded: wrong magic number, truncated, unreadable image.

    The message names the file (or the member inside an archive).
    """
