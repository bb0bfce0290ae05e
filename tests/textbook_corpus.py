"""The textbook corpus (tests/corpus/textbook.jsonl) as the tests and benchmarks use it.

An entry is usable when nanograd reads every expression in it. Which are is worked out from the
parser, and so from the table of operations: entries with functions the table lacks today (tan,
asin, log to a base, ...) are skipped now and counted as soon as their rows exist.
"""
from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

import sympy

from nanograd import ParseError, parse

CORPUS = Path(__file__).parent / "corpus" / "textbook.jsonl"


def entries() -> list[dict[str, Any]]:
    with CORPUS.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def usable(entry: dict[str, Any]) -> bool:
    texts = [entry["python"], *entry["right_python"], *(w["python"] for w in entry["wrong"])]
    try:
        for text in texts:
            parse(text)
    except ParseError:
        return False
    return True


def usable_entries() -> list[dict[str, Any]]:
    return [e for e in entries() if usable(e)]


def equal_at_random_points(a: Any, b: Any, domain: Any = (-3, 3), count: int = 20) -> bool:
    """An oracle independent of nanograd's forward mode: both closed forms through sympy's
    lambdify and mpmath, at random points where both are real and finite (at least one).
    sympy.diff of |u| or sign(u) has DiracDelta(u) terms, 0 wherever u != 0, where we compare."""
    a, b = (e.replace(lambda f: isinstance(f, sympy.DiracDelta), lambda f: sympy.S.Zero)
            for e in (a, b))
    symbols = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)
    f = sympy.lambdify(symbols, [a, b], modules="mpmath")
    rng = random.Random(1)
    compared = 0
    for _ in range(400):
        try:
            u, v = (complex(t) for t in f(*(rng.uniform(*domain) for _ in symbols)))
        except (ArithmeticError, ValueError, TypeError):
            continue
        if abs(u.imag) > 1e-12 or abs(v.imag) > 1e-12 or not math.isfinite(u.real):
            continue
        if not math.isclose(u.real, v.real, rel_tol=1e-7, abs_tol=1e-9):
            return False
        compared += 1
        if compared == count:
            return True
    return compared > 0
