"""Checks for month 2: a train/validation/test split, and a test set that answers once.

The learner writes two pieces in ``workbooks/month-2.py``:

* ``split_indices(labels, fractions=(0.7, 0.15, 0.15), seed=0) -> (train, validation, test)``:
  disjoint index arrays that together cover every sample, stratified by class,
  the same for the same seed;
* ``OnceTestSet(inputs, targets)``: keeps the test arrays private and hands
  them to ``evaluate(evaluate_fn)`` exactly once; a second call raises an
  error that says why, without running ``evaluate_fn``.

The references are :func:`classroom.data.splits.stratified_split` and
:class:`classroom.evaluation.experiments.HeldOutTestSet`; the checks compare with them on
seeded, deliberately imbalanced labels.

Each ``check_*`` function below is a registered check body, ``check(ns) -> str``
(see :func:`classroom.check.core.register`).
"""

from __future__ import annotations

import numpy as np

from classroom.check.core import CheckFailed, register

WEEKEND = "month-2"
FRACTIONS = (0.7, 0.15, 0.15)
PART_NAMES = ("train", "validation", "test")
STRATIFY_TOLERANCE = 1
"""Largest accepted difference, per class and part, from the package's per-class counts."""

__all__ = ["FRACTIONS", "STRATIFY_TOLERANCE", "reference_solutions"]


# --------------------------------------------------------------------------
# References
# --------------------------------------------------------------------------
def _reference_split_indices(labels, fractions=FRACTIONS, seed: int = 0):
    """The package's stratified split (``classroom.data.splits.stratified_split``).

    Parameters
    ----------
    labels : array-like of shape (n_samples,)
    fractions : sequence of float, default (0.7, 0.15, 0.15)
    seed : int, default 0

    Returns
    -------
    tuple of ndarray of shape (n_part,), dtype int64
        Train, validation and test indices.
    """
    from classroom.data.splits import stratified_split

    return stratified_split(labels, fractions, seed=seed)


def reference_solutions() -> dict[str, object]:
    """Map every stub name of the month-2 workbook to the package's implementation.

    Returns
    -------
    dict of str to object
        ``split_indices`` (a function) and ``OnceTestSet`` (the class
        :class:`classroom.evaluation.experiments.HeldOutTestSet`).
    """
    from classroom.evaluation.experiments import HeldOutTestSet

    return {"split_indices": _reference_split_indices, "OnceTestSet": HeldOutTestSet}


# --------------------------------------------------------------------------
# split_indices
# --------------------------------------------------------------------------
def _imbalanced_labels(seed: int = 4) -> np.ndarray:
    """3,000 shuffled labels of four classes with 1,500 / 900 / 450 / 150 samples.

    Returns
    -------
    ndarray of shape (3000,), int64
    """
    labels = np.repeat(np.arange(4), [1500, 900, 450, 150])
    return np.random.default_rng(seed).permutation(labels)


def _call_split(function, labels, seed):
    """Call the learner's split and return three int64 arrays, or fail with a hint."""
    out = function(labels.copy(), FRACTIONS, seed=seed)
    hint = "return a tuple of three integer index arrays: (train, validation, test)"
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        raise CheckFailed("split-returns", f"split_indices returned {type(out).__name__}, expected 3 index arrays", hint)
    parts = []
    for name, part in zip(PART_NAMES, out):
        array = np.asarray(part)
        if array.ndim != 1 or (array.size and not np.issubdtype(array.dtype, np.integer)):
            raise CheckFailed(
                "split-returns",
                f"the {name} part has dtype {array.dtype} and shape {array.shape}, expected 1-D integer indices",
                hint,
            )
        parts.append(array.astype(np.int64))
    return parts


def _class_counts(labels: np.ndarray, parts) -> np.ndarray:
    """Per-part, per-class counts: shape (3, n_classes)."""
    classes = np.unique(labels)
    return np.array([[int(np.sum(labels[part] == c)) for c in classes] for part in parts])


