"""`nanograd trace`: the evaluation trace of an expression at a point, as the textbooks print it."""
from __future__ import annotations

import argparse
from typing import Any, Callable

from ..calculus.parse import Expression
from ..teaching.trace import trace
from .reading import check_wrt, graph_at, read_expression, read_point, read_value

FORMATS = ("text", "markdown", "latex", "html")


def trace_command(args: argparse.Namespace) -> int:
    """The evaluation trace of EXPR at a point: each elementary assignment and its value; with
    --wrt also the forward tangents, the adjoints and the reverse trace."""
    expression = read_expression(args.expr, "EXPR", args)
    at = read_point(args.at, expression, required=True) or {}
    direction = read_direction(args.wrt or [], expression)
    out, leaves = graph_at(expression, at)
    shown = trace(out, inputs=[leaves[name] for name in at],
                  wrt={leaves[name]: dx for name, dx in direction.items()} if direction else None)
    views = {"text": shown.to_text, "markdown": shown.to_markdown, "latex": shown.to_latex,
             "html": shown.to_html}
    print(views[args.format](max_rows=args.max_rows, decimals=args.decimals))
    return 0


def read_direction(texts: list[str], expression: Expression) -> dict[str, float]:
    """--wrt x1 (the direction 1 along x1) or --wrt x1=0.5,x2=1 (a direction), repeatable."""
    direction: dict[str, float] = {}
    for item in ",".join(texts).split(",") if texts else []:
        name, equals, value = (part.strip() for part in item.partition("="))
        check_wrt(expression, [name])
        direction[name] = read_value(name, value) if equals else 1.0
    return direction


def bounded(low: int, high: int):
    """An argparse type: a whole number from `low` to `high`."""
    def whole(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{number} is not from {low} to {high}")
        return number

    return whole


def add_trace(commands: Any, subcommand: Callable[..., argparse.ArgumentParser],
             expr_help: str, at_help: str) -> None:
    """Add `trace` to the command line's subcommands (`subcommand` makes one, as for the others)."""
    p = subcommand(commands, "trace", trace_command,
                   "  nanograd trace 'ln(x1) + x1*x2 - sin(x2)' --at x1=2,x2=5 --wrt x1\n"
                   "  nanograd trace 'tanh(w*x + b)' --at w=0.5,x=2,b=-1 --wrt w=1,b=1 --format markdown")
    p.add_argument("expr", metavar="EXPR", help=expr_help)
    p.add_argument("--at", action="append", metavar="POINT", help=at_help + "; the inputs in this order")
    p.add_argument("--wrt", action="append", metavar="NAME[=DX]",
                   help="the direction: a variable (tangent 1), or name=value pairs; adds the "
                        "tangents, the adjoints and the reverse trace")
    p.add_argument("--format", choices=FORMATS, default="text", help="text (the default), markdown, "
                   "latex or html")
    p.add_argument("--max-rows", type=bounded(2, 1_000_000), default=40, metavar="N",
                   help="rows of each table shown before the middle is elided (default 40)")
    p.add_argument("--decimals", type=bounded(0, 17), default=3, metavar="D",
                   help="decimals of the numbers (default 3, as the survey prints)")
