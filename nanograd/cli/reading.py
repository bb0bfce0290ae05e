"""Reading the command line's input: expressions, the variables to differentiate by, the point,
values that start with '-', and the notation `--help` shows."""
from __future__ import annotations

import argparse
import sys
from itertools import islice

from ..calculus.parse import FUNCTIONS, LIMITS, Expression, names_in, parse
from ..core.scalar import Scalar
from ..errors import InputError, NanogradError, ParseError

NOTATION = f"""notation (what you type -> how nanograd reads it):
  x^2, x**2, x²          powers;  e^x, e^(2x), e**x -> exp(x), exp(2*x)
  2x, 3sin(x), x y, 2pi x, (x+1)(x-1), x(x+1)      products side by side
  sin x, ln x, sqrt x, sin 2x -> sin(2*x)          functions without parentheses
  sin^2(x), sin^2 x -> sin(x)^2;  sin^-1(x) -> asin(x), the inverse (the textbook convention)
  |x - 1/2|, ||x| - 1| -> abs(...);  log_2(x), log_{{b}}(x), log(x, b) -> log to a base
  ln(x) and log(x) are the natural logarithm (as in Python, SymPy, WolframAlpha)
  xy -> x*y, sinx -> sin(x) when x and y are variables (of EXPR, the claim, --wrt or --at);
    theta, x1, w_0 stay names; each split is said ("read xy as x*y")
  × · ÷ − ² ³ √ π, and LaTeX (a backslash, or --latex): \\frac{{a}}{{b}}, \\sqrt{{x}}, \\sqrt[3]{{x}},
    x^{{2}}, \\sin, \\ln, \\log_{{2}}, e^{{x}}, \\left( \\right), \\cdot, \\times, \\pi, \\lvert x \\rvert
  1/2x is x/2, and -x^2 is -(x^2), as in WolframAlpha and Python
functions: {', '.join(sorted(FUNCTIONS))}; constants: pi, e
A value may start with '-': --claim -5/x^2, nanograd diff -6sin(x) --wrt x."""

# The options whose value may be an expression or a name, so a '-' after them starts a value.
VALUE_OPTIONS = frozenset({"--claim", "--at", "--wrt", "--format", "-o", "--output", "--out", "--timeout",
                           "--max-rows", "--decimals", "--jobs"})


def dash_values(argv: list[str]) -> list[str]:
    """argv with values that start with '-' written so argparse takes them as values: `--claim
    -5/x**2` as `--claim=-5/x**2`, and an EXPR such as `-6*sin(x)` after a final `--`.

    argparse reads any word that starts with '-' as an option; a word that is no option of
    nanograd's and reads as math is a value.
    """
    out: list[str] = []
    expressions: list[str] = []
    for i, word in enumerate(argv):
        if word == "--":  # what follows is positional already
            return out + argv[i:] + expressions
        before = out[-1] if out else ""
        if word.startswith("-") and not word.startswith("--") and len(word) > 1 and _reads(word):
            if before in VALUE_OPTIONS:
                out[-1] = f"{before}={word}"
            else:
                expressions.append(word)
            continue
        out.append(word)
    return out + ["--", *expressions] if expressions else out


def _reads(word: str) -> bool:
    if word in ("-h", "-o"):
        return False
    try:
        parse(word)
    except (ParseError, ValueError):
        return False
    return True


def read_expression(text: str, what: str, args: argparse.Namespace | None = None) -> Expression:
    """EXPR or CLAIM, read in the notation of NOTATION; a name it split is said on stderr."""
    if text == "-":  # read no more than the parser would accept, and one character to refuse
        if sys.stdin is None:
            raise InputError(f"cannot read {what} from standard input: it is closed")
        try:
            text = sys.stdin.read(LIMITS.length + 1).strip()
        except (OSError, ValueError, UnicodeDecodeError) as error:
            raise InputError(f"cannot read {what} from standard input: {error}") from None
    try:
        expression = parse(text, variables=known_names(args, text),
                           latex=True if getattr(args, "latex", False) else None)
    except ParseError as error:
        raise InputError(f"cannot read {what}, {error}") from None
    for name, reading in expression.splits:
        print(f"nanograd: read {name} as {reading} in {what}", file=sys.stderr)
    return expression


def known_names(args: argparse.Namespace | None, text: str) -> set[str]:
    """The variables named elsewhere on the command line: --wrt (trace's x=0.5 too), --at, and the
    other of EXPR and CLAIM."""
    if args is None:
        return set()
    wrt = getattr(args, "wrt", None) or []
    given = ([wrt] if isinstance(wrt, str) else wrt) + (getattr(args, "at", None) or [])
    names = {item.partition("=")[0].strip() for item in ",".join(given).split(",")}  # x, x=1, x=1,y=2
    for other in (getattr(args, "expr", None), getattr(args, "claim", None)):
        if other is not None and other != text and other != "-":
            names |= names_in(other)
    return names - {""}


def check_wrt(expression: Expression, names: list[str]) -> None:
    for name in names:
        if name not in expression.variables:
            joined = [v for v in expression.variables if name in v and v != name]
            hint = f"; {joined[0]} is one name: write a product as {name}*..." if joined else ""
            raise InputError(f"--wrt {name}: EXPR has no variable {name!r} "
                            f"(its variables: {', '.join(expression.variables) or 'none'}){hint}")


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