@register(
    WEEKEND,
    "split_indices",
    "split: disjoint, complete, right sizes",
    needs=["split_indices"],
    compared="the three index arrays for 3,000 labels: overlaps, missing samples, and sizes against stratified_split",
)
def check_split_partition(ns) -> str:
    """The parts must not share a sample, must cover all of them, and have the package's sizes (within 4)."""
    labels = _imbalanced_labels()
    parts = _call_split(ns["split_indices"], labels, seed=0)
    n = len(labels)
    for name, part in zip(PART_NAMES, parts):
        if part.size and (part.min() < 0 or part.max() >= n):
            raise CheckFailed(
                "split-returns",
                f"the {name} part holds index {part.min() if part.min() < 0 else part.max()}, outside 0..{n - 1}",
                "return positions into labels (0 to len(labels) - 1), e.g. from np.flatnonzero or a permutation.",
            )
    overlaps = {
        f"{PART_NAMES[a]}/{PART_NAMES[b]}": int(np.intersect1d(parts[a], parts[b]).size)
        for a in range(3)
        for b in range(a + 1, 3)
    }
    duplicates = sum(int(part.size - np.unique(part).size) for part in parts)
    if any(overlaps.values()) or duplicates:
        shared = ", ".join(f"{pair}: {count}" for pair, count in overlaps.items())
        raise CheckFailed(
            "split-overlap",
            f"samples shared between parts ({shared}) and {duplicates} repeated within a part",
            "a sample in two parts leaks: the model is scored on data it trained on. Shuffle the indices once "
            "and cut that one permutation into consecutive pieces.",
        )
    covered = int(sum(part.size for part in parts))
    if covered != n:
        raise CheckFailed(
            "split-incomplete",
            f"the parts hold {covered} of the {n} samples",
            "give every sample to exactly one part: put the rounding remainder into one of the parts.",
        )
    want = [part.size for part in _reference_split_indices(labels, FRACTIONS, seed=0)]
    sizes = [int(part.size) for part in parts]
    tolerance = len(np.unique(labels))
    measured = (
        f"no overlap, all {n} samples covered; sizes {sizes} against the package's {want} "
        f"(tolerance {tolerance}, one per class)"
    )
    if any(abs(a - b) > tolerance for a, b in zip(sizes, want)):
        raise CheckFailed(
            "split-sizes",
            measured,
            f"the parts should hold fractions {list(FRACTIONS)} of the samples, in the order (train, validation, test).",
        )
    return measured


@register(
    WEEKEND,
    "split_indices",
    "split: stratified by class",
    needs=["split_indices"],
    compared=(
        "per-class counts in each part against classroom.data.splits.stratified_split, seeds 0-4, on 4 imbalanced "
        "classes (1,500 / 900 / 450 / 150 samples)"
    ),
)
def check_split_stratified(ns) -> str:
    """Each part must keep the class proportions: per-class counts within 1 of the package's."""
    labels = _imbalanced_labels()
    worst = 0
    worst_detail = ""
    for seed in range(5):
        parts = _call_split(ns["split_indices"], labels, seed=seed)
        got = _class_counts(labels, parts)
        want = _class_counts(labels, _reference_split_indices(labels, FRACTIONS, seed=seed))
        deviation = int(np.max(np.abs(got - want)))
        if deviation > worst:
            part = int(np.argmax(np.max(np.abs(got - want), axis=1)))
            worst = deviation
            worst_detail = (
                f"; seed {seed}, {PART_NAMES[part]} part: per-class counts {got[part].tolist()} against "
                f"{want[part].tolist()}"
            )
    measured = f"largest per-class difference {worst} (tolerance {STRATIFY_TOLERANCE}){worst_detail}"
    if worst > STRATIFY_TOLERANCE:
        raise CheckFailed(
            "split-not-stratified",
            measured,
            "split each class separately (np.flatnonzero(labels == c), shuffled) by the fractions, then join the "
            "pieces: a plain shuffle leaves a rare class over- or under-represented in the small parts.",
        )
    return measured


