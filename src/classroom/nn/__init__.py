"""Neural-network layers and losses with hand-written backward passes."""

from .containers import Sequential
from .module import Module, Parameter

__all__ = ["Module", "Parameter", "Sequential"]
