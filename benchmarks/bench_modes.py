"""Forward mode against reverse mode on the two shapes of Jacobian; prints counts and ratios.

    python benchmarks/bench_modes.py

1. Many inputs, one output: a loss of 100 inputs (each squared, times a weight, through tanh,
   summed). The full gradient by `jacobian(..., mode="reverse")` (one sweep) and by
   `mode="forward"` (one sweep per input).
2. One input, many outputs: 100 outputs read off one shared computation of a single input.
3. PyTorch (float64, 0-d tensors) on shape 1, its reverse mode against its forward mode
   (`torch.func.jacfwd` and `jacrev`), when installed: the same asymmetry in a peer.

Counts are what the sweeps measured (local derivatives of the table evaluated, each one
multiply-add); times are CPU seconds, medians over rounds, quoted as forward / reverse.
"""
from __future__ import annotations

import statistics

from common import cpu, environment, optional_import, table

from nanograd import Scalar, jacobian

N = 100
ROUNDS = 5


def many_inputs() -> tuple[Scalar, list[Scalar]]:
    xs = [Scalar(0.01 * i) for i in range(N)]
    loss = Scalar(0.0)
    for i, x in enumerate(xs):
        loss = loss + (x * x * (1 + 0.01 * i)).tanh()
    return loss, xs


def many_outputs() -> tuple[list[Scalar], Scalar]:
    t = Scalar(0.3)
    trunk = t
    for _ in range(N):
        trunk = (trunk * 0.99).sin() + 0.01
    return [trunk * (k + 1) for k in range(N)], t


def median_time(fn) -> float:
    times = []
    for _ in range(ROUNDS):
        start = cpu()
        fn()
        times.append(cpu() - start)
    return statistics.median(times)


def main() -> None:
    print(environment())
    rows = []
    loss, xs = many_inputs()
    outs, t = many_outputs()
    for shape, outputs, inputs in ((f"{N} inputs, 1 output", loss, xs),
                                   (f"1 input, {N} outputs", outs, [t])):
        runs = {mode: jacobian(outputs, inputs, mode=mode) for mode in ("forward", "reverse")}
        times = {mode: median_time(lambda o=outputs, i=inputs, m=mode: jacobian(o, i, mode=m))
                 for mode in runs}
        rows.append([shape, runs["forward"].sweeps, runs["forward"].local_derivatives,
                     runs["reverse"].sweeps, runs["reverse"].local_derivatives,
                     f"{times['forward'] / times['reverse']:.2f}"])
    print(table(["shape", "forward sweeps", "forward local derivatives", "reverse sweeps",
                 "reverse local derivatives", "time forward / reverse"], rows))
    torch, why = optional_import("torch")
    if torch is None:
        print(f"PyTorch: {why}")
        return

    def f(x):
        return (x * x * (1 + 0.01 * torch.arange(N, dtype=torch.float64))).tanh().sum()

    x = torch.linspace(0, 0.99, N, dtype=torch.float64)
    jacfwd, jacrev = torch.func.jacfwd(f), torch.func.jacrev(f)
    ratio = median_time(lambda: jacfwd(x)) / median_time(lambda: jacrev(x))
    print(f"PyTorch on shape 1 (vectorised), time jacfwd / jacrev: {ratio:.2f}")


if __name__ == "__main__":
    main()
