"""nanograd.calculus.verification: checking a derivative worked out by hand, from Python.

Oracles: sympy.diff for right claims, central finite differences (plain math) for the values a
counterexample reports, and sympy's own evaluation of the claim at that point.
"""
from __future__ import annotations

import math

import pytest
import sympy
import textbook_corpus

import nanograd
import nanograd.calculus.verification as verify_module
from nanograd import DomainError, Scalar
from nanograd.calculus.parse import parse
from nanograd.calculus.verification import POINTS, sample_points, verify

x_, y_ = sympy.symbols("x y", real=True)


def graph(text: str, **values: float):
    out, leaves = parse(text).graph(values)
    return out, leaves


def finite_difference(text: str, wrt: str, point: dict[str, float], h: float = 1e-6) -> float:
    def f(shift: float) -> float:
        return parse(text).graph({**point, wrt: point[wrt] + shift})[0].data

    return (f(h) - f(-h)) / (2 * h)


@pytest.mark.parametrize("text, wrt", [("x**2*sin(x)", "x"), ("exp(x*y)/(1 + y**2)", "y"),
                                       ("log(1 + exp(x)) * tanh(y)", "x")])
def test_sympy_diff_of_the_same_text_is_proved_right(text, wrt):
    out, leaves = graph(text, x=0.4, y=1.3)
    claim = sympy.diff(parse(text).sympy(), sympy.Symbol(wrt, real=True))  # the independent oracle
    result = verify(out, wrt=leaves[wrt], claim=claim)
    assert result.ok and result.method == "symbolic" and result.counterexample is None
    assert str(result).startswith("right: proved symbolically")


@pytest.mark.parametrize("claim", ["sin(2*x)/2", "-2*sin(x)*cos(x)", "2*sin(x)*cos(x) + 1",
                                   "2*sin(x)*cos(x)*1.001"])
def test_claims_off_by_a_factor_a_sign_or_a_constant_are_wrong(claim):
    out, leaves = graph("sin(x)**2", x=0.9)
    result = verify(out, wrt=leaves["x"], claim=claim)
    assert not result.ok and result.method == "numeric"
    example = result.counterexample
    point = example.point
    # both values it reports, recomputed independently
    assert math.isclose(example.derivative, finite_difference("sin(x)**2", "x", point), rel_tol=1e-6)
    expected_claim = float(parse(claim).sympy().evalf(30, subs={x_: sympy.Rational(point["x"])}))
    assert math.isclose(example.claim, expected_claim, rel_tol=1e-12)
    assert not math.isclose(example.derivative, example.claim, rel_tol=1e-6)
    assert f"x = {point['x']!r}" in str(result) and str(result).startswith("wrong")


def test_the_graphs_point_is_tested_first():
    out, leaves = graph("x**3", x=2.0)
    result = verify(out, wrt=leaves["x"], claim="3*x**2 + (x - 2)*(x - 5)")  # right at x = 2 only
    assert not result.ok
    assert result.counterexample.point != {"x": 2.0}  # x = 2 agreed, another point does not
    out, leaves = graph("x**3", x=7.0)
    result = verify(out, wrt=leaves["x"], claim="3*x**2 + 1")
    assert result.counterexample.point == {"x": 7.0}
    assert (result.counterexample.derivative, result.counterexample.claim) == (147.0, 148.0)


def test_right_claims_that_simplify_cannot_prove_are_checked_at_many_points():
    out, leaves = graph("relu(x)*x", x=0.5)
    result = verify(out, wrt=leaves["x"], claim="2*relu(x)")
    assert result.ok and result.method == "numeric" and result.points == POINTS
    assert "could not decide" in str(result)
    wrong = verify(out, wrt=leaves["x"], claim="relu(x)")  # agrees for x <= 0 only
    assert not wrong.ok and wrong.counterexample.point["x"] > 0


def test_a_claim_undefined_where_the_derivative_is_defined_is_wrong():
    out, leaves = graph("log(x)", x=0.5)
    result = verify(out, wrt=leaves["x"], claim="log(-x)")
    assert not result.ok
    assert result.counterexample.claim is None and "log" in result.counterexample.reason


def test_points_outside_the_graphs_domain_are_not_used(monkeypatch):
    # sqrt(x)**2 has the closed form x, defined everywhere, but the graph needs x >= 0; the claim
    # sqrt(x)/sqrt(x) is undefined for x < 0, where the function itself is
    monkeypatch.setattr(verify_module, "SIMPLIFY_SECONDS", 1e-6)  # only the points decide
    out, leaves = graph("sqrt(x)**2", x=2.0)
    result = verify(out, wrt=leaves["x"], claim="sqrt(x)/sqrt(x)")
    assert result.ok and result.points == POINTS


def test_floats_that_overflow_or_cancel_are_looked_at_again_precisely(monkeypatch):
    # at x = 400, 1 - tanh(x)**2 is 0.0 in floats and 4/(exp(x) + exp(-x))**2 overflows: the
    # claim is right, and the 30-digit second look must say so
    monkeypatch.setattr(verify_module, "SIMPLIFY_SECONDS", 1e-6)
    out, leaves = graph("tanh(x)", x=400.0)
    claim = 4 / (sympy.exp(x_) + sympy.exp(-x_)) ** 2
    result = verify(out, wrt=leaves["x"], claim=claim)
    assert result.ok and result.method == "numeric"
    assert not verify(out, wrt=leaves["x"], claim=2 * claim).ok


