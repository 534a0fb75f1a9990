"""Files that are never half-written: model files (``.npz`` with JSON metadata) and atomic writes.

* :mod:`classroom.io.model_files`: save and load a model's parameters, with
  metadata and a SHA-256 for the server to verify;
* :mod:`classroom.io.atomic`: write any file through a temporary file and an
  atomic rename, so a crash leaves the old file or the new one, never a mix.
"""

from .atomic import atomic_write, write_json
from .model_files import (
    METADATA_KEY,
    atomic_save_npz,
    file_sha256,
    load_model,
    load_model_state,
    load_npz,
    save_model,
    state_mismatches,
)

__all__ = [
    "METADATA_KEY",
    "atomic_save_npz",
    "atomic_write",
    "file_sha256",
    "load_model",
    "load_model_state",
    "load_npz",
    "save_model",
    "state_mismatches",
    "write_json",
]
