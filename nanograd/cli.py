"""The `nanograd` command line: derivatives of typed expressions, checks of hand-worked ones, drawings.

Exit status: 0 done (verify: the claim is right); 1 verify: the claim is wrong, or diff: backprop
and the closed form disagree (a bug in nanograd: please report it); 2 bad input or usage.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import NanogradError
from .examples import seed_example
from .graph import topological_order
from .parse import FUNCTIONS, LIMITS, Expression, ParseError, parse
from .scalar import Scalar
from .viz import draw_dot

if TYPE_CHECKING:
    import sympy

# sympy (and what needs it) is imported inside the commands: about a second, which input refused
# by the parser, `--help` and usage errors never pay.

EXPR_HELP = ("the expression, e.g. 'x**2*sin(y)': numbers, names, + - * / ** and parentheses, pi, e, "
             f"and the functions {' '.join(sorted(FUNCTIONS))}; - reads it from standard input. One "
             "that starts with '-' goes after the options and '--', or after a space: ' -x**2'")
AT_HELP = "the point, e.g. x=1.5,y=0.3 (values may be constant expressions such as pi/4)"
MINUS_NOTE = "A value that starts with '-' is written --claim=-2*x (with '=')."


class _BadInput(Exception):
    """Input that cannot be used, said in the user's terms; the command exits with status 2."""


def diff(args: argparse.Namespace) -> int:
    """The closed-form derivatives of EXPR and, with --at, their values computed two ways."""
    expression = _read(args.expr, "EXPR")
    wrt = args.wrt or list(expression.variables)
    _check_wrt(expression, wrt)
    at = _point(args.at, expression)
    out, leaves = _graph(expression, at)
    from .symbolic import evaluate, grad_expr

    derivatives = grad_expr(out, wrt=[leaves[name] for name in wrt], simplify=args.simplify)
    exprs = [out.expr, *derivatives]  # f, then its derivatives: evaluated, and by backprop
    if at is None:
        values = numerics = [None] * len(exprs)
    else:
        out.backward()
        values = [evaluate(e, out) for e in exprs]
        numerics = [out.data] + [leaves[name].grad for name in wrt]
    if args.format == "json":
        print(json.dumps({"expr": str(out.expr), "at": at, "value": values[0], "derivatives": [
            {"wrt": name, "expr": str(d), "latex": _latex(d), "value": value, "numeric": numeric}
            for name, d, value, numeric in zip(wrt, derivatives, values[1:], numerics[1:])]}, indent=2))
    else:
        f = _function(expression)
        lefts = [f] + [_derivative(f, name) for name in wrt]
        equations = [_equation(left, e) for left, e in zip(lefts, exprs)]
        if args.format == "latex":
            print("\n".join(map(_latex, equations)))
            if at is not None:
                point = ", ".join(f"{name}={value!r}" for name, value in at.items())
                print("\n" + "\n".join(rf"\left.{_latex(left)}\right|_{{{point}}} = {value!r}"
                                        for left, value in zip(lefts, values)))
        else:
            print("\n\n".join(map(_pretty, equations)))
            if at is not None:
                labels = [str(f.func)] + [f"d{f.func}/d{name}" for name in wrt]
                print("\n" + _table(at, labels, values, numerics))
    if at is not None and not all(map(_close, values, numerics)):
        print("nanograd diff: backprop and the closed form disagree; this is a bug in nanograd, "
              "please report it with the command above", file=sys.stderr)
        return 1
    return 0


def verify(args: argparse.Namespace) -> int:
    """Whether CLAIM is the derivative of EXPR: exit 0 if it is, 1 if not (with a point where they differ)."""
    expression = _read(args.expr, "EXPR")
    claim = _read(args.claim, "CLAIM")
    _check_wrt(expression, [args.wrt])
    unknown = sorted(set(claim.variables) - set(expression.variables))
    if unknown:
        raise _BadInput(f"CLAIM uses {', '.join(unknown)}, which EXPR does not "
                        f"(EXPR's variables: {', '.join(expression.variables)})")
    out, leaves = _graph(expression, _point(args.at, expression))
    from .verification import verify as check

    result = check(out, wrt=leaves[args.wrt], claim=claim.sympy())
    f = _function(expression)
    print(_pretty(_equation(_derivative(f, args.wrt), result.derivative)))
    print(_pretty(_equation("claim", result.claim)))
    print()
    print(_paint(str(result), result.ok))
    return 0 if result.ok else 1


def graph(args: argparse.Namespace) -> int:
    """Draw EXPR's graph at a point: every node's value, gradient and closed form."""
    from .rendering import SUFFIXES, render

    if Path(args.output).suffix.lower() not in SUFFIXES:
        raise _BadInput(f"-o {args.output}: the drawing's format comes from the suffix, one of "
                        f"{', '.join(SUFFIXES)}")
    expression = _read(args.expr, "EXPR")
    out, _ = _graph(expression, _point(args.at, expression, required=True))
    out.backward()
    render(out, args.output, show_expr=True, show_local=True)
    print(f"wrote {args.output}")
    return 0


