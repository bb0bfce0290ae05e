"""`nanograd stepper`: a web page that steps through forward evaluation and backprop of EXPR."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError
from .reading import graph_at, read_expression, read_point


def stepper_command(args: argparse.Namespace) -> int:
    """Write a self-contained web page that steps through EXPR's forward pass and backprop."""
    if Path(args.output).suffix.lower() not in (".html", ".htm"):
        raise InputError(f"-o {args.output}: the stepper is a web page; name it FILE.html")
    expression = read_expression(args.expr, "EXPR", args)
    out, _ = graph_at(expression, read_point(args.at, expression, required=True))
    from ..drawing import stepper  # graphviz: loaded by the commands that draw

    page = stepper(out)
    page.save(args.output)
    print(f"wrote {args.output}: {page.steps} frames (open it in a browser; it works offline)")
    return 0


def add_stepper(commands, subcommand, expr_help: str, at_help: str) -> None:
    """Register `nanograd stepper` on the command line's subcommands."""
    p = subcommand(commands, "stepper", stepper_command,
                   "  nanograd stepper 'tanh(w*x + b)' --at w=0.5,x=2,b=-1 -o neuron.html")
    p.add_argument("expr", metavar="EXPR", help=expr_help)
    p.add_argument("--at", action="append", metavar="POINT", help=at_help)
    p.add_argument("-o", "--output", required=True, metavar="FILE.html", help="the page to write")
