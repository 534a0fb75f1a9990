"""keep_freed_memory: freed arrays are reused without new page faults (Linux/glibc)."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

# Run in a fresh process: the allocator setting lasts for the whole process.
PROGRAM = """
import resource, sys
import numpy as np
sys.path.insert(0, {src!r})
from classroom.config import keep_freed_memory
accepted = keep_freed_memory() if {keep} else None
np.ones(10_000_000, dtype=np.float32)  # 40 MB, created and freed
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    np.ones(10_000_000, dtype=np.float32)
after = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
print(accepted, after - before)
"""


def page_faults(keep: bool) -> tuple[str, int]:
    output = subprocess.run(
        [sys.executable, "-c", PROGRAM.format(src=str(SRC), keep=keep)],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    return output[0], int(output[1])


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_keep_freed_memory_avoids_page_faults_when_big_arrays_are_reallocated():
    _, faults_default = page_faults(keep=False)
    accepted, faults_kept = page_faults(keep=True)
    assert accepted == "True"
    # Above 32 MB glibc maps every array afresh, so each one faults its pages in
    # again (thousands of faults, fewer with huge pages); reused memory needs almost none.
    assert faults_default > 100
    assert faults_kept * 10 < faults_default
