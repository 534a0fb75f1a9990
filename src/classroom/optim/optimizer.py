"""``Optimizer``: the base class every optimizer shares.

An optimizer holds a list of parameters (anything with ``.data`` and
``.grad`` ndarrays), updates ``p.data`` **in place** in ``step()`` and keeps
per-parameter state (momentum buffers, moving averages) in ``self.state``.

Unlike PyTorch there are no parameter groups: the hyperparameters are plain
attributes (``optimizer.lr``, ``optimizer.momentum``...), and learning-rate
schedulers change ``optimizer.lr``.

``state_dict()`` returns a *flat* dict of NumPy arrays so that a checkpoint
saves with ``numpy.savez`` and loads with ``allow_pickle=False``::

    {"step": array(20), "lr": array(0.001), ...,
     "state.0.exp_avg": array([...]), "state.0.step": array(20), ...}
"""

from __future__ import annotations

import numpy as np


class Optimizer:
    """Base class: stores parameters and hyperparameters, implements ``zero_grad`` and state dicts.

    Subclasses call ``super().__init__(params, hyperparameters)`` and
    implement ``step()``.

    Parameters
    ----------
    params : iterable of Parameter
        Objects with ``.data`` and ``.grad`` ndarrays, e.g. ``model.parameters()``.
    hyperparameters : dict of str to number
        Set as attributes (``self.lr`` ...) and saved in ``state_dict``.

    Attributes
    ----------
    params : list of Parameter
        The parameters, in the order given.
    state : list of dict
        ``state[i]`` maps a name (``"exp_avg"``, ``"step"`` ...) to an ndarray
        for parameter ``i``; empty until the parameter's first update.
    step_count : int
        How many times ``step()`` was called.
    """

    def __init__(self, params, hyperparameters: dict):
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list; pass model.parameters()")
        for index, parameter in enumerate(self.params):
            if not (hasattr(parameter, "data") and hasattr(parameter, "grad")):
                raise TypeError(
                    f"optimizer parameters need .data and .grad arrays; parameter {index} is "
                    f"{type(parameter).__name__} (pass model.parameters(), not arrays)"
                )
        if hyperparameters.get("lr", 0.0) < 0.0:
            raise ValueError(f"Invalid learning rate: {hyperparameters['lr']}")
        self._hyperparameter_names = list(hyperparameters)
        for name, value in hyperparameters.items():
            setattr(self, name, value)
        self.state: list[dict] = [{} for _ in self.params]
        self.step_count = 0

    def step(self) -> None:
        """Update every parameter that has a gradient. Subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement step()")

    def zero_grad(self) -> None:
        """Set every parameter's gradient to zero, in place."""
        for parameter in self.params:
            if parameter.grad is not None:
                parameter.grad[...] = 0

    def _parameters_with_grad(self):
        """Yield ``(index, parameter, state)`` for parameters whose ``grad`` is not None."""
        for index, parameter in enumerate(self.params):
            if parameter.grad is None:
                continue
            yield index, parameter, self.state[index]

    # ----------------------------------------------------------------- state
    def state_dict(self) -> dict:
        """Return a flat dict of ndarrays: hyperparameters, ``"step"`` and ``"state.<i>.<name>"``.

        Returns
        -------
        dict of str to ndarray
            Copies; scalars are 0-d arrays. Safe for ``numpy.savez``.
        """
        flat = {"step": np.array(self.step_count)}
        for name in self._hyperparameter_names:
            flat[name] = np.array(getattr(self, name))
        for index, parameter_state in enumerate(self.state):
            for name, value in parameter_state.items():
                flat[f"state.{index}.{name}"] = np.array(value, copy=True)
        return flat

    def load_state_dict(self, state_dict) -> None:
        """Restore hyperparameters and per-parameter state from ``state_dict()`` output.

        Parameters
        ----------
        state_dict : mapping of str to ndarray
            As returned by ``state_dict`` (or loaded from an ``.npz`` file).

        Raises
        ------
        KeyError
            If a hyperparameter key is missing or a key is not understood.
        ValueError
            If a state array's parameter index or shape does not match.
        """
        missing = [name for name in ["step", *self._hyperparameter_names] if name not in state_dict]
        if missing:
            raise KeyError(
                f"{type(self).__name__}.load_state_dict: missing keys {missing}; was the "
                "state saved from a different optimizer?"
            )
        new_state: list[dict] = [{} for _ in self.params]
        for key in state_dict:
            if key == "step" or key in self._hyperparameter_names:
                continue
            parts = key.split(".")
            if len(parts) != 3 or parts[0] != "state" or not parts[1].isdigit():
                raise KeyError(f"{type(self).__name__}.load_state_dict: unexpected key {key!r}")
            index, name = int(parts[1]), parts[2]
            if index >= len(self.params):
                raise ValueError(
                    f"state_dict has state for parameter {index}, but this optimizer has only "
                    f"{len(self.params)} parameters"
                )
            value = np.array(state_dict[key], copy=True)
            if value.ndim > 0:
                expected_shape = self.params[index].data.shape
                if value.shape != expected_shape:
                    raise ValueError(
                        f"state_dict['{key}'] has shape {value.shape}, but parameter {index} "
                        f"has shape {expected_shape}"
                    )
                value = value.astype(self.params[index].data.dtype)
            new_state[index][name] = value
        for name in self._hyperparameter_names:
            value = np.asarray(state_dict[name])
            current = getattr(self, name)
            if isinstance(current, tuple):
                setattr(self, name, tuple(value.tolist()))
            else:
                setattr(self, name, value.item())
        self.step_count = int(np.asarray(state_dict["step"]))
        self.state = new_state

    def __repr__(self) -> str:
        settings = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._hyperparameter_names)
        return f"{type(self).__name__}({len(self.params)} parameters, {settings})"
