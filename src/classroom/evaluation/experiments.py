"""Honest experiments: a test set you look at once, and ablations over seeds.

Two habits keep results honest:

* **Hold the test set apart.** Choose models with a validation set; use the
  test set once, at the very end. ``HeldOutTestSet`` enforces it: a second
  evaluation raises ``TestSetReuseError`` unless you pass ``override=True``,
  and every evaluation (with its note and result) is recorded in ``log``.
* **Repeat with several seeds.** One training run is one draw of a random
  number. ``run_ablation`` runs every variant for the same seeds and reports
  the mean score with a 95% confidence interval (Student's t), so you can
  see whether a difference is larger than the seed-to-seed noise.

Plots of these results belong in notebooks (or ``classroom.plots``), not here.
"""

from __future__ import annotations

import datetime as _datetime
import math
import numbers
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..nn.init import as_generator
from .student_t import student_t_quantile

__all__ = [
    "AblationResult",
    "AblationRow",
    "HeldOutTestSet",
    "TestSetReuseError",
    "run_ablation",
    "split_off_test_set",
    "student_t_quantile",
]


# --------------------------------------------------------------------------
# The held-out test set
# --------------------------------------------------------------------------
class TestSetReuseError(RuntimeError):
    """Raised when a held-out test set is evaluated a second time without ``override=True``."""

    __test__ = False  # not a pytest test class, despite the name


class HeldOutTestSet:
    """A test set that is kept apart and meant to be evaluated once.

    The arrays are not exposed as attributes: the only way to use them is
    ``evaluate``, which counts and records every use.

    Parameters
    ----------
    inputs : ndarray of shape (n, ...)
        Test inputs.
    targets : ndarray of shape (n, ...)
        Test labels or targets.
    name : str, default "test"
        Shown in messages and in the log.

    Attributes
    ----------
    log : list of dict
        One record per evaluation: ``time`` (UTC, ISO 8601), ``note``,
        ``override`` and ``result``.

    Examples
    --------
    >>> import numpy as np
    >>> test_set = HeldOutTestSet(np.zeros((4, 2)), np.array([0, 1, 0, 1]))
    >>> test_set.evaluate(lambda X, y: float(np.mean(y == 0)), note="final model")
    0.5
    >>> test_set.evaluate(lambda X, y: 1.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    classroom.evaluation.experiments.TestSetReuseError: the held-out set 'test' was already evaluated 1 time(s) ...
    """

    def __init__(self, inputs, targets, *, name: str = "test"):
        inputs, targets = np.asarray(inputs), np.asarray(targets)
        if inputs.ndim == 0 or targets.ndim == 0 or inputs.shape[0] != targets.shape[0]:
            raise ValueError(
                f"inputs and targets must have one row per sample and the same length, got "
                f"shapes {inputs.shape} and {targets.shape}"
            )
        if inputs.shape[0] == 0:
            raise ValueError("the test set is empty; pass at least one sample")
        self._inputs = inputs
        self._targets = targets
        self.name = name
        self.log: list[dict[str, Any]] = []

    def __len__(self) -> int:
        return self._inputs.shape[0]

    @property
    def n_evaluations(self) -> int:
        """How many times the test set has been evaluated."""
        return len(self.log)

    def evaluate(self, evaluate_fn: Callable, *, override: bool = False, note: str = ""):
        """Run ``evaluate_fn(inputs, targets)`` on the test set and record it.

        Parameters
        ----------
        evaluate_fn : callable
            ``evaluate_fn(inputs, targets) -> result``, e.g. ``trainer.evaluate``.
        override : bool, default False
            Allow a second (third, ...) evaluation. It still happens loudly:
            a ``UserWarning`` is issued and the log marks it.
        note : str, default ""
            What is being evaluated (e.g. ``"final model, seed 0"``).

        Returns
        -------
        Any
            Whatever ``evaluate_fn`` returned.

        Raises
        ------
        TestSetReuseError
            On a repeated evaluation without ``override=True``.
        """
        if self.log and not override:
            first = self.log[0]
            raise TestSetReuseError(
                f"the held-out set '{self.name}' was already evaluated "
                f"{self.n_evaluations} time(s) (first at {first['time']}, note: "
                f"{first['note']!r}). Every extra look lets test results steer your choices, "
                "so the score stops being an unbiased estimate. Compare models on the "
                "validation set instead, or pass override=True (it is recorded in .log)."
            )
        if self.log:
            warnings.warn(
                f"evaluating the held-out {self.name} set again (evaluation "
                f"{self.n_evaluations + 1}); report this reuse alongside the result",
                UserWarning,
                stacklevel=2,
            )
        result = evaluate_fn(self._inputs, self._targets)
        self.log.append(
            {
                "time": _datetime.datetime.now(_datetime.timezone.utc).isoformat(timespec="seconds"),
                "note": note,
                "override": bool(override),
                "result": result,
            }
        )
        return result

    def __repr__(self) -> str:
        return (
            f"HeldOutTestSet(name={self.name!r}, samples={len(self)}, "
            f"evaluations={self.n_evaluations})"
        )


