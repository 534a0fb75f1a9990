"""The figures the lessons draw (matplotlib, imported only when a figure is drawn).

* :mod:`classroom.plots.training`: training and validation curves;
* :mod:`classroom.plots.images`: images with their labels, first-layer
  weights seen as images;
* :mod:`classroom.plots.confusion`: the confusion matrix as a heat map;
* :mod:`classroom.plots.plane`: figures in the plane: decision boundaries of
  two-feature classifiers, loss surfaces and optimiser trajectories;
* :mod:`classroom.plots.ablation`: an ablation's scores with their intervals;
* :mod:`classroom.plots.grids`: :func:`~classroom.plots.grids.image_grid`,
  many images tiled into one picture (a NumPy array, no matplotlib);
* :mod:`classroom.plots.animation`: frames of training turned into an HTML
  player for the web pages, bounded in size.

Every function except ``image_grid`` and the animations returns the
matplotlib ``Figure``; ``image_grid`` returns the picture as a ``uint8``
array, for ``plt.imshow`` or a PNG file, and ``animate_images`` /
``animate_figure`` return the player's HTML. ``import classroom`` works
without matplotlib; drawing needs it (``pip install matplotlib``).
"""

from .ablation import plot_ablation
from .animation import animate_figure, animate_images
from .confusion import plot_confusion_matrix
from .grids import image_grid
from .images import show_images, show_weights_as_images
from .plane import (
    decision_grid,
    plot_decision_boundary,
    plot_surface_contours,
    plot_trajectories,
    surface_grid,
)
from .training import compare_histories, plot_history

__all__ = [
    "animate_figure",
    "animate_images",
    "compare_histories",
    "decision_grid",
    "image_grid",
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
