"""Checks for weekend 7: the pieces of a variational autoencoder, and a short run on faces.

The learner writes four functions in ``workbooks/weekend-07.py``:

* ``reparameterize(mu, logvar, rng) -> (z, eps)``;
* ``gaussian_kl(mu, logvar) -> kl`` of shape ``(batch,)``;
* ``gaussian_nll(x, mean, log_sigma) -> nll`` of shape ``(batch,)``;
* ``loss_and_backward(model, x, rng) -> (neg_elbo, reconstruction, kl)``:
  the negative ELBO of a :class:`classroom.models.vae.VAE` and its gradient
  added to every parameter.

Every check compares them with :mod:`classroom.models.vae` (the package is
the truth) on seeded random inputs; the end-to-end check trains a small
``MLPVAE`` on real CelebA faces with the learner's ``loss_and_backward`` and
with the package's, from the same initial weights and seeds.

Each ``check_*`` function of the modules below is a registered check body,
``check(ns) -> str`` (see :func:`classroom.check.core.register`).

One module per piece of the workbook, in the order the checks run:

* ``reference.py``: the package's solution of every stub (``reference_solutions``)
  and the small comparison helpers the checks share;
* ``reparameterize.py``: ``reparameterize``, the moments of z, the gradient path, the dtype;
* ``gaussian_kl.py``: ``gaussian_kl``, the closed form per example;
* ``gaussian_nll.py``: ``gaussian_nll``, the Gaussian likelihood per image;
* ``loss_and_backward.py``: ``loss_and_backward``, the negative ELBO and every parameter gradient;
* ``train.py``: end to end, a short VAE run on CelebA faces with the learner's ``loss_and_backward``.
"""

from __future__ import annotations

# The order of these imports is the order of the checks (each module registers its own).
from . import reparameterize, gaussian_kl, gaussian_nll, loss_and_backward, train  # noqa: F401
from .reference import reference_solutions

# Still importable from classroom.check.weekend_07, as when the checks were one module.
from .gaussian_kl import check_gaussian_kl  # noqa: F401
from .gaussian_nll import check_gaussian_nll  # noqa: F401
from .loss_and_backward import check_loss_and_backward  # noqa: F401
from .reference import WEEKEND  # noqa: F401
from .reparameterize import (  # noqa: F401
    check_reparameterize_dtype,
    check_reparameterize_gradient_path,
    check_reparameterize_moments,
)
from .train import check_train_faces  # noqa: F401

__all__ = ["reference_solutions"]