def split_off_test_set(inputs, targets, test_fraction: float = 0.2, *, rng: np.random.Generator):
    """Randomly set aside a fraction of the data as a ``HeldOutTestSet``.

    Parameters
    ----------
    inputs : ndarray of shape (n, ...)
        All inputs.
    targets : ndarray of shape (n, ...)
        All labels or targets.
    test_fraction : float, default 0.2
        Fraction of the samples held out, in (0, 1).
    rng : int or numpy.random.Generator
        Chooses which samples are held out.

    Returns
    -------
    (train_inputs, train_targets) : tuple of ndarray
        The rest, for training and validation.
    test_set : HeldOutTestSet
        The held-out part.
    """
    rng = as_generator(rng)
    inputs, targets = np.asarray(inputs), np.asarray(targets)
    if inputs.shape[0] != targets.shape[0]:
        raise ValueError(
            f"inputs have {inputs.shape[0]} samples but targets have {targets.shape[0]}"
        )
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    n_samples = inputs.shape[0]
    n_test = int(round(test_fraction * n_samples))
    if n_test == 0 or n_test == n_samples:
        raise ValueError(
            f"test_fraction={test_fraction} of {n_samples} samples leaves an empty part; "
            "use more data or another fraction"
        )
    order = rng.permutation(n_samples)
    test_index, train_index = order[:n_test], order[n_test:]
    test_set = HeldOutTestSet(inputs[test_index], targets[test_index])
    return (inputs[train_index], targets[train_index]), test_set


# --------------------------------------------------------------------------
# Ablations
# --------------------------------------------------------------------------
def _is_number(value) -> bool:
    """True for a real number (Python or NumPy scalar, or 0-d array); False for bool."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, numbers.Real):
        return True
    return isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf"


@dataclass
class AblationRow:
    """One variant's scores over the seeds, with mean and t confidence interval."""

    name: str
    scores: list[float]
    mean: float
    std: float
    low: float
    high: float

    @property
    def half_width(self) -> float:
        """Half the width of the confidence interval (the "±" part)."""
        return (self.high - self.low) / 2


@dataclass
class AblationResult:
    """The table returned by ``run_ablation``: one ``AblationRow`` per variant."""

    rows: list[AblationRow]
    seeds: list[int]
    confidence: float = 0.95
    metadata: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> AblationRow:
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"no variant named {name!r}; have {[row.name for row in self.rows]}")

    def to_dict(self) -> dict:
        """Plain lists and numbers, JSON-ready."""
        return {
            "seeds": list(self.seeds),
            "confidence": self.confidence,
            "variants": {
                row.name: {
                    "scores": list(row.scores),
                    "mean": row.mean,
                    "std": row.std,
                    "low": row.low,
                    "high": row.high,
                }
                for row in self.rows
            },
        }

    def to_markdown(self, digits: int = 4) -> str:
        """A Markdown table: variant | mean ± half-width | interval | seeds."""
        percent = f"{self.confidence:.0%}"
        lines = [
            f"| variant | mean ± {percent} CI | {percent} interval | seeds |",
            "| --- | --- | --- | --- |",
        ]
        for row in self.rows:
            lines.append(
                f"| {row.name} | {row.mean:.{digits}f} ± {row.half_width:.{digits}f} | "
                f"[{row.low:.{digits}f}, {row.high:.{digits}f}] | {len(row.scores)} |"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_markdown()


def run_ablation(
    variants: Mapping[str, Callable[[int], float]],
    seeds: Sequence[int],
    *,
    confidence: float = 0.95,
) -> AblationResult:
    """Run every variant once per seed; report mean ± t confidence interval.

    Parameters
    ----------
    variants : dict of str to callable
        ``variant(seed) -> score``: builds, trains and evaluates one setup
        with everything random derived from ``seed``, and returns a number
        (e.g. validation accuracy).
    seeds : sequence of int
        The same seeds are used for every variant (at least 2).
    confidence : float, default 0.95
        Level of the confidence interval.

    Returns
    -------
    AblationResult
        Rows in the order of ``variants``. For n seeds with scores of mean m
        and sample standard deviation s, the interval is
        ``m ± t(1 - (1 - confidence) / 2, n - 1) * s / sqrt(n)``.

    Raises
    ------
    ValueError
        If there are no variants, fewer than 2 seeds, or repeated seeds.
    TypeError
        If a variant returns something that is not a real number.

    Examples
    --------
    >>> result = run_ablation({"a": lambda seed: 0.9 + 0.01 * seed}, seeds=[0, 1, 2])
    >>> round(result["a"].mean, 3)
    0.91
    """
    seeds = [int(seed) for seed in seeds]
    if not variants:
        raise ValueError("variants is empty; pass a dict of name -> callable(seed) -> score")
    if len(seeds) < 2:
        raise ValueError(
            f"a confidence interval needs at least 2 seeds, got {len(seeds)}; use 3-5 or more"
        )
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct, got {seeds}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")

    t_value = student_t_quantile(1.0 - (1.0 - confidence) / 2.0, len(seeds) - 1)
    rows = []
    for name, variant in variants.items():
        scores = []
        for seed in seeds:
            score = variant(seed)
            if not _is_number(score):
                raise TypeError(
                    f"variant {name!r} returned {type(score).__name__} for seed {seed}; "
                    "it must return one number (e.g. the validation accuracy)"
                )
            scores.append(float(score))
        values = np.array(scores)
        mean = float(values.mean())
        std = float(values.std(ddof=1))
        half_width = t_value * std / math.sqrt(len(values))
        rows.append(AblationRow(name, scores, mean, std, mean - half_width, mean + half_width))
    return AblationResult(rows=rows, seeds=seeds, confidence=confidence)
