"""``KeepMasks``: keep a pruned network's zeros in place while it trains.

After :func:`classroom.nn.pruning.magnitude_prune`, the pruned weights have
gradients like any other, and the optimizer (with its momentum and weight
decay) would move them away from zero at the first step. This callback puts
them back after every optimizer step, so fine-tuning trains only the weights
the mask keeps.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from ...nn.pruning import apply_masks
from .base import Callback


class KeepMasks(Callback):
    """Re-apply pruning masks after every optimizer step of ``Trainer.fit``.

    Parameters
    ----------
    masks : mapping of str to ndarray of bool
        From ``magnitude_prune``: parameter name to a mask of the parameter's
        shape, True where the weight is kept.

    Notes
    -----
    The masks are applied once when ``fit`` starts (so a model whose zeros
    were disturbed starts pruned) and after each optimizer step. In a loop
    of your own, call ``apply_masks(model, masks)`` after ``optimizer.step()``.
    The masks are not saved in training checkpoints.

    Examples
    --------
    >>> from classroom.nn import Linear, CrossEntropyLoss        # doctest: +SKIP
    >>> masks = magnitude_prune(model, 0.9)                        # doctest: +SKIP
    >>> trainer = Trainer(model, CrossEntropyLoss(), optimizer, callbacks=[KeepMasks(masks)])  # doctest: +SKIP
    """

    def __init__(self, masks: Mapping[str, np.ndarray]):
        if not isinstance(masks, Mapping) or not masks:
            raise ValueError("KeepMasks needs the masks returned by magnitude_prune (a non-empty dict)")
        self.masks = {name: np.asarray(mask, dtype=bool) for name, mask in masks.items()}

    def on_fit_start(self, trainer) -> None:
        apply_masks(trainer.model, self.masks)

    def on_batch_end(self, trainer, logs) -> None:
        apply_masks(trainer.model, self.masks)
