"""Memory the process has freed, given back to the system.

The C library keeps memory that Python, numpy and HiGHS have freed, for the thread that freed it to
reuse. A run folder's Parquet files are written by another thread with Arrow's own allocator, which
cannot reuse it: without giving it back first, writing a solve's tables added 20-30 MiB to the
process's peak at 11k-100k variables (docs/performance.md). glibc's `malloc_trim` gives it back, in
a few milliseconds; elsewhere (macOS, Windows, musl) this does nothing.
"""

from __future__ import annotations

import sys
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where the C library has none."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # here: only a solve that writes tables needs it

    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library the interpreter runs on
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def give_back_freed_memory() -> bool:
    """Return the C library's freed memory to the system; whether any was returned."""
    trim = _malloc_trim()
    return bool(trim(0)) if trim is not None else False
