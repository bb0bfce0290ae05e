"""The command line fuzzed with valid, varied and heavy commands, whose answers are checked.

Each command is drawn at random (the same ones under the `ci` profile): a random expression
over every row of the table, written as students, LaTeX or programs write it
(tests/typed_expressions.py), given to one of the subcommands with random options. Every run
must exit 0, 1 or 2 without a traceback, within its --timeout and a margin, and a refusal must be
one short message. Past that, the answers are checked against an oracle built from the same
random tree with sympy's own functions, never through nanograd:

- `diff --at`: every printed value (text, JSON or LaTeX) against sympy.diff at the point;
- `verify` with the true derivative (sympy.diff, printed as a program would) never says wrong,
  and with a wrong one (the derivative plus a constant, or doubled) never says right; `grade`
  likewise, row by row;
- `explain`: its total against sympy.diff; `graph`, `stepper` and `demo` write their file.

A valid command may still exit 2, for two reasons only: the work did not fit in its --timeout,
or (without --at) no random point fell inside the expression's domain. Anything else is a bug.
The share of commands that exit 0 is asserted (the fuzz must reach past the refusals) and
printed (`pytest -s tests/test_cli_fuzz.py`).
"""
from __future__ import annotations

import csv
import io
import json
import math
import random
import re
import time
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from typed_expressions import (
    ORACLES,
    Drawn,
    Pick,
    Randomly,
    Typed,
    latex_printable,
    our_syntax,
    row_example,
    symbol,
    text_depth,
    typed_expression,
    written,
)

from nanograd.calculus.parse import LIMITS, parse
from nanograd.cli import main
from nanograd.core.ops import OPS

COMMANDS_PER_EXAMPLE = 6  # commands per hypothesis example of the profile: 120 under `ci`
MARGIN = 6.0  # seconds past a command's --timeout: Python's own work, on a machine others share
RELATIVE, ABSOLUTE = 1e-6, 1e-8  # a printed value against the oracle's
REFUSALS_OF_VALID_INPUT = ("time budget", "undefined at each of")


@dataclass
class Case:
    """A command and what its run must show."""

    argv: list[str]
    kind: str
    seconds: float  # the bound on its time
    typed: Typed | None = field(default=None, repr=False)
    wrt: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    rows: dict[str, tuple[str, sympy.Expr]] = field(default_factory=dict)  # grade: id -> verdict due, claim
    output: Path | None = None
    claim: sympy.Expr | None = field(default=None, repr=False)  # verify: the claim's oracle

    @property
    def command(self) -> str:
        return self.argv[0]


def point_options(pick: Pick, point: dict[str, str]) -> list[str]:
    items = [f"{name}={value}" for name, value in point.items()]
    items = pick.shuffled(items)
    if pick.one([False, True]):
        return ["--at", ",".join(items)]
    return [word for item in items for word in ("--at", item)]


def timeout_options(pick: Pick) -> tuple[list[str], float]:
    seconds = pick.one([None, 3.0, 5.0])
    if seconds is None:
        return [], 10.0 + MARGIN  # the default --timeout
    return ["--timeout", f"{seconds:g}"], seconds + MARGIN


def claim_text(pick: Pick, typed: Typed, wrt: str, wrong: bool,
               latex_ok: bool) -> tuple[str, bool, sympy.Expr] | None:
    """The derivative (or a wrong one) as a program prints it, whether it is LaTeX, and itself;
    None when it is too large for the parser's limits."""
    d = typed.derivative(wrt)
    if wrong:
        doubled = abs(typed.at_point(d)) > 1e-2
        d = pick.one(["plus"] + ["twice"] * doubled) == "twice" and 2 * d \
            or d + pick.one([1, -1, sympy.Rational(1, 2)])
    if text_depth(d) > LIMITS.depth - 10 or sympy.count_ops(d) > LIMITS.nodes // 4 \
            or d.has(sympy.Piecewise, sympy.Derivative, sympy.re, sympy.im):  # none of them typed
        return None
    latex = latex_ok and latex_printable(d) and pick.one([False, True])
    text = sympy.latex(d) if latex else our_syntax(d)
    return (text, latex, d) if len(text) < LIMITS.length // 2 else None


