"""The `nanograd` command line, run as a user would: `python -m nanograd demo`."""
from __future__ import annotations

import json
import math
import re
import subprocess
import sys

import pytest

# a node's row: label, op, value, d m / d node (further columns, if any, are not read here)
ROW = re.compile(r"^([a-m])\s+(\w+)\s+(-?\d+\.\d+)\s+(-?\d+\.\d+)")


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("cli")  # away from the checkout: the installed package runs
    return subprocess.run([sys.executable, "-m", "nanograd", "demo"], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_demo_exits_zero(demo_run):
    assert demo_run.returncode == 0, demo_run.stderr


def test_demo_prints_every_node_with_value_and_gradient(demo_run, pure_python_reference):
    values, grads = pure_python_reference
    rows = {}
    for line in demo_run.stdout.splitlines():
        match = ROW.match(line)
        if match:
            label, op, value, grad = match.groups()
            assert label not in rows, f"{label} printed twice"
            rows[label] = (op, float(value), float(grad))
    assert list(rows) == list("abcdefghijklm")  # every label, in topological order
    for label, (_op, value, grad) in rows.items():
        assert math.isclose(value, values[label], abs_tol=1e-5), label
        # the gradient against central finite differences computed here, with plain math
        assert math.isclose(grad, grads[label], rel_tol=1e-5, abs_tol=1e-7), (label, grad)
    assert rows["m"][2] == 1.0
    assert rows["k"][2] < 0  # m falls as k rises: l = j - k
    assert rows["a"][0] == rows["b"][0] == rows["k"][0]  # the three leaves are shown alike


def test_demo_gradients_of_leaves_by_hand(demo_run):
    # d m / d a = d m / d b: m depends on a and b only through c = a + b
    matches = (ROW.match(line) for line in demo_run.stdout.splitlines())
    rows = {m.group(1): float(m.group(4)) for m in matches if m}
    assert rows["a"] == rows["b"]
    # d m / d k = -1 / (l ln 10), with l = 20^2 tanh(2.5)^2 - 2
    l_value = (20 * math.tanh(2.5)) ** 2 - 2
    assert math.isclose(rows["k"], -1 / (l_value * math.log(10)), rel_tol=1e-6)


def test_command_without_subcommand_fails_with_usage():
    run = subprocess.run([sys.executable, "-m", "nanograd"], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode != 0
    assert "usage" in run.stderr.lower()


def test_diff_simplify_prints_the_simplified_form_and_evaluates_the_graphs(capsys):
    # found by the command-line fuzz: simplify's form of d/dw cbrt(sinh(w)) has Abs(sinh(w)**(2/3)),
    # which has a value only in sympy's complex reading, so --at crashed; the values are those
    # of the closed form of the graph (real arithmetic), the simplified form is what is printed
    from nanograd.cli import main

    assert main(["diff", "cbrt(sinh(w))", "--simplify", "--at", "w=-0.4", "--format", "json"]) == 0
    answer = json.loads(capsys.readouterr().out)["derivatives"][0]
    assert "Piecewise" in answer["expr"]
    exact = math.cosh(-0.4) / (3 * abs(math.sinh(-0.4)) ** (2 / 3))
    assert math.isclose(answer["value"], exact, rel_tol=1e-12)
    assert math.isclose(answer["numeric"], exact, rel_tol=1e-12)


def test_main_in_process(capsys, tmp_path, monkeypatch):
    from nanograd.cli import main

    monkeypatch.chdir(tmp_path)  # demo writes its drawing into the current folder
    assert main(["demo"]) == 0
    assert list(tmp_path.glob("nanograd-demo.*")), "demo names a drawing and writes it"
    out = capsys.readouterr().out
    assert sum(bool(ROW.match(line)) for line in out.splitlines()) == 13
