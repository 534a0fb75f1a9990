"""Saving and loading models safely: ``.npz`` files, JSON metadata, atomic writes.

A trained model is saved as a NumPy ``.npz`` archive holding one plain array
per entry of ``model.state_dict()`` plus a JSON string of metadata (its
name, version, architecture, input shape, class names, metrics, creation
time). Three habits make this safe:

* **No pickle.** Files are read with ``numpy.load(..., allow_pickle=False)``,
  so opening a file from someone else can never run their code. Archives
  that contain Python objects are refused.
* **Atomic writes.** The archive is written to a temporary file in the same
  folder, flushed to disk (``fsync``) and only then renamed over the target
  with ``os.replace``. A crash mid-save leaves the previous file intact.
* **Checks on load.** A missing, truncated or corrupt file, or a state that
  does not fit the model, raises an error that names the problem.

Examples
--------
>>> from classroom.nn import Sequential
>>> save_model("mlp.npz", model, metadata={"name": "mlp", "classes": ["0", "1"]})  # doctest: +SKIP
>>> state, metadata = load_model_state("mlp.npz")                                 # doctest: +SKIP
>>> load_model("mlp.npz", model)                                                  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _datetime
import hashlib
import json
import zipfile
from pathlib import Path
from typing import Mapping

import numpy as np

from classroom.io.atomic import atomic_write

__all__ = [
    "METADATA_KEY",
    "atomic_save_npz",
    "file_sha256",
    "load_model",
    "load_model_state",
    "load_npz",
    "save_model",
    "state_mismatches",
]

METADATA_KEY = "__metadata__"
"""Name of the archive entry that holds the JSON metadata string."""


# --------------------------------------------------------------------------
# Low-level: write and read an .npz archive safely
# --------------------------------------------------------------------------
def atomic_save_npz(path, arrays: Mapping[str, np.ndarray]) -> Path:
    """Write ``arrays`` to an uncompressed ``.npz`` archive, atomically.

    The data go to a temporary file in the same folder (so the final rename
    never crosses file systems), are flushed to disk with ``os.fsync``, and
    the temporary file then replaces ``path`` in one ``os.replace`` call. If
    anything fails on the way, the temporary file is removed and an existing
    file at ``path`` is left untouched.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file. It is written exactly as named (no ``.npz`` is
        appended). Its folder must exist.
    arrays : mapping of str to array_like
        Entries of the archive. Every value must be a plain (non-object)
        array or scalar.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    FileNotFoundError
        If the destination folder does not exist.
    TypeError
        If an entry would need pickle (an object array such as a dict or a
        list of mixed types).
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(
            f"cannot save {path}: the folder {folder} does not exist; create it first "
            f"(for example Path('{folder}').mkdir(parents=True))"
        )
    checked = {}
    for name, value in arrays.items():
        array = np.asarray(value)
        if array.dtype == object:
            raise TypeError(
                f"cannot save entry '{name}': it is an object array (type "
                f"{type(value).__name__}), which would need pickle; store plain "
                "numeric/string arrays, or JSON-encode it into a string"
            )
        checked[str(name)] = array

    with atomic_write(path) as stream:
        np.savez(stream, **checked)
    return path


def load_npz(path) -> dict[str, np.ndarray]:
    """Read every array of an ``.npz`` archive without ever unpickling.

    Parameters
    ----------
    path : str or os.PathLike
        The archive.

    Returns
    -------
    dict of str to ndarray
        All entries, read into memory (the file is closed on return).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not an ``.npz`` archive, is truncated or corrupt, or
        contains object arrays (refused: loading them would need pickle,
        which can run arbitrary code).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder, expected an .npz file")
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"{path} is not a valid .npz archive (it is not a zip file: it may be "
            "truncated, corrupt, or a different format such as .npy or pickle)"
        )
    arrays: dict[str, np.ndarray] = {}
    name = "?"
    try:
        with np.load(path, allow_pickle=False) as archive:
            for name in archive.files:
                value = archive[name]
                if not isinstance(value, np.ndarray):
                    raise TypeError(f"entry '{name}' is not a .npy array")
                arrays[name] = value
    except TypeError as error:
        raise ValueError(
            f"{path} is a zip file but not an .npz archive of arrays ({error})"
        ) from None
    except ValueError as error:
        if "allow_pickle" in str(error) or "Object arrays" in str(error):
            raise ValueError(
                f"refusing to load {path}: entry '{name}' is an object array, which "
                "needs pickle and could run arbitrary code; re-save it with plain "
                "numeric/string arrays"
            ) from None
        raise ValueError(f"{path} is a corrupt .npz archive: {error}") from error
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ValueError(
            f"{path} is a corrupt or truncated .npz archive ({type(error).__name__}: "
            f"{error}); restore it from a backup or save it again"
        ) from error
    except Exception as error:  # zlib.error, struct.error, ... from damaged members
        raise ValueError(
            f"{path} is a corrupt .npz archive ({type(error).__name__}: {error})"
        ) from error
    return arrays


def file_sha256(path) -> str:
    """Return the SHA-256 hex digest of a file, read in 1 MiB chunks.

    Publish it next to a saved model so others can check they have the same
    file (``sha256sum model.npz`` prints the same digest).

    Parameters
    ----------
    path : str or os.PathLike
        The file.

    Returns
    -------
    str
        64 lowercase hexadecimal characters.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------
