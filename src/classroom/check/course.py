"""The course timeline as the package knows it: what ``classroom start`` writes into a README.

The site renders its plan from ``docs/data/weekends.yml``, which an installed
package does not have; this table keeps the same numbers, slugs and titles
(a test asserts that the two agree) plus the workbook of each weekend.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Weekend", "COURSE", "workbook_names"]


@dataclass(frozen=True)
class Weekend:
    """One step of the course.

    Attributes
    ----------
    number : int or None
        1 ... 8 for the weekends; None for month 2.
    slug : str
        The lesson folder on the site, e.g. ``"01-numpy-network"``.
    title : str
        The topic, e.g. ``"Python & NumPy"``.
    workbook : str
        The workbook's name without suffix, e.g. ``"weekend-01"``.
    task : str
        What you build, in one line.
    """

    number: int | None
    slug: str
    title: str
    workbook: str
    task: str


COURSE: tuple[Weekend, ...] = (
    Weekend(1, "01-numpy-network", "Python & NumPy", "weekend-01",
            "A 2-layer network in pure NumPy that classifies MNIST digits"),
    Weekend(2, "02-logistic-regression", "Linear to logistic", "weekend-02",
            "Logistic regression from scratch on the Iris flowers"),
    Weekend(3, "03-regularization", "Loss landscapes", "weekend-03",
            "Add L2, dropout and early stopping; compare the curves"),
    Weekend(4, "04-convolutions", "Convolutions", "weekend-04",
            "A pure-NumPy CNN on CIFAR-10 that reaches 70%+ test accuracy"),
    Weekend(5, "05-autograd", "Autograd", "weekend-05",
            "An automatic-differentiation engine in under 200 lines"),
    Weekend(6, "06-optimizers", "Optimizers", "weekend-06",
            "Implement RMSprop and Adam and race them against SGD"),
    Weekend(7, "07-generative", "Generative models", "weekend-07",
            "A variational autoencoder that draws 64x64 CelebA faces"),
    Weekend(8, "08-deploy", "Deploy & invent", "weekend-08",
            "Serve your best model behind a REST API"),
    Weekend(None, "month-2", "Ship a classifier", "month-2",
            "A real image classifier with train/validation/test discipline"),
)
"""The eight weekends, then month 2, in course order."""


def workbook_names() -> list[str]:
    """Return the workbook names in course order (``"weekend-01"`` ... ``"month-2"``)."""
    return [step.workbook for step in COURSE]
