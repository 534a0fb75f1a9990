"""ML Classroom: machine learning built from scratch in NumPy.

Every lesson of the course imports this package. Its folders show its layers,
lowest first; each imports only from the ones above it in this list:

* ``classroom.nn``: layers and losses with hand-written backward passes,
  initialisation, the finite-difference gradient check;
* ``classroom.autograd``: the same ideas as a reverse-mode autograd engine;
* ``classroom.optim``: optimizers, learning-rate schedules, loss surfaces;
* ``classroom.io``: saving and loading models, atomic file writes;
* ``classroom.data``: the real datasets, splits, batches, synthetic sets;
* ``classroom.evaluation``: metrics, held-out test sets, ablations, tables;
* ``classroom.models``: the course's models and the registry that rebuilds them;
* ``classroom.train``: the training loop, callbacks and checkpoints;
* ``classroom.plots``: the figures the lessons draw;
* ``classroom.serve``: the REST API (weekend 8);
* ``classroom.check``: the checks that grade a learner's workbook;
* ``classroom.cli`` (the ``classroom`` command) and ``classroom.config``.

Modules that moved keep their old import path for one release (see
``MOVED_MODULES``): importing one warns with a ``DeprecationWarning`` that
names the new path, and gives the new module.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

__version__ = "0.1.0"

#: Old import path -> new one, for modules moved in version 0.2 (removed in 0.3).
MOVED_MODULES: dict[str, str] = {
    "classroom.plots_2d": "classroom.plots.plane",
    "classroom.ablation_plots": "classroom.plots.ablation",
    "classroom.metrics": "classroom.evaluation.metrics",
    "classroom.experiments": "classroom.evaluation.experiments",
    "classroom.tables": "classroom.evaluation.tables",
    "classroom.atomic": "classroom.io.atomic",
    "classroom.surfaces": "classroom.optim.surfaces",
    "classroom.gradcheck": "classroom.nn.gradcheck",
    "classroom.autograd.datasets": "classroom.data.synthetic",
    "classroom.nn.reshape": "classroom.nn.flatten",
}


class _MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Import a moved module by its old name: warn, then hand out the module at its new path."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in MOVED_MODULES:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        new_name = MOVED_MODULES[spec.name]
        warnings.warn(
            f"{spec.name} moved to {new_name}; import it from there ({spec.name} goes away in the next release)",
            DeprecationWarning,
            stacklevel=2,
        )
        return importlib.import_module(new_name)

    def exec_module(self, module):
        """The module was executed when it was imported at its new path: nothing to do."""


if not any(isinstance(finder, _MovedModuleFinder) for finder in sys.meta_path):
    sys.meta_path.append(_MovedModuleFinder())
