"""The `nanograd` subcommands, run as a user runs them: `python -m nanograd ...` in a subprocess.

Oracles: plain `math` (the functions and their derivatives written out here, and central
finite differences), and sympy.diff on the same expression. A run that computes imports sympy,
about a second of start-up, so those runs are started together, once, by the `runs` fixture,
each in a folder of its own, and the tests read their results.
"""
from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import time

import pytest
import sympy

from nanograd.cli import main

ENV = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}  # colour must be off in a pipe anyway


def nanograd(*args: str, cwd, stdin: str | None = None, timeout: float = 120):
    return subprocess.run([sys.executable, "-m", "nanograd", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=timeout, env=ENV)


def nanograd_all(commands: list[list[str]], cwds: list) -> list[subprocess.CompletedProcess]:
    """Several runs at once: each is mostly Python starting up, so they overlap well."""
    started = [subprocess.Popen([sys.executable, "-m", "nanograd", *args], cwd=cwd, text=True, env=ENV,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for args, cwd in zip(commands, cwds)]
    done = []
    for process in started:
        out, err = process.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return done


def assert_clean_failure(run, status: int = 2) -> None:
    assert run.returncode == status, (run.stdout, run.stderr)
    assert "Traceback" not in run.stderr and "\x1b[" not in run.stderr + run.stdout


# f(x, y) = log(x) * sqrt(y) + x/2, written out with math: the oracle for the values
EXPR = "log(x) * sqrt(y) + x/2"


def f(x: float, y: float) -> float:
    return math.log(x) * math.sqrt(y) + x / 2


def central(g, x: float, h: float = 1e-6) -> float:
    return (g(x + h) - g(x - h)) / (2 * h)


RUNS = {
    "json at": ["diff", EXPR, "--wrt", "x", "--wrt", "y", "--at", "x=1.5,y=pi/4", "--format", "json"],
    "json anywhere": ["diff", EXPR, "--wrt", "x", "--wrt", "y", "--format", "json"],
    "text": ["diff", "x**2*sin(y)", "--wrt", "x", "--at", "x=1.5,y=0.3"],
    "latex simplified": ["diff", "(x**2 - 1)/(x - 1)", "--simplify", "--format", "latex", "--at", "x=3"],
    "right": ["verify", "x**2*sin(x)", "--wrt", "x", "--claim", "2*x*sin(x) + x**2*cos(x)"],
    "off by a factor": ["verify", "sin(x)**2", "--wrt", "x", "--claim=sin(2*x)/2", "--at", "x=0.5"],
    "only the points decide": ["verify", "relu(x)*x", "--wrt", "x", "--claim", "2*relu(x)"],
    "demo": ["demo", "--out", "seed.svg"],
    "graph": ["graph", "tanh(w*x + b)", "--at", "w=0.5,x=2,b=-1", "-o", "neuron.svg"],
    "explain": ["explain", "sigmoid(w*x)", "--wrt", "w", "--at", "w=0.5,x=2"],
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """{name: (the finished run, the folder it ran in)} for every command of RUNS."""
    folders = [tmp_path_factory.mktemp(name.replace(" ", "-")) for name in RUNS]
    # all at once on a machine of 2 cores: each gets a budget that the crowd cannot use up
    commands = [[*args, "--timeout", "120"] for args in RUNS.values()]
    return dict(zip(RUNS, zip(nanograd_all(commands, folders), folders)))


def test_diff_json_has_the_documented_shape_and_right_values(runs):
    run, _ = runs["json at"]
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)  # one object, nothing else on stdout
    assert set(result) == {"expr", "at", "value", "derivatives"}
    x, y = 1.5, math.pi / 4
    assert result["at"] == {"x": x, "y": y}
    assert math.isclose(result["value"], f(x, y), rel_tol=1e-12)
    assert [d["wrt"] for d in result["derivatives"]] == ["x", "y"]
    expected = {"x": central(lambda t: f(t, y), x), "y": central(lambda t: f(x, t), y)}
    symbols = {"x": sympy.Symbol("x", real=True), "y": sympy.Symbol("y", real=True)}
    source = sympy.log(symbols["x"]) * sympy.sqrt(symbols["y"]) + symbols["x"] / 2
    for d in result["derivatives"]:
        assert set(d) == {"wrt", "expr", "latex", "value", "numeric"}
        assert math.isclose(d["value"], expected[d["wrt"]], rel_tol=1e-7)  # the closed form, evaluated
        assert math.isclose(d["numeric"], d["value"], rel_tol=1e-12)  # backprop
        ours = sympy.sympify(d["expr"], locals=symbols)  # our own output, not user input
        assert sympy.simplify(ours - sympy.diff(source, symbols[d["wrt"]])) == 0
        assert d["latex"] == sympy.latex(ours)


def test_diff_without_a_point_gives_the_same_closed_forms_and_no_values(runs):
    at, anywhere = (json.loads(runs[name][0].stdout) for name in ("json at", "json anywhere"))
    assert anywhere["at"] is None and anywhere["value"] is None
    assert all(d["value"] is None and d["numeric"] is None for d in anywhere["derivatives"])
    assert [d["expr"] for d in anywhere["derivatives"]] == [d["expr"] for d in at["derivatives"]]


def test_diff_text_is_pretty_with_both_computations_side_by_side(runs):
    run, _ = runs["text"]
    assert run.returncode == 0, run.stderr
    assert "⋅" in run.stdout and "∂" in run.stdout  # sympy's unicode pretty printer
    assert "\x1b[" not in run.stdout  # no colour in a pipe
    row = re.search(r"^df/dx\s+(\S+)\s+(\S+)\s+agree$", run.stdout, re.MULTILINE)
    assert row, run.stdout
    assert math.isclose(float(row.group(1)), 2 * 1.5 * math.sin(0.3), rel_tol=1e-12)
    assert math.isclose(float(row.group(2)), 2 * 1.5 * math.sin(0.3), rel_tol=1e-12)


def test_diff_latex_and_simplify(runs):
    run, _ = runs["latex simplified"]
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert r"\frac{d}{d x} f{\left(x \right)} = 1" in lines  # simplified: d/dx (x + 1)
    assert r"\left.\frac{d}{d x} f{\left(x \right)}\right|_{x=3.0} = 1.0" in lines


def test_verify_proves_a_right_claim(runs):
    run, _ = runs["right"]
    assert run.returncode == 0, run.stderr
    assert "right: proved symbolically" in run.stdout


WRONG = re.compile(r"wrong: at x = (\S+) the derivative is (\S+) but the claim is (\S+)")


def test_verify_rejects_a_claim_right_up_to_a_factor(runs):
    # (right up to the sign, and others, in test_verify.py: one start-up of sympy is enough here)
    run, _ = runs["off by a factor"]
    assert_clean_failure(run, status=1)
    point, derivative, claimed = map(float, WRONG.search(run.stdout).groups())
    assert point == 0.5  # the point given is tested first
    assert math.isclose(derivative, central(lambda t: math.sin(t) ** 2, point), rel_tol=1e-7)
    assert math.isclose(claimed, math.sin(2 * point) / 2, rel_tol=1e-12)


def test_verify_says_when_only_the_points_decide(runs):
    run, _ = runs["only the points decide"]
    assert run.returncode == 0, run.stderr
    assert "could not decide" in run.stdout and "30 points" in run.stdout


def test_demo_writes_its_drawing_where_told(runs):
    run, folder = runs["demo"]
    assert run.returncode == 0, run.stderr
    assert sum(bool(re.match(r"^[a-m]\s+\w+\s+-?\d+\.\d+", line)) for line in run.stdout.splitlines()) == 13
    written = run.stdout.splitlines()[-1].removeprefix("The drawing: ")
    assert written in ("seed.svg", "seed.dot")  # .dot: the Graphviz source, where it cannot render
    content = (folder / written).read_text()
    assert ("<svg" in content) if written.endswith(".svg") else content.startswith("digraph")
    assert [p.name for p in folder.iterdir()] == [written]


def test_graph_writes_the_drawing(runs):
    run, folder = runs["graph"]
    assert run.returncode == 0, run.stderr
    drawing = (folder / "neuron.svg").read_text()
    assert "<svg" in drawing and "tanh" in drawing


def test_explain_walks_through_the_chain_rule(runs):
    run, _ = runs["explain"]
    assert run.returncode == 0, run.stderr
    s = 1 / (1 + math.exp(-1.0))
    assert f"{s * (1 - s) * 2:.4f}" in run.stdout  # d/dw sigmoid(w x) = s (1 - s) x


# -- input that is refused: the parser refuses it before sympy is imported, so these runs are quick

def test_a_point_outside_the_domain_is_a_clear_error(tmp_path):
    run = nanograd("diff", "1 + log(x - 2)", "--at", "x=1", cwd=tmp_path)
    assert_clean_failure(run)
    assert run.stdout == ""
    assert "outside the domain of log" in run.stderr
    text_line, caret_line = run.stderr.splitlines()[-2:]
    assert caret_line.index("^") == text_line.index("log(")


def test_bad_input_and_usage_exit_2(tmp_path):
    cases = [(["verify", "x**2", "--wrt", "x", "--claim", "2*y"], "CLAIM uses y"),
             (["verify", "x**2", "--wrt", "x"], "--claim"),
             (["diff", "x**2", "--wrt", "z"], "no variable 'z'"),
             (["diff", "x + y", "--at", "x=1"], "missing: y"),
             (["diff", "x", "--at", "x=y"], "without variables"),
             (["diff", "log(x)", "--at", "x=log(-1)"], "--at x=log(-1)"),
             (["graph", "x", "-o", "out.svg"], "give the point with --at"),
             (["bogus"], "invalid choice")]
    commands = [args for args, _ in cases]
    for (args, words), run in zip(cases, nanograd_all(commands, [tmp_path] * len(cases))):
        assert_clean_failure(run)
        assert words in run.stderr, (args, run.stderr)


HOSTILE = [
    "__import__('os').system('touch PWNED')",
    "().__class__.__bases__[0].__subclasses__()",
    "[x for x in ()]",
    "lambda: 1",
    "open('f','w')",
    "'a string'",
    "x; import os",
    "exec('open(1)')",
]


def test_code_is_never_run_and_leaves_no_trace(tmp_path):
    commands = [["diff", text, "--wrt", "x"] for text in HOSTILE]
    commands += [["verify", "x", "--wrt", "x", "--claim", HOSTILE[0]],
                 ["diff", "x", "--at", f"x={HOSTILE[0]}"]]
    for run in nanograd_all(commands, [tmp_path] * len(commands)):
        assert_clean_failure(run)
        assert "^" in run.stderr, run.stderr  # the caret under the offending column
    assert list(tmp_path.iterdir()) == []


OVERSIZED = {
    "9**9**9**9": None,
    "x**(10**100)": None,
    "100,000 nested parentheses": "(" * 100_000 + "x" + ")" * 100_000,  # too long for argv: stdin
    "1 MB": "x+" * 500_000 + "x",
}


@pytest.mark.parametrize("name", OVERSIZED)
def test_oversized_input_ends_within_seconds(tmp_path, name):
    text = OVERSIZED[name]
    start = time.perf_counter()
    run = nanograd("diff", name if text is None else "-", "--at", "x=2", cwd=tmp_path, stdin=text, timeout=20)
    elapsed = time.perf_counter() - start
    assert_clean_failure(run)
    assert "column" in run.stderr and max(map(len, run.stderr.splitlines())) < 200
    assert elapsed < 10, elapsed


def test_every_subcommand_has_help_with_an_example(tmp_path, capsys):
    run = nanograd("verify", "--help", cwd=tmp_path)
    assert run.returncode == 0 and "examples:" in run.stdout and "--claim" in run.stdout
    for command in ("diff", "verify", "graph", "explain", "demo"):
        with pytest.raises(SystemExit) as exit_:
            main([command, "--help"])
        assert exit_.value.code == 0
        assert "examples:\n  nanograd " + command in capsys.readouterr().out


def test_demo_draws_to_the_current_directory_by_default(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    assert [p.name for p in tmp_path.iterdir()][0].startswith("nanograd-demo.")
    assert capsys.readouterr().out.splitlines()[-1].startswith("The drawing: nanograd-demo.")
