#!/usr/bin/env python
"""Benchmark of nanograd's numeric core, side by side with micrograd (and PyTorch if present).

    pip install ".[bench]"            # nanograd plus micrograd 0.1.0
    python benchmarks/bench_core.py   # the full report: about 2 minutes of CPU
    python benchmarks/bench_core.py --quick   # a smoke run of a few seconds

It measures, in one process:

1. the micrograd demo's training step (2-16-16-1 ReLU MLP, 100 points, hinge loss + L2, zero
   grads, backward, SGD), built by the same MLP code over nanograd.Scalar, micrograd's Value,
   plain floats with a hand-written backward, and PyTorch 0-d float64 tensors; the losses must
   agree step for step; median step times and their ratios;
2. memory per node of long chains (tracemalloc), before and after backward;
3. a 1,000,000-node chain: forward and backward at Python's default recursion limit, where
   micrograd's recursive topological sort raises RecursionError.

It prints a summary with PASS/FAIL against the project's requirements and exits 0 whatever they
say: it is a report, not a test. It exits non-zero only if it crashes, and it crashes on purpose
if the implementations' losses disagree, because the timings would then compare different work.
"""
from __future__ import annotations

import argparse
import gc
import math
import os
import random
import sys
import threading
import tracemalloc
import warnings
from dataclasses import dataclass, field
from typing import Callable

try:
    from . import common  # imported as benchmarks.bench_core
except ImportError:  # run as a script (or by runpy): import common.py from beside this file
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import common

import nanograd
from nanograd import Scalar

PYTHON_RECURSION_LIMIT = 1000  # CPython's default (sys.getrecursionlimit() in a fresh process)

SIZES = (2, 16, 16, 1)  # the micrograd demo's network
N_POINTS = 100
DATA_SEED = 1337
WEIGHT_SEED = 1337
ALPHA = 1e-4  # the L2 coefficient
LOSS_RTOL = 1e-9  # how closely every implementation's loss must track nanograd's, step by step

SPEEDUP_REQUIRED = 5.0  # micrograd step time / nanograd step time
BYTES_PER_NODE_MAX = 250.0
MILLION = 1_000_000


# --------------------------------------------------------------------------------------------
# The data and the model: one generic MLP, the micrograd demo's, over any number type
# --------------------------------------------------------------------------------------------

def make_moons(n: int = N_POINTS, noise: float = 0.1, seed: int = DATA_SEED):
    """Two interleaving half circles, like sklearn's make_moons; labels -1 and +1. Deterministic."""
    rng = random.Random(seed)
    outer, inner = n - n // 2, n // 2
    xs, ys = [], []
    for i in range(outer):
        t = math.pi * i / (outer - 1)
        xs.append([math.cos(t) + rng.gauss(0, noise), math.sin(t) + rng.gauss(0, noise)])
        ys.append(-1.0)
    for i in range(inner):
        t = math.pi * i / (inner - 1)
        xs.append([1 - math.cos(t) + rng.gauss(0, noise), 0.5 - math.sin(t) + rng.gauss(0, noise)])
        ys.append(1.0)
    return xs, ys


