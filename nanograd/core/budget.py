"""Time budgets that touch no process-wide state: no signal, no timer, nothing another thread sees.

A budget is a deadline held in a context variable (each thread, each asyncio task, has its own).
Our own walks call `check` as they go, so they stop soon after the deadline; a single call into
a library that can run for minutes (sympy's simplify or printers) goes to `in_worker`, a child
process that is stopped when the time is up.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import sys
import threading
import time
from contextvars import ContextVar
from typing import Any, Callable, Iterator

from ..errors import TimeBudgetError

_deadline: ContextVar[float | None] = ContextVar("nanograd_deadline", default=None)


@contextlib.contextmanager
def within(seconds: float | None) -> Iterator[None]:
    """Run the block with `seconds` to spare (None: no limit of its own). Nested budgets keep the
    sooner deadline, so a caller's budget covers everything called inside it."""
    if seconds is None:
        yield
        return
    if not seconds > 0:
        raise ValueError(f"a time budget is a positive number of seconds, not {seconds!r}")
    outer = _deadline.get()
    deadline = time.monotonic() + seconds
    token = _deadline.set(deadline if outer is None else min(outer, deadline))
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left in the current budget, None when there is none (never below 0)."""
    deadline = _deadline.get()
    return None if deadline is None else max(0.0, deadline - time.monotonic())


def check(doing: str) -> None:
    """Raise TimeBudgetError, saying what was being done, once the budget is spent."""
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() > deadline:
        raise out_of_time(doing)


def out_of_time(doing: str) -> TimeBudgetError:
    return TimeBudgetError(f"{doing} did not finish within the time budget: the work is too large "
                           "for it")


def in_worker(function: Callable[..., Any], *args: Any, doing: str, deep: bool = False) -> Any:
    """`function(*args)` within the current budget: in this process when there is none, else in
    a child process stopped at the deadline (TimeBudgetError). `function` and its arguments and
    result must pickle where processes are spawned rather than forked. `deep`: the child allows
    deep recursion (sympy's printers and simplify recurse once per level of an expression)."""
    seconds = remaining()
    # A daemonic process (a grading worker, or this function's own child) is already stopped by
    # its parent at a deadline, and may not have children of its own: run here.
    if seconds is None or multiprocessing.current_process().daemon:
        return function(*args)
    if seconds <= 0:
        raise out_of_time(doing)
    # fork is fast (sympy is already loaded) but unsafe beside other threads; spawn otherwise
    forkable = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    context: Any = multiprocessing.get_context("fork" if forkable else "spawn")
    receive, send = context.Pipe(duplex=False)
    worker = context.Process(target=_run_deep if deep else _run, args=(send, function, args), daemon=True)
    worker.start()
    send.close()
    try:
        if not receive.poll(seconds):
            raise out_of_time(doing)
        ok, value = receive.recv()
    except EOFError:  # the child died without a word (killed, out of memory)
        raise TimeBudgetError(f"{doing} stopped: its worker process ended without an answer") from None
    finally:
        receive.close()
        if worker.is_alive():
            worker.kill()
        worker.join()
    if not ok:
        raise value
    return value


DEEP_STACK = 512 * 2 ** 20  # bytes of stack for a deep recursion (address space, used as touched)
DEEP_RECURSION = 200_000  # Python frames


def _run_deep(send: Any, function: Callable[..., Any], args: tuple) -> None:
    """In the child, which is all ours: `_run` on a thread with a large stack and recursion limit."""
    sys.setrecursionlimit(DEEP_RECURSION)
    threading.stack_size(DEEP_STACK)
    thread = threading.Thread(target=_run, args=(send, function, args))
    thread.start()
    thread.join()


def _run(send: Any, function: Callable[..., Any], args: tuple) -> None:
    """In the child: send (True, result) or (False, the exception)."""
    try:
        result: tuple[bool, Any] = (True, function(*args))
    except Exception as error:  # sent back and raised in the parent
        result = (False, error)
    try:
        send.send(result)
    except Exception as error:  # the result does not pickle: say so instead of dying silently
        send.send((False, TypeError(f"the worker's result could not be sent back: {error}")))
    send.close()
