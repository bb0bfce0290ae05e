#!/usr/bin/env python
"""Compiled gradients (`nanograd.compile`) side by side with their peers, in one process; ratios.

    python benchmarks/bench_compile.py           # the full report: several minutes of CPU
    python benchmarks/bench_compile.py --quick   # a smoke run: smaller sizes, fewer steps

1. micrograd's demo step (bench_core.py's: 2-16-16-1 ReLU MLP, 100 points, hinge + L2, SGD),
   compiled once and replayed, against the same step in hand-written floats, micrograd and eager
   nanograd, interleaved; the compiled losses and gradients must equal eager nanograd's bit for
   bit at every step. And the time to trace, generate and compile that step.
2. examples/moons.py's training, 100 steps end to end, compiled (graph built and compiled once)
   against eager (built and backpropagated every step).
3. A 1,000,000-node graph (250,000 terms tanh(p * c + q) summed), in a child process so its peak
   memory is its own: build time, peak RSS, and replays against eager backward() alone (three
   of each, each as a loop runs it, then the two alternated: medians; and the first calls).
4. grad_function on a 200-sample loss (MLP(3, [4, 4, 1]), squared error): built on the compiler
   against the former way (lambdify with cse over grad_expr's closed forms), and one evaluation.
5. Eager nanograd: the demo step over 10,000 points against the step over 100 points, with the
   cyclic collector paused during the step (what nn.compile_step(eager=True) does) and without.
6. NumPy batch (`compile_batch`, if NumPy is installed): the demo loss as the graph of one
   sample (hinge + L2, averaged), run over arrays of 100 and of 10,000 points, against the
   hand-written floats step at the same size; gradients against eager nanograd's.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_core  # noqa: E402  (beside this file)
import common  # noqa: E402

import nanograd  # noqa: E402
from nanograd import Scalar, collector_paused  # noqa: E402
from nanograd import compile as compile_graph  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rows: list[tuple[str, str, str]] = []  # (measure, result, target)


def report(measure: str, result: str, target: str = "") -> None:
    rows.append((measure, result, target))
    print(f"  {measure}: {result}" + (f"   (target {target})" if target else ""), flush=True)


def demo_loss(model, params, xs, ys) -> Scalar:
    """bench_core's step as a graph: the loss autodiff_stepper builds."""
    inputs = [[Scalar(v) for v in row] for row in xs]
    scores = [model(x) for x in inputs]
    losses = [(1 + -yi * si).relu() for yi, si in zip(ys, scores)]
    return sum(losses) * (1.0 / len(ys)) + bench_core.ALPHA * sum(p * p for p in params)


def compiled_stepper(xs, ys):
    model = bench_core.MLP(Scalar)
    params = model.parameters()
    loss = demo_loss(model, params, xs, ys)
    t, _, f = common.timed(compile_graph, loss, params)

    def step(k: int) -> float:
        bench_core._zero_grad(params)
        value = f.backward()
        bench_core._sgd(params, bench_core.learning_rate(k))
        return value

    return step, t, len(nanograd.topological_order(loss))


def bench_step(steps: int, n_points: int, with_micrograd: bool) -> None:
    xs, ys = bench_core.make_moons(n_points)
    print(f"\n1. The demo step, {n_points} points, {steps} timed steps each, interleaved")
    compiled, t_compile, nodes = compiled_stepper(xs, ys)
    impls = {"compiled": compiled, "floats": bench_core.float_stepper(xs, ys),
             "eager nanograd": bench_core.autodiff_stepper(
                 bench_core.value_backend("nanograd", Scalar), xs, ys)}
    engine, _ = common.optional_import("micrograd.engine", not with_micrograd)
    if engine is not None:
        impls["micrograd"] = bench_core.autodiff_stepper(
            bench_core.value_backend("micrograd", engine.Value), xs, ys)
    times: dict[str, list[float]] = {name: [] for name in impls}
    losses: dict[str, list[float]] = {name: [] for name in impls}
    for k in range(steps + 1):
        for name, step in (impls.items() if k % 2 else reversed(impls.items())):
            common.collect()
            t, _, loss = common.timed(step, k)
            losses[name].append(loss)
            if k:  # step 0 warms up
                times[name].append(t)
    if losses["compiled"] != losses["eager nanograd"]:
        raise SystemExit("the compiled losses differ from eager nanograd's: timings would compare "
                         "different work")
    med = {name: statistics.median(ts) for name, ts in times.items()}
    report(f"trace + generate + compile ({nodes:,} nodes)", common.fmt_time(t_compile), "<= 1.0 s")
    report("compiled step: losses equal to eager nanograd's", f"bit for bit, {steps + 1} steps")
    report("compiled / hand-written floats", f"{med['compiled'] / med['floats']:.2f}x "
           f"({common.fmt_time(med['compiled'])} / {common.fmt_time(med['floats'])})", "<= 1.25x")
    report("eager nanograd / compiled", f"{med['eager nanograd'] / med['compiled']:.1f}x", ">= 25x")
    if "micrograd" in med:
        report("micrograd / compiled", f"{med['micrograd'] / med['compiled']:.1f}x", ">= 150x")


