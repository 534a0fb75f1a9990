"""The building blocks every layer shares: ``Parameter`` and ``Module``.

A ``Module`` computes ``forward(x)`` and, given the gradient of the loss with
respect to its output, ``backward(grad_output)`` returns the gradient with
respect to its input and *adds* the gradients of its parameters into each
``Parameter.grad``. There is no autograd here: every backward pass is written
by hand, which is the point of the lesson. (The autograd engine lives in
``classroom.autograd``.)

Names and behaviour follow PyTorch's ``torch.nn.Module`` so that learners can
move on to PyTorch without relearning the vocabulary.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Iterator

import numpy as np


class Parameter:
    """A learnable array and the gradient of the loss with respect to it.

    Parameters
    ----------
    data : array_like
        Initial value. Kept as a NumPy array (float arrays keep their dtype;
        anything else becomes float32).

    Attributes
    ----------
    data : ndarray
        The current value; optimizers update it in place.
    grad : ndarray of the same shape as ``data``
        Accumulated gradient. ``backward`` passes *add* to it and
        ``zero_grad`` resets it to zeros.
    """

    def __init__(self, data):
        self.data = np.array(data, copy=True)
        if not np.issubdtype(self.data.dtype, np.floating):
            self.data = self.data.astype(np.float32)
        self.grad = np.zeros_like(self.data)

    @property
    def shape(self) -> tuple:
        """The shape of ``data``."""
        return self.data.shape

    def zero_grad(self) -> None:
        """Reset ``grad`` to zeros of the same shape and dtype as ``data``."""
        self.grad = np.zeros_like(self.data)

    def __repr__(self) -> str:
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"


class Module:
    """Base class of every layer, loss and model.

    Subclasses set their parameters and sub-modules as attributes and
    implement ``forward`` and ``backward``. Parameters, sub-modules and
    buffers (non-learnable state such as batch-norm running statistics) are
    found automatically in attribute order, so ``parameters()``,
    ``state_dict()`` and ``train()``/``eval()`` work without extra code.

    Attributes
    ----------
    training : bool
        True in training mode (dropout active, batch statistics used).
    input_requires_grad : bool
        When False, layers with parameters (``Linear``, ``Conv2d``) fill their
        parameter gradients in ``backward`` but skip the gradient with
        respect to their input and return None. Set it on the *first* layer
        of a network: the images need no gradient, and for the first layer
        that product costs as much as its forward pass (PyTorch skips it the
        same way, because the input tensor has ``requires_grad=False``).
    """

    input_requires_grad = True

    def __init__(self):
        self.training = True
        self._buffers: "OrderedDict[str, None]" = OrderedDict()

    # ----------------------------------------------------------------- calls
    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        """Compute the output. Subclasses must implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def backward(self, grad_output):
        """Return the gradient with respect to the input of the last ``forward``.

        Also adds the gradients of this module's parameters into their
        ``grad``. Subclasses must implement it.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement backward()")

    # ------------------------------------------------------------- discovery
    def register_buffer(self, name: str, value: np.ndarray) -> None:
        """Store a non-learnable array that belongs in ``state_dict``.

        Parameters
        ----------
        name : str
            Attribute name, for example ``"running_mean"``.
        value : ndarray
            Initial value.
        """
        if "_buffers" not in self.__dict__:
            raise RuntimeError("call Module.__init__() before register_buffer()")
        self._buffers[name] = None
        setattr(self, name, np.array(value, copy=True))

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        """Yield ``(name, module)`` for each direct sub-module, in attribute order.

        Modules kept in a list or tuple attribute are named ``"attr.index"``.
        """
        for name, value in self.__dict__.items():
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for index, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{name}.{index}", item

    def children(self) -> Iterator["Module"]:
        """Yield each direct sub-module."""
        for _, child in self.named_children():
            yield child

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, "Module"]]:
        """Yield ``(dotted_name, module)`` for this module (named ``prefix``) and all below it."""
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator["Module"]:
        """Yield this module and every module below it, depth first."""
        for _, module in self.named_modules():
            yield module

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """Yield ``(dotted_name, parameter)`` for every parameter, own ones first.

        Parameters
        ----------
        prefix : str, optional
            Prepended to every name (used when recursing).
        """
        for name, value in self.__dict__.items():
            if isinstance(value, Parameter):
                yield prefix + name, value
        for name, child in self.named_children():
            yield from child.named_parameters(prefix + name + ".")

    def parameters(self) -> list[Parameter]:
        """Return every learnable ``Parameter`` of this module and its sub-modules."""
        return [parameter for _, parameter in self.named_parameters()]

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
        """Yield ``(dotted_name, array)`` for every buffer, own ones first."""
        for name in self.__dict__.get("_buffers", {}):
            yield prefix + name, getattr(self, name)
        for name, child in self.named_children():
            yield from child.named_buffers(prefix + name + ".")

    # ----------------------------------------------------------------- modes
    def train(self, mode: bool = True) -> "Module":
        """Switch this module and all sub-modules to training mode (eval if ``mode`` is False)."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> "Module":
        """Switch to evaluation mode: dropout off, batch-norm uses running statistics."""
        return self.train(False)

    def zero_grad(self) -> None:
        """Reset the gradient of every parameter to zeros."""
        for parameter in self.parameters():
            parameter.zero_grad()

    def to(self, dtype) -> "Module":
        """Cast every parameter (and its gradient) and floating buffer to ``dtype``.

        Use ``module.to(np.float64)`` for gradient checks and
        ``module.to(np.float32)`` for fast training.
        """
        dtype = np.dtype(dtype)
        for parameter in self.parameters():
            parameter.data = parameter.data.astype(dtype)
            parameter.grad = parameter.grad.astype(dtype)
        for module in self.modules():
            for name in module.__dict__.get("_buffers", {}):
                value = getattr(module, name)
                if np.issubdtype(np.asarray(value).dtype, np.floating):
                    setattr(module, name, np.asarray(value).astype(dtype))
        return self

    def double(self) -> "Module":
        """Cast to float64 (as ``torch.nn.Module.double``)."""
        return self.to(np.float64)

    def float(self) -> "Module":
        """Cast to float32 (as ``torch.nn.Module.float``)."""
        return self.to(np.float32)

    # ----------------------------------------------------------------- state
    def state_dict(self) -> "OrderedDict[str, np.ndarray]":
        """Return copies of every parameter and buffer, keyed by dotted name.

        The keys match what ``load_state_dict`` expects and are safe to save
        with ``numpy.savez`` (plain arrays, no pickled objects).
        """
        state: "OrderedDict[str, np.ndarray]" = OrderedDict()
        for name, parameter in self.named_parameters():
            state[name] = parameter.data.copy()
        for name, buffer in self.named_buffers():
            state[name] = np.array(buffer, copy=True)
        return state

    def load_state_dict(self, state_dict, strict: bool = True) -> None:
        """Copy arrays from ``state_dict`` into this module's parameters and buffers.

        Parameters
        ----------
        state_dict : mapping of str to ndarray
            As returned by ``state_dict()`` (or loaded from an ``.npz`` file).
        strict : bool, default True
            When True, missing or unexpected keys raise ``KeyError``.

        Raises
        ------
        KeyError
            If keys are missing or unexpected (with ``strict=True``).
        ValueError
            If an array's shape differs from the module's; the message names
            the key and both shapes.
        """
        own_parameters = dict(self.named_parameters())
        own_buffers = {name for name, _ in self.named_buffers()}
        expected = set(own_parameters) | own_buffers
        given = set(state_dict)
        if strict:
            missing = sorted(expected - given)
            unexpected = sorted(given - expected)
            if missing or unexpected:
                raise KeyError(
                    f"state_dict does not match {type(self).__name__}: "
                    f"missing keys {missing}, unexpected keys {unexpected}"
                )
        modules = dict(self.named_modules())
        for name in sorted(expected & given):
            value = np.asarray(state_dict[name])
            if name in own_parameters:
                current = own_parameters[name].data
            else:
                owner_name, _, attribute = name.rpartition(".")
                current = np.asarray(getattr(modules[owner_name], attribute))
            if value.shape != current.shape:
                raise ValueError(
                    f"state_dict['{name}'] has shape {value.shape}, "
                    f"but the model expects {current.shape}"
                )
            value = value.astype(current.dtype, copy=True)
            if name in own_parameters:
                own_parameters[name].data = value
            else:
                setattr(modules[owner_name], attribute, value)

    def __repr__(self) -> str:
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}("]
        for name, child in children:
            child_text = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child_text}")
        lines.append(")")
        return "\n".join(lines)

    def extra_repr(self) -> str:
        """Return the text shown inside the parentheses of ``repr``; override in layers."""
        return ""
