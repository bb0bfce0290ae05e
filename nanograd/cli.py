"""The `nanograd` command line."""
from __future__ import annotations

import argparse
import sys

from .examples import seed_example
from .graph import topological_order


def demo(args: argparse.Namespace) -> int:
    """Seed one's worked example: each node's gradient by backprop and in closed form."""
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
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="nanograd", description="Derivatives two ways: numeric backprop and closed forms.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="run the first seed's worked example",
                        description=demo.__doc__).set_defaults(run=demo)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except BrokenPipeError:  # `nanograd demo | head` is not an error
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
