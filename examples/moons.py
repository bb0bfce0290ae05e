#!/usr/bin/env python
"""micrograd's demo on nanograd: a 2-16-16-1 ReLU network learns to separate the two moons.

    python examples/moons.py                          # the demo: 100 points, 100 steps
    python examples/moons.py --steps 3 --out /tmp/m   # a short run
    python examples/moons.py --eager                  # without compiling the training step

As in micrograd's demo notebook: hinge loss plus 1e-4 L2 on all 100 points at every step, and
SGD with the learning rate falling linearly from 1.0 to 0.1 over the run; it ends at 100%
training accuracy. The training step is compiled once (nanograd.nn.compile_step) and replayed
as straight-line code; --eager builds the graph at every step instead, with the same results.
With matplotlib (pip install "nanograd[examples]") it saves the loss curve and the decision
boundary as PNGs into the --out folder; without it, it says so and only trains.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from nanograd import Scalar
from nanograd.datasets import make_moons
from nanograd.losses import hinge_loss, l2_penalty
from nanograd.nn import MLP, compile_step
from nanograd.optim import SGD

ALPHA = 1e-4


def accuracy(scores: list[float], labels: list[int]) -> float:
    """The share of points on the right side of the boundary (score > 0 means +1)."""
    return sum((s > 0) == (t > 0) for s, t in zip(scores, labels)) / len(labels)


def progress_bar(done: int, total: int, text: str, width: int = 30) -> str:
    filled = round(width * done / total)
    return f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {text}"


def train(model: MLP, X: list[list[float]], y: list[int], steps: int,
          eager: bool = False) -> list[float]:
    """Full-batch training, the demo's loop; returns the loss at each step.

    The step is compiled once (`compile_step`): the graph of the loss over all the points is
    built and traced at the first step and replayed as generated code after that, with the
    gradients `loss.backward()` gives, bit for bit. `eager=True` builds and backpropagates the
    graph at every step instead.
    """
    params = model.parameters()
    optimizer = SGD(params, lr=1.0)

    def loss_and_scores() -> tuple[Scalar, list[Scalar]]:
        scores = [model(x) for x in X]
        return hinge_loss(scores, y) + l2_penalty(params, ALPHA), scores

    step = compile_step(loss_and_scores, params, eager=eager)
    losses = []
    for k in range(steps):
        optimizer.zero_grad()
        loss = step()  # fills p.grad, as loss.backward() would
        optimizer.lr = 1.0 - 0.9 * k / steps
        optimizer.step()
        losses.append(loss)
        bar = progress_bar(k + 1, steps, f"loss {loss:.4f}, accuracy {accuracy(step.values, y):.0%}")
        print(bar, end="", flush=True)
    print()
    return losses


def save_plots(model: MLP, X: list[list[float]], y: list[int], losses: list[float],
               out: Path) -> list[Path]:
    """The loss curve and the decision boundary, as PNGs in `out`; matplotlib must be installed."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no window, no display needed
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(range(1, len(losses) + 1), losses)
    ax.set(xlabel="step", ylabel="loss (hinge + L2)", title="Training loss")
    fig.tight_layout()
    fig.savefig(out / "loss.png", dpi=100)
    plt.close(fig)

    n = 60
    (x0, x1), (y0, y1) = ((min(c) - 1.0, max(c) + 1.0) for c in zip(*X))
    xs = [x0 + (x1 - x0) * i / (n - 1) for i in range(n)]
    ys = [y0 + (y1 - y0) * j / (n - 1) for j in range(n)]
    scores = [[model([a, b]).data for a in xs] for b in ys]
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.contourf(xs, ys, scores, levels=[-1e9, 0.0, 1e9], colors=["#f4b6b6", "#b6c8f4"])
    ax.contour(xs, ys, scores, levels=[0.0], colors="black", linewidths=1)
    for label, colour in ((-1, "#c0392b"), (1, "#2e4a9e")):
        points = [x for x, t in zip(X, y) if t == label]
        ax.scatter([p[0] for p in points], [p[1] for p in points], c=colour, s=18,
                   edgecolors="white", linewidths=0.5, label=f"y = {label:+d}")
    ax.set(title="Decision boundary (score = 0)", xlim=(x0, x1), ylim=(y0, y1))
    ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(out / "boundary.png", dpi=100)
    plt.close(fig)
    return [out / "loss.png", out / "boundary.png"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100, help="training steps (default 100)")
    parser.add_argument("--points", type=int, default=100, help="moons points (default 100)")
    parser.add_argument("--seed", type=int, default=1337, help="for the data and the weights")
    parser.add_argument("--eager", action="store_true",
                        help="build and backpropagate the graph at every step instead of "
                             "compiling the step once")
    parser.add_argument("--out", type=Path, default=Path("moons_out"),
                        help="folder for the PNGs, created if needed (default ./moons_out)")
    args = parser.parse_args(argv)
    if args.steps < 1:
        parser.error(f"--steps must be at least 1, got {args.steps}")

    X, y = make_moons(args.points, noise=0.1, seed=args.seed)
    model = MLP(2, [16, 16, 1], activation="relu", out_activation=None,
                rng=random.Random(args.seed))
    print(f"{model}: {len(model.parameters())} parameters, {len(y)} points, {args.steps} steps")
    start = time.perf_counter()
    losses = train(model, X, y, args.steps, eager=args.eager)
    seconds = time.perf_counter() - start
    final = accuracy([model(x).data for x in X], y)
    print(f"time per step: {seconds / args.steps * 1e3:.0f} ms ({args.steps} steps in "
          f"{seconds:.1f} s)")
    print(f"last step's loss {losses[-1]:.4f}; after training, training accuracy {final:.1%}")

    try:
        import matplotlib  # noqa: F401 (only asking whether it is there)
    except ImportError:
        print('matplotlib is not installed, so no plots were saved '
              '(pip install "nanograd[examples]" to get them)')
        return 0
    for path in save_plots(model, X, y, losses, args.out):
        print(f"saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
