"""`verify` on the whole textbook corpus: its verdicts, and how long an in-process verify takes.

    python benchmarks/bench_verify.py            # about two minutes on 2 cores

For every corpus entry (tests/corpus/textbook.jsonl), every right and every wrong answer as a
student types it is checked with `nanograd.verify` against the exercise's own graph, once with
the mistake diagnosis off and once with it on, alternating, in this process. Prints:
- right answers confirmed (target 100%), wrong answers caught (target 100%), tracebacks (target 0);
- the time of one verify, median and 90th percentile, diagnosis off and on, over right answers,
  wrong answers and all (target: median under 50 ms). Wall-clock time: sympy's simplify runs in
  a worker process, whose CPU time this process's clock does not see; this process's own CPU
  time is shown beside it.
The issue names no peer to compare with; the figures are absolute, so the load average printed
at the top says how busy the machine was.
A report, not a test: it exits 0 whatever the figures.
"""
from __future__ import annotations

import statistics
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from common import environment, source_revision, table, timed  # noqa: E402
from textbook_corpus import entries  # noqa: E402

import nanograd  # noqa: E402
from nanograd import parse, verify  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    print(environment())
    print(f"nanograd: {source_revision(nanograd)}")
    corpus = entries()
    confirmed = caught = rights = wrongs = 0
    failures: list[str] = []
    tracebacks: list[str] = []
    times: dict[tuple[bool, str], list[tuple[float, float]]] = {
        (diagnosis, kind): [] for diagnosis in (False, True) for kind in ("right", "wrong")}
    for entry in corpus:
        try:
            expression = parse(entry["python"])
            out, leaves = expression.graph({n: sum(entry["domain"]) / 2 for n in expression.variables})
            wrt = leaves[entry["wrt"]]
        except Exception:
            tracebacks.append(f"{entry['id']}: {traceback.format_exc(limit=2)}")
            continue
        answers = [("right", text) for text in entry["right"]]
        answers += [("wrong", wrong["typed"]) for wrong in entry["wrong"]]
        for kind, text in answers:
            rights += kind == "right"
            wrongs += kind == "wrong"
            for diagnosis in (False, True):
                try:
                    seconds, wall, result = timed(verify, out, wrt, text, diagnosis)
                except Exception:
                    tracebacks.append(f"{entry['id']} {text!r}: {traceback.format_exc(limit=3)}")
                    break
                times[(diagnosis, kind)].append((wall, seconds))
                if diagnosis:
                    continue
                if result.ok == (kind == "right"):
                    confirmed += kind == "right"
                    caught += kind == "wrong"
                else:
                    failures.append(f"  {entry['id']}: {kind} answer {text!r} judged {result}")
    print(f"\n{len(corpus)} exercises; {rights} right answers, {wrongs} wrong answers, as typed")
    print(f"right answers confirmed: {confirmed}/{rights} = {confirmed / rights:.1%} (target 100%)")
    print(f"wrong answers caught:    {caught}/{wrongs} = {caught / wrongs:.1%} (target 100%)")
    print(f"tracebacks: {len(tracebacks)} (target 0)")
    for line in failures + tracebacks:
        print(line)
    rows = []
    for diagnosis in (False, True):
        for kind in ("right", "wrong", "all"):
            pairs = (times[(diagnosis, kind)] if kind != "all"
                     else times[(diagnosis, "right")] + times[(diagnosis, "wrong")])
            walls, cpus = [w for w, _ in pairs], [c for _, c in pairs]
            rows.append([f"diagnosis {'on' if diagnosis else 'off'}, {kind} answers", len(pairs),
                         f"{statistics.median(walls) * 1e3:.1f} ms", f"{percentile(walls, 0.9) * 1e3:.1f} ms",
                         f"{statistics.median(cpus) * 1e3:.1f} ms", f"{percentile(cpus, 0.9) * 1e3:.1f} ms"])
    print("\nin-process verify of one answer (target: median under 50 ms)")
    print(table(["", "answers", "median wall", "p90 wall", "median CPU", "p90 CPU"], rows))


if __name__ == "__main__":
    main()