def test_a_users_own_graph_and_plain_symbols():
    x = Scalar(2.0, label="x")
    y = Scalar(3.0, label="y")
    out = x * y + x.sin()
    x_plain, y_plain = sympy.symbols("x y")  # not real=True: matched to the graph's by name
    assert verify(out, x, y_plain + sympy.cos(x_plain)).ok
    assert verify(out, y, x_plain).ok
    assert verify(x * 3, x, 3).ok and not verify(x * 3, x, -3).ok
    assert x.grad == y.grad == 0.0  # the user's graph is left as it was: the checks use copies


def test_bad_claims_are_refused():
    x = Scalar(2.0, label="x")
    with pytest.raises(ValueError, match="the claim uses z"):
        verify(x * x, x, "2*z")
    with pytest.raises(ValueError, match="column"):
        verify(x * x, x, "__import__('os')")
    with pytest.raises(TypeError):
        verify(x * x, x, [2])
    with pytest.raises(TypeError):
        verify(x * x, 2.0, "2*x")


def test_a_derivative_defined_nowhere_is_a_domain_error():
    out, leaves = graph("sqrt(-x**2)", x=0.0)  # defined at 0 only, where sqrt' is infinite
    with pytest.raises(DomainError, match="undefined at every one"):
        verify(out, wrt=leaves["x"], claim="1")


def test_sample_points_are_the_same_on_every_run_and_short_to_type():
    first = [p for _, p in zip(range(20), sample_points(["x", "y"]))]
    assert first == [p for _, p in zip(range(20), sample_points(["x", "y"]))]
    assert all(float(f"{v:.4g}") == v for p in first for v in p.values())
    sizes = [abs(v) for p in first for v in p.values()]
    assert max(sizes) > 10 > min(sizes)


# -- never a false verdict ------------------------------------------------------------------

def test_a_right_claim_where_the_graph_cancels_badly_is_right():
    # 1 - tanh(x) cancels at x = 16.68: backprop in floats is off by 0.8 %, and 30 digits are
    # not enough either; the second look raises its precision until the two agree
    out, leaves = graph("(1+tanh(x))/(1-tanh(x))", x=16.68)
    result = verify(out, wrt=leaves["x"], claim="2*exp(2*x)")
    assert result.ok, str(result)
    # and a claim off by one part in 10**9 there is still refused, at that point or another
    assert not verify(out, wrt=leaves["x"], claim="2*exp(2*x)*(1 + 1/10**9) + 1/10**6").ok


# Right claims written with functions that are not operations of nanograd's table (sympy's own
# sech, csch, cosh, ...), at negative x: the claim must be worth what it computes in the reals,
# as the graph is, never what a rewriting through exp and log (x**2 -> exp(2*log(x))) computes.
# One line per case: extend with any (expression, claim) pair.
FOREIGN_CLAIMS = [
    ("2/(exp(x)+exp(-x))", lambda x: -sympy.sech(x) * sympy.tanh(x)),
    ("x**2*tanh(x)", lambda x: 2 * x * sympy.tanh(x) + x ** 2 * sympy.sech(x) ** 2),
    ("x**3*(exp(x)+exp(-x))/2", lambda x: 3 * x ** 2 * sympy.cosh(x) + x ** 3 * sympy.sinh(x)),
    ("x**2/(exp(x)-exp(-x))", lambda x: x * sympy.csch(x) * (2 - x * sympy.coth(x)) / 2),
]


@pytest.mark.parametrize("text, claim", FOREIGN_CLAIMS)
def test_claims_in_functions_outside_the_table_are_evaluated_in_the_reals(text, claim, monkeypatch):
    monkeypatch.setattr(verify_module, "SIMPLIFY_SECONDS", 1e-6)  # only the points decide
    out, leaves = graph(text, x=-1.7)
    result = verify(out, wrt=leaves["x"], claim=claim(x_))
    assert result.ok and result.points == POINTS, str(result)
    # the claim's value at a negative point, against sympy's own 30-digit evaluation
    assert math.isclose(nanograd.evaluate(claim(x_), {"x": -1.7}),
                        float(claim(x_).evalf(30, subs={x_: sympy.Rational(-17, 10)})), rel_tol=1e-12)


def test_a_claim_that_holds_in_the_complex_numbers_only_is_undefined():
    # x**(1/3) of a negative x: a complex principal root, not a real number
    assert nanograd.evaluate(sympy.cosh(x_) * x_ ** sympy.Rational(1, 3), {"x": 8.0}) > 0
    with pytest.raises(DomainError):
        nanograd.evaluate(sympy.cosh(x_) * x_ ** sympy.Rational(1, 3), {"x": -8.0})


