"""Neural-network layers and losses with hand-written backward passes."""

from . import functional, init
from .activations import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .containers import Sequential
from .dropout import Dropout
from .flatten import Flatten, Unflatten
from .linear import Linear
from .losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from .module import Module, Parameter

__all__ = [
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "LeakyReLU",
    "Linear",
    "MSELoss",
    "Module",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "functional",
    "init",
]

# Convolutional layers (weekend 4).
from .batchnorm import BatchNorm1d, BatchNorm2d
from .conv import Conv2d
from .conv_transpose import ConvTranspose2d
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d

__all__ += ["AdaptiveAvgPool2d", "AvgPool2d", "BatchNorm1d", "BatchNorm2d", "Conv2d", "ConvTranspose2d", "MaxPool2d"]

# The inverse of Flatten, for decoders (weekend 7).
__all__ += ["Unflatten"]