def explain(args: argparse.Namespace) -> int:
    """Walk through the chain rule for d EXPR / d wrt at a point: every path, factor by factor."""
    from .explanation import explain as walkthrough

    expression = _read(args.expr, "EXPR")
    _check_wrt(expression, [args.wrt])
    out, leaves = _graph(expression, _point(args.at, expression, required=True))
    print(walkthrough(out, wrt=leaves[args.wrt]))
    return 0


def demo(args: argparse.Namespace) -> int:
    """Seed one's worked example: each node's gradient by backprop and in closed form, and its drawing."""
    from .symbolic import evaluate, grad_expr

    out = seed_example()
    out.backward()
    nodes = topological_order(out)
    closed = grad_expr(out, wrt=nodes)
    print("The first seed's worked example, a through m, after m.backward().")
    print(f"m = {out.expr}\n")
    print(f"{'node':<5} {'op':<6} {'value':>12} {'dm/dnode (backprop)':>20} {'closed form, evaluated':>23}")
    for node, expr in zip(nodes, closed):
        op = node.op.name if node.op else "leaf"
        print(f"{node.label:<5} {op:<6} {node.data:>12.6f} {node.grad:>20.12f} {evaluate(expr, out):>23.12f}")
        print(f"      dm/d{node.label} = {expr}")
    print(f"\nThe drawing: {_draw(out, Path(args.out))}")
    return 0


def _draw(out: Scalar, path: Path) -> Path:
    """Render `out` to `path`; where that cannot be done yet, its Graphviz source beside it (.dot)."""
    import graphviz

    from .rendering import render

    try:
        render(out, path)
        return path
    except graphviz.ExecutableNotFound:  # Graphviz's programs are not installed
        pass
    source = path.with_suffix(".dot")
    draw_dot(out).save(source)
    return source


# -- reading the input ---------------------------------------------------------------------------

def _read(text: str, what: str) -> Expression:
    if text == "-":  # read no more than the parser would accept, and one character to refuse
        text = sys.stdin.read(LIMITS.length + 1).strip()
    try:
        return parse(text)
    except ParseError as error:
        raise _BadInput(f"cannot read {what}, {error}") from None


def _check_wrt(expression: Expression, names: list[str]) -> None:
    for name in names:
        if name not in expression.variables:
            raise _BadInput(f"--wrt {name}: EXPR has no variable {name!r} "
                            f"(its variables: {', '.join(expression.variables) or 'none'})")


def _point(texts: list[str] | None, expression: Expression, required: bool = False) -> dict[str, float] | None:
    """The values given with --at (each a constant expression), checked against EXPR's variables."""
    if not texts:
        if required and expression.variables:
            example = ",".join(f"{name}=1.5" for name in expression.variables)
            raise _BadInput(f"give the point with --at, e.g. --at {example}")
        return None if expression.variables else {}
    texts_by_name: dict[str, str] = {}
    for item in ",".join(texts).split(","):
        name, equals, text = (part.strip() for part in item.partition("="))
        if not equals or not name:
            raise _BadInput(f"--at {item!r}: write name=value, as in --at x=1.5,y=0.3")
        texts_by_name[name] = text
    extra = sorted(set(texts_by_name) - set(expression.variables))
    missing = [name for name in expression.variables if name not in texts_by_name]
    if extra or missing:
        raise _BadInput(f"--at must give a value to each variable of EXPR ({', '.join(expression.variables)})"
                        + (f"; missing: {', '.join(missing)}" if missing else "")
                        + (f"; not in EXPR: {', '.join(extra)}" if extra else ""))
    return {name: _value(name, text) for name, text in texts_by_name.items()}


def _value(name: str, text: str) -> float:
    """A value given with --at: a number, or a constant expression such as pi/4."""
    value = _read(text, f"the value of {name} in --at")
    if value.variables:
        raise _BadInput(f"--at {name}={text}: a value is a number or a constant expression "
                        f"such as pi/4, without variables")
    try:
        return value.graph({})[0].data
    except NanogradError as error:
        raise _BadInput(f"--at {name}={text}: {error}") from None


def _graph(expression: Expression, at: dict[str, float] | None) -> tuple[Scalar, dict[str, Scalar]]:
    """EXPR as a graph at `at`; without a point, at the first sample point inside its domain.

    The closed forms depend only on the graph's shape, never on the leaf values it is built at.
    """
    if at is not None:
        return expression.graph(at)
    from .verification import ATTEMPTS, sample_points

    last = None
    for point in islice(sample_points(expression.variables), ATTEMPTS):
        try:
            return expression.graph(point)
        except NanogradError as error:
            last = error
    raise _BadInput(f"EXPR is undefined at each of {ATTEMPTS} random points; give one inside its "
                    f"domain with --at. At the last one:\n{last}")


# -- writing the output --------------------------------------------------------------------------

def _function(expression: Expression) -> sympy.Expr:
    """f(x, y): the name the output gives EXPR (F when one of its variables is called f)."""
    import sympy

    name = "F" if "f" in expression.variables else "f"
    return sympy.Function(name)(*(sympy.Symbol(v, real=True) for v in expression.variables))