def random_case(pick: Pick, folder: Path) -> Case:
    kind = pick.one(["diff"] * 6 + ["verify right"] * 4 + ["verify wrong"] * 2
                                + ["explain", "steps", "trace"] * 2 + ["graph", "stepper", "grade", "demo"])
    timeout, seconds = timeout_options(pick)
    if kind == "demo":
        out = folder / pick.one(["demo.svg", "demo.dot"])
        return Case(["demo", "--out", str(out), *timeout], kind, seconds, files=[out])
    if kind == "grade":
        return grade_case(pick, folder)
    typed = typed_expression(pick)
    with_point = kind in ("explain", "trace", "graph", "stepper") or pick.integer(0, 4) > 0
    text = written(pick, typed, juxtapose=with_point)
    point = {name: typed.point[name] for name in text.variables}
    at = point_options(pick, point) if with_point else []
    latex = ["--latex"] * (text.latex and pick.one([False, True]))
    wrt = pick.one(text.variables)
    if kind.startswith("verify"):
        claim = claim_text(pick, typed, wrt, kind.endswith("wrong"),
                           all(n in ("x", "y", "z", "t", "w", "theta", "w_0") for n in text.variables))
        if claim is None:
            kind = "diff"
        else:
            options = pick.one([[], ["--steps"], ["--format", "json"], ["--format", "latex"],
                                            ["--steps", "--format", "json"]])
            both_latex = latex if claim[1] else []
            return Case(["verify", text.text, "--wrt", wrt, "--claim", claim[0], *at, *both_latex, *options,
                         *timeout], kind, seconds, typed, [wrt], claim=claim[2])
    if kind == "diff":
        wrts = pick.one([[], [wrt], text.variables])
        options = pick.one([[], ["--format", "json"], ["--format", "latex"], ["--simplify"]])
        return Case(["diff", text.text, *(w for name in wrts for w in ("--wrt", name)), *at, *latex,
                     *options, *timeout], kind, seconds, typed, wrts or sorted(text.variables))
    if kind == "explain":
        return Case(["explain", text.text, "--wrt", wrt, *at, *latex, *timeout], kind, seconds, typed, [wrt])
    if kind == "steps":
        fmt = pick.one(["text", "markdown", "latex", "json"])
        return Case(["steps", text.text, "--wrt", wrt, *at, "--format", fmt, *timeout], kind, seconds,
                    typed, [wrt])
    if kind == "trace":
        direction = pick.one([[], ["--wrt", wrt], ["--wrt", f"{wrt}=0.5"]])
        options = pick.one([[], ["--format", "markdown"], ["--format", "latex"],
                                        ["--format", "html"], ["--max-rows", "6", "--decimals", "10"]])
        return Case(["trace", text.text, *at, *direction, *options, *timeout], kind, seconds, typed)
    name = pick.one(["graph.svg", "graph.dot"]) if kind == "graph" else "page.html"
    out = folder / name
    return Case([kind, text.text, *at, "-o", str(out), *timeout], kind, seconds, typed, files=[out])


def grade_case(pick: Pick, folder: Path) -> Case:
    """A small file of answers, right and wrong, in CSV or JSON Lines."""
    rows, due = [], {}
    for number in range(pick.integer(1, 3)):
        typed = typed_expression(pick, max_depth=3)
        text = written(pick, typed, juxtapose=False)  # a row names no variables elsewhere
        wrt = pick.one(text.variables)
        wrong = pick.one([False, True])
        claim = claim_text(pick, typed, wrt, wrong, latex_ok=False)
        if claim is None:
            continue
        ident = f"s{number}"
        at = ",".join(f"{name}={typed.point[name]}" for name in text.variables)
        rows.append({"id": ident, "expression": text.text, "wrt": wrt, "claim": claim[0], "at": at})
        due[ident] = ("wrong" if wrong else "right", claim[2])
    jsonl = pick.one([False, True])
    source = folder / ("answers.jsonl" if jsonl else "answers.csv")
    if jsonl:
        source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    else:
        with source.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=["id", "expression", "wrt", "claim", "at"])
            writer.writeheader()
            writer.writerows(rows)
    output = folder / pick.one(["verdicts.csv", "verdicts.jsonl"])
    output.unlink(missing_ok=True)
    seconds = pick.one([5.0, 10.0])
    return Case(["grade", str(source), "-o", str(output), "--jobs", "1", "--timeout", f"{seconds:g}"],
                "grade", seconds * max(1, len(rows)) + MARGIN, rows=due, output=output)


