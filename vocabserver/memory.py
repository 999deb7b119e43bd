"""Giving freed memory back to the system, in a server that runs for weeks.

glibc keeps the pages of freed blocks inside the process until something trims them: only the top of the heap is
given back by itself. A label index replaced at a rebuild, answers dropped at each commit and the buffers of big
answers leave free pages all over the heap, and the resident size of a worker crept up under a steady load
(bench/bench_soak.py). `malloc_trim(0)` returns every whole free page (the blocks stay where they are: nothing
moves), in a few milliseconds at a worker's size: after each rebuild, and every `TRIM_EVERY` seconds.
"""

from __future__ import annotations

import ctypes
import os
import threading
import time

TRIM_EVERY = float(os.environ.get("VOCABSERVER_TRIM_SECONDS", "30"))

try:
    _trim = ctypes.CDLL("libc.so.6").malloc_trim
except (OSError, AttributeError):  # not glibc: its allocators do this themselves, or cannot
    _trim = None
_started = False
_lock = threading.Lock()


def release_freed_memory() -> None:
    """Give the whole free pages of the C heap back to the system now."""
    if _trim is not None:
        _trim(0)


def keep_trimming(every: float = TRIM_EVERY) -> None:
    """Trim every `every` seconds in a daemon thread of this process (once per process; 0: never)."""
    global _started
    if _trim is None or every <= 0:
        return
    with _lock:
        if _started:
            return
        _started = True

    def run() -> None:
        while True:
            time.sleep(every)
            release_freed_memory()

    threading.Thread(target=run, name="malloc-trim", daemon=True).start()