@register(
    WEEKEND,
    "split_indices",
    "split: reproducible with a seed",
    needs=["split_indices"],
    compared="two calls with seed 0 (must be identical) and calls with seeds 0, 1, 2 (test parts must differ)",
)
def check_split_reproducible(ns) -> str:
    """Same seed, same split; another seed, another split."""
    labels = _imbalanced_labels()
    first = _call_split(ns["split_indices"], labels, seed=0)
    second = _call_split(ns["split_indices"], labels, seed=0)
    same = all(a.shape == b.shape and np.array_equal(np.sort(a), np.sort(b)) for a, b in zip(first, second))
    if not same:
        differ = [name for name, a, b in zip(PART_NAMES, first, second) if not np.array_equal(np.sort(a), np.sort(b))]
        raise CheckFailed(
            "split-not-reproducible",
            f"two calls with seed=0 gave different {', '.join(differ)} parts",
            "draw every random number from rng = np.random.default_rng(seed), never from np.random's global state, "
            "so the split can be rebuilt exactly.",
        )
    tests = [np.sort(_call_split(ns["split_indices"], labels, seed=seed)[2]) for seed in (0, 1, 2)]
    identical = [
        (a, b) for a, b in ((0, 1), (0, 2), (1, 2)) if tests[a].shape == tests[b].shape and np.array_equal(tests[a], tests[b])
    ]
    if identical:
        raise CheckFailed(
            "split-seed-ignored",
            f"seeds {identical[0][0]} and {identical[0][1]} gave the same test part",
            "use the seed argument (np.random.default_rng(seed)) instead of a fixed seed inside the function.",
        )
    return "seed 0 twice: identical parts; seeds 0, 1, 2: three different test parts"


@register(
    WEEKEND,
    "split_indices",
    "split: real MNIST training labels",
    needs=["split_indices"],
    compared="per-class counts of a split of the 60,000 MNIST training labels against stratified_split (seed 0)",
    timeout=60.0,
)
def check_split_mnist(ns) -> str:
    """The same comparison on a real label set: 60,000 MNIST digits, ten classes of unequal size."""
    from classroom.data import load_mnist

    # One call on a few labels first: an unwritten stub says so even without MNIST.
    ns["split_indices"](np.repeat(np.arange(2), 10), FRACTIONS, seed=0)
    _, labels = load_mnist("train")
    parts = _call_split(ns["split_indices"], labels, seed=0)
    got = _class_counts(labels, parts)
    want = _class_counts(labels, _reference_split_indices(labels, FRACTIONS, seed=0))
    deviation = int(np.max(np.abs(got - want)))
    overlap = sum(int(np.intersect1d(parts[a], parts[b]).size) for a, b in ((0, 1), (0, 2), (1, 2)))
    measured = (
        f"sizes {[int(p.size) for p in parts]}, {overlap} shared samples, largest per-class difference "
        f"{deviation} (tolerance {STRATIFY_TOLERANCE})"
    )
    if overlap:
        raise CheckFailed("split-overlap", measured, "the parts must not share a sample: cut one permutation per class.")
    if deviation > STRATIFY_TOLERANCE or int(sum(p.size for p in parts)) != len(labels):
        raise CheckFailed(
            "split-not-stratified",
            measured,
            "split each digit's samples separately by the fractions and give every sample to one part.",
        )
    return measured


# --------------------------------------------------------------------------
# OnceTestSet
# --------------------------------------------------------------------------
def _test_arrays(seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(40, 3)), rng.integers(0, 4, size=40)


class _Recorder:
    """An ``evaluate_fn`` that records what it was given and returns a marker."""

    def __init__(self):
        self.calls = []

    def __call__(self, inputs, targets):
        self.calls.append((np.array(inputs, copy=True), np.array(targets, copy=True)))
        return {"accuracy": 0.75, "call": len(self.calls)}


