"""Shared helpers for the convolution tests: copy weights to PyTorch and compare."""

from __future__ import annotations

import numpy as np


def to_torch(torch, array):
    """Return a float64 torch tensor holding ``array`` (any memory layout)."""
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float64))


def copy_parameters_to_torch(torch, module, torch_module):
    """Copy every parameter of ``module`` into the same-named one of ``torch_module``."""
    torch_parameters = dict(torch_module.named_parameters())
    with torch.no_grad():
        for name, parameter in module.named_parameters():
            torch_parameters[name].copy_(to_torch(torch, parameter.data))


def assert_gradients_match_torch(torch, module, torch_module, rtol=1e-10, atol=1e-10):
    """Compare the parameter gradients of ``module`` with the torch ones of the same name."""
    torch_parameters = dict(torch_module.named_parameters())
    for name, parameter in module.named_parameters():
        np.testing.assert_allclose(
            parameter.grad, torch_parameters[name].grad.numpy(), rtol=rtol, atol=atol, err_msg=name
        )