# Models: state_dict + metadata
# --------------------------------------------------------------------------
def save_model(path, model, *, metadata: Mapping | None = None) -> Path:
    """Save ``model.state_dict()`` and JSON metadata to an ``.npz`` file, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Destination, conventionally ending in ``.npz``.
    model : classroom.nn.Module
        Any object with ``state_dict()`` returning a mapping of str to ndarray.
    metadata : dict, optional
        JSON-serialisable facts about the model. Suggested keys: ``name``,
        ``version``, ``architecture`` (a dict that describes how to rebuild
        the model), ``input_shape``, ``classes``, ``metrics``. ``created``
        (UTC time, ISO 8601) is added when missing. Default: empty.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    TypeError
        If ``metadata`` is not JSON-serialisable (the message names the
        offending value) or the state holds object arrays.
    ValueError
        If a state_dict key clashes with the reserved metadata key.
    """
    metadata = dict(metadata or {})
    metadata.setdefault(
        "created", _datetime.datetime.now(_datetime.timezone.utc).isoformat(timespec="seconds")
    )
    try:
        metadata_json = json.dumps(metadata, sort_keys=True)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"metadata must be JSON-serialisable (str, int, float, bool, None, list, "
            f"dict): {error}; convert NumPy values with .tolist() or float()"
        ) from error
    state = model.state_dict()
    if METADATA_KEY in state:
        raise ValueError(f"the state_dict key '{METADATA_KEY}' is reserved for metadata")
    arrays = dict(state)
    arrays[METADATA_KEY] = np.array(metadata_json)
    return atomic_save_npz(path, arrays)


def load_model_state(path) -> tuple[dict[str, np.ndarray], dict]:
    """Read a file written by ``save_model``.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.npz`` file.

    Returns
    -------
    state_dict : dict of str to ndarray
        Ready for ``model.load_state_dict`` (or use ``load_model``, which
        checks names and shapes first).
    metadata : dict
        The decoded JSON metadata (empty if the file has none).

    Raises
    ------
    FileNotFoundError, ValueError
        As ``load_npz``, and if the metadata is not valid JSON.
    """
    arrays = load_npz(path)
    metadata: dict = {}
    if METADATA_KEY in arrays:
        raw = arrays.pop(METADATA_KEY)
        try:
            metadata = json.loads(str(raw))
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: the metadata is not valid JSON ({error})") from error
    return arrays, metadata


def state_mismatches(model, state_dict: Mapping[str, np.ndarray]) -> list[str]:
    """List every way ``state_dict`` does not fit ``model`` (names and shapes).

    Parameters
    ----------
    model : classroom.nn.Module
        The model that would receive the state.
    state_dict : mapping of str to ndarray
        The state to check.

    Returns
    -------
    list of str
        One human-readable line per problem; empty when the state fits.
    """
    expected = {name: np.shape(value) for name, value in model.state_dict().items()}
    problems = []
    for name in sorted(set(expected) - set(state_dict)):
        problems.append(f"missing '{name}' (the model expects shape {expected[name]})")
    for name in sorted(set(state_dict) - set(expected)):
        problems.append(f"unexpected '{name}' (shape {np.shape(state_dict[name])})")
    for name in sorted(set(expected) & set(state_dict)):
        if np.shape(state_dict[name]) != expected[name]:
            problems.append(
                f"'{name}' has shape {np.shape(state_dict[name])}, the model expects "
                f"{expected[name]}"
            )
    return problems


def load_model(path, model) -> dict:
    """Load the weights saved at ``path`` into ``model`` and return the metadata.

    Names and shapes are checked first, so a file saved from a different
    architecture fails with a list of every difference instead of a partly
    loaded model.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by ``save_model``.
    model : classroom.nn.Module
        Built with the same architecture as the saved one.

    Returns
    -------
    dict
        The metadata stored with the weights.

    Raises
    ------
    ValueError
        If the saved state does not match the model (names or shapes).
    """
    state, metadata = load_model_state(path)
    problems = state_mismatches(model, state)
    if problems:
        listing = "\n  ".join(problems)
        raise ValueError(
            f"the weights in {path} do not fit {type(model).__name__}:\n  {listing}\n"
            "build the model with the same architecture as the saved one "
            f"(saved architecture: {metadata.get('architecture', 'not recorded')})"
        )
    model.load_state_dict(state)
    return metadata
