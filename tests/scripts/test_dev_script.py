"""scripts/dev.py's test command: which pytest-xdist options it adds."""

from __future__ import annotations

import pytest
from conftest import load_script

dev = load_script("dev")


def test_runs_on_every_core_one_file_per_worker_by_default():
    assert dev.parallel_options(["tests/nn", "-x"]) == ["-n", "auto", "--dist", "loadfile"]


@pytest.mark.parametrize(
    "arguments",
    [["-n", "0"], ["-n0"], ["--numprocesses=3"], ["--dist", "load"], ["--pdb"], ["-p", "no:xdist"]],
)
def test_adds_nothing_when_the_arguments_choose(arguments):
    assert dev.parallel_options(arguments) == []
