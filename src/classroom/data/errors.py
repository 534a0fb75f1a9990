"""Exceptions raised by the dataset loaders.

Each one subclasses a built-in exception, so ``except FileNotFoundError`` or
``except ValueError`` keeps working, and each message names the file at fault
and what to do about it.
"""

from __future__ import annotations

import os
from pathlib import Path


class MissingDataError(FileNotFoundError):
    """A dataset is not in the data directory and was not (or could not be) downloaded.

    The message has a fixed shape, so that tools (the site build) can show it
    as it is::

        <Dataset name> is not in the data directory <dir>.
        [why a download did not help, when one was tried]
        To download it ...:
            python3 -c "..."
        Offline, ... where SOURCE holds ...:
            python3 scripts/prepare_data.py SOURCE --data-dir <dir>
        [details: the folder searched, the environment variables, the source]

    The first line always reads exactly ``"<dataset> is not in the data
    directory <directory>."``; every command line is indented by four spaces.

    Parameters
    ----------
    message : str
        The whole message (see above).
    dataset : str, optional
        Human-readable dataset name, e.g. ``"CIFAR-10"``.
    directory : str or path-like, optional
        The data directory that was searched.
    commands : sequence of str, optional
        The shell commands that fix the problem, in the order the message gives them.

    Attributes
    ----------
    dataset : str or None
    directory : pathlib.Path or None
    commands : tuple of str
    """

    def __init__(
        self,
        message: str,
        *,
        dataset: str | None = None,
        directory: str | os.PathLike | None = None,
        commands=(),
    ) -> None:
        super().__init__(message)
        self.dataset = dataset
        self.directory = Path(directory) if directory is not None else None
        self.commands = tuple(commands)

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ChecksumError(ValueError):
    """A file's SHA-256 (or MD5) digest differs from the published one.

    The file is not the official release: it is truncated, corrupted or a
    different dataset. The message names the file and, when the file is
    another known dataset's, which one and where it belongs.

    Parameters
    ----------
    message : str
        The whole message.
    path : str or path-like, optional
        The file that was checked.
    actual, expected : str, optional
        Its digest and the published one (hex).
    identified : tuple, optional
        ``(file table, file name)`` of the known file these contents are, when
        they are one (see :func:`classroom.data.idx_datasets.identify_idx_file`).

    Attributes
    ----------
    path : pathlib.Path or None
    actual, expected : str or None
    identified : tuple or None
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | os.PathLike | None = None,
        actual: str | None = None,
        expected: str | None = None,
        identified: tuple | None = None,
    ) -> None:
        super().__init__(message)
        self.path = Path(path) if path is not None else None
        self.actual = actual
        self.expected = expected
        self.identified = identified


class CorruptDataError(ValueError):
    """A file could not be decoded: wrong magic number, truncated, unreadable image.

    The message names the file (or the member inside an archive).
    """
