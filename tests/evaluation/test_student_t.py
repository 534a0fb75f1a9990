"""Student's t quantile against SciPy (a test oracle only)."""

from __future__ import annotations

import pytest

from classroom.evaluation.student_t import student_t_quantile


@pytest.mark.parametrize("df", [1, 2, 4, 9, 30, 200])
@pytest.mark.parametrize("probability", [0.6, 0.95, 0.975, 0.995, 0.025])
def test_student_t_quantile_matches_scipy(df, probability):
    stats = pytest.importorskip("scipy.stats")
    expected = stats.t.ppf(probability, df)
    assert student_t_quantile(probability, df) == pytest.approx(expected, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("probability, df", [(0.0, 3), (1.0, 3), (0.9, 0)])
def test_student_t_quantile_rejects_invalid_arguments(probability, df):
    with pytest.raises(ValueError):
        student_t_quantile(probability, df)