def bench_moons(steps: int) -> None:
    sys.path.insert(0, os.path.join(ROOT, "examples"))
    import moons

    print(f"\n2. examples/moons.py training, {steps} steps end to end (graph building included)")
    result = {}
    for eager in (True, False):
        X, y = moons.make_moons(100, noise=0.1, seed=1337)
        model = moons.MLP(2, [16, 16, 1], activation="relu", out_activation=None,
                          rng=random.Random(1337))
        devnull = open(os.devnull, "w")
        stdout, sys.stdout = sys.stdout, devnull
        try:
            common.collect()
            t, _, losses = common.timed(moons.train, model, X, y, steps, eager)
        finally:
            sys.stdout = stdout
            devnull.close()
        result[eager] = (t, losses)
    if result[True][1] != result[False][1]:
        raise SystemExit("moons: the compiled run's losses differ from the eager run's")
    report(f"moons, {steps} steps: eager / compiled", f"{result[True][0] / result[False][0]:.1f}x "
           f"({common.fmt_time(result[True][0])} / {common.fmt_time(result[False][0])}; "
           f"same losses)", ">= 5x")


def million(n_terms: int) -> None:
    """The child process of part 3: prints build seconds, peak RSS bytes, replay and backward."""
    rng = random.Random(0)
    params = [Scalar(rng.uniform(-1, 1)) for _ in range(100)]
    terms = []
    for k in range(n_terms):
        terms.append((params[k % 100] * rng.uniform(-1, 1) + params[(7 * k) % 100]).tanh())
    out = sum(terms[1:], terms[0])
    del terms
    nodes = len(nanograd.topological_order(out))
    t_build, _, f = common.timed(compile_graph, out, params)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    # Each as a loop runs it: three replays, then three backward() calls; then the two
    # alternated, three times (after backward() has given a gradient to all 1,000,000 nodes, a
    # replay finds memory less tidy than in a training loop, where nothing else runs).
    replays = [common.timed(f)[0] for _ in range(3)]
    backwards = [_backward_time(out, params) for _ in range(3)]
    alternated = [(common.timed(f)[0], _backward_time(out, params)) for _ in range(3)]
    value, grads = f()
    same = value == out.data and grads == [p.grad for p in params]
    print(nodes, t_build, peak, statistics.median(replays), statistics.median(backwards),
          statistics.median(b / r for r, b in alternated), replays[0], backwards[0], same,
          len(f.parts))


def _backward_time(out: Scalar, params: list[Scalar]) -> float:
    for p in params:
        p.grad = 0.0
    return common.timed(out.backward)[0]


def bench_million(n_terms: int) -> None:
    print(f"\n3. A graph of about {4 * n_terms:,} nodes, compiled in a child process")
    done = subprocess.run([sys.executable, __file__, "--million-child", str(n_terms)],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ROOT})
    if done.returncode:
        report("large graph", f"FAILED: {done.stderr.strip().splitlines()[-1]}")
        return
    nodes, t_build, peak, t_replay, t_backward, alternated, first_replay, first_backward, same, \
        parts = done.stdout.split()
    report(f"{int(nodes):,} nodes: compile", f"{float(t_build):.1f} s in {parts} parts",
           "<= 30 s")
    report("  peak memory (RSS, graph included)", f"{int(peak) / 2 ** 30:.2f} GB", "<= 1.5 GB")
    report("  eager backward() / replay", f"{float(t_backward) / float(t_replay):.1f}x "
           f"(medians of 3 each; first calls {float(first_backward) / float(first_replay):.1f}x; "
           f"alternated {float(alternated):.1f}x; bit-identical: {same})", ">= 8x")