class Neuron:
    def __init__(self, V: Callable, nin: int, relu: bool, rng: random.Random) -> None:
        self.w = [V(rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = V(0.0)
        self.relu = relu

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.relu else act

    def parameters(self):
        return self.w + [self.b]


class Layer:
    def __init__(self, V: Callable, nin: int, nout: int, relu: bool, rng: random.Random) -> None:
        self.neurons = [Neuron(V, nin, relu, rng) for _ in range(nout)]

    def __call__(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]


class MLP:
    """The micrograd demo's MLP with `V` as its number type: ReLU on hidden layers, linear output.

    Weights are drawn from random.Random(seed) in the same order whatever `V` is, so every
    implementation starts from the same numbers (`MLP(float, ...)` gives them as plain floats).
    """

    def __init__(self, V: Callable, sizes=SIZES, seed: int = WEIGHT_SEED) -> None:
        rng = random.Random(seed)
        last = len(sizes) - 2
        self.layers = [Layer(V, sizes[i], sizes[i + 1], i != last, rng) for i in range(last + 1)]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


def learning_rate(k: int) -> float:
    return 1.0 - 0.9 * k / 100  # the demo's schedule


@dataclass
class Backend:
    """How one number type makes leaves, zeroes gradients, updates and reads a loss."""

    name: str
    param: Callable  # a trainable leaf from a float
    input: Callable  # an input leaf from a float
    zero_grad: Callable
    sgd: Callable
    item: Callable


def _zero_grad(params) -> None:
    for p in params:
        p.grad = 0.0


def _sgd(params, lr: float) -> None:
    for p in params:
        p.data -= lr * p.grad


def value_backend(name: str, cls) -> Backend:
    """micrograd's Value and nanograd's Scalar: the same API, `.data` and `.grad` floats."""
    return Backend(name, cls, cls, _zero_grad, _sgd, lambda loss: loss.data)


def torch_backend(torch) -> Backend:
    f64 = torch.float64

    def zero_grad(params):
        for p in params:
            p.grad = None

    def sgd(params, lr):
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad

    return Backend(f"torch {torch.__version__}",
                   lambda v: torch.tensor(v, dtype=f64, requires_grad=True),
                   lambda v: torch.tensor(v, dtype=f64), zero_grad, sgd, lambda loss: loss.item())


def autodiff_stepper(backend: Backend, xs, ys) -> Callable[[int], float]:
    """step(k) -> loss: one training step of the demo, by autodiff over `backend`'s numbers."""
    model = MLP(backend.param)
    params = model.parameters()
    scale = 1.0 / len(ys)

    def step(k: int) -> float:
        inputs = [[backend.input(v) for v in row] for row in xs]  # as the demo does
        scores = [model(x) for x in inputs]
        losses = [(1 + -yi * si).relu() for yi, si in zip(ys, scores)]
        data_loss = sum(losses) * scale
        reg_loss = ALPHA * sum(p * p for p in params)
        total = data_loss + reg_loss
        backend.zero_grad(params)
        total.backward()
        backend.sgd(params, learning_rate(k))
        return backend.item(total)

    return step


def float_stepper(xs, ys) -> Callable[[int], float]:
    """The same step in plain floats: the forward, then the backward written out by hand."""
    model = MLP(float)
    net = [([n.w for n in layer.neurons], [n.b for n in layer.neurons], layer.neurons[0].relu)
           for layer in model.layers]
    n_points = len(ys)
    scale = 1.0 / n_points

    def step(k: int) -> float:
        grads = [([[0.0] * len(W[0]) for _ in W], [0.0] * len(b)) for W, b, _ in net]
        data_loss = 0.0
        for x, y in zip(xs, ys):
            acts = [x]
            for W, b, relu in net:
                a = acts[-1]
                z = []
                for row, s in zip(W, b):
                    for w, ai in zip(row, a):
                        s += w * ai
                    z.append(s if s > 0.0 or not relu else 0.0)
                acts.append(z)
            margin = 1 + -y * acts[-1][0]
            if margin <= 0.0:  # the hinge is flat here: no loss, no gradient
                continue
            data_loss += margin
            d = [-y * scale]  # d loss / d score
            for li in range(len(net) - 1, -1, -1):
                W, b, relu = net[li]
                gW, gb = grads[li]
                a, z = acts[li], acts[li + 1]
                if relu:
                    d = [dj if zj > 0.0 else 0.0 for dj, zj in zip(d, z)]
                for j, dj in enumerate(d):
                    if dj:
                        gb[j] += dj
                        row = gW[j]
                        for i, ai in enumerate(a):
                            row[i] += dj * ai
                if li:
                    d = [sum(dj * W[j][i] for j, dj in enumerate(d)) for i in range(len(a))]
        reg = 0.0
        for W, b, _ in net:
            for row, bj in zip(W, b):
                for w in row:
                    reg += w * w
                reg += bj * bj
        total = data_loss * scale + ALPHA * reg
        lr = learning_rate(k)
        for (W, b, _), (gW, gb) in zip(net, grads):
            for j, (row, grow) in enumerate(zip(W, gW)):
                for i, (w, g) in enumerate(zip(row, grow)):
                    row[i] = w - lr * (g + 2 * ALPHA * w)
                b[j] -= lr * (gb[j] + 2 * ALPHA * b[j])
        return total

    return step


# --------------------------------------------------------------------------------------------
# 1. The training step, the implementations alternated
# --------------------------------------------------------------------------------------------

@dataclass
class Impl:
    name: str
    step: Callable[[int], float]
    gc_off: bool = False  # a diagnostic: automatic collections off during the step
    times: list = field(default_factory=list)  # CPU seconds per timed step
    walls: list = field(default_factory=list)  # wall-clock seconds per timed step
    collects: list = field(default_factory=list)  # CPU seconds of the gc.collect() after each
    losses: dict = field(default_factory=dict)  # step index -> loss

    @property
    def median(self) -> float:
        return common.median(self.times)

    @property
    def median_wall(self) -> float:
        return common.median(self.walls)

    @property
    def median_with_gc(self) -> float:
        return common.median([t + c for t, c in zip(self.times, self.collects)])


def bench_training(impls: list[Impl], steps: int, warmup: int) -> None:
    """`warmup` untimed steps, then `steps` timed steps of every implementation, interleaved.

    At each step every implementation takes its step, in an order reversed from one step to the
    next (A B C, C B A, ...), so that a slow spell of the shared machine falls on all of them
    alike. Every step is timed on its own, after a gc.collect() outside the timing; the
    collection after it is timed separately (micrograd's graph is freed there, by the cycle
    collector, whereas nanograd's is freed by reference counting inside its own step).
    """
    k = 0
    for _ in range(warmup):
        for impl in impls:
            common.collect()
            impl.losses[k] = impl.step(k)
        k += 1
    cpu, wall, collect = common.cpu, common.wall, common.collect
    for i in range(steps):
        for impl in (impls if i % 2 == 0 else impls[::-1]):
            collect()
            if impl.gc_off:
                gc.disable()
            # No container is allocated between the clock reads and the collection after them,
            # so no automatic collection can fall outside both measurements.
            cpu0, wall0 = cpu(), wall()
            loss = impl.step(k)
            cpu1, wall1 = cpu(), wall()
            collected = collect()  # works with the collector disabled too
            gc.enable()
            impl.losses[k] = loss
            impl.times.append(cpu1 - cpu0)
            impl.walls.append(wall1 - wall0)
            impl.collects.append(collected)
        k += 1
    reference = impls[0]
    worst = 0.0
    for impl in impls[1:]:
        for i, expected in reference.losses.items():
            got = impl.losses[i]
            rel = abs(got - expected) / abs(expected)
            worst = max(worst, rel)
            if not rel <= LOSS_RTOL:
                raise AssertionError(
                    f"step {i}: {impl.name} loss {got!r} != {reference.name} loss {expected!r} "
                    f"(relative difference {rel:.3g} > {LOSS_RTOL:g}); the timings would compare "
                    f"different computations")
    print(f"  losses agree step for step over {k} steps (largest relative difference "
          f"{worst:.2g}, allowed {LOSS_RTOL:g}); loss went {reference.losses[0]:.6f} -> "
          f"{reference.losses[k - 1]:.6f}")


# --------------------------------------------------------------------------------------------
# 2. Memory per node
# --------------------------------------------------------------------------------------------

@dataclass
class Memory:
    library: str
    chain: str
    nodes: int
    built: float  # bytes per node, the chain alive
    after: float  # bytes per node after backward (the gradients now stored)
    peak: float  # bytes per node at the peak during backward (its work lists included)
    note: str = ""


def with_deep_recursion(fn: Callable, depth: int):
    """fn() in a thread with a big stack and the recursion limit raised; the limit restored."""
    result: dict = {}

    def run():
        try:
            result["value"] = fn()
        except BaseException as error:  # re-raised in the caller's thread
            result["error"] = error

    old_limit, old_stack = sys.getrecursionlimit(), threading.stack_size()
    sys.setrecursionlimit(max(old_limit, depth + 1000))
    threading.stack_size(512 * 1024 * 1024)
    try:
        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
    finally:
        threading.stack_size(old_stack)
        sys.setrecursionlimit(old_limit)
    if "error" in result:
        raise result["error"]
    return result.get("value")


def measure_chain(library: str, chain: str, leaf: Callable, op: Callable, n: int,
                  recursive_backward: bool = False, note: str = "") -> Memory:
    """Bytes per node of `n` applications of `op`, by tracemalloc, before and after backward."""
    common.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        x = leaf(0.5)
        y = x
        for _ in range(n):
            y = op(y)
        gc.collect()
        built = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.reset_peak()
        if recursive_backward:
            with_deep_recursion(y.backward, n)
        else:
            y.backward()
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
        del x, y
    finally:
        tracemalloc.stop()
    common.collect()
    return Memory(library, chain, n, built / n, (current - base) / n, (peak - base) / n, note)


def bench_memory(n: int, Value, micrograd_n: int) -> list[Memory]:
    """Chains of `n` nodes for nanograd, of `micrograd_n` for micrograd.

    micrograd's chains are shorter because its backward recurses once per node, and under
    tracemalloc every allocation walks the whole Python stack (to count its frames), which makes
    a deep recursion quadratic: 100,000 nodes would take many minutes. Bytes per node do not
    depend on the length (the chain is the same node repeated), so 10,000 are as good.
    """
    rows = [
        measure_chain("nanograd", "y = y.sin()", Scalar, lambda y: y.sin(), n),
        measure_chain("nanograd", "y = y * 1.0000001", Scalar, lambda y: y * 1.0000001, n),
        measure_chain("nanograd", "y = y.relu()", Scalar, lambda y: y.relu(), n),
    ]
    if Value is not None:
        rows += [
            measure_chain("micrograd", "y = y * 1.0000001", Value, lambda y: y * 1.0000001,
                          micrograd_n, recursive_backward=True,
                          note="2 Values per step: the constant too"),
            measure_chain("micrograd", "y = y.relu()", Value, lambda y: y.relu(), micrograd_n,
                          recursive_backward=True, note="0.1.0 has no sin or tanh"),
        ]
    return rows


# --------------------------------------------------------------------------------------------
# 3. The million-node chain
# --------------------------------------------------------------------------------------------

@dataclass
class Chain:
    nodes: int
    limit: int
    forward: float
    backward: float
    free: float
    value_ok: bool
    grad_rel_error: float
    forward_nogc: float | None = None
    micrograd_nodes: int = 0
    micrograd_forward: float | None = None
    micrograd_outcome: str = ""

    @property
    def ok(self) -> bool:
        return self.value_ok and self.grad_rel_error <= 1e-9


def bench_chain(n: int, Value, micrograd_n: int) -> Chain:
    """The chain with the recursion limit at CPython's default, whatever the caller had set."""
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(PYTHON_RECURSION_LIMIT)
    try:
        return _bench_chain(n, Value, micrograd_n)
    finally:
        sys.setrecursionlimit(old_limit)


def _bench_chain(n: int, Value, micrograd_n: int) -> Chain:
    limit = sys.getrecursionlimit()
    # What the chain must give, in plain floats: y_n and d y_n / d x = prod cos(y_i).
    v, grad = 0.5, 1.0
    for _ in range(n):
        grad *= math.cos(v)
        v = math.sin(v)

    common.collect()
    x = Scalar(0.5)
    y = x
    start = common.cpu()
    for _ in range(n):
        y = y.sin()
    forward = common.cpu() - start
    backward, _, _ = common.timed(y.backward)
    value_ok = y.data == v
    rel = abs(x.grad - grad) / abs(grad)
    start = common.cpu()
    del y
    free = common.cpu() - start
    chain = Chain(n, limit, forward, backward, free, value_ok, rel)

    # Diagnostic: the same forward with automatic collections off. Every Scalar is tracked by the
    # cyclic collector, so a growing chain triggers full collections that walk all of it.
    common.collect()
    gc.disable()
    try:
        y = Scalar(0.5)
        start = common.cpu()
        for _ in range(n):
            y = y.sin()
        chain.forward_nogc = common.cpu() - start
        del y
    finally:
        gc.enable()

    if Value is not None:
        common.collect()
        z = Value(0.5)
        start = common.cpu()
        for _ in range(micrograd_n):
            z = z * 1.0000001
        chain.micrograd_forward = common.cpu() - start
        chain.micrograd_nodes = micrograd_n
        try:
            z.backward()
            chain.micrograd_outcome = "completed (no RecursionError)"
        except RecursionError as error:
            chain.micrograd_outcome = f"RecursionError: {error}"
        del z
        common.collect()
    return chain


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------

def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: fewer repetitions and smaller chains (a few seconds)")
    parser.add_argument("--steps", type=int,
                        help="timed training steps of each implementation (default 15, quick 2)")
    parser.add_argument("--no-micrograd", action="store_true",
                        help="run as if micrograd were absent")
    parser.add_argument("--no-torch", action="store_true", help="run as if PyTorch were absent")
    args = parser.parse_args(argv)

    quick = args.quick
    steps = args.steps or (2 if quick else 15)
    warmup = 1
    n_points = 20 if quick else N_POINTS
    memory_n = 5_000 if quick else 100_000
    micrograd_memory_n = 1_000 if quick else 10_000
    chain_n = 20_000 if quick else MILLION
    micrograd_chain_n = 10_000 if quick else 100_000

    print(f"nanograd core benchmark{' (--quick)' if quick else ''}: {common.environment()}")
    print(f"  nanograd {common.distribution_version('nanograd')} "
          f"({os.path.dirname(nanograd.__file__)}; {common.source_revision(nanograd)})")
    engine, why_mg = common.optional_import("micrograd.engine", args.no_micrograd)
    Value = engine.Value if engine is not None else None
    if Value is not None:
        print(f"  micrograd {common.distribution_version('micrograd')} ({engine.__file__})")
    else:
        print(f"  micrograd is not available ({why_mg}): install it with pip install \".[bench]\";"
              f" running the nanograd-only parts")
    with warnings.catch_warnings():  # torch without numpy warns about it at import
        warnings.filterwarnings("ignore", message=".*NumPy.*")
        torch, why_torch = common.optional_import("torch", args.no_torch)
    if torch is not None:
        print(f"  torch {torch.__version__} ({torch.get_num_threads()} intra-op threads)")
    else:
        print(f"  PyTorch is not available ({why_torch}); skipping the PyTorch comparison")

    # 1. The training step
    xs, ys = make_moons(n_points)
    print(f"\n1. Training step: MLP {'-'.join(map(str, SIZES))} (ReLU), {len(ys)} points, hinge "
          f"loss + {ALPHA:g} L2, zero grads, backward, SGD; {warmup} warm-up step, then "
          f"{steps} timed steps of each, interleaved")
    nano = Impl("nanograd", autodiff_stepper(value_backend("nanograd", Scalar), xs, ys))
    impls = [nano]
    mg = fl = tc = None
    if Value is not None:
        mg = Impl("micrograd", autodiff_stepper(value_backend("micrograd", Value), xs, ys))
        impls.append(mg)
    fl = Impl("plain floats", float_stepper(xs, ys))
    impls.append(fl)
    if torch is not None:
        tc = Impl(f"torch {torch.__version__}", autodiff_stepper(torch_backend(torch), xs, ys))
        impls.append(tc)
    # Diagnostics: the same steps with automatic collections off, to show how much of each
    # library's time is the cyclic garbage collector's (each has its own model, trained in step).
    nano_nogc = Impl("nanograd, automatic gc off",
                     autodiff_stepper(value_backend("nanograd", Scalar), xs, ys), gc_off=True)
    impls.append(nano_nogc)
    mg_nogc = None
    if Value is not None:
        mg_nogc = Impl("micrograd, automatic gc off",
                       autodiff_stepper(value_backend("micrograd", Value), xs, ys), gc_off=True)
        impls.append(mg_nogc)
    # Everything alive now (imported modules, torch's included, and the models' parameters) is
    # moved out of the collector's sight, so that a collection costs what the step left behind
    # and not what else happens to be loaded in this process.
    gc.collect()
    gc.freeze()
    try:
        bench_training(impls, steps, warmup)
    finally:
        gc.unfreeze()
    rows = []
    for impl in impls:
        rows.append([impl.name, common.fmt_time(impl.median), common.fmt_time(min(impl.times)),
                     common.fmt_time(max(impl.times)), common.fmt_time(impl.median_with_gc),
                     common.fmt_time(impl.median_wall),
                     common.fmt_ratio(common.ratio(impl.median, nano.median))])
    print("  CPU time of this process per step (median, min, max; then the median with the "
          "gc.collect() after the step added), wall-clock median, and CPU time over nanograd's")
    print(common.table(["implementation", "median", "min", "max", "incl. gc after", "wall",
                        "/ nanograd"], rows))

    # 2. Memory
    print("\n2. Memory per node (tracemalloc): bytes allocated and still alive, divided by the "
          "number of operations in the chain")
    memory = bench_memory(memory_n, Value, micrograd_memory_n)
    print(common.table(
        ["library", "chain", "nodes", "B/node built", "after backward", "peak in backward", "note"],
        [[m.library, m.chain, f"{m.nodes:,}", f"{m.built:.0f}", f"{m.after:.0f}", f"{m.peak:.0f}",
          m.note] for m in memory], align="llrrrrl"))

    # 3. The long chain
    print(f"\n3. A chain of {chain_n:,} nodes (y = y.sin()) at Python's default recursion limit "
          f"({PYTHON_RECURSION_LIMIT})")
    chain = bench_chain(chain_n, Value, micrograd_chain_n)
    print(f"  nanograd (CPU time): forward {common.fmt_time(chain.forward)}, backward "
          f"{common.fmt_time(chain.backward)}, freeing the chain {common.fmt_time(chain.free)}; "
          f"value {'exact' if chain.value_ok else 'WRONG'}, gradient relative error "
          f"{chain.grad_rel_error:.2g} against prod(cos(y_i)) in plain floats")
    print(f"  nanograd forward again with automatic gc off (diagnostic): "
          f"{common.fmt_time(chain.forward_nogc)}")
    if Value is not None:
        print(f"  micrograd, {chain.micrograd_nodes:,} nodes (y = y * 1.0000001): forward (CPU) "
              f"{common.fmt_time(chain.micrograd_forward)}; backward: {chain.micrograd_outcome}")

    # Summary
    speedup = common.ratio(mg.median, nano.median) if mg else None
    speedup_gc = common.ratio(mg.median_with_gc, nano.median_with_gc) if mg else None
    speedup_nogc = common.ratio(mg_nogc.median, nano_nogc.median) if mg_nogc else None
    nano_mem = [m for m in memory if m.library == "nanograd"]
    worst_mem = max(max(m.built, m.after) for m in nano_mem)
    mg_mem = [m for m in memory if m.library == "micrograd"]
    full_chain = chain_n >= MILLION
    chain_result = verdict(chain.ok) if full_chain else f"{verdict(chain.ok)} (quick: not 1M nodes)"

    print(f"\nSummary ({common.environment()})")
    rows = [
        ["training step (CPU): micrograd / nanograd",
         f"{common.fmt_ratio(speedup)}" + (f" ({common.fmt_time(mg.median)} / "
                                            f"{common.fmt_time(nano.median)})" if mg else
                                            " (micrograd not installed)"),
         f">= {SPEEDUP_REQUIRED:g}x",
         (f"not judged (--quick: {len(ys)} points)" if quick and speedup is not None else
          verdict(None if speedup is None else speedup >= SPEEDUP_REQUIRED))],
    ]
    if mg is not None:
        rows += [
            ["  same, fastest step of each",
             f"{common.fmt_ratio(common.ratio(min(mg.times), min(nano.times)))} "
             f"({common.fmt_time(min(mg.times))} / {common.fmt_time(min(nano.times))})", "",
             "(diagnostic)"],
            ["  same, each incl. the gc.collect() after it",
             f"{common.fmt_ratio(speedup_gc)} ({common.fmt_time(mg.median_with_gc)} / "
             f"{common.fmt_time(nano.median_with_gc)})", "", "(diagnostic)"],
            ["  same, wall-clock medians",
             f"{common.fmt_ratio(common.ratio(mg.median_wall, nano.median_wall))} "
             f"({common.fmt_time(mg.median_wall)} / {common.fmt_time(nano.median_wall)})", "",
             "(diagnostic)"],
            ["  same, automatic gc off during the steps",
             f"{common.fmt_ratio(speedup_nogc)} ({common.fmt_time(mg_nogc.median)} / "
             f"{common.fmt_time(nano_nogc.median)})", "", "(diagnostic)"],
        ]
    rows += [
        ["training step: nanograd / plain floats",
         f"{common.fmt_ratio(common.ratio(nano.median, fl.median))} "
         f"({common.fmt_time(nano.median)} / {common.fmt_time(fl.median)})", "", ""],
    ]
    if tc is not None:
        rows.append(["training step: torch / nanograd",
                     f"{common.fmt_ratio(common.ratio(tc.median, nano.median))} "
                     f"({common.fmt_time(tc.median)} / {common.fmt_time(nano.median)})", "", ""])
    else:
        rows.append(["training step: torch / nanograd", "skipped (no torch)", "", ""])
    for m in nano_mem:
        rows.append([f"memory: nanograd {m.chain}", f"{m.built:.0f} B/node, {m.after:.0f} after "
                     f"backward", "", ""])
    rows.append(["memory: nanograd, worst of the above", f"{worst_mem:.0f} B/node",
                 f"<= {BYTES_PER_NODE_MAX:g}", verdict(worst_mem <= BYTES_PER_NODE_MAX)])
    for m in mg_mem:
        rows.append([f"memory: micrograd {m.chain}", f"{m.built:.0f} B/node, {m.after:.0f} after "
                     f"backward", "", ""])
    rows.append([f"chain of {chain_n:,}: forward + backward",
                 f"{common.fmt_time(chain.forward)} + {common.fmt_time(chain.backward)}, gradient "
                 f"{'right' if chain.ok else 'WRONG'}", "works at limit "
                 f"{PYTHON_RECURSION_LIMIT}", chain_result])
    if Value is not None:
        outcome = chain.micrograd_outcome.split(":")[0]
        rows.append([f"micrograd, chain of {chain.micrograd_nodes:,}", outcome, "", ""])
    print(common.table(["measure", "result", "requirement", "verdict"], rows, align="llll"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
