"""Checks of weekend 4 (convolutions): ``im2col``/``col2im``, ``Conv2d``, ``MaxPool2d``, a CNN on CIFAR-10.

The learner's API (see the workbook ``workbooks/weekend-04.py``) is the one
the lesson teaches, with images as ``(batch, channels, height, width)``:

* ``im2col(x, kernel_size, stride=1, padding=0)`` returns one row per window,
  shape ``(batch*out_h*out_w, kernel_size*kernel_size*channels)``; rows in
  ``(image, output row, output column)`` order, the numbers of a row in
  ``(kernel row, kernel column, channel)`` order (channels fastest), as
  ``classroom.nn.im2col.im2col`` lays them out.
* ``col2im(cols, input_shape, kernel_size, stride=1, padding=0)`` is its
  adjoint: it sums every row entry back onto the pixel it was copied from.
* ``Conv2d`` and ``MaxPool2d`` have ``forward(x)`` and ``backward(grad_output)``;
  ``Conv2d`` holds plain arrays ``weight`` ``(out, in, k, k)``, ``bias``
  ``(out,)`` and, after ``backward``, ``grad_weight`` and ``grad_bias``.

Every check compares with the package (``classroom.nn.im2col``,
``classroom.nn.conv``, ``classroom.nn.pooling``) on random float64 inputs
from fixed seeds, and the backward passes also with central finite
differences. Tolerances are in the messages.

One module per piece of the workbook, in the order the checks run:

* ``reference.py``: the package's solution of every stub (``reference_solutions``),
  and ``_as_array``, the array conversion every check of the weekend uses;
* ``im2col.py``: ``im2col`` (the windows, padding, stride) and ``col2im``, its adjoint;
* ``conv2d.py``: ``Conv2d``, forward, backward against the package and against finite differences;
* ``maxpool.py``: ``MaxPool2d``, forward, backward against the package and against
  finite differences, overlapping windows included;
* ``cnn.py``: end to end, a small CNN from the learner's ``Conv2d`` and ``MaxPool2d`` trained on CIFAR-10.
"""

from __future__ import annotations

# The order of these imports is the order of the checks (each module registers its own).
from . import im2col, conv2d, maxpool, cnn  # noqa: F401
from .reference import ReferenceConv2d, ReferenceMaxPool2d, reference_col2im, reference_im2col, reference_solutions

# Still importable from classroom.check.weekend_04, as when the checks were one module.
from .cnn import (  # noqa: F401
    CNN_ACCURACY_FLOOR,
    CNN_BATCH,
    CNN_EPOCHS,
    CNN_LR,
    CNN_MOMENTUM,
    CNN_TEST_IMAGES,
    CNN_TIMEOUT,
    CNN_TRAIN_IMAGES,
)
from .conv2d import CONV_CASES  # noqa: F401
from .maxpool import POOL_CASES  # noqa: F401
from .reference import WEEKEND  # noqa: F401

__all__ = ["reference_solutions", "ReferenceConv2d", "ReferenceMaxPool2d", "reference_im2col", "reference_col2im"]
