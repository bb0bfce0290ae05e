"""Symbolic backprop against sympy.diff, side by side in one process; prints ratios.

    python benchmarks/bench_symbolic.py [--quick]

1. All 41 parameter gradients of the pure-Python nanograd's MLP(3, [4, 4, 1]) squared-error loss on its first
   4 samples, parameters as symbolic leaves: one grad_expr(loss, wrt=params) call against
   sympy.diff(loss.expr, p) for each parameter; and the same grad_expr over symengine (the
   `symengine` extra; its results converted back to sympy). Both sides first warm up on a smaller network
   (sympy initialises parts of itself on first use); sympy's cache is cleared before each timed
   side; the median over rounds is quoted. Also the size of both results (sympy.count_ops after
   cse) and evaluating all 41 at once with a cse'd lambdify.
2. grad_expr on a 2,500-operation chain (iterative: no RecursionError).
3. The numeric training step of bench_core.py before and after `import nanograd.symbolic`
   (which imports sympy): numeric work must not pay for the symbolic half. This runs first,
   while sympy is not yet imported.
"""
from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time

from bench_core import autodiff_stepper, make_moons, value_backend
from common import cpu

from nanograd import Scalar
from nanograd.nn import MLP

X1 = [[1, 2, 3], [6, 3, 5], [21, 11, 13], [5, 3, 7]]  # the pure-Python nanograd's data, first 4 samples
Y1 = [1, -1, -1, 1]


def seed_mlp_loss(sizes: tuple[int, ...] = (4, 4, 1)) -> tuple[Scalar, list[Scalar]]:
    random.seed(0)
    net = MLP(3, sizes)
    params = net.params()
    for i, p in enumerate(params):
        p.label = f"p{i}"
    loss = 0
    for x, y in zip(X1, Y1):
        loss += (net(x) - y) ** 2
    loss.backward()
    return loss, params


def timed(f):
    start = time.perf_counter()
    result = f()
    return time.perf_counter() - start, result


def bench_numeric_step_with_symbolic_imported(steps: int) -> None:
    """Importing sympy can only cost numeric work through the garbage collector, which then has
    its objects to walk. Before/after timings drift with the machine's load, so the figure quoted
    interleaves steps with those objects hidden from the collector (gc.freeze) and visible."""
    xs, ys = make_moons()
    step = autodiff_stepper(value_backend("nanograd", Scalar), xs, ys)

    def timed_step(k: int) -> float:
        gc.collect()
        start = cpu()
        step(k)
        return cpu() - start

    step(0)  # warm-up
    before = statistics.median(timed_step(k) for k in range(1, steps + 1))
    objects = len(gc.get_objects())
    import nanograd.symbolic  # noqa: F401  (imports sympy)

    after = len(gc.get_objects())
    hidden, visible = [], []
    for k in range(steps + 1, 3 * steps + 1):
        frozen = k % 2 == 0
        if frozen:
            gc.freeze()
        (hidden if frozen else visible).append(timed_step(k))
        gc.unfreeze()
    hidden_t, visible_t = statistics.median(hidden), statistics.median(visible)
    print(f"numeric training step with nanograd.symbolic imported (sympy: {objects} -> {after} objects"
          f" for the collector), CPU medians of {steps}, interleaved: {visible_t * 1e3:.1f} ms with"
          f" them visible, {hidden_t * 1e3:.1f} ms hidden: ratio {visible_t / hidden_t:.2f}"
          f"   (requirement: no slower; before the import, not interleaved: {before * 1e3:.1f} ms)")


def bench_gradients(rounds: int) -> None:
    import sympy
    from sympy.core.cache import clear_cache

    from nanograd import grad_expr, grad_function

    engine = "symengine" if have_symengine() else None
    backends = ["sympy"] + ([engine] if engine else [])
    warm_loss, warm_params = seed_mlp_loss([2, 1])
    for backend in backends:
        grad_expr(warm_loss, wrt=warm_params, backend=backend)
    [sympy.diff(warm_loss.expr, s) for s in warm_loss.expr.free_symbols]
    loss, params = seed_mlp_loss()
    symbols = [sympy.Symbol(p.label, real=True) for p in params]
    times: dict[str, list[float]] = {name: [] for name in backends + ["sympy.diff"]}
    results = {}
    for _ in range(rounds):
        for backend in backends:  # the symengine walk's time includes converting back to sympy
            clear_cache()
            t, results[backend] = timed(lambda backend=backend: grad_expr(loss, wrt=params, backend=backend))
            times[backend].append(t)
        clear_cache()
        expr = loss.expr  # built outside sympy's timing: it is the input sympy.diff is given
        t, diffs = timed(lambda expr=expr: [sympy.diff(expr, s) for s in symbols])
        times["sympy.diff"].append(t)
    s = statistics.median(times["sympy.diff"])
    print(f"41 gradients of the pure-Python nanograd's MLP loss ({len(params)} parameters, "
          f"4 samples), median of {rounds}, sympy's cache cleared before each side")
    for backend, requirement in (("sympy", 10), (engine, 100)):
        if backend is None:
            print("  grad_expr over symengine: not measured (pip install 'nanograd[symengine]')")
            continue
        o = statistics.median(times[backend])
        print(f"  grad_expr(backend={backend!r}) {o:.3f} s, sympy.diff x{len(params)} {s:.3f} s: "
              f"ratio {s / o:.1f}x   (requirement: at least {requirement}x; rounds: "
              f"{', '.join(f'{b / a:.1f}x' for a, b in zip(times[backend], times['sympy.diff']))})")
    from nanograd import evaluate

    grads = results["sympy"]
    for backend in backends:
        worst = max(abs(evaluate(g, loss) - p.grad) / abs(p.grad) for g, p in zip(results[backend], params))
        print(f"  every closed form of grad_expr(backend={backend!r}) evaluated against backprop: "
              f"max relative difference {worst:.1e}")
    print(f"  size after cse (sympy.count_ops): grad_expr {sympy.count_ops(sympy.cse(grads))},"
          f" sympy.diff {sympy.count_ops(sympy.cse(diffs))}")
    t_compile, f = timed(lambda: grad_function(loss, params))
    t_call, values = timed(f)
    worst = max(abs(v - p.grad) / abs(p.grad) for v, p in zip(values, params))
    print(f"  all 41 at once by a cse'd lambdify: {t_call * 1e3:.2f} ms a call (compiled once in"
          f" {t_compile:.2f} s), max relative difference from backprop {worst:.1e}")


def have_symengine() -> bool:
    try:
        import symengine  # noqa: F401  (optional: the symengine extra)
    except ImportError:
        return False
    return True


def bench_deep_chain(n: int) -> None:
    from nanograd import evaluate, grad_expr

    x = Scalar(0.3, sym="x")
    y = x
    for i in range(n):
        y = (y.sin() if i % 3 == 0 else y * 1.001 if i % 3 == 1 else y + 0.1)
    y.backward()
    limit = sys.getrecursionlimit()
    t, g = timed(lambda: grad_expr(y, wrt=x))
    value = evaluate(g, y)  # iterative, through from_sympy: printing it would recurse in sympy
    print(f"grad_expr on a {n}-operation chain: {t:.2f} s at recursion limit {limit};"
          f" closed form evaluated {value:.9e}, backprop {x.grad:.9e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one round and a shorter chain")
    args = parser.parse_args()
    assert "sympy" not in sys.modules
    bench_numeric_step_with_symbolic_imported(steps=3 if args.quick else 9)
    bench_gradients(rounds=1 if args.quick else 5)
    bench_deep_chain(300 if args.quick else 2500)


if __name__ == "__main__":
    main()
