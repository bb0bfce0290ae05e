"""The `nanograd` command line."""
from __future__ import annotations

import argparse
import sys

from .examples import seed_example
from .graph import topological_order


def demo(args: argparse.Namespace) -> int:
    """Seed one's worked example: every node's value and gradient after backprop."""
    out = seed_example()
    out.backward()
    print("The first seed's example, a through m, after m.backward():\n")
    print(f"{'node':<5} {'op':<6} {'value':>14} {'d m / d node':>16}")
    for node in topological_order(out):
        op = node.op.name if node.op else "leaf"
        print(f"{node.label:<5} {op:<6} {node.data:>14.6f} {node.grad:>16.8f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="nanograd", description="Derivatives two ways: numeric backprop and closed forms.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="run the first seed's worked example",
                        description=demo.__doc__).set_defaults(run=demo)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