# -- running and checking -------------------------------------------------------------------------
def run(argv: list[str]) -> tuple[int, str, str, float]:
    """main(argv) in this process (sympy stays loaded): status, stdout, stderr, seconds."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    start = time.monotonic()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            status = main(list(argv))
        except SystemExit as exit:  # argparse's usage errors
            status = exit.code if isinstance(exit.code, int) else 2
    elapsed = time.monotonic() - start
    texts = []
    for stream in (out, err):
        stream.flush()
        texts.append(stream.buffer.getvalue().decode("utf-8"))  # type: ignore[attr-defined]
    return status, texts[0], texts[1], elapsed


def close(printed: float, oracle: float, relative: float = RELATIVE) -> bool:
    return math.isclose(printed, oracle, rel_tol=relative, abs_tol=ABSOLUTE)


def printed_values(case: Case, out: str) -> list[float]:
    """What `diff --at` printed for f and each derivative, in order, in any --format."""
    if "--format" in case.argv and case.argv[case.argv.index("--format") + 1] == "json":
        answer = json.loads(out)
        assert [d["wrt"] for d in answer["derivatives"]] == case.wrt
        values = [answer["value"]] + [d["value"] for d in answer["derivatives"]]
        numerics = [d["numeric"] for d in answer["derivatives"]]
        return values + numerics
    lines = out.rstrip("\n").splitlines()[-(1 + len(case.wrt)):]
    if "--format" in case.argv:  # latex: \left.f\right|_{x=...} = value
        return [float(line.rsplit(" = ", 1)[1]) for line in lines]
    rows = [line.split() for line in lines]
    assert [row[0] for row in rows] == ["f"] + [f"df/d{name}" for name in case.wrt], lines
    return [float(row[1]) for row in rows] + [float(row[2]) for row in rows[1:]]


def check_diff(case: Case, out: str) -> None:
    if "--at" not in case.argv:
        return
    typed = case.typed
    assert typed is not None
    f = typed.at_point(typed.root.exact)
    derivatives = [typed.at_point(typed.derivative(name)) for name in case.wrt]
    values = printed_values(case, out)
    oracle = [f, *derivatives, *(derivatives if len(values) > 1 + len(case.wrt) else [])]
    assert len(values) == len(oracle)
    for value, want in zip(values, oracle):
        assert close(value, want), (value, want, out)


def check_explain(case: Case, out: str) -> None:
    assert case.typed is not None
    total = re.search(r"= (\S+) \(the sum over \d+ paths?\)$", out.rstrip().splitlines()[-1])
    assert total, out[-500:]
    want = case.typed.at_point(case.typed.derivative(case.wrt[0]))
    assert close(float(total.group(1)), want, relative=1e-5), (total.group(1), want)


def check_verify(case: Case, status: int, out: str) -> None:
    wanted = 1 if case.kind.endswith("wrong") else 0
    if status == 1 and wanted == 0 and undefined_where_it_says(case, out):
        return
    assert status == wanted, f"verify says {'right' if status == 0 else 'wrong'}:\n{out}"
    if "json" in case.argv:
        assert json.loads(out)["right"] is (wanted == 0)


def undefined_where_it_says(case: Case, out: str) -> bool:
    """Whether verify called the true derivative wrong only because, as written, it has no value
    at the point it names, and the oracle agrees: sympy's u**v*(v'*log(u) + v*u'/u) where u is 0
    on an interval (relu(heaviside(x))**v at x < 0, whose derivative is 0 there)."""
    if "json" in case.argv:
        found = json.loads(out)["counterexample"]
        point = found["point"] if found["claim"] is None else None
    else:
        point = undefined_at(out)
    return point is not None and case.claim is not None and not defined_at(case.claim, point)


def undefined_at(text: str) -> dict[str, float] | None:
    """The point of verify's "at x = ... the derivative is ... but the claim is undefined"."""
    said = re.search(r"at (.*?) the derivative is \S+ but the claim is undefined", text)
    return said and {n: float(v) for n, v in (item.split(" = ") for item in said.group(1).split(", "))}


def defined_at(expr: sympy.Expr, point: dict[str, float]) -> bool:
    value = sympy.N(expr.subs({symbol(n): sympy.Float(v, 30) for n, v in point.items()}), 30)
    return bool(value.is_real and value.is_finite)


