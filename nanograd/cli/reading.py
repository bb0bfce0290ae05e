"""Reading the command line's input: expressions, the variables to differentiate by, the point."""
from __future__ import annotations

import sys
from itertools import islice

from ..calculus.parse import LIMITS, Expression, parse
from ..core.scalar import Scalar
from ..errors import InputError, NanogradError, ParseError


def read_expression(text: str, what: str) -> Expression:
    if text == "-":  # read no more than the parser would accept, and one character to refuse
        if sys.stdin is None:
            raise InputError(f"cannot read {what} from standard input: it is closed")
        try:
            text = sys.stdin.read(LIMITS.length + 1).strip()
        except (OSError, ValueError, UnicodeDecodeError) as error:
            raise InputError(f"cannot read {what} from standard input: {error}") from None
    try:
        return parse(text)
    except ParseError as error:
        raise InputError(f"cannot read {what}, {error}") from None


def check_wrt(expression: Expression, names: list[str]) -> None:
    for name in names:
        if name not in expression.variables:
            raise InputError(f"--wrt {name}: EXPR has no variable {name!r} "
                            f"(its variables: {', '.join(expression.variables) or 'none'})")


def read_point(texts: list[str] | None, expression: Expression,
               required: bool = False) -> dict[str, float] | None:
    """The values given with --at (each a constant expression), checked against EXPR's variables."""
    if not texts:
        if required and expression.variables:
            example = ",".join(f"{name}=1.5" for name in expression.variables)
            raise InputError(f"give the point with --at, e.g. --at {example}")
        return None if expression.variables else {}
    texts_by_name: dict[str, str] = {}
    for item in ",".join(texts).split(","):
        name, equals, text = (part.strip() for part in item.partition("="))
        if not equals or not name:
            raise InputError(f"--at {item!r}: write name=value, as in --at x=1.5,y=0.3")
        texts_by_name[name] = text
    extra = sorted(set(texts_by_name) - set(expression.variables))
    missing = [name for name in expression.variables if name not in texts_by_name]
    if extra or missing:
        raise InputError("--at must give a value to each variable of EXPR "
                         f"({', '.join(expression.variables)})"
                        + (f"; missing: {', '.join(missing)}" if missing else "")
                        + (f"; not in EXPR: {', '.join(extra)}" if extra else ""))
    return {name: read_value(name, text) for name, text in texts_by_name.items()}


def read_value(name: str, text: str) -> float:
    """A value given with --at: a number, or a constant expression such as pi/4."""
    value = read_expression(text, f"the value of {name} in --at")
    if value.variables:
        raise InputError(f"--at {name}={text}: a value is a number or a constant expression "
                        f"such as pi/4, without variables")
    try:
        return value.graph({})[0].data
    except NanogradError as error:
        raise InputError(f"--at {name}={text}: {error}") from None


def graph_at(expression: Expression, at: dict[str, float] | None) -> tuple[Scalar, dict[str, Scalar]]:
    """EXPR as a graph at `at`; without a point, at the first sample point inside its domain.

    The closed forms depend only on the graph's shape, never on the leaf values it is built at.
    """
    if at is not None:
        return expression.graph(at)
    from ..calculus.verification import ATTEMPTS, sample_points  # sympy: loaded on first use

    last = None
    for point in islice(sample_points(expression.variables), ATTEMPTS):
        try:
            return expression.graph(point)
        except NanogradError as error:
            last = error
    raise InputError(f"EXPR is undefined at each of {ATTEMPTS} random points; give one inside its "
                    f"domain with --at. At the last one:\n{last}")
