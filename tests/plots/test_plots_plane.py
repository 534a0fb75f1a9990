"""Decision-region grids and plots, surface contours and optimizer paths (synthetic data)."""

import numpy as np
import pytest

from classroom.optim import SGD, Adam
from classroom.plots.plane import (
    decision_grid,
    plot_decision_boundary,
    plot_surface_contours,
    plot_trajectories,
    surface_grid,
)
from classroom.optim.surfaces import Quadratic, Rosenbrock, run_optimizer_on_surface


@pytest.fixture
def plt():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot

    yield pyplot
    pyplot.close("all")


def threshold_on_first_feature(points):
    """A synthetic classifier: class 1 right of x = 0.5, class 0 left of it."""
    return (points[:, 0] > 0.5).astype(np.int64)


def test_decision_grid_covers_the_data_plus_margin_and_holds_the_predictions(rng):
    X = rng.uniform(-1.0, 2.0, size=(40, 2))
    xx, yy, labels = decision_grid(threshold_on_first_feature, X, resolution=50, margin=0.25)
    assert xx.shape == yy.shape == labels.shape == (50, 50)
    assert xx.min() == pytest.approx(X[:, 0].min() - 0.25)
    assert yy.max() == pytest.approx(X[:, 1].max() + 0.25)
    np.testing.assert_array_equal(labels, (xx > 0.5).astype(np.int64))


@pytest.mark.parametrize("shape", [(10,), (10, 3), (0, 2)])
def test_decision_grid_rejects_data_without_exactly_two_features(shape):
    with pytest.raises(ValueError, match=r"shape \(n_samples, 2\)"):
        decision_grid(threshold_on_first_feature, np.zeros(shape))


def test_decision_grid_explains_predict_proba_passed_instead_of_predict(rng):
    X = rng.normal(size=(10, 2))

    def predict_proba(points):
        return np.full((len(points), 2), 0.5)

    with pytest.raises(ValueError, match="one label per point"):
        decision_grid(predict_proba, X, resolution=5)


@pytest.mark.parametrize("resolution", [1, 0, 2.5])
def test_grids_reject_a_resolution_below_two(resolution, rng):
    with pytest.raises(ValueError, match="resolution"):
        decision_grid(threshold_on_first_feature, rng.normal(size=(5, 2)), resolution=resolution)
    with pytest.raises(ValueError, match="resolution"):
        surface_grid(Rosenbrock(), resolution=resolution)


def test_surface_grid_uses_the_surface_window_and_values():
    surface = Rosenbrock()
    xx, yy, zz = surface_grid(surface, resolution=11)
    assert (xx.min(), xx.max()) == surface.x_range
    assert (yy.min(), yy.max()) == surface.y_range
    np.testing.assert_allclose(zz, surface.value(xx, yy))


def test_surface_grid_rejects_an_empty_window():
    with pytest.raises(ValueError, match="low < high"):
        surface_grid(Rosenbrock(), x_range=(1.0, -1.0))


def test_plot_decision_boundary_draws_one_scatter_per_class_with_names(plt, rng):
    X = rng.normal(size=(60, 2))
    y = np.repeat([0, 1, 2], 20)
    figure = plot_decision_boundary(
        lambda points: np.digitize(points[:, 0], [-0.5, 0.5]),
        X,
        y,
        feature_names=["petal length", "petal width"],
        class_names=["setosa", "versicolor", "virginica"],
        resolution=30,
    )
    ax = figure.axes[0]
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["setosa", "versicolor", "virginica"]
    assert len(ax.collections) >= 3
    assert ax.get_xlabel() == "petal length"


def test_plot_decision_boundary_draws_into_a_given_axes(plt, rng):
    figure, axes = plt.subplots(1, 2)
    X = rng.normal(size=(20, 2))
    returned = plot_decision_boundary(threshold_on_first_feature, X, (X[:, 0] > 0.5).astype(int), ax=axes[1])
    assert returned is figure
    assert axes[1].get_legend() is not None and axes[0].get_legend() is None


def test_plot_decision_boundary_rejects_labels_of_the_wrong_length(plt, rng):
    with pytest.raises(ValueError, match="one label per row"):
        plot_decision_boundary(threshold_on_first_feature, rng.normal(size=(10, 2)), np.zeros(9, dtype=int))


def test_plot_trajectories_labels_every_path_and_marks_the_minimum(plt):
    surface = Rosenbrock()
    paths = {
        "SGD": run_optimizer_on_surface(lambda params: SGD(params, lr=1e-3), (-1.5, 2.0), 100),
        "Adam": run_optimizer_on_surface(lambda params: Adam(params, lr=0.05), (-1.5, 2.0), 100),
        "array": np.array([[0.0, 0.0], [0.5, 0.5]]),
    }
    figure = plot_trajectories(surface, paths, markers_every=10)
    ax = figure.axes[0]
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["SGD", "Adam", "array"]
    labelled_lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(labelled_lines["Adam"].get_xydata(), paths["Adam"].points)
    star_positions = [line.get_xydata()[0].tolist() for line in ax.get_lines() if line.get_marker() == "*"]
    assert star_positions == [[1.0, 1.0]]


def test_plot_trajectories_rejects_a_path_of_the_wrong_shape(plt):
    with pytest.raises(ValueError, match=r"shape \(n_points, 2\)"):
        plot_trajectories(Quadratic(), {"bad": np.zeros((5, 3))})


def test_plot_surface_contours_refuses_log_levels_for_a_negative_surface(plt):
    class Saddle(Quadratic):
        def value(self, x, y):
            return x**2 - y**2

    with pytest.raises(ValueError, match="log_scale=False"):
        plot_surface_contours(Saddle())
    figure = plot_surface_contours(Saddle(), log_scale=False, resolution=20)
    assert figure.axes[0].get_title() == "Elongated quadratic"
