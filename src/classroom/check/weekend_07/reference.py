"""The package's answer to every stub of weekend 7, and the small helpers the checks share.

:func:`reference_solutions` maps every stub name of the workbook to
:mod:`classroom.models.vae` (``loss_and_backward`` is ``VAE.loss_and_backward``
as a free function); the helpers turn a learner's result into a float64 array
and compare it with the package's.
"""

from __future__ import annotations

import numpy as np

from classroom.check.compare import close
from classroom.check.core import CheckFailed

WEEKEND = "weekend-07"

__all__ = ["reference_solutions"]


def _reference_loss_and_backward(model, x, rng):
    """The package's negative ELBO and backward pass, as a free function.

    Parameters
    ----------
    model : classroom.models.vae.VAE
    x : ndarray of shape (batch, channels, height, width)
    rng : numpy.random.Generator

    Returns
    -------
    neg_elbo, reconstruction, kl : float
        Batch means, nats per image.
    """
    return model.loss_and_backward(x, rng)


def reference_solutions() -> dict[str, object]:
    """Map every stub name of the weekend-7 workbook to the package's implementation.

    Returns
    -------
    dict of str to callable
        ``reparameterize``, ``gaussian_kl``, ``gaussian_nll`` and ``loss_and_backward``.
    """
    from classroom.models.vae import gaussian_kl, gaussian_nll, reparameterize

    return {
        "reparameterize": reparameterize,
        "gaussian_kl": gaussian_kl,
        "gaussian_nll": gaussian_nll,
        "loss_and_backward": _reference_loss_and_backward,
    }


def _as_array(value, what: str, hint_id: str, hint: str) -> np.ndarray:
    """Convert the learner's output to a float64 array, or fail with ``hint_id``."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise CheckFailed(hint_id, f"{what} is not an array of numbers ({type(value).__name__}: {error})", hint) from None
    return array


def _max_abs(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


def _close(a, b, *, rtol: float = 1e-6, atol: float = 1e-8) -> bool:
    """:func:`~classroom.check.compare.close` on float64 copies, by default within 1e-6 relative, 1e-8 absolute."""
    return close(np.asarray(a, np.float64), np.asarray(b, np.float64), atol, rtol)


def _error_against_package(got: np.ndarray, want: np.ndarray) -> str:
    """What a per-example comparison measured: ``"max abs error 3.10e-09 against the package (tolerance ...)"``."""
    return f"max abs error {_max_abs(got, want):.2e} against the package (tolerance 1e-6 relative, 1e-8 absolute)"
