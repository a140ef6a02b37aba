"""Pause Python's cycle collector while a burst of short-lived, acyclic objects is made.

Preparing an export, and on the matcher reading and peppering a batch, create tens of
thousands of tuples, sets and models that all live until the burst is written. Each time
allocations pass the collector's thresholds it walks them again, and every few rounds it walks
the whole heap of the process: a third of a worker's time, a fifth of a matcher's submit
(docs/performance.md). These objects hold no cycles, so reference counting frees them and
nothing waits for the collector, which runs again afterwards.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause the cycle collector for the block; leave it as it was afterwards.

    In a threaded server, the thread that found it running turns it on again: at worst another
    thread's burst is collected as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


__all__ = ["no_cyclic_gc"]
