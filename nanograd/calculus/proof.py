"""Whether sympy proves two closed forms equal, in bounded time and touching no process-wide state.

sympy's simplify can run for minutes and nothing interrupts it from outside but the end of its
process: it runs in a worker process (`core.budget.in_worker`, reused from call to call) that is
stopped at the deadline. No signal or timer is used, so any thread may ask. A difference that
sympy's automatic evaluation already makes 0 needs no worker at all.
"""
from __future__ import annotations

import sympy

from ..core.budget import remaining, within
from ..errors import TimeBudgetError
from ..symbolic.backprop import tree_size
from ..symbolic.workers import in_worker_as_built

SMALL = 400  # nodes of the two trees together


def proved_equal(a: sympy.Expr, b: sympy.Expr, seconds: float) -> bool:
    """simplify(a - b) == 0, or False when it has not finished within `seconds` (or a third of
    the caller's budget, if sooner: the verdict must still be written)."""
    # sympy compares and hashes recursively: only small trees are touched in this process
    if tree_size(a, SMALL) + tree_size(b, SMALL) <= SMALL and a - b == 0:
        return True
    left = remaining()
    if left is not None:
        seconds = min(seconds, left / 3)
    if seconds <= 0:
        return False
    try:
        with within(seconds):
            return in_worker_as_built(_simplifies_to_zero, a, b, doing="simplify", deep=True)
    except (TimeBudgetError, RecursionError):  # out of time, or too deep to send to the worker
        return False


def _simplifies_to_zero(a: sympy.Expr, b: sympy.Expr) -> bool:
    try:
        return bool(sympy.simplify(a - b) == 0)
    except RecursionError:  # too deep even for a worker's stack: undecided
        return False
