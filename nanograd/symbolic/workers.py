"""Sympy expressions sent to a worker process (a time budget's) and back, as they were built.

Unpickling a sympy expression calls each node's constructor again, and a constructor
evaluates: a closed form built unevaluated (nanograd builds large ones so, to keep them linear)
is simplified node by node on arrival; printing the derivative of a 25-deep log(1 + exp(...))
spent its whole budget unpickling. Here both ways are pickled by us and loaded with sympy's
evaluation off, so what arrives is what was sent.
"""
from __future__ import annotations

import pickle
from typing import Any, Callable

import sympy

from ..core.budget import in_worker, remaining


def in_worker_as_built(function: Callable[..., Any], *args: Any, doing: str,
                       deep: bool = False) -> Any:
    """`in_worker(function, *args)`, the sympy expressions in args and result carried as built."""
    if remaining() is None:  # no budget: called here, nothing carried
        return function(*args)
    return _loaded(in_worker(_called, pickle.dumps((function, args)), doing=doing, deep=deep))


def _called(payload: bytes) -> bytes:
    """In the worker: the call, from and to pickled bytes."""
    function, args = _loaded(payload)
    return pickle.dumps(function(*args))


def _loaded(payload: bytes) -> Any:
    with sympy.evaluate(False):
        return pickle.loads(payload)
