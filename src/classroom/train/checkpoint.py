"""Training checkpoints: save everything needed to resume, bit for bit.

A checkpoint is one ``.npz`` archive (read back with
``allow_pickle=False``), written atomically so a crash mid-save keeps the
previous checkpoint. Its entries:

==============================  =============================================
``format``                      ``"classroom-checkpoint-1"``
``model/<name>``                every array of ``model.state_dict()``
``optimizer/<key>``             ``optimizer.state_dict()`` (moments, step, lr)
``scheduler/<key>``             ``scheduler.state_dict()``, if there is one
``callbacks/<Class>.<i>/<key>`` each callback's ``state_dict()``
``counters/epoch``, ``/step``   completed epochs and optimizer steps
``history``                     the ``History`` as a JSON string
``rng``                         ``trainer.rng.bit_generator.state`` as JSON
``module_rngs``                 JSON of the states of random generators held
                                by layers (e.g. ``Dropout``), by layer name;
                                a layer that shares ``trainer.rng`` is marked
                                so, and shares it again after loading
==============================  =============================================

Resuming restores all of it, so training 2 epochs, saving, loading into a
fresh trainer and training 2 more gives exactly the weights of 4 epochs in
one go. Checkpoints are saved at epoch boundaries.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..io import atomic_save_npz, load_npz, state_mismatches

__all__ = ["CHECKPOINT_FORMAT", "load_checkpoint", "save_checkpoint"]

CHECKPOINT_FORMAT = "classroom-checkpoint-1"
_SHARED_WITH_TRAINER = "shared with trainer.rng"


def _module_generators(model) -> dict[str, np.random.Generator]:
    """Find every ``numpy.random.Generator`` stored as an attribute of a layer.

    Returns a dict from ``"<layer name>.<attribute>"`` (e.g. ``"2.rng"``) to
    the generator. Layers that draw random numbers, like dropout, keep one.
    """
    found = {}
    for module_name, module in model.named_modules():
        for attribute, value in vars(module).items():
            if isinstance(value, np.random.Generator):
                key = f"{module_name}.{attribute}" if module_name else attribute
                found[key] = value
    return found


def _callback_keys(callbacks) -> list[tuple[str, object]]:
    """Name each callback ``"<Class>.<i>"`` (i counts callbacks of the same class)."""
    counts: dict[str, int] = {}
    named = []
    for callback in callbacks:
        class_name = type(callback).__name__
        index = counts.get(class_name, 0)
        counts[class_name] = index + 1
        named.append((f"{class_name}.{index}", callback))
    return named


def _with_prefix(prefix: str, state) -> dict[str, np.ndarray]:
    return {f"{prefix}/{key}": np.asarray(value) for key, value in state.items()}


def _strip_prefix(prefix: str, arrays: dict) -> dict[str, np.ndarray]:
    start = len(prefix) + 1
    return {key[start:]: value for key, value in arrays.items() if key.startswith(prefix + "/")}


def save_checkpoint(path, trainer) -> Path:
    """Write a resumable checkpoint of ``trainer`` to ``path``, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Destination (conventionally ``.npz``). Its folder must exist.
    trainer : classroom.train.Trainer
        The trainer whose model, optimizer, scheduler, callbacks, counters,
        history and random-generator states are saved.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    from .callbacks import History

    arrays: dict[str, np.ndarray] = {"format": np.array(CHECKPOINT_FORMAT)}
    arrays.update(_with_prefix("model", trainer.model.state_dict()))
    if callable(getattr(trainer.optimizer, "state_dict", None)):
        arrays.update(_with_prefix("optimizer", trainer.optimizer.state_dict()))
    if trainer.scheduler is not None and callable(getattr(trainer.scheduler, "state_dict", None)):
        arrays.update(_with_prefix("scheduler", trainer.scheduler.state_dict()))
    for name, callback in _callback_keys(trainer.callbacks):
        if isinstance(callback, History):
            continue  # saved as JSON below
        arrays.update(_with_prefix(f"callbacks/{name}", callback.state_dict()))
    arrays["counters/epoch"] = np.array(trainer.epoch, dtype=np.int64)
    arrays["counters/step"] = np.array(trainer.step, dtype=np.int64)
    arrays["history"] = np.array(json.dumps(trainer.history.to_dict()))
    rng_state = None if trainer.rng is None else trainer.rng.bit_generator.state
    arrays["rng"] = np.array(json.dumps(rng_state))
    module_states = {}
    for key, generator in _module_generators(trainer.model).items():
        if generator is trainer.rng:
            # The layer draws from the trainer's generator: remember the sharing.
            module_states[key] = _SHARED_WITH_TRAINER
        else:
            module_states[key] = generator.bit_generator.state
    arrays["module_rngs"] = np.array(json.dumps(module_states))
    return atomic_save_npz(path, arrays)


