"""The lesson's CIFAR-10 convolutional network, built from ``classroom.nn`` layers.

The design goal is *fast accuracy on a laptop CPU*: reach 70% test accuracy
in a few minutes of NumPy training on two cores. That rules out the big
networks of the papers and shapes every choice below:

* **Few pixels at high resolution.** Work at 32x32 is the most expensive
  (1,024 positions per image, and NumPy's memory traffic grows with it), so
  the first stage is a single narrow convolution and every stage halves the
  resolution with ``MaxPool2d(2)``: 32 -> 16 -> 8 -> 4.
* **Width where it is cheap.** Channels double as the resolution halves
  (32, 64, 128, 256 by default), so each stage costs about the same.
* **Conv -> BatchNorm -> ReLU.** Batch norm lets us train with a large
  learning rate from the first step, the single biggest speed-up. The
  convolutions have no bias because batch norm's shift replaces it.
* **Global average pooling** then one ``Linear`` layer: few parameters, and
  the network cannot memorise pixel positions.

* **Pool before the last ReLU.** ``max(relu(a), relu(b)) == relu(max(a, b))``:
  ReLU and max-pooling commute, so each stage applies its final ReLU *after*
  the pooling, on four times fewer numbers. The network computes exactly the
  same function as the textbook order, for less memory traffic.

Each stage is ``[Conv3x3 -> BN -> ReLU] x (n-1) -> Conv3x3 -> BN -> MaxPool2d(2) -> ReLU``
(for one conv per stage: conv, batch norm, pool, ReLU); the stage widths and
conv counts are arguments, so the lesson can try variants.
"""

from __future__ import annotations

import numpy as np

from ..nn import (
    AdaptiveAvgPool2d,
    BatchNorm2d,
    Conv2d,
    Flatten,
    Linear,
    MaxPool2d,
    ReLU,
    Sequential,
)
from ._seeds import rng_or_seed

__all__ = ["cifar_cnn", "conv_bn"]


def conv_bn(in_channels: int, out_channels: int, *, rng, dtype=np.float32) -> list:
    """Return ``[Conv2d(3x3, padding 1, no bias), BatchNorm2d]``: the basic block, before its ReLU.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels before and after the block; height and width are unchanged.
    rng : int, numpy.random.Generator or None
        For the convolution's initial weights.
    dtype : numpy dtype, default float32
        Parameter dtype.

    Returns
    -------
    list of Module
        Two layers, to splice into a ``Sequential``.
    """
    return [
        Conv2d(in_channels, out_channels, 3, padding=1, bias=False, rng=rng, dtype=dtype),
        BatchNorm2d(out_channels, dtype=dtype),
    ]


def cifar_cnn(
    widths=(32, 64, 128, 256),
    convs_per_stage=1,
    *,
    in_channels: int = 3,
    num_classes: int = 10,
    rng: int | np.random.Generator | None = 0,
    seed: int | None = None,
    dtype=np.float32,
) -> Sequential:
    """Build the CIFAR-10 CNN: stages of conv-BN(-ReLU) + max-pool + ReLU, global pooling, linear.

    Parameters
    ----------
    widths : sequence of int, default (32, 64, 128, 256)
        Output channels of each stage. Every stage ends with a 2x2 max-pool,
        so a 32x32 image leaves ``len(widths)`` stages at
        ``32 / 2**len(widths)`` pixels (2x2 for the default).
    convs_per_stage : int or sequence of int, default 1
        Convolution blocks (conv, batch norm, ReLU) in each stage (one number for all stages, or
        one per stage).
    in_channels : int, default 3
        Channels of the input images (3 for RGB).
    num_classes : int, default 10
        Outputs of the final ``Linear`` layer (the logits).
    rng : int, numpy.random.Generator or None, default 0
        Source of the initial weights: a seed (saved architectures record
        it as an int), a Generator, or None (see
        :func:`classroom.nn.init.as_generator`).
    seed : int, optional
        The old name of an int ``rng``; warns, and goes away in the next release.
    dtype : numpy dtype, default float32
        Parameter dtype (float64 for gradient checks).

    Returns
    -------
    Sequential
        Maps ``(batch, in_channels, 32, 32)`` images to ``(batch, num_classes)`` logits.

    Raises
    ------
    ValueError
        If ``widths`` is empty or ``convs_per_stage`` does not match it.

    Examples
    --------
    >>> model = cifar_cnn(widths=(8, 16), convs_per_stage=1)
    >>> model(np.zeros((2, 3, 32, 32), dtype=np.float32)).shape
    (2, 10)
    """
    widths = [int(width) for width in widths]
    if not widths or min(widths) < 1:
        raise ValueError(f"cifar_cnn needs at least one stage width >= 1, got widths={widths}")
    if isinstance(convs_per_stage, (int, np.integer)):
        convs = [int(convs_per_stage)] * len(widths)
    else:
        convs = [int(count) for count in convs_per_stage]
    if len(convs) != len(widths) or min(convs) < 1:
        raise ValueError(
            f"convs_per_stage must be an int >= 1 or one int >= 1 per stage "
            f"({len(widths)} stages), got {convs_per_stage}"
        )
    rng = rng_or_seed(rng, seed, "cifar_cnn")  # one stream for every layer

    layers = []
    channels = in_channels
    for width, count in zip(widths, convs):
        for block in range(count):
            layers += conv_bn(channels, width, rng=rng, dtype=dtype)
            channels = width
            if block < count - 1:
                layers.append(ReLU())
        # The stage's last ReLU comes after the pooling (same result, 4x less work).
        layers += [MaxPool2d(2), ReLU()]
    layers += [
        AdaptiveAvgPool2d(1),
        Flatten(),
        Linear(channels, num_classes, rng=rng, dtype=dtype),
    ]
    return Sequential(*layers)
