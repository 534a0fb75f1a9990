"""Fisher's Iris flowers, shipped inside the package (150 rows, public domain)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources

import numpy as np

#: Column names, in the order of ``Iris.data``'s columns.
IRIS_FEATURE_NAMES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
#: Species, in label order.
IRIS_TARGET_NAMES = ["setosa", "versicolor", "virginica"]


@dataclass
class Iris:
    """The Iris dataset.

    Attributes
    ----------
    data : ndarray of shape (150, 4), dtype float64
        Sepal length, sepal width, petal length, petal width, in centimetres.
    target : ndarray of shape (150,), dtype int64
        Species label 0, 1 or 2 (50 of each).
    feature_names : list of str
        Names of the four columns of ``data``.
    target_names : list of str
        ``target_names[label]`` is the species.
    """

    data: np.ndarray
    target: np.ndarray
    feature_names: list
    target_names: list


def load_iris() -> Iris:
    """Load the 150 Iris flowers from the CSV file inside the package.

    Returns
    -------
    Iris
        ``data`` float64 (150, 4), ``target`` int64 (150,), ``feature_names``,
        ``target_names``.

    Examples
    --------
    >>> iris = load_iris()
    >>> iris.data.shape, iris.target_names
    ((150, 4), ['setosa', 'versicolor', 'virginica'])
    """
    text = resources.files("classroom").joinpath("datasets", "iris.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))[1:]
    data = np.array([[float(value) for value in row[:4]] for row in rows], dtype=np.float64)
    target = np.array([IRIS_TARGET_NAMES.index(row[4]) for row in rows], dtype=np.int64)
    return Iris(data=data, target=target, feature_names=list(IRIS_FEATURE_NAMES), target_names=list(IRIS_TARGET_NAMES))
