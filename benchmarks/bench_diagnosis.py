"""Mistake diagnosis, textbook steps and grading, measured on the textbook corpus.

    python benchmarks/bench_diagnosis.py            # about a minute on 2 cores

Prints, on the corpus entries nanograd reads today (the others wait for their functions):
- how often the diagnosed kind is the planted kind (target >= 80%);
- diagnoses that do not reproduce the claim, by an independent check: the diagnosis' closed form
  against the claim through mpmath at random points of the entry's domain (target 0);
- right answers given a diagnosis (target 0);
- exercises whose steps do not end in the true derivative (target 0);
- `nanograd grade` on 1,000 rows built from the corpus, right and wrong mixed, with --jobs 2:
  rows per second (target >= 20), then a run killed part-way and resumed: rows lost or graded
  twice (target 0).
A report, not a test: it exits 0 whatever the figures.
"""
from __future__ import annotations

import collections
import csv
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import sympy  # noqa: E402
from textbook_corpus import entries, equal_at_random_points, usable_entries  # noqa: E402

from nanograd import parse, steps, verify  # noqa: E402


def main() -> None:
    usable = usable_entries()
    print(f"corpus: {len(usable)} of {len(entries())} entries usable today "
          "(the rest use functions the table lacks yet)")
    matched = total = none = false = right_diagnosed = right_wrong = steps_bad = 0
    confusion: collections.Counter = collections.Counter()
    start = time.perf_counter()
    for entry in usable:
        expression = parse(entry["python"])
        out, leaves = expression.graph({n: sum(entry["domain"]) / 2 for n in expression.variables})
        wrt = leaves[entry["wrt"]]
        for text in entry["right_python"]:
            result = verify(out, wrt, text)
            right_diagnosed += result.diagnosis is not None
            right_wrong += not result.ok
        for wrong in entry["wrong"]:
            d = verify(out, wrt, wrong["python"]).diagnosis
            total += 1
            if d is None:
                none += 1
                continue
            matched += d.kind == wrong["kind"]
            if d.kind != wrong["kind"]:
                confusion[(wrong["kind"], d.kind)] += 1
            false += not equal_at_random_points(d.derivative, parse(wrong["python"]).sympy(), entry["domain"])
        derivation = steps(out, wrt=wrt)
        steps_bad += not equal_at_random_points(derivation.result, sympy.diff(expression.sympy(),
                                                                  sympy.Symbol(entry["wrt"], real=True)),
                                    entry["domain"])
    print(f"diagnosed kind = planted kind: {matched}/{total} = {matched / total:.1%} (target >= 80%); "
          f"no diagnosis: {none}")
    print(f"  most common mismatches (planted -> diagnosed): {confusion.most_common(5)}")
    print(f"diagnoses that do not reproduce the claim: {false} (target 0)")
    print(f"right answers given a diagnosis: {right_diagnosed} (target 0); "
          f"right answers verify calls wrong: {right_wrong}")
    print(f"steps not ending in the true derivative: {steps_bad} of {len(usable)} (target 0)")
    print(f"  ({time.perf_counter() - start:.1f} s)")
    grading(usable)


def grading(usable) -> None:
    rows = []
    pool = [(e, c) for e in usable for c in [*e["right_python"], *(w["python"] for w in e["wrong"])]]
    random.Random(3).shuffle(pool)
    for n in range(1000):
        entry, claim = pool[n % len(pool)]
        rows.append({"id": f"{entry['id']}#{n}", "expression": entry["python"], "wrt": entry["wrt"],
                     "claim": claim})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "answers.csv"
        with open(source, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=["id", "expression", "wrt", "claim"])
            writer.writeheader()
            writer.writerows(rows)
        command = [sys.executable, "-m", "nanograd", "grade", str(source), "--jobs", "2", "-o"]
        began = time.perf_counter()
        done = subprocess.run([*command, str(Path(folder) / "all.csv")], env=env, capture_output=True,
                              text=True)
        seconds = time.perf_counter() - began
        print(f"grade 1,000 rows, --jobs 2: {seconds:.1f} s wall (start-up included), "
              f"{1000 / seconds:.1f} rows/s (target >= 20)")
        print("  " + done.stdout.strip().replace("\n", "\n  "))
        output = Path(folder) / "resumed.csv"
        run = subprocess.Popen([*command, str(output)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        while not output.exists() or output.read_text().count("\n") < 300:
            time.sleep(0.05)
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
        before = output.read_text().count("\n") - 1
        subprocess.run([*command, str(output), "--resume"], env=env, capture_output=True, check=True)
        graded = [int(r["row"]) for r in csv.DictReader(open(output, encoding="utf-8"))]
        lost = 1000 - len(set(graded))
        repeated = len(graded) - len(set(graded))
        print(f"killed (SIGKILL) after {before} rows, resumed: rows lost {lost}, graded twice "
              f"{repeated} (target 0 and 0)")


if __name__ == "__main__":
    main()
