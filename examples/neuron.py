#!/usr/bin/env python
"""One neuron, o = tanh(x1*w1 + x2*w2 + b), with its gradient by backprop and in closed form.

    python examples/neuron.py                        # pictures into ./neuron_out
    python examples/neuron.py --out /tmp/neuron

The values are micrograd's: the bias is chosen so that n = 0.8814 and o = tanh(n) = 0.7071,
where 1 - o**2 = 0.5. The picture shows each node's closed form and each edge's local
derivative, with the paths to w1 in colour; a second picture draws a small network of such
neurons as blocks.
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path

from nanograd import Scalar
from nanograd.drawing import draw_model, render
from nanograd.nn import MLP
from nanograd.symbolic import evaluate, grad_expr


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("neuron_out"),
                        help="folder for the pictures (made if missing)")
    args = parser.parse_args(argv)

    x1, x2 = Scalar(2.0, label="x1"), Scalar(0.0, label="x2")
    w1, w2 = Scalar(-3.0, label="w1"), Scalar(1.0, label="w2")
    b = Scalar(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b; n.label = "n"
    o = n.tanh(); o.label = "o"
    o.backward()

    print(f"o = {o.expr} = {o.data:.4f}")
    for leaf in (x1, w1, x2, w2, b):
        closed = grad_expr(o, wrt=leaf)
        print(f"d o/d {leaf.label:<2} = {str(closed):<34} = {evaluate(closed, o):+.4f}"
              f"   (backprop: {leaf.grad:+.4f})")

    args.out.mkdir(parents=True, exist_ok=True)
    random.seed(0)
    written = [render(o, args.out / "neuron.svg", show_expr=True, show_local=True, highlight=w1),
               render(draw_model(MLP(3, [4, 4, 1])), args.out / "mlp.svg")]
    for path in written:
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
