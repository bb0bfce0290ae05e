"""`nanograd steps`: a derivative worked out as a textbook does, rule by rule."""
from __future__ import annotations

import argparse
from typing import Callable

from .reading import check_wrt, graph_at, read_expression, read_point

FORMATS = ("text", "markdown", "latex", "json")


def steps_command(args: argparse.Namespace) -> int:
    """d EXPR / d WRT step by step, from the outermost rule inwards, each step naming its rule."""
    expression = read_expression(args.expr, "EXPR", args)
    check_wrt(expression, [args.wrt])
    out, leaves = graph_at(expression, read_point(args.at, expression))
    from ..calculus.steps import steps  # sympy: loaded on first use

    print(derivation_text(steps(out, wrt=leaves[args.wrt]), args.format))
    return 0


def derivation_text(derivation, fmt: str) -> str:
    """A Derivation in one of FORMATS."""
    if fmt == "json":
        return derivation.json()
    if fmt == "latex":
        return derivation.latex()
    return derivation.markdown() if fmt == "markdown" else str(derivation)


def add_steps(commands, subcommand: Callable, expr_help: str, at_help: str) -> None:
    """The `steps` subcommand and its options."""
    p = subcommand(commands, "steps", steps_command,
                   "  nanograd steps 'x**2*sin(x)' --wrt x\n"
                   "  nanograd steps 'log(1 + exp(x))' --wrt x --format latex")
    p.add_argument("expr", metavar="EXPR", help=expr_help)
    p.add_argument("--wrt", required=True, metavar="NAME", help="the variable to differentiate by")
    p.add_argument("--at", action="append", metavar="POINT", help=at_help)
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="text (the default), markdown, latex (an align* environment) or json")
