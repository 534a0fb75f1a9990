"""Reading and comparing the monitored quantity, for ``History``, ``EarlyStopping`` and ``ModelCheckpoint``."""

from __future__ import annotations

import math


def _check_mode(mode: str) -> str:
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' or 'max' (or 'auto'), got {mode!r}")
    return mode


def _resolve_mode(mode: str, monitor: str) -> str:
    """'auto' means max for accuracy-like names, min for everything else (losses)."""
    if mode == "auto":
        return "max" if monitor.endswith(("accuracy", "acc")) else "min"
    return _check_mode(mode)


def _read_monitor(logs: dict, monitor: str, who: str) -> float:
    if monitor not in logs:
        hint = (
            "pass val_data to fit() or monitor a training quantity such as 'loss'"
            if monitor.startswith("val_")
            else "check the spelling"
        )
        raise KeyError(
            f"{who} monitors '{monitor}', but this epoch's logs only have "
            f"{sorted(logs)}; {hint}"
        )
    return float(logs[monitor])


def _improved(value: float, best: float, mode: str, min_delta: float) -> bool:
    if math.isnan(value):
        return False
    if mode == "min":
        return value < best - min_delta
    return value > best + min_delta