def _set_generator_state(generator: np.random.Generator, state: dict, where: str) -> None:
    expected = type(generator.bit_generator).__name__
    if state.get("bit_generator") != expected:
        raise ValueError(
            f"{where}: the checkpoint holds a {state.get('bit_generator')} generator state, "
            f"but the generator to restore is {expected}; create it with "
            "numpy.random.default_rng() (PCG64)"
        )
    generator.bit_generator.state = state


def load_checkpoint(path, trainer, *, rng: np.random.Generator | None = None) -> None:
    """Restore a checkpoint written by ``save_checkpoint`` into ``trainer``.

    Build the trainer exactly as for the original run (same architecture,
    optimizer type, scheduler and callbacks), then load; the next ``fit``
    continues from the saved epoch.

    Parameters
    ----------
    path : str or os.PathLike
        The checkpoint file.
    trainer : classroom.train.Trainer
        Receives the states. Its model weights, optimizer, scheduler,
        callbacks, ``epoch``, ``step``, ``history`` and ``rng`` are replaced.
    rng : numpy.random.Generator, optional
        If given, its state is set *in place* to the saved one and it
        becomes ``trainer.rng`` (useful when the same generator also feeds
        dropout or augmentation). Otherwise a new generator is created.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a checkpoint, is corrupt, or its model state does
        not match the trainer's model (every mismatch is listed).
    """
    from .callbacks import History

    arrays = load_npz(path)
    if "format" not in arrays or str(arrays["format"]) != CHECKPOINT_FORMAT:
        raise ValueError(
            f"{path} is not a training checkpoint (expected format {CHECKPOINT_FORMAT!r}); "
            "for a model saved with classroom.io.save_model use classroom.io.load_model"
        )

    model_state = _strip_prefix("model", arrays)
    problems = state_mismatches(trainer.model, model_state)
    if problems:
        listing = "\n  ".join(problems)
        raise ValueError(
            f"the model in {path} does not fit {type(trainer.model).__name__}:\n  {listing}\n"
            "build the model exactly as for the run that saved the checkpoint"
        )
    saved_module_states = json.loads(str(arrays["module_rngs"]))
    current = _module_generators(trainer.model)
    missing = sorted(set(saved_module_states) - set(current))
    if missing:
        raise ValueError(
            f"{path} holds random-generator states for layers {missing}, which the model "
            "does not have; build the model exactly as for the original run"
        )
    scheduler_state = _strip_prefix("scheduler", arrays)
    if scheduler_state and trainer.scheduler is None:
        raise ValueError(
            f"{path} holds a learning-rate scheduler state, but the trainer has no "
            "scheduler; pass the same scheduler as in the original run"
        )

    # Everything checked: now restore.
    trainer.model.load_state_dict(model_state)

    optimizer_state = _strip_prefix("optimizer", arrays)
    if optimizer_state:
        trainer.optimizer.load_state_dict(optimizer_state)
    if scheduler_state:
        trainer.scheduler.load_state_dict(scheduler_state)
    for name, callback in _callback_keys(trainer.callbacks):
        callback_state = _strip_prefix(f"callbacks/{name}", arrays)
        if callback_state:
            callback.load_state_dict(callback_state)

    trainer.epoch = int(arrays["counters/epoch"])
    trainer.step = int(arrays["counters/step"])
    trainer.history.load_from(History.from_dict(json.loads(str(arrays["history"]))))

    shared_with_trainer = []
    for key, state in saved_module_states.items():
        if state == _SHARED_WITH_TRAINER:
            shared_with_trainer.append(current[key])
        else:
            _set_generator_state(current[key], state, key)

    rng_state = json.loads(str(arrays["rng"]))
    if rng_state is not None:
        if rng is None and shared_with_trainer:
            rng = shared_with_trainer[0]  # keep layers and shuffling on one stream
        elif rng is None:
            bit_generator_class = getattr(np.random, rng_state["bit_generator"])
            rng = np.random.Generator(bit_generator_class())
        for generator in [rng, *shared_with_trainer]:
            _set_generator_state(generator, rng_state, "rng")
        trainer.rng = rng
    elif rng is not None:
        trainer.rng = rng