def bench_grad_function(n_samples: int, old_way: bool) -> None:
    import sympy

    from nanograd.nn import MLP
    from nanograd.symbolic.algebra import MATH_MODULES
    from nanograd.symbolic.leaves import leaf_values

    print(f"\n4. grad_function on a {n_samples}-sample loss, MLP(3, [4, 4, 1])")
    rng = random.Random(0)
    random.seed(0)
    net = MLP(3, [4, 4, 1])
    params = net.parameters()
    for i, p in enumerate(params):
        p.label = f"p{i}"
    loss = sum((net([rng.uniform(-2, 2) for _ in range(3)]) - rng.choice([-1, 1])) ** 2
               for _ in range(n_samples))
    t_new, _, f = common.timed(nanograd.grad_function, loss, params)
    t_call_new, _, values = common.timed(f)
    loss.backward()
    report("grad_function built", common.fmt_time(t_new), "<= 0.5 s")
    worst = max(abs(v - p.grad) for v, p in zip(values, params))
    report("  evaluated", f"{common.fmt_time(t_call_new)}, differs from backward() by {worst:g}")
    if not old_way:
        return
    t_old, _, g = common.timed(lambda: sympy.lambdify(
        f.symbols, nanograd.grad_expr(loss, wrt=params), modules=MATH_MODULES, cse=True))
    args = [p.data for p in params]
    t_call_old, _, _ = common.timed(g, *args)

    def former_call() -> list[float]:
        """The former GradientFunction's call as a user made it, `f()`: the graph's leaf values
        read through leaf_values (a walk of the graph), then the lambdified code."""
        values = leaf_values(loss)
        return [float(v) for v in g(*[values[s] for s in f.symbols])]

    t_user_old, _, _ = common.timed(former_call)
    report("  former way (lambdify over closed forms) / now, build",
           f"{t_old / t_new:.0f}x ({common.fmt_time(t_old)})", ">= 40x")
    report("  former way / now, one evaluation `f()` as called",
           f"{t_user_old / t_call_new:.1f}x ({common.fmt_time(t_user_old)})", ">= 5x")
    report("  former lambdified code alone (values passed in) / now",
           f"{t_call_old / t_call_new:.1f}x", "")


def eager_step_time(n_points: int, paused: bool, repeats: int) -> float:
    xs, ys = bench_core.make_moons(n_points)
    step = bench_core.autodiff_stepper(bench_core.value_backend("nanograd", Scalar), xs, ys)
    times = []
    for k in range(repeats):
        common.collect()
        if paused:
            with collector_paused():
                t, _, _ = common.timed(step, k)
        else:
            t, _, _ = common.timed(step, k)
        times.append(t)
    return statistics.median(times)


def bench_eager(big: int) -> None:
    print(f"\n5. Eager nanograd: the demo step over {big:,} points against 100 points")
    for paused in (True, False):
        small = eager_step_time(100, paused, 5)
        large = eager_step_time(big, paused, 1)
        how = "collector paused during the step" if paused else "collector running (as before)"
        report(f"{how}: {big:,}-point / 100-point step", f"{large / small:.0f}x "
               f"({common.fmt_time(large)} / {common.fmt_time(small)}) for {big // 100}x the nodes",
               "<= 120x" if paused else "")


def bench_batch(sizes: list[int], repeats: int) -> None:
    np, _ = common.optional_import("numpy")
    if np is None:
        report("NumPy batch", "skipped: NumPy is not installed")
        return
    print(f"\n6. NumPy batch: the graph of one sample over arrays of {sizes} points")
    for n_points in sizes:
        xs, ys = bench_core.make_moons(n_points)
        model = bench_core.MLP(Scalar)
        params = model.parameters()
        x0, x1, y = Scalar(0.0, label="x0"), Scalar(0.0, label="x1"), Scalar(1.0, label="y")
        sample = (1 + -y * model([x0, x1])).relu() + bench_core.ALPHA * sum(p * p for p in params)
        f = nanograd.compile_batch(sample, params, [x0, x1, y], reduce="mean")
        columns = [np.array([x[0] for x in xs]), np.array([x[1] for x in xs]), np.array(ys, float)]
        _, grads = f(columns)
        loss = demo_loss(model, params, xs, ys)
        for p in params:
            p.grad = 0.0
        loss.backward()
        largest = max(abs(p.grad) for p in params)
        worst = max(abs(g - p.grad) for g, p in zip(grads, params)) / largest
        floats = bench_core.float_stepper(xs, ys)
        runs = {"batch": (f.backward, columns), "floats": (floats, 0)}
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(repeats):
            for name, (run, arg) in runs.items():
                common.collect()
                times[name].append(common.timed(run, arg)[0])
        ratio = statistics.median(times["floats"]) / statistics.median(times["batch"])
        report(f"{n_points:,} points: hand-written floats / NumPy batch",
               f"{ratio:.1f}x (gradients within {worst:.1e} of eager, relative to the largest)",
               ">= 2x" if n_points == 100 else ">= 20x" if n_points == 10_000 else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer steps")
    parser.add_argument("--no-micrograd", action="store_true")
    parser.add_argument("--million-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.million_child:
        million(args.million_child)
        return
    quick = args.quick
    print(f"nanograd compiled-gradient benchmark{' (--quick)' if quick else ''}: "
          f"{common.environment()}\n  nanograd: {common.source_revision(nanograd)}")
    bench_step(steps=3 if quick else 10, n_points=100, with_micrograd=not args.no_micrograd)
    bench_moons(steps=10 if quick else 100)
    bench_million(n_terms=25_000 if quick else 250_000)
    bench_grad_function(n_samples=200, old_way=not quick)
    bench_eager(big=1_000 if quick else 10_000)
    bench_batch([100, 1_000] if quick else [100, 10_000], repeats=3 if quick else 7)
    print("\nSummary\n" + common.table(["measure", "result", "target"], rows))


if __name__ == "__main__":
    main()
