"""Memoising predictions: the same decoded input twice gets the stored answer the second time.

A :class:`PredictionCache` sits in front of a ``predict`` function that maps
a batch of preprocessed inputs to probabilities. Each input row is keyed by
the SHA-256 of its bytes (with its shape and dtype), so an image that
decodes to exactly the same pixels hits the cache however it was encoded;
rows not seen before are computed in one batch and stored. The oldest
entry is dropped when the cache is full (least recently used first).

The server uses it only when asked: ``classroom serve --cache-size 1024``
(or ``create_app(..., cache_size=1024)``); the default is no cache.

Examples
--------
>>> import numpy as np
>>> calls = []
>>> def predict(batch):
...     calls.append(len(batch))
...     return batch.sum(axis=1, keepdims=True)
>>> cached = PredictionCache(predict, max_entries=8)
>>> x = np.array([[1, 1, 1], [2, 2, 2]], dtype=np.float32)
>>> cached(x).ravel().tolist(), cached(x).ravel().tolist(), calls
([3.0, 6.0], [3.0, 6.0], [2])
>>> cached.hits, cached.misses
(2, 2)
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Callable

import numpy as np

__all__ = ["PredictionCache", "input_key"]


def input_key(row: np.ndarray) -> bytes:
    """SHA-256 digest of one input's dtype, shape and bytes (C order)."""
    row = np.ascontiguousarray(row)
    digest = hashlib.sha256(f"{row.dtype.str}{row.shape}".encode())
    digest.update(row.data)
    return digest.digest()


class PredictionCache:
    """Wrap ``predict`` with a least-recently-used cache keyed by each input's bytes.

    Parameters
    ----------
    predict : callable
        ``predict(inputs)`` with ``inputs`` of shape ``(batch, *input_shape)``
        returns an array of shape ``(batch, ...)`` (e.g. probabilities
        ``(batch, classes)``), one row per input, each row depending only on
        its own input (true of a model in eval mode).
    max_entries : int, default 1024
        Inputs remembered; the least recently used is forgotten first.

    Attributes
    ----------
    hits, misses : int
        Input rows answered from the cache, and rows computed.

    Notes
    -----
    Safe to call from several threads: the table is guarded by a lock, and
    ``predict`` runs outside it. Two threads that miss on the same input at
    once both compute it.
    """

    def __init__(self, predict: Callable[[np.ndarray], np.ndarray], max_entries: int = 1024):
        if int(max_entries) < 1:
            raise ValueError(f"max_entries must be at least 1, got {max_entries}")
        self.predict = predict
        self.max_entries = int(max_entries)
        self.hits = 0
        self.misses = 0
        self._table: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._table)

    def clear(self) -> None:
        """Forget every entry and reset the hit and miss counts."""
        with self._lock:
            self._table.clear()
            self.hits = self.misses = 0

    def __call__(self, inputs: np.ndarray) -> np.ndarray:
        """Return ``predict(inputs)``, computing only the rows not in the cache.

        Parameters
        ----------
        inputs : ndarray of shape (batch, *input_shape)

        Returns
        -------
        ndarray of shape (batch, ...)
            The same values ``predict`` returns (copies of the stored rows).
        """
        inputs = np.asarray(inputs)
        keys = [input_key(row) for row in inputs]
        found: dict[int, np.ndarray] = {}
        with self._lock:
            for index, key in enumerate(keys):
                row = self._table.get(key)
                if row is not None:
                    self._table.move_to_end(key)
                    found[index] = row
            self.hits += len(found)
            self.misses += len(keys) - len(found)
        missing = [index for index in range(len(keys)) if index not in found]
        if missing:
            computed = np.asarray(self.predict(inputs[missing]))
            with self._lock:
                for position, index in enumerate(missing):
                    row = computed[position].copy()
                    found[index] = row
                    self._table[keys[index]] = row
                    self._table.move_to_end(keys[index])
                while len(self._table) > self.max_entries:
                    self._table.popitem(last=False)
        if not keys:
            return np.asarray(self.predict(inputs))
        return np.stack([found[index] for index in range(len(keys))]).copy()