def _derivative(f: sympy.Expr, name: str) -> sympy.Expr:
    import sympy

    return sympy.Derivative(f, sympy.Symbol(name, real=True))


def _equation(left: sympy.Expr | str, right: sympy.Expr) -> sympy.Expr:
    import sympy

    left = sympy.Symbol(left) if isinstance(left, str) else left
    return sympy.Eq(left, right, evaluate=False)


def _pretty(expr: sympy.Expr) -> str:
    import sympy

    return sympy.pretty(expr, use_unicode=_can_write("∂⋅─"))


def _latex(expr: sympy.Expr) -> str:
    import sympy

    return sympy.latex(expr)


def _table(at: dict[str, float], labels: list[str], values: list[float], numerics: list[float]) -> str:
    point = ", ".join(f"{name} = {value!r}" for name, value in at.items()) or "(no variables)"
    lines = [f"{'at ' + point:<28} {'closed form':>24} {'backprop':>24}"]
    for label, value, numeric in zip(labels, values, numerics):
        mark = _paint("agree", True) if _close(value, numeric) else _paint("DISAGREE", False)
        lines.append(f"{label:<28} {value!r:>24} {numeric!r:>24}  {mark}")
    return "\n".join(lines)


def _close(a: float, b: float) -> bool:
    from .verification import ABSOLUTE, RELATIVE

    return math.isclose(a, b, rel_tol=RELATIVE, abs_tol=ABSOLUTE)


def _can_write(text: str) -> bool:
    try:
        text.encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _paint(text: str, good: bool) -> str:
    """Green or red on a terminal; plain in a pipe or a file, or when NO_COLOR is set."""
    if not sys.stdout.isatty() or "NO_COLOR" in os.environ:
        return text
    return f"\033[{32 if good else 31}m{text}\033[0m"


# -- the parser of the command line --------------------------------------------------------------

def _subcommand(commands, name: str, run, examples: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=run.__doc__, description=run.__doc__, epilog="examples:\n" + examples,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(run=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="nanograd", description="Derivatives two ways: numeric backprop and closed forms.",
        epilog="exit status: 0 done (verify: right), 1 verify: wrong, 2 bad input or usage")
    commands = parser.add_subparsers(dest="command", required=True)

    p = _subcommand(commands, "diff", diff,
                    "  nanograd diff 'x**2*sin(y)' --wrt x --wrt y\n"
                    "  nanograd diff 'log(1 + exp(x))' --wrt x --at x=0.5 --format json\n"
                    "Without --at no values are printed; the closed forms do not depend on a point.")
    p.add_argument("expr", metavar="EXPR", help=EXPR_HELP)
    p.add_argument("--wrt", action="append", metavar="NAME",
                   help="a variable to differentiate by (repeat for more; default: every variable)")
    p.add_argument("--at", action="append", metavar="POINT", help=AT_HELP)
    p.add_argument("--simplify", action="store_true", help="simplify the derivatives with sympy")
    p.add_argument("--format", choices=("text", "latex", "json"), default="text",
                   help="text (pretty, the default), latex, or one JSON object")

    p = _subcommand(commands, "verify", verify,
                    "  nanograd verify 'x**2*sin(x)' --wrt x --claim '2*x*sin(x) + x**2*cos(x)'\n"
                    "  nanograd verify 'sin(x)**2' --wrt x --claim 'sin(2*x)/2'   (wrong: exit 1)\n"
                    + MINUS_NOTE)
    p.add_argument("expr", metavar="EXPR", help=EXPR_HELP)
    p.add_argument("--wrt", required=True, metavar="NAME", help="the variable the claim is the derivative by")
    p.add_argument("--claim", required=True, metavar="CLAIM", help="the derivative worked out by hand")
    p.add_argument("--at", action="append", metavar="POINT", help=AT_HELP + "; tested first")

    p = _subcommand(commands, "graph", graph,
                    "  nanograd graph 'tanh(w*x + b)' --at w=0.5,x=2,b=-1 -o neuron.svg")
    p.add_argument("expr", metavar="EXPR", help=EXPR_HELP)
    p.add_argument("--at", action="append", metavar="POINT", help=AT_HELP)
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="FILE.svg, FILE.png, or another suffix render knows (.pdf, .dot)")

    p = _subcommand(commands, "explain", explain,
                    "  nanograd explain 'sigmoid(w*x)' --wrt w --at w=0.5,x=2")
    p.add_argument("expr", metavar="EXPR", help=EXPR_HELP)
    p.add_argument("--wrt", required=True, metavar="NAME", help="the variable to differentiate by")
    p.add_argument("--at", action="append", metavar="POINT", help=AT_HELP)

    p = _subcommand(commands, "demo", demo, "  nanograd demo --out seed.svg")
    p.add_argument("--out", default="nanograd-demo.svg", metavar="PATH",
                   help="where to write the drawing (default: nanograd-demo.svg here)")

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (_BadInput, NanogradError) as error:
        print(f"nanograd {args.command}: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `nanograd demo | head` is not an error
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