@register(
    WEEKEND,
    "OnceTestSet",
    "test set: first evaluation",
    needs=["OnceTestSet"],
    compared="what evaluate(evaluate_fn) passes to evaluate_fn and returns, against the arrays given to OnceTestSet",
)
def check_first_evaluation(ns) -> str:
    """The first ``evaluate`` must call ``evaluate_fn(inputs, targets)`` once and return its result."""
    inputs, targets = _test_arrays()
    test_set = ns["OnceTestSet"](inputs.copy(), targets.copy())
    recorder = _Recorder()
    result = test_set.evaluate(recorder)
    hint = "evaluate(evaluate_fn) should run evaluate_fn(inputs, targets) on the stored test arrays and return its result."
    if len(recorder.calls) != 1:
        raise CheckFailed("test-set-wrong-data", f"evaluate_fn was called {len(recorder.calls)} times, expected once", hint)
    got_inputs, got_targets = recorder.calls[0]
    if (
        got_inputs.shape != inputs.shape
        or got_targets.shape != targets.shape
        or not np.array_equal(got_inputs, inputs)
        or not np.array_equal(got_targets, targets)
    ):
        raise CheckFailed(
            "test-set-wrong-data",
            f"evaluate_fn received arrays of shapes {got_inputs.shape} and {got_targets.shape}, not the stored "
            f"{inputs.shape} inputs and {targets.shape} targets (or different values)",
            hint,
        )
    if result != {"accuracy": 0.75, "call": 1}:
        raise CheckFailed("test-set-wrong-data", f"evaluate returned {result!r}, not evaluate_fn's result", hint)
    return "evaluate_fn got the stored inputs and targets once; its result was returned"


def _first_evaluation_of_a_new_set(test_set) -> None:
    """Evaluate a newly built test set once; a refusal means the count is shared between instances."""
    try:
        test_set.evaluate(_Recorder())
    except Exception as error:  # noqa: BLE001 - a refused first look is this mistake
        raise CheckFailed(
            "test-set-shared-state",
            f"a newly built test set refused its first evaluation ({type(error).__name__}: {error})",
            "keep the 'already evaluated' flag on the instance (self), not on the class, so each test set counts its own uses.",
        ) from None


@register(
    WEEKEND,
    "OnceTestSet",
    "test set: a second evaluation is refused",
    needs=["OnceTestSet"],
    compared="a second evaluate() on the same test set (must raise, without calling evaluate_fn), and a fresh test set",
)
def check_second_evaluation_refused(ns) -> str:
    """A second ``evaluate`` must raise an error with a message and must not look at the data."""
    cls = ns["OnceTestSet"]
    inputs, targets = _test_arrays()
    test_set = cls(inputs, targets)
    _first_evaluation_of_a_new_set(test_set)
    second = _Recorder()
    refusal = None
    try:
        test_set.evaluate(second)
    except Exception as error:  # noqa: BLE001 - any clear error is a refusal
        refusal = error
    if refusal is None or second.calls:
        what = "returned normally" if refusal is None else f"raised {type(refusal).__name__} after calling evaluate_fn"
        raise CheckFailed(
            "test-set-reusable",
            f"the second evaluate() {what}; evaluate_fn ran {len(second.calls)} time(s)",
            "count the evaluations in the instance (self._evaluations) and raise an error *before* calling "
            "evaluate_fn when it is not the first: every extra look turns the test set into a validation set.",
        )
    if not str(refusal).strip():
        raise CheckFailed(
            "test-set-unclear-error",
            f"the second evaluate() raised {type(refusal).__name__} with an empty message",
            "say why in the error: the test set was already evaluated, and models are compared on validation.",
        )
    _first_evaluation_of_a_new_set(cls(*_test_arrays(1)))
    return f"second evaluation raised {type(refusal).__name__}: {str(refusal)[:80]!r}; a new test set still answers once"


@register(
    WEEKEND,
    "OnceTestSet",
    "test set: arrays kept private",
    needs=["OnceTestSet"],
    compared="the public attributes of a OnceTestSet (none may hold the test inputs or targets)",
)
def check_arrays_private(ns) -> str:
    """The arrays must not be reachable as public attributes (``test_set.inputs``), only through ``evaluate``."""
    inputs, targets = _test_arrays()
    test_set = ns["OnceTestSet"](inputs, targets)
    exposed = []
    for name, value in vars(test_set).items():
        if name.startswith("_") or not isinstance(value, np.ndarray):
            continue
        if (value.shape == inputs.shape and np.array_equal(value, inputs)) or (
            value.shape == targets.shape and np.array_equal(value, targets)
        ):
            exposed.append(name)
    if exposed:
        raise CheckFailed(
            "test-set-exposed",
            f"the test arrays are public attributes: {', '.join(exposed)}",
            "store them as self._inputs and self._targets: a public attribute is a side door that "
            "the evaluation count cannot see.",
        )
    return "no public attribute holds the test arrays"
