#!/usr/bin/env python
"""Backprop by hand, one node at a time, on the earlier PyTorch-style nanograd's graph
out = (a*b + c) * (k + b).

    python examples/manual_backprop.py               # frames into ./manual_backprop_out
    python examples/manual_backprop.py --out /tmp/mb

Each step takes one node, from the output back, and passes its gradient on to its inputs:
input.grad += node.grad * (local derivative). b feeds two operations, so it receives two
contributions, and its gradient is their sum. A frame per step is drawn, the current node marked.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from nanograd import Scalar
from nanograd.drawing import render_steps
from nanograd.teaching import backward_steps


def sum_product() -> dict[str, Scalar]:
    a, b, c, k = (Scalar(v, label=n) for n, v in zip("abck", (5.0, 2.0, 3.0, 2.0)))
    d = a * b; d.label = "d"
    e = d + c; e.label = "e"
    f = k + b; f.label = "f"
    out = e * f; out.label = "out"
    return {"a": a, "b": b, "c": c, "k": k, "d": d, "e": e, "f": f, "out": out}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("manual_backprop_out"),
                        help="folder for the frames (made if missing)")
    args = parser.parse_args(argv)

    nodes = sum_product()
    for step in backward_steps(nodes["out"]):
        print(step)
    by_hand = {name: node.grad for name, node in nodes.items()}

    check = sum_product()
    check["out"].backward()
    same = all(check[name].grad == grad for name, grad in by_hand.items())
    print("\ngradients:", ", ".join(f"{name} {grad:g}" for name, grad in by_hand.items()))
    print(f"the same as backward() gives: {'yes' if same else 'NO'}")

    frames = render_steps(sum_product()["out"], args.out, show_local=True)
    print(f"wrote {len(frames)} frames: {frames[0]} ... {frames[-1]}")


if __name__ == "__main__":
    main()
