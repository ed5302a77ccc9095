"""The benchmarks' process measurements (benchmarks/cli_runs.py) report a command's own peak memory,
not the peak of the benchmark that started it (Linux counts the parent's at `exec`)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from benchmarks.cli_runs import own_peak_mib, run_cli

MIB = 2**20

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory is read from /proc (Linux)")


def _touched(mib: int) -> bytearray:
    block = bytearray(mib * MIB)
    block[::4096] = b"\1" * len(block[::4096])  # resident, not just reserved
    return block


def test_a_command_started_by_a_large_process_reports_its_own_peak():
    held = _touched(300)
    assert own_peak_mib() >= 300
    bare = run_cli([sys.executable, "-c", "pass"]).check()
    assert bare.peak_mib < 100  # a bare interpreter: about 11 MiB, not the 300 MiB held here
    large = run_cli([sys.executable, "-c", f"b = bytearray({200 * MIB}); b[::4096] = b'1' * len(b[::4096])"]).check()
    assert 200 <= large.peak_mib < 300
    del held


def test_a_command_s_exit_code_and_output_come_back():
    run = run_cli([sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"])
    assert (run.returncode, run.stdout, run.stderr) == (3, "out\n", "err\n")
    assert run.wall_s > 0
