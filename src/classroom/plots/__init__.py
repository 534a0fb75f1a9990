"""The figures the lessons draw (matplotlib, imported only when a figure is drawn).

* :mod:`classroom.plots.training`: training curves, image grids, confusion
  matrices, first-layer weights;
* :mod:`classroom.plots.plane`: figures in the plane: decision boundaries of
  two-feature classifiers, loss surfaces and optimiser trajectories;
* :mod:`classroom.plots.ablation`: an ablation's scores with their intervals.

Every function returns the matplotlib ``Figure``. ``import classroom`` works
without matplotlib; drawing needs it (``pip install matplotlib``).
"""

from .ablation import plot_ablation
from .plane import (
    decision_grid,
    plot_decision_boundary,
    plot_surface_contours,
    plot_trajectories,
    surface_grid,
)
from .training import (
    compare_histories,
    plot_confusion_matrix,
    plot_history,
    show_images,
    show_weights_as_images,
)

__all__ = [
    "compare_histories",
    "decision_grid",
    "plot_ablation",
    "plot_confusion_matrix",
    "plot_decision_boundary",
    "plot_history",
    "plot_surface_contours",
    "plot_trajectories",
    "show_images",
    "show_weights_as_images",
    "surface_grid",
]
