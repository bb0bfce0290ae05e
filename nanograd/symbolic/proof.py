"""Whether sympy can show two closed forms equal, within a time bound that touches no process-wide
state: simplify runs in a worker process stopped at the deadline (see `core.budget`)."""
from __future__ import annotations

import sympy

from ..core.budget import in_worker, remaining, within
from ..errors import TimeBudgetError


def simplifies_to_zero(difference: sympy.Expr) -> bool:
    """simplify(difference) == 0; False where even a worker's deep stack is not deep enough."""
    try:
        return bool(sympy.simplify(difference) == 0)
    except RecursionError:
        return False


def proved_equal(left: sympy.Expr, right: sympy.Expr, seconds: float) -> bool:
    """Whether simplify shows left == right within `seconds` (and a third of the caller's budget,
    if that is sooner: what follows must still have time); False when it has not finished."""
    difference = left - right
    if difference == 0:
        return True
    budget = remaining()
    if budget is not None:
        seconds = min(seconds, budget / 3)
    try:
        with within(seconds):
            return in_worker(simplifies_to_zero, difference, doing="simplify", deep=True)
    except (TimeBudgetError, RecursionError):
        return False
