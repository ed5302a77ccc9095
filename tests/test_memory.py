"""Freed memory goes back to the system before the run folder's tables are written (model/memory.py)."""

from __future__ import annotations

import ctypes
import sys
from pathlib import Path

import pytest

from model.memory import give_back_freed_memory

linux_glibc = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not hasattr(ctypes.CDLL(None), "malloc_trim"),
    reason="malloc_trim is glibc's (Linux); elsewhere give_back_freed_memory does nothing",
)


def _resident_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@linux_glibc
def test_memory_freed_to_the_c_library_is_given_back():
    libc = ctypes.CDLL(None)
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    chunk = 64 * 1024  # below glibc's mmap threshold: kept by malloc once freed
    blocks = [libc.malloc(chunk) for _ in range(1600)]  # 100 MiB
    for block in blocks:
        ctypes.memset(block, 1, chunk)  # resident
    held = _resident_mib()
    for block in blocks[::2]:  # every other block: holes that the heap's top cannot shrink past
        libc.free(block)
    assert _resident_mib() > held - 10  # freed, but still resident: the C library keeps it
    assert give_back_freed_memory()
    assert _resident_mib() < held - 40  # about 50 MiB given back
    for block in blocks[1::2]:
        libc.free(block)


def test_elsewhere_it_does_nothing(monkeypatch):
    import model.memory as memory

    monkeypatch.setattr(memory.sys, "platform", "darwin")
    memory._malloc_trim.cache_clear()
    try:
        assert memory._malloc_trim() is None
        assert give_back_freed_memory() is False
    finally:
        memory._malloc_trim.cache_clear()  # found again for the platform this runs on
