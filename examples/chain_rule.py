#!/usr/bin/env python
"""The chain rule on the earlier pure-Python nanograd's worked example, a through m: drawn and explained.

    python examples/chain_rule.py                # pictures into ./chain_rule_out
    python examples/chain_rule.py --out /tmp/cr

It prints how d m / d a comes out of the local derivatives along the path from m back to a,
and writes three pictures: the plain graph (label | data | grad), the graph with every node's
closed form and every edge's local derivative with the path to a in colour, and the same for b.
The explanation is also saved as Markdown (it renders with its formulas on GitHub and Jupyter).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from nanograd.core import topological_order
from nanograd.drawing import render
from nanograd.teaching import explain, worked_example


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("chain_rule_out"),
                        help="folder for the pictures (made if missing)")
    args = parser.parse_args(argv)

    m = worked_example()
    m.backward()
    nodes = {node.label: node for node in topological_order(m)}
    explanation = explain(m, wrt=nodes["a"])
    print(explanation)
    print(f"\nbackward() gave a.grad = {nodes['a'].grad:.6g}; the closed form is")
    print(f"d m/d a = {explanation.expr}\n")

    args.out.mkdir(parents=True, exist_ok=True)
    written = [
        render(m, args.out / "chain_rule.svg"),
        render(m, args.out / "chain_rule_a.svg", show_expr=True, show_local=True,
               highlight=nodes["a"]),
        render(m, args.out / "chain_rule_b.png", show_expr=True, show_local=True,
               highlight=nodes["b"], rankdir="TB"),
    ]
    markdown = args.out / "chain_rule.md"
    markdown.write_text(explanation.markdown() + "\n", encoding="utf-8")
    for path in [*written, markdown]:
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
