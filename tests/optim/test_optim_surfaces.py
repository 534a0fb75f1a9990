"""2-D test surfaces (exact gradients) and the optimizer trajectory runner."""

import numpy as np
import pytest

from classroom.optim import SGD, Adam, RMSprop
from classroom.optim.surfaces import Himmelblau, Quadratic, Rosenbrock, Trajectory, run_optimizer_on_surface

SURFACES = [Rosenbrock(), Rosenbrock(a=-0.5, b=10.0), Quadratic(), Quadratic(condition=3.0), Himmelblau()]


@pytest.mark.parametrize("surface", SURFACES, ids=repr)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_surface_gradient_matches_finite_differences(surface, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(*surface.x_range, size=5)
    y = rng.uniform(*surface.y_range, size=5)
    epsilon = 1e-6
    numeric_dx = (surface.value(x + epsilon, y) - surface.value(x - epsilon, y)) / (2 * epsilon)
    numeric_dy = (surface.value(x, y + epsilon) - surface.value(x, y - epsilon)) / (2 * epsilon)
    df_dx, df_dy = surface.gradient(x, y)
    np.testing.assert_allclose(df_dx, numeric_dx, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(df_dy, numeric_dy, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("surface", SURFACES, ids=repr)
def test_surface_minima_have_zero_value_and_zero_gradient(surface):
    for x_min, y_min in surface.minima:
        assert surface.value(x_min, y_min) == pytest.approx(0.0, abs=1e-9)
        np.testing.assert_allclose(surface.gradient(x_min, y_min), 0.0, atol=1e-4)


def test_surface_evaluates_a_whole_grid_elementwise():
    surface = Rosenbrock()
    xx, yy = np.meshgrid(np.linspace(-2, 2, 7), np.linspace(-1, 3, 5))
    values = surface(xx, yy)
    assert values.shape == (5, 7)
    assert values[2, 3] == pytest.approx(surface.value(xx[2, 3], yy[2, 3]))


@pytest.mark.parametrize("bad_kwargs", [{"b": 0.0}, {"b": -1.0}])
def test_rosenbrock_rejects_non_positive_steepness(bad_kwargs):
    with pytest.raises(ValueError, match="b > 0"):
        Rosenbrock(**bad_kwargs)


def test_quadratic_rejects_non_positive_condition_number():
    with pytest.raises(ValueError, match="condition"):
        Quadratic(condition=0.0)


def test_trajectory_first_step_is_one_plain_gradient_step():
    surface = Rosenbrock()
    start = np.array([-1.5, 2.0])
    path = run_optimizer_on_surface(lambda params: SGD(params, lr=1e-4), start, 3, surface=surface)
    gradient = np.array(surface.gradient(*start))
    np.testing.assert_allclose(path.points[0], start)
    np.testing.assert_allclose(path.points[1], start - 1e-4 * gradient, rtol=1e-12)
    np.testing.assert_allclose(path.values, surface.value(path.points[:, 0], path.points[:, 1]))


@pytest.mark.parametrize("steps", [0, 1, 25])
def test_trajectory_has_one_point_more_than_steps(steps):
    path = run_optimizer_on_surface(lambda params: Adam(params, lr=0.01), (0.5, 0.5), steps)
    assert isinstance(path, Trajectory)
    assert path.points.shape == (steps + 1, 2)
    assert path.values.shape == (steps + 1,)
    assert not path.diverged


@pytest.mark.parametrize("lr, converges", [(0.05, True), (0.079, True), (0.081, False), (0.1, False)])
def test_sgd_on_quadratic_converges_only_below_two_over_the_largest_curvature(lr, converges):
    # Curvature 25 along y: each step multiplies y by (1 - 25 lr), which grows when lr > 2 / 25 = 0.08.
    surface = Quadratic(condition=25.0)
    path = run_optimizer_on_surface(lambda params: SGD(params, lr=lr), (2.0, 1.0), 1000, surface=surface)
    if converges:
        assert path.values[-1] < 1e-8
    else:
        assert path.values[-1] > path.values[0]


def test_runner_stops_and_flags_a_run_that_overflows():
    path = run_optimizer_on_surface(lambda params: SGD(params, lr=0.5), (2.0, 1.0), 5000, surface=Quadratic(25.0))
    assert path.diverged
    assert len(path.points) < 5001
    assert np.all(np.isfinite(path.points)) and np.all(np.isfinite(path.values))


def test_momentum_reaches_the_rosenbrock_minimum_where_plain_sgd_is_still_crawling():
    start, steps = (-1.5, 2.0), 2000
    minimum = Rosenbrock().minima[0]
    plain = run_optimizer_on_surface(lambda params: SGD(params, lr=1e-3), start, steps)
    momentum = run_optimizer_on_surface(lambda params: SGD(params, lr=1e-3, momentum=0.9), start, steps)
    assert momentum.distance_to(minimum)[-1] < 1e-3
    assert plain.distance_to(minimum)[-1] > 0.1


def test_distance_to_measures_every_point():
    path = Trajectory(points=np.array([[0.0, 0.0], [3.0, 4.0]]), values=np.zeros(2))
    np.testing.assert_allclose(path.distance_to((0.0, 0.0)), [0.0, 5.0])
    np.testing.assert_allclose(path.final_point, [3.0, 4.0])


def test_runner_works_with_every_optimizer_and_lowers_the_value():
    for factory in (
        lambda params: SGD(params, lr=1e-3, momentum=0.9),
        lambda params: RMSprop(params, lr=1e-2),
        lambda params: Adam(params, lr=0.05),
    ):
        path = run_optimizer_on_surface(factory, (-1.0, 2.5), 300, surface=Himmelblau())
        assert path.values[-1] < 0.01 * path.values[0]


@pytest.mark.parametrize("start", [(1.0,), (1.0, 2.0, 3.0), (np.nan, 0.0), "ab"])
def test_runner_rejects_a_start_that_is_not_two_finite_numbers(start):
    with pytest.raises(ValueError, match="start must be two finite numbers"):
        run_optimizer_on_surface(lambda params: SGD(params, lr=0.1), start, 5)


@pytest.mark.parametrize("steps", [-1, 2.5, True])
def test_runner_rejects_bad_step_counts(steps):
    with pytest.raises(ValueError, match="steps must be a non-negative integer"):
        run_optimizer_on_surface(lambda params: SGD(params, lr=0.1), (0.0, 0.0), steps)


def test_runner_explains_when_given_an_optimizer_instead_of_a_factory():
    with pytest.raises(TypeError, match="optimizer_factory must be a function"):
        run_optimizer_on_surface("Adam", (0.0, 0.0), 5)
    with pytest.raises(TypeError, match="has no step"):
        run_optimizer_on_surface(lambda params: params, (0.0, 0.0), 5)
