"""Optimizers and learning-rate schedulers, following ``torch.optim``.

Every optimizer takes ``model.parameters()``, updates ``p.data`` in place in
``step()`` using ``p.grad``, and clears gradients with ``zero_grad()``::

    optimizer = Adam(model.parameters(), lr=1e-3)
    model.zero_grad()          # or optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    model.backward(loss_fn.backward())
    optimizer.step()
"""

from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
