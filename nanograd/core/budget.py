"""Time budgets that touch no process-wide state: no signal, no timer, nothing another thread sees.

A budget is a deadline held in a context variable (each thread, each asyncio task, has its own).
Our own walks call `check` as they go, so they stop soon after the deadline; a single call into
a library that can run for minutes (sympy's simplify or printers) goes to `in_worker`, a child
process that is stopped when the time is up.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
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
    result must pickle. `deep`: the child allows deep recursion (sympy's printers and simplify
    recurse once per level of an expression).

    A child that answered in time is kept for the next call (starting one costs tens of
    milliseconds, more than most of the work sent to it); one that ran out of time is stopped."""
    seconds = remaining()
    # A daemonic process (a grading worker, or this function's own child) is already stopped by
    # its parent at a deadline, and may not have children of its own: run here.
    if seconds is None or multiprocessing.current_process().daemon:
        return function(*args)
    if seconds <= 0:
        raise out_of_time(doing)
    worker = _Worker.take(deep)
    try:
        worker.connection.send((function, args))
        answered = worker.connection.poll(seconds)
        if answered:
            ok, value = worker.connection.recv()
    except (EOFError, OSError):  # the child died without a word (killed, out of memory)
        worker.stop()
        raise TimeBudgetError(f"{doing} stopped: its worker process ended without an answer (exit "
                              f"code {worker.process.exitcode}: killed, or out of memory)") from None
    except BaseException:
        worker.stop()
        raise
    if not answered:
        worker.stop()
        raise out_of_time(doing)
    worker.give_back()
    if not ok:
        raise value
    return value


DEEP_STACK = 512 * 2 ** 20  # bytes of stack for a deep recursion (address space, used as touched)
DEEP_RECURSION = 200_000  # Python frames
IDLE = 4  # workers kept waiting at most (one per thread that calls at the same time)


class _Worker:
    """A child process that runs one call at a time, sent down a pipe, for as long as it is kept.

    Idle workers wait in `_idle`, each used by one caller at a time (taken and given back under a
    lock), so threads never share one; a process forked from this one does not use this one's."""

    _idle: list["_Worker"] = []
    _lock = threading.Lock()

    def __init__(self, deep: bool) -> None:
        # fork is fast (sympy is already loaded) but unsafe beside other threads; spawn otherwise
        forkable = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
        context: Any = multiprocessing.get_context("fork" if forkable else "spawn")
        self.deep, self.owner = deep, os.getpid()
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, deep, os.getpid()), daemon=True)
        self.process.start()
        child.close()

    @classmethod
    def take(cls, deep: bool) -> "_Worker":
        with cls._lock:
            for worker in cls._idle:
                if worker.deep == deep and worker.owner == os.getpid():
                    cls._idle.remove(worker)
                    return worker
        return cls(deep)

    def give_back(self) -> None:
        with self._lock:
            if len(self._idle) < IDLE and self.process.is_alive():
                self._idle.append(self)
                return
        self.stop()

    def stop(self) -> None:
        self.connection.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


def receive_from_parent(connection: Any, parent: int) -> Any:
    """In a child process: the next message from its parent (pid `parent`), or EOFError once the
    parent has ended. A forked child holds a copy of the parent's end of its pipe, so the pipe
    never reads as closed when the parent is killed: the child would wait for ever."""
    while not connection.poll(1.0):
        if os.getppid() != parent:
            raise EOFError("the parent process has ended")
    return connection.recv()


def _serve(connection: Any, deep: bool, parent: int) -> None:
    """In the child, which is all ours: run each call sent until the parent's end closes."""
    if deep:  # a large stack and recursion limit, for the calls run on a thread of their own
        sys.setrecursionlimit(DEEP_RECURSION)
        threading.stack_size(DEEP_STACK)
    while True:
        try:
            function, args = receive_from_parent(connection, parent)
        except (EOFError, OSError):  # the parent is gone or has let this worker go
            return
        if deep:
            thread = threading.Thread(target=_run, args=(connection, function, args))
            thread.start()
            thread.join()
        else:
            _run(connection, function, args)


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
