"""The fourth number system: the table's rules run over Scalars, so a derivative is itself a graph.

`REAL` (floats) gives backprop its numbers and `SYMBOLIC` (sympy) gives closed forms; `SCALAR`
gives derivatives that are nodes, which can be differentiated again (`grad(..., create_graph=True)`,
`hessian`). It is built from the table, not written out: a function a rule calls, `m.cos(x)`, is
the table's row of that name applied to Scalars (so `cos` on a node makes a `cos` node), and a
constant (`m.LN2`) is `REAL`'s. A row added later therefore needs nothing here; a rule that calls
a function the table has no row for fails, by name, in the tests that run every rule over `SCALAR`.
"""
from __future__ import annotations

from typing import Any, Callable

from .node import Node
from .ops import OPS, REAL, Op
from .scalar import apply


def _lifted(op: Op) -> Callable[..., Any]:
    """`op` on any mix of Scalars and plain numbers: a node if an operand is a node, else a number."""
    def function(*operands: Any) -> Any:
        if any(isinstance(o, Node) for o in operands):
            return apply(op, *operands)
        return op.forward(REAL, *operands)

    function.__name__ = op.name
    return function


# REAL's helpers that are not operations, written with the table's rows (as REAL writes them with
# math and SYMBOLIC with sympy): `reciprocal` guards a float product against a subnormal x, which
# a graph of Scalars has no need of.
_HELPERS: dict[str, Callable[..., Any]] = {"reciprocal": lambda x, scale=1.0: 1 / x / scale}


class ScalarSystem:
    """The namespace the table's rules see when their inputs are Scalars (see the module's doc)."""

    def __getattr__(self, name: str) -> Any:
        if name in OPS:
            value: Any = _lifted(OPS[name])
        elif name in _HELPERS:
            value = _HELPERS[name]
        else:
            value = getattr(REAL, name, None)
            if value is None or callable(value):
                raise AttributeError(
                    f"a rule of the table calls m.{name}, but the table has no operation {name!r} "
                    "to run it over Scalars: add that row (or write the rule with existing ones)")
        setattr(self, name, value)  # found once; later look-ups are plain attribute reads
        return value


SCALAR = ScalarSystem()
