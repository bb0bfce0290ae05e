"""The Scalar: one node of a computation graph, holding a value and, after backward(), a gradient."""
from __future__ import annotations

import math
import numbers
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Callable, Union

from ..errors import DomainError, describe, forward_error, shown
from .node import Node
from .ops import OPS, REAL, Op
from .persistence import reduce_node
from .text import rich_fields
from .walks import backward

Number = Union[int, float]
_INF = math.inf
_ADD, _SUB, _MUL, _DIV, _POW = (OPS[name] for name in ("add", "sub", "mul", "div", "pow"))


class Scalar(Node):
    """A real number that remembers how it was computed, so derivatives can flow back through it.

    Plain numbers mixed into an operation (`2 * a`, `c / 2`) are constants: they are kept, exact,
    among the node's `inputs`, but they are not nodes and get no gradient.
    """

    __slots__ = ()  # the fields are Node's

    expr: Any  # the closed form (sympy): a property the facade adds, so core imports no sympy

    if TYPE_CHECKING:  # the methods the table adds below, as a type checker sees them
        def __getattr__(self, name: str) -> Callable[..., Scalar]: ...
        def __neg__(self) -> Scalar: ...
        def __abs__(self) -> Scalar: ...

    def __init__(self, data: Number, label: str = "", sym: Any = None) -> None:
        self.data = _real(data, "Scalar data")
        self.grad = 0.0
        self.label = label
        if sym is not None and getattr(sym, "is_number", False):  # an exact constant (sympy's)
            _check_constant(sym, self.data)
        self.sym = sym  # the leaf's symbolic identity; see nanograd.symbolic
        self.op: Op | None = None
        self._a = self._b = None

    # -- arithmetic: each operator is one row of the table, with the operands in written order --
    def __add__(self, other): return _binary(_ADD, self, other)
    def __radd__(self, other): return _binary(_ADD, other, self)
    def __sub__(self, other): return _binary(_SUB, self, other)
    def __rsub__(self, other): return _binary(_SUB, other, self)
    def __mul__(self, other): return _binary(_MUL, self, other)
    def __rmul__(self, other): return _binary(_MUL, other, self)
    def __truediv__(self, other): return _binary(_DIV, self, other)
    def __rtruediv__(self, other): return _binary(_DIV, other, self)
    def __pow__(self, other): return _binary(_POW, self, other)
    def __rpow__(self, other): return _binary(_POW, other, self)

    def __pos__(self) -> Scalar:
        return self

    def __float__(self) -> float:
        return self.data

    def backward(self) -> None:
        """Fill `.grad` of every node of this graph with d self / d node (leaves accumulate)."""
        backward(self)

    backprop = backward  # the name in the earlier pure-Python nanograd

    def __reduce__(self) -> tuple:
        """pickle and copy.deepcopy, without recursion however deep the graph."""
        return reduce_node(self)

    def __repr__(self) -> str:
        sym = "" if self.sym is None else f", sym={self.sym!r}"
        return f"Scalar(data={self.data!r}, grad={self.grad!r}, label={self.label!r}{sym})"

    def __rich_repr__(self):
        """Lets `rich.print(out)` show the graph, nested, bounded as `format_tree` is."""
        yield from rich_fields(self)


def _real(value: Any, what: str) -> float:
    """`value` as a finite float, or a TypeError / ValueError that names it."""
    if type(value) is not float and type(value) is not int:
        if isinstance(value, Scalar) or not isinstance(value, numbers.Real):
            raise TypeError(f"{what} must be a real number (int or float), "
                            f"not {type(value).__name__}: {value!r}")
    try:
        number = float(value)
    except OverflowError:
        number = _INF
    if not -_INF < number < _INF:
        raise ValueError(f"{what} must be finite, got {shown(value)}")
    return number


def _check_constant(sym: Any, data: float) -> None:
    """A leaf that stands for an exact constant must hold its value: closed forms read the
    constant, backprop the data, and the two would silently disagree."""
    try:
        exact = float(sym)
    except (TypeError, ValueError):  # sympy.I, zoo: no real number
        raise ValueError(f"the constant sym {sym} is not a real number") from None
    # the data is the constant computed in floats: sin(pi) is 1.2e-16 for an exact 0
    if not math.isclose(exact, data, rel_tol=1e-12, abs_tol=1e-12):
        raise ValueError(f"Scalar({data!r}, sym={sym}): the data is not the constant's value "
                         f"{exact!r}")


class Constant(float):
    """A plain number that knows its exact value (pi, e, sqrt(2), e - e): the parser makes one of
    every constant part of an expression. As an operand it is a constant like any other number,
    so it gets no gradient (x ** (e - e) at x = -1 needs no log(-1)); arithmetic sees the float,
    closed forms `sym` (sympy's), so they still read pi."""

    __slots__ = ("sym",)
    sym: Any

    def __new__(cls, value: float, sym: Any) -> Constant:
        number = float.__new__(cls, value)
        number.sym = sym
        return number

    def __reduce__(self) -> tuple:
        return Constant, (float(self), self.sym)


