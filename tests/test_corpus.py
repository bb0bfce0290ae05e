"""The textbook corpus (tests/corpus/textbook.jsonl, described in its README.md): is each exercise
read as the student meant it?

For every entry, the typed form, the LaTeX form and every typed right and wrong answer must mean
the same function as its Python form: the same values at points of the entry's domain. The Python
forms are checked against sympy's own reading of them. Entries that use a function nanograd's
table lacks are measured apart (the set comes from OPS, through the parser's FUNCTIONS).

    python tests/test_corpus.py    prints the acceptance rates
"""
from __future__ import annotations

import json
import math
import random
import re
import sys
from pathlib import Path

import pytest

from nanograd.calculus import FUNCTIONS, parse
from nanograd.errors import NanogradError

CORPUS = Path(__file__).parent / "corpus" / "textbook.jsonl"
ENTRIES = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
POINTS = 5


def functions_used(entry: dict) -> set[str]:
    pythons = [entry["python"], *entry["right_python"], *(w["python"] for w in entry["wrong"])]
    return {name for text in pythons for name in re.findall(r"([A-Za-z_]\w*)\s*\(", text)}


def in_table(entry: dict) -> bool:
    return functions_used(entry) <= set(FUNCTIONS)


def points(entry: dict) -> list[dict[str, float]]:
    rng = random.Random(entry["id"])
    lo, hi = entry["domain"]
    return [{name: rng.uniform(lo, hi) for name in entry["variables"]} for _ in range(POINTS)]


def value(expression, point: dict[str, float]) -> float | None:
    try:
        return expression.graph({name: point[name] for name in expression.variables})[0].data
    except (NanogradError, ArithmeticError, ValueError):  # outside the domain at this point
        return None


def misreading(text: str, python: str, entry: dict, latex: bool | None = None) -> str | None:
    """Why `text` is not read as `python` means it (refused, or another function), or None."""
    try:
        read = parse(text, variables=entry["variables"], latex=latex)
    except NanogradError as error:
        return f"refused: {error}"
    meant = parse(python, variables=entry["variables"])
    if not set(read.variables) <= set(entry["variables"]):
        return f"read with variables {read.variables}: {read.sympy()}"
    compared = 0
    for point in points(entry):
        expected = value(meant, point)
        if expected is None:
            continue
        got = value(read, point)
        if got is None or not math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12):
            return f"read as {read.sympy()}: at {point} {got} instead of {expected}"
        compared += 1
    return None if compared else "no point of the domain where the Python form is defined"


def typed_forms(entry: dict) -> list[tuple[str, str, bool | None]]:
    forms = [(entry["typed"], entry["python"], None)]
    if entry.get("latex"):
        forms.append((entry["latex"], entry["python"], True))
    forms += [(typed, python, None) for typed, python in zip(entry["right"], entry["right_python"])]
    forms += [(wrong["typed"], wrong["python"], None) for wrong in entry["wrong"]]
    return forms


def python_forms(entry: dict) -> list[str]:
    return [entry["python"], *entry["right_python"], *(w["python"] for w in entry["wrong"])]


def entry_failures(entry: dict) -> list[str]:
    """Every typed or LaTeX form of the entry that is not read as meant (worked out once)."""
    if entry["id"] not in _FAILURES:
        _FAILURES[entry["id"]] = _entry_failures(entry)
    return _FAILURES[entry["id"]]


_FAILURES: dict[str, list[str]] = {}


def _entry_failures(entry: dict) -> list[str]:
    failures = []
    for text, python, latex in typed_forms(entry):
        try:
            parse(python)
        except NanogradError as error:
            failures.append(f"{python!r}: Python form refused: {error}")
            continue
        reason = misreading(text, python, entry, latex)
        if reason is not None:
            failures.append(f"{text!r}: {reason}")
    return failures


def python_failures(entry: dict) -> list[str]:
    failures = []
    for text in python_forms(entry):
        try:
            parse(text, variables=entry["variables"])
        except NanogradError as error:
            failures.append(f"{text!r}: {error}")
    return failures


def rates() -> dict[str, tuple[int, int]]:
    """(accepted, total) for typed notation and Python notation, over the entries whose functions
    the table has and over all entries."""
    counts = {key: [0, 0] for key in ("typed in table", "python in table", "typed all", "python all")}
    for entry in ENTRIES:
        scopes = ["all"] + (["in table"] if in_table(entry) else [])
        typed_ok, python_ok = not entry_failures(entry), not python_failures(entry)
        for scope in scopes:
            counts[f"typed {scope}"][0] += typed_ok
            counts[f"python {scope}"][0] += python_ok
            counts[f"typed {scope}"][1] += 1
            counts[f"python {scope}"][1] += 1
    return {key: (ok, total) for key, (ok, total) in counts.items()}


def test_the_corpus_is_large_and_well_formed():
    assert len(ENTRIES) >= 100
    assert len({e["id"] for e in ENTRIES}) == len(ENTRIES)
    for entry in ENTRIES:
        assert entry["wrt"] in entry["variables"] and len(entry["right"]) == len(entry["right_python"]) >= 2


def test_python_forms_mean_what_sympy_reads_in_them():
    """The oracle for the Python forms: sympy's own parser (test code only: the package never
    hands user text to sympy)."""
    sympy = pytest.importorskip("sympy")
    from sympy.parsing.sympy_parser import parse_expr

    checked = 0
    for entry in ENTRIES:
        if not in_table(entry):
            continue
        symbols = {name: sympy.Symbol(name, real=True) for name in entry["variables"]}
        for text in python_forms(entry)[:2]:
            reference = parse_expr(text, local_dict={**symbols, "abs": sympy.Abs}, evaluate=True)
            ours = parse(text, variables=entry["variables"])
            for point in points(entry)[:2]:
                got = value(ours, point)
                if got is None:
                    continue
                exact = reference.evalf(30, subs={symbols[n]: v for n, v in point.items()})
                assert math.isclose(got, float(exact), rel_tol=1e-9, abs_tol=1e-12), (entry["id"], text)
                checked += 1
    assert checked > 100


def test_typed_notation_is_read_as_meant_on_at_least_98_percent():
    figures = rates()
    print(report(figures))
    ok, total = figures["typed in table"]
    assert total >= 100 or total >= len(ENTRIES) // 2
    failed = [(e["id"], entry_failures(e)) for e in ENTRIES if in_table(e) and entry_failures(e)]
    assert ok >= 0.98 * total, "\n".join(f"{i}: {f}" for i, f in failed)


def test_python_notation_is_accepted_on_every_entry_whose_functions_the_table_has():
    failed = [(e["id"], python_failures(e)) for e in ENTRIES if in_table(e) and python_failures(e)]
    assert not failed, failed


def report(figures: dict[str, tuple[int, int]]) -> str:
    lines = [f"{len(ENTRIES)} entries; {figures['typed in table'][1]} use only functions of the table"]
    for key, (ok, total) in figures.items():
        lines.append(f"  {key + ':':<18} {ok}/{total} = {100 * ok / max(total, 1):.1f}%")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(rates()))
    if "-v" in sys.argv:
        for entry in ENTRIES:
            for failure in entry_failures(entry):
                print(f"{entry['id']}: {failure}")