def test_a_graph_of_300_operations_is_verified():
    x = Scalar(0.3, label="x")
    y = x
    for i in range(300):
        y = (y * 1.001).sin() if i % 2 else y + x
    claim = nanograd.grad_expr(y, wrt=x)  # (sympy.diff itself recurses too deep on this one)
    assert verify(y, x, claim, timeout=60).ok
    assert not verify(y, x, claim * 1.001, timeout=60).ok


# A right answer written in a textbook's form can be undefined, as written, where the function
# and its derivative are defined: roots of negative factors split (sqrt(x-1)*sqrt(x+1) for
# sqrt(x**2-1)), an odd root written as a power ((x**2-4)**(4/3)), a removable gap (x**2/|x| at
# 0). Read as the textbook reads it, it agrees there; such an answer is right. (From the textbook
# corpus: clp1-2.9-11, openstax1-3.9-352, clp1-2.2-11, clp1-2.8-28.)
TEXTBOOK_FORMS = [
    ("sqrt((x - 1)/(x + 2))", 2.0, "3/(2*sqrt(x - 1)*(x + 2)**(3/2))"),
    ("sqrt(x**2 - 1)", 2.0, "x/(sqrt(x - 1)*sqrt(x + 1))"),
    ("(x + 11)/cbrt(x**2 - 4)", 0.6888, "(x**2 - 22*x - 12)/(3*(x**2 - 4)**(4/3))"),
    ("x*abs(x)", 0.0, "abs(x) + x**2/abs(x)"),
    ("sin(abs(x))", 0.0, "x*cos(x)/abs(x)"),
    ("cbrt(x)**2", -1.0, "2/(3*x**(1/3))"),
]


@pytest.mark.parametrize("text, at, claim", TEXTBOOK_FORMS)
def test_a_right_answer_undefined_as_written_only_where_a_textbook_reads_it_otherwise(text, at, claim):
    out, leaves = graph(text, x=at)
    result = verify(out, wrt=leaves["x"], claim=claim)
    assert result.ok, str(result)
    # the oracle: sympy.diff of the function agrees with the claim wherever the claim is defined
    x = sympy.Symbol("x", real=True)
    exact = sympy.diff(parse(text).sympy(), x)
    for value in (2.5, 3.7, 4.2):
        assert math.isclose(float(exact.subs(x, value)), float(parse(claim).sympy().subs(x, value)),
                            rel_tol=1e-9)
    # and as written, in the graph's real arithmetic, the claim is undefined at `at` or x = -7.5,
    # where the function's derivative is defined: the reading is what makes it right
    undefined = 0
    for value in (at, -7.5):
        try:
            nanograd.evaluate(parse(claim).sympy(), {"x": value})
        except (ArithmeticError, ValueError):
            undefined += 1
    assert undefined


# ... and never a wrong answer called right: each is right where it is defined as written, and
# wrong elsewhere, read any way a textbook would.
TEXTBOOK_WRONG = [
    ("sqrt(x**2 - 1)", 2.0, "abs(x)/(sqrt(x - 1)*sqrt(x + 1))"),  # |x| for x: wrong for x < -1
    ("sqrt(x**2 - 1)", 2.0, "-x/(sqrt(x - 1)*sqrt(x + 1))"),
    ("cbrt(x)**2", 1.0, "2*x**(2/3)/(3*abs(x))"),  # |x| for x: read with real odd roots, > 0
    ("abs(x)", 1.0, "x*sqrt(x)/(abs(x)*sqrt(abs(x)))"),  # sign(x) for x > 0 only
    ("log(x)", 0.5, "log(-x)"),
]


@pytest.mark.parametrize("text, at, claim", TEXTBOOK_WRONG)
def test_a_wrong_answer_is_not_read_into_a_right_one(text, at, claim):
    out, leaves = graph(text, x=at)
    result = verify(out, wrt=leaves["x"], claim=claim, diagnose_mistake=False)
    assert not result.ok, str(result)


# -- the textbook corpus: a fast sample here, every entry in benchmarks/bench_verify.py ---------

HARD = {"clp1-2.9-11", "openstax1-3.9-352", "clp1-2.2-11", "clp1-2.8-28"}  # right answers once refused
CORPUS_SAMPLE = [e for n, e in enumerate(textbook_corpus.entries()) if n % 8 == 4 or e["id"] in HARD]


def test_corpus_sample_right_answers_are_confirmed_and_wrong_ones_caught():
    """Every typed right and wrong answer of a sample of the corpus (a fifth of it and more)."""
    assert HARD <= {e["id"] for e in CORPUS_SAMPLE} and len(CORPUS_SAMPLE) >= 30
    false_verdicts = []
    for entry in CORPUS_SAMPLE:
        expression = parse(entry["python"])
        out, leaves = expression.graph({n: sum(entry["domain"]) / 2 for n in expression.variables})
        wrt = leaves[entry["wrt"]]
        for text in entry["right"]:
            if not (result := verify(out, wrt, text, diagnose_mistake=False)).ok:
                false_verdicts.append((entry["id"], text, str(result)))
        for wrong in entry["wrong"]:
            if (result := verify(out, wrt, wrong["typed"], diagnose_mistake=False)).ok:
                false_verdicts.append((entry["id"], wrong["typed"], str(result)))
    assert not false_verdicts
