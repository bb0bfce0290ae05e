"""Pausing Python's cyclic garbage collector while nanograd builds or walks a graph.

A graph of Scalars holds no reference cycles (a node refers only to older nodes), so it is
freed by reference counting alone; the cyclic collector would only walk it, again and again as
it grows, which makes time grow faster than the graph. Pauses nest and may overlap across
threads: a lock and a count make the first pause switch the collector off and the last one
restore it (if it was on when the first began), so no interleaving can leave it off.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_pauses = 0
_restore = False


def pause_collector() -> None:
    """Switch the cyclic collector off until the matching `resume_collector()`."""
    global _pauses, _restore
    with _lock:
        if _pauses == 0:
            _restore = gc.isenabled()
            gc.disable()
        _pauses += 1


def resume_collector() -> None:
    global _pauses
    with _lock:
        _pauses -= 1
        if _pauses == 0 and _restore:
            gc.enable()


@contextmanager
def collector_paused() -> Iterator[None]:
    """`with collector_paused():` the cyclic collector is off inside, safely under threads.

    For a training loop's forward pass: nanograd's graphs make no cycles. Cycles your own code
    makes inside wait for the collector until the block ends."""
    pause_collector()
    try:
        yield
    finally:
        resume_collector()
