"""Textbook steps: every op of the table has its steps, each step names its rule from the table
beside the ops, and the last line is the derivative (checked against sympy.diff)."""
from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
import sympy
from textbook_corpus import usable_entries

from nanograd import OPS, Scalar, apply, parse, steps
from nanograd.core.mistakes import RULES
from nanograd.symbolic.algebra import MATH_MODULES


def _is_derivative(derivation, f, x, domain=(-3.0, 3.0)) -> bool:
    """The last line against sympy.diff: equal, or equal in value at points off any kink (where
    sympy's derivative of a step is a DiracDelta, the table's is 0)."""
    truth = sympy.diff(f, x).replace(sympy.DiracDelta, lambda *args: 0)
    if derivation.result - truth == 0:
        return True
    others = sorted((derivation.result.free_symbols | truth.free_symbols) - {x}, key=str)
    both = sympy.lambdify([x, *others], [derivation.result, truth], modules=MATH_MODULES)
    agree = 0
    for k in range(1, 40):
        try:
            a, b = both(*[domain[0] + (domain[1] - domain[0]) * k / 40 + 1e-3] * (1 + len(others)))
        except (ArithmeticError, ValueError, TypeError):
            continue
        if not math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-9):
            return False
        agree += 1
    return agree > 0


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_op_of_the_table_has_steps_ending_in_its_derivative(name):
    op = OPS[name]
    (low, high), = op.safe[0][:1]
    x = Scalar((low + high) / 2, sym="x")
    inner = x * 0.5 + (low + high) / 4  # an expression, so the chain rule shows too
    args = [inner] if op.arity == 1 else [inner, x * 0 + 1 + x * x]
    out = apply(op, *args)
    derivation = steps(out, wrt=x)
    assert derivation.steps[0].rule.startswith(tuple(
        RULES[name].name_for(p) for p in ("any", "both", "first", "second")))
    assert _is_derivative(derivation, out.expr, sympy.Symbol("x", real=True), (low, high))


def test_the_steps_go_from_the_outermost_rule_inwards_and_show_the_result_after_each():
    x = Scalar(0.5, sym="x")
    derivation = steps(x * (x ** 2).sin(), wrt=x)
    assert [s.rule for s in derivation.steps] == [
        "product rule", "trig derivative with the chain rule", "power rule"]
    assert derivation.steps[0].result.has(sympy.Derivative)
    assert derivation.result == derivation.steps[-1].result and not derivation.result.has(sympy.Derivative)
    text = str(derivation)
    assert "1. product rule" in text and "d/dx(sin(x**2))" in text
    assert r"\begin{align*}" in derivation.latex() and derivation._repr_latex_() == derivation.latex()
    assert "**product rule**" in derivation.markdown()
    assert json.loads(derivation.json())["steps"][2]["rule"] == "power rule"


SAMPLE = usable_entries()[::5]


@pytest.mark.parametrize("entry", SAMPLE, ids=[e["id"] for e in SAMPLE])
def test_corpus_sample_steps_end_in_the_true_derivative(entry):
    expression = parse(entry["python"])
    out, leaves = expression.graph({n: sum(entry["domain"]) / 2 for n in expression.variables})
    derivation = steps(out, wrt=leaves[entry["wrt"]])
    assert _is_derivative(derivation, expression.sympy(), sympy.Symbol(entry["wrt"], real=True),
                          tuple(entry["domain"]))


@pytest.mark.parametrize("fmt, expected", [("text", "1. product rule"), ("markdown", "**product rule**"),
                                           ("latex", r"\begin{align*}"), ("json", '"rule": "product rule"')])
def test_cli_steps_in_each_format(fmt, expected):
    done = subprocess.run([sys.executable, "-m", "nanograd", "steps", "x*exp(x)", "--wrt", "x",
                           "--format", fmt], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout


def test_steps_keep_to_the_callers_time_budget():
    # found by the command-line fuzz: `steps` ran 10 s under --timeout 3, in sympy.expand of the
    # check that the last line is grad_expr's (a fourth power of a sum of eight terms)
    import time

    from nanograd import TimeBudgetError
    from nanograd.core.budget import within

    text = "relu((-3*z - cos(z) + |z| - pi - log(2) + 3 - log_{z + 3.1}(z + 4.24))**4 - 2.05)"
    out, leaves = parse(text).graph({"z": -0.8})
    start = time.process_time()
    try:
        with within(1.0):
            derivation = steps(out, wrt=leaves["z"])
        assert _is_derivative(derivation, parse(text).sympy(), sympy.Symbol("z", real=True), (-1.2, -0.4))
    except TimeBudgetError:
        pass
    assert time.process_time() - start < 3.0


def test_the_check_of_the_last_step_skips_points_where_a_power_is_complex():
    # found by the command-line fuzz: a negative base to the power w made lambdify's value
    # complex at a sample point, and math.isclose raised TypeError
    text = "sigmoid(log_{2}(tan(w + 2.3)(w_0^w - 3.98) + 3.9))"
    out, leaves = parse(text).graph({"w": -2.2, "w_0": 0.6})
    derivation = steps(out, wrt=leaves["w"])
    w, w_0 = sympy.symbols("w w_0", real=True)
    f = derivation.result.subs({w: sympy.Rational(-22, 10), w_0: sympy.Rational(6, 10)})
    out.backward()
    assert math.isclose(float(f), leaves["w"].grad, rel_tol=1e-9)