def check_grade(case: Case) -> None:
    assert case.output is not None
    text = case.output.read_text(encoding="utf-8")
    if case.output.suffix == ".jsonl":
        verdicts = [json.loads(line) for line in text.splitlines() if line.strip()]
    else:
        verdicts = list(csv.DictReader(io.StringIO(text)))
    assert len(verdicts) == len(case.rows), text
    for verdict in verdicts:
        due, claim = case.rows[verdict["id"]]
        if verdict["verdict"] == "invalid" and "time bound" in verdict["reason"]:
            continue
        point = undefined_at(verdict["counterexample"]) if verdict["verdict"] == "wrong" else None
        if due == "right" and point is not None and not defined_at(claim, point):
            continue  # see undefined_where_it_says
        assert verdict["verdict"] == due, verdict


CHECKS: dict[str, Callable[[Case, str], None]] = {"diff": check_diff, "explain": check_explain}


def check(case: Case, status: int, out: str, err: str, elapsed: float) -> None:
    assert status in (0, 1, 2), status
    assert "Traceback" not in out + err, err
    assert elapsed < case.seconds, f"{elapsed:.1f} s, bound {case.seconds:g} s"
    said = [line for line in err.splitlines() if not line.startswith("nanograd: read ")]
    if status == 2:
        assert said and said[0].startswith(f"nanograd {case.command}: "), err
        assert len(said) <= 12 and len(err) < 4000, err  # a message, not a dump
        valid_refusal = any(reason in said[0] for reason in REFUSALS_OF_VALID_INPUT)
        assert valid_refusal, f"a valid command was refused: {err}"
        return
    if case.kind.startswith("verify"):
        check_verify(case, status, out)
        return
    assert status == 0, (out, err)
    for path in case.files:
        assert path.is_file() and path.stat().st_size > 0 or path.with_suffix(".dot").is_file(), path
    if case.kind == "grade":
        check_grade(case)
    if case.kind in CHECKS:
        CHECKS[case.kind](case, out)


@pytest.mark.parametrize("name", sorted(OPS))
@settings(max_examples=8)
@given(data=st.data())
def test_each_row_of_the_table_is_written_in_every_notation_and_read_back(name, data):
    """A row added to the table is fuzzed too: it needs its oracle, and each way of writing it
    must read back as the same value."""
    assert name in ORACLES, f"tests/typed_expressions.py: give the row {name} an oracle"
    typed = row_example(name)
    pick = Drawn(data)
    text = written(pick, typed, juxtapose=pick.one([False, True]))
    expression = parse(text.text, variables=text.variables, latex=text.latex or None)
    assert sorted(expression.variables) == text.variables
    value = expression.graph({n: typed.values[n] for n in text.variables})[0].data
    assert math.isclose(value, typed.root.value, rel_tol=1e-12), (text, value, typed.root.value)


def test_valid_commands_give_right_answers_within_their_time(tmp_path_factory):
    """Commands drawn from a seeded random.Random: the same ones on every run under the `ci`
    profile, new ones (the seed is in the failure message) under `dev` and `thorough`."""
    folder = tmp_path_factory.mktemp("fuzz")
    profile = settings()
    seed = 16 if profile.derandomize else random.randrange(2 ** 32)
    pick = Randomly(seed)
    outcomes: Counter[tuple[str, int]] = Counter()
    slowest = (0.0, [""])
    for number in range(COMMANDS_PER_EXAMPLE * profile.max_examples):
        case = random_case(pick, folder)
        status, out, err, elapsed = run(case.argv)
        outcomes[case.kind, status] += 1
        slowest = max(slowest, (elapsed, case.argv))
        try:
            check(case, status, out, err, elapsed)
        except AssertionError as error:
            raise AssertionError(f"command {number} of seed {seed}: {case}\nexit {status}\n"
                                 f"stdout: {out[-3000:]}\nstderr: {err[-3000:]}\n{error}") from None
    total = sum(outcomes.values())
    done = sum(n for (_, status), n in outcomes.items() if status == 0)
    due = sum(n for (kind, status), n in outcomes.items() if status == (1 if kind == "verify wrong" else 0))
    print(f"\nCLI fuzz, seed {seed}: {total} commands, {done} exit 0 ({done / total:.0%}), {due} with the "
          f"status due ({due / total:.0%}); by kind and status: {dict(sorted(outcomes.items()))}; "
          f"slowest {slowest[0]:.1f} s: {slowest[1][:2]}")
    assert due >= 0.75 * total, outcomes  # the fuzz reaches the answers, not only the refusals
