"""`nanograd graph`, `nanograd explain` and `nanograd demo`: drawings and walkthroughs of a graph."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..core.scalar import Scalar
from ..core.walks import topological_order
from ..errors import InputError
from ..teaching.explanation import explain
from ..teaching.worked_example import worked_example
from .reading import check_wrt, graph_at, read_expression, read_point


def graph_command(args: argparse.Namespace) -> int:
    """Draw EXPR's graph at a point: every node's value, gradient and closed form."""
    from ..drawing import render  # graphviz: loaded by the commands that draw

    check_suffix("-o", args.output)
    expression = read_expression(args.expr, "EXPR", args)
    out, _ = graph_at(expression, read_point(args.at, expression, required=True))
    out.backward()
    render(out, args.output, show_expr=True, show_local=True)
    print(f"wrote {args.output}")
    return 0


def explain_command(args: argparse.Namespace) -> int:
    """Walk through the chain rule for d EXPR / d wrt at a point: every path, factor by factor."""
    expression = read_expression(args.expr, "EXPR", args)
    check_wrt(expression, [args.wrt])
    out, leaves = graph_at(expression, read_point(args.at, expression, required=True))
    print(explain(out, wrt=leaves[args.wrt]))
    return 0


def check_suffix(option: str, path: str) -> None:
    """Refuse, before any work, a drawing whose format its suffix does not name."""
    from ..drawing import SUFFIXES  # graphviz: loaded by the commands that draw

    if Path(path).suffix.lower() not in SUFFIXES:
        raise InputError(f"{option} {path}: the drawing's format comes from the suffix, one of "
                         f"{', '.join(SUFFIXES)}")


def demo_command(args: argparse.Namespace) -> int:
    """The worked example a to m: each node's gradient by backprop and in closed form, and its drawing."""
    from ..symbolic import evaluate, grad_expr  # sympy: loaded by the commands that need it

    check_suffix("--out", args.out)
    out = worked_example()
    out.backward()
    nodes = topological_order(out)
    closed = grad_expr(out, wrt=nodes)
    print("The worked example a through m, after m.backward().")
    print(f"m = {out.expr}\n")
    print(f"{'node':<5} {'op':<6} {'value':>12} {'dm/dnode (backprop)':>20} {'closed form, evaluated':>23}")
    for node, expr in zip(nodes, closed):
        op = node.op.name if node.op else "leaf"
        print(f"{node.label:<5} {op:<6} {node.data:>12.6f} {node.grad:>20.12f} {evaluate(expr, out):>23.12f}")
        print(f"      dm/d{node.label} = {expr}")
    print(f"\nThe drawing: {draw_or_dot(out, Path(args.out))}")
    return 0


def draw_or_dot(out: Scalar, path: Path) -> Path:
    """Render `out` to `path`; where that cannot be done yet, its Graphviz source beside it (.dot)."""
    import graphviz  # graphviz: loaded by the commands that draw

    from ..drawing import draw_dot, render  # graphviz: loaded on first use

    try:
        render(out, path)
        return path
    except graphviz.ExecutableNotFound:  # Graphviz's programs are not installed
        pass
    source = path.with_suffix(".dot")
    draw_dot(out).save(source)
    return source