def _constant(value: Any, op: Op, operands: tuple) -> Number | Fraction:
    """A plain number used as an operand of `op`, kept exact (ints and Fractions stay as they are)."""
    if type(value) is float and -_INF < value < _INF:
        return value  # the common case first: the general checks below cost over a microsecond
    if not isinstance(value, numbers.Real) or isinstance(value, Scalar):
        return NotImplemented
    try:
        finite = -_INF < float(value) < _INF
    except OverflowError:
        finite = False
    if not finite:
        args = ", ".join(describe(o) for o in operands)
        raise DomainError(f"{op.name}({args}): the constant {shown(value)} is not a finite number")
    if type(value) is float or type(value) is int or isinstance(value, (Fraction, Constant)):
        return value
    return float(value)  # numpy scalars and the like


_new = object.__new__


def make_node(value: float, op: Op, a: Any, b: Any = None) -> Scalar:
    """A new node for `op` on inputs a (and b) with output `value`, already checked."""
    node = _new(Scalar)
    node.data, node.grad, node.label, node.sym, node.op, node._a, node._b = value, 0.0, "", None, op, a, b
    return node


def _binary(op: Op, a: Any, b: Any) -> Scalar:
    # a constant is kept as _constant makes it (numpy's numbers as floats), for the closed forms
    x: Any
    y: Any
    if isinstance(a, Scalar):
        x = a.data
    else:
        x = a = _constant(a, op, (a, b))
    if isinstance(b, Scalar):
        y = b.data
    else:
        y = b = _constant(b, op, (a, b))
    if x is NotImplemented or y is NotImplemented:
        return NotImplemented  # Python then raises its TypeError naming both types
    try:
        value = op.forward(REAL, x, y)
    except (ArithmeticError, ValueError) as error:
        raise forward_error(op, (a, b), error) from None
    if not -_INF < value < _INF:
        raise forward_error(op, (a, b), None)
    node = _new(Scalar)  # built here rather than in a helper: one call less on the hottest path
    node.data, node.grad, node.label, node.sym, node.op, node._a, node._b = value, 0.0, "", None, op, a, b
    return node


def _unary(op: Op, a: Scalar) -> Scalar:
    try:
        value = op.forward(REAL, a.data)
    except (ArithmeticError, ValueError) as error:
        raise forward_error(op, (a,), error) from None
    if not -_INF < value < _INF:
        raise forward_error(op, (a,), None)
    node = _new(Scalar)
    node.data, node.grad, node.label, node.sym, node.op, node._a, node._b = value, 0.0, "", None, op, a, None
    return node


def apply(op: Op, *operands: Any) -> Scalar:
    """Apply any row of the table, as the operators and methods do (for generic code and tests).

    `op` is the row itself, never its name: no text selects code here (OPS[name] is the lookup)."""
    if not isinstance(op, Op):
        hint = f"; the row named {op!r} is OPS[{op!r}]" if isinstance(op, str) and op in OPS else ""
        raise TypeError(f"apply takes an Op, a row of the table (nanograd.OPS), not "
                        f"{type(op).__name__} {shown(op)[:80]}{hint}")
    if len(operands) != op.arity:
        raise TypeError(f"{op.name} takes {op.arity} operand(s), got {len(operands)}")
    if op.arity == 1:
        result = _unary(op, operands[0]) if isinstance(operands[0], Scalar) else NotImplemented
    else:
        result = _binary(op, *operands)
    if result is NotImplemented:
        raise TypeError(f"{op.name} needs Scalars or real numbers, got "
                        f"{', '.join(type(o).__name__ for o in operands)}")
    return result


def _method(op: Op):
    if op.arity == 1:
        def method(self: Scalar) -> Scalar:
            return _unary(op, self)
    else:
        def method(self: Scalar, other: Any) -> Scalar:  # type: ignore[misc]
            return apply(op, self, other)

    method.__name__ = op.name
    method.__qualname__ = f"Scalar.{op.name}"  # where pickle finds it (a model's activation)
    method.__doc__ = f"{op.name}(self{', other' * (op.arity - 1)}) as a new node of the graph " \
                     f"(domain: {op.domain})."
    return method


def _log(self: Scalar, base: Any = None) -> Scalar:
    """log(self) as a new node; with a base, log to that base (as math.log(x, base))."""
    return _unary(_LOG, self) if base is None else apply(_LOGB, self, base)


# Every row of the table that no operator reaches is a method, under its name and its aliases,
# so adding a row adds the method too.
_LOG, _LOGB = OPS["log"], OPS["logb"]
for _op in OPS.values():
    if _op not in (_ADD, _SUB, _MUL, _DIV, _POW):
        for _name in (_op.name, *_op.aliases):
            setattr(Scalar, _name, _log if _op is _LOG else _method(_op))
# Python's operators.
for _alias, _name in (("__neg__", "neg"), ("__abs__", "abs")):
    setattr(Scalar, _alias, getattr(Scalar, _name))
