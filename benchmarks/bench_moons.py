#!/usr/bin/env python
"""micrograd's moons demo, one training step, with nanograd.nn against micrograd.nn; in one process.

    pip install ".[bench]"              # nanograd plus micrograd 0.1.0
    python benchmarks/bench_moons.py    # 100 points, 20 timed steps of each (a minute or two)
    python benchmarks/bench_moons.py --quick   # 20 points, 3 steps: a smoke run

Both sides train the demo's 2-16-16-1 ReLU network on the same 100 moons points (hinge loss plus
1e-4 L2, SGD with the demo's learning-rate schedule), from the same initial weights: nanograd's
are drawn and copied into micrograd's model. Each side is written the way its own library reads:
nanograd with `nanograd.nn.MLP`, `nanograd.losses` and `nanograd.optim.SGD`; micrograd as its demo
notebook does it. Their losses must agree step for step (the script stops if they do not, since
the times would then be of different work).

The steps alternate between the two, in an order reversed each step, so a slow spell of a shared
machine falls on both. Garbage is collected before each timed step and after it, outside the
timing: micrograd's closures make reference cycles, and collecting them inside the next timing
would charge one library for the other's garbage. What micrograd's cycles cost its own step (the
collector running while it builds) stays in its time, as it would in any script; nanograd's graph
has no cycles and is freed by reference counting as its step returns, inside its time.

It prints the median step of each, their ratio, and a verdict against the required 5x; it exits
0 whatever the verdict (it is a report, not a test).
"""
from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from typing import Callable

from nanograd.datasets import make_moons
from nanograd.losses import hinge_loss, l2_penalty
from nanograd.nn import MLP
from nanograd.optim import SGD

SIZES = [16, 16, 1]
ALPHA = 1e-4
SEED = 1337
REQUIRED = 5.0  # micrograd's step time / nanograd's
LOSS_RTOL = 1e-9


def learning_rate(k: int) -> float:
    return 1.0 - 0.9 * k / 100  # the demo's schedule


def nanograd_stepper(model: MLP, X, y) -> Callable[[int], float]:
    params = model.parameters()
    optimizer = SGD(params, lr=learning_rate(0))

    def step(k: int) -> float:
        scores = [model(x) for x in X]
        loss = hinge_loss(scores, y) + l2_penalty(params, ALPHA)
        optimizer.zero_grad()
        loss.backward()
        optimizer.lr = learning_rate(k)
        optimizer.step()
        return loss.data

    return step


def micrograd_stepper(model, X, y) -> Callable[[int], float]:
    from micrograd.engine import Value

    def step(k: int) -> float:  # the demo notebook's loss() and update, as it writes them
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum((p * p for p in model.parameters()))
        total_loss = data_loss + reg_loss
        model.zero_grad()
        total_loss.backward()
        for p in model.parameters():
            p.data -= learning_rate(k) * p.grad
        return total_loss.data

    return step


def run(steppers: dict[str, Callable[[int], float]], steps: int) -> tuple[dict, dict]:
    """Times and losses of each stepper, the steps interleaved, garbage collected untimed."""
    times = {name: [] for name in steppers}
    losses = {name: [] for name in steppers}
    names = list(steppers)
    for k in range(steps):
        for name in (names if k % 2 == 0 else names[::-1]):
            gc.collect()
            start = time.perf_counter()
            loss = steppers[name](k)
            times[name].append(time.perf_counter() - start)
            losses[name].append(loss)
            gc.collect()
    return times, losses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20 points and 3 steps: a smoke run")
    parser.add_argument("--steps", type=int, help="timed steps of each (default 20, quick 3)")
    args = parser.parse_args(argv)
    steps = args.steps or (3 if args.quick else 20)
    n_points = 20 if args.quick else 100

    try:
        import micrograd.nn
    except ImportError as error:
        print(f"micrograd is not installed ({error}); pip install \".[bench]\" to compare")
        return 0

    X, y = make_moons(n_points, noise=0.1, seed=SEED)
    ours = MLP(2, SIZES, activation="relu", out_activation=None, rng=random.Random(SEED))
    theirs = micrograd.nn.MLP(2, SIZES)
    for mine, other in zip(ours.parameters(), theirs.parameters(), strict=True):
        other.data = mine.data
    steppers = {"nanograd": nanograd_stepper(ours, X, y),
                "micrograd": micrograd_stepper(theirs, X, y)}

    print(f"moons training step: MLP 2-{'-'.join(map(str, SIZES))} (ReLU), {n_points} points, "
          f"hinge + {ALPHA:g} L2, SGD; {steps} steps of each, interleaved"
          f"{' (--quick)' if args.quick else ''}")
    print(f"  Python {sys.version.split()[0]}")
    gc.collect()
    gc.freeze()  # what is alive now (modules, models) is not the steps' garbage: keep it out of sight
    try:
        times, losses = run(steppers, steps)
    finally:
        gc.unfreeze()

    worst = max(abs(a - b) / abs(b) for a, b in zip(losses["nanograd"], losses["micrograd"]))
    if worst > LOSS_RTOL:
        for k, (a, b) in enumerate(zip(losses["nanograd"], losses["micrograd"])):
            print(f"  step {k}: nanograd {a!r}, micrograd {b!r}")
        raise SystemExit(f"the losses disagree (relative difference {worst:.2g} > {LOSS_RTOL:g})")
    print(f"  losses agree at every step (largest relative difference {worst:.1g}); "
          f"loss {losses['nanograd'][0]:.6f} -> {losses['nanograd'][-1]:.6f}")

    med = {name: statistics.median(t) for name, t in times.items()}
    best = {name: min(t) for name, t in times.items()}
    print(f"  {'':10}  {'median step':>11}  {'fastest':>9}  {'slowest':>9}")
    for name in steppers:
        print(f"  {name:10}  {med[name] * 1e3:8.1f} ms  {best[name] * 1e3:6.1f} ms  "
              f"{max(times[name]) * 1e3:6.1f} ms")
    ratio = med["micrograd"] / med["nanograd"]
    if args.quick:
        verdict = f"not judged (--quick: {n_points} points)"
    else:
        verdict = "PASS" if ratio >= REQUIRED else "FAIL"
    print(f"  micrograd / nanograd: {ratio:.2f}x median ({med['micrograd'] * 1e3:.1f} ms / "
          f"{med['nanograd'] * 1e3:.1f} ms), {best['micrograd'] / best['nanograd']:.2f}x fastest; "
          f"required >= {REQUIRED:g}x: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
