"""Math as people type it: every notation the parser reads, each compared with what it means.

Oracle: the same expression written in Python syntax (the grammar tests/test_parse.py checks
against Python itself), read by the parser, and the value of both at points, computed by the
Scalar graph and by sympy's evalf of the closed form. Hostile input stays refused, at once.
"""
from __future__ import annotations

import math
import time

import pytest
import sympy

from nanograd import OPS, ParseError, parse
from nanograd.calculus import LIMITS

POINTS = [{"x": 0.7, "y": 1.3, "b": 3.0}, {"x": 2.2, "y": 0.4, "b": 5.0}]

# (what a student types, the same in Python syntax, the variables known from elsewhere)
NOTATION = [
    # powers: ^ beside **; e^ is exp
    ("x^2", "x**2", ""), ("x^2^3", "x**(2**3)", ""), ("-x^2", "-(x**2)", ""), ("2^-x", "2**(-x)", ""),
    ("e^x", "exp(x)", ""), ("e^(2x)", "exp(2*x)", ""), ("e^-x", "exp(-x)", ""), ("e**x", "exp(x)", ""),
    ("5x^3", "5*x**3", ""), ("x^(1/2)", "sqrt(x)", ""),
    # products written side by side
    ("2x", "2*x", ""), ("2(x+1)", "2*(x+1)", ""), ("(x+1)(x-1)", "(x+1)*(x-1)", ""),
    ("(x+1)x", "(x+1)*x", ""), ("3sin(x)", "3*sin(x)", ""), ("sin(x)cos(x)", "sin(x)*cos(x)", ""),
    ("2 x", "2*x", ""), ("x y", "x*y", ""), ("2pi x", "2*pi*x", ""), ("x(x+1)", "x*(x+1)", ""),
    ("1/2x", "x/2", ""), ("x^2y", "x**2*y", ""), ("2x^2 + 3x - 1", "2*x**2 + 3*x - 1", ""),
    ("x e^x", "x*exp(x)", ""), ("|x|y", "abs(x)*y", ""), ("(x+1)2", "(x+1)*2", ""),
    # functions without parentheses: the implicit product after them, and no more
    ("sin x", "sin(x)", ""), ("ln x", "log(x)", ""), ("sqrt x", "sqrt(x)", ""),
    ("sin 2x", "sin(2*x)", ""), ("sin 2x y", "sin(2*x*y)", ""), ("sin x^2", "sin(x**2)", ""),
    ("sin x + 1", "sin(x) + 1", ""), ("sin x/2", "sin(x)/2", ""), ("sin x * y", "sin(x)*y", ""),
    ("sin x cos x", "sin(x)*cos(x)", ""), ("2 sin x cos x", "2*sin(x)*cos(x)", ""),
    ("x sin x", "x*sin(x)", ""), ("sin x e^x", "sin(x)*exp(x)", ""), ("ln|x|", "log(abs(x))", ""),
    ("sin -x", "sin(-x)", ""), ("-sin x", "-sin(x)", ""), ("sin sin x", "sin(sin(x))", ""),
    # powers of functions as textbooks print them
    ("sin^2(x)", "sin(x)**2", ""), ("sin^2 x", "sin(x)**2", ""),
    ("sin^2 x + cos^2 x", "sin(x)**2 + cos(x)**2", ""),
    ("cos^3(2x)", "cos(2*x)**3", ""), ("ln^2 x", "log(x)**2", ""), ("sin^{2}(x)", "sin(x)**2", ""),
    # bars, logarithms
    ("|x|", "abs(x)", ""), ("|x - 1/2|", "abs(x - 1/2)", ""), ("||x| - 1|", "abs(abs(x) - 1)", ""),
    ("|x - |y||", "abs(x - abs(y))", ""), ("2|x|", "2*abs(x)", ""),
    ("ln(x)", "log(x)", ""), ("log x", "log(x)", ""), ("log(x)", "log(x)", ""),
    ("log_7(x)", "log(x)/log(7)", ""), ("log_{7}(x)", "log(x)/log(7)", ""), ("log_7 x", "log(x)/log(7)", ""),
    ("log(x, 7)", "log(x)/log(7)", ""), ("log_2(x)", "log2(x)", ""), ("log_10 x", "log10(x)", ""),
    ("log_e(x)", "log(x)", ""), ("log_b(x)", "log(x)/log(b)", ""), ("log_{b} x", "log(x)/log(b)", ""),
    ("log(x^2 + 1, 3)", "log(x**2 + 1)/log(3)", ""),
    # Unicode a student pastes
    ("3×x", "3*x", ""), ("3·x", "3*x", ""), ("x÷2", "x/2", ""), ("x−1", "x-1", ""), ("x²", "x**2", ""),
    ("x³ + 2x²", "x**3 + 2*x**2", ""), ("√x", "sqrt(x)", ""), ("√(x+1)", "sqrt(x+1)", ""),
    ("2πx", "2*pi*x", ""), ("x⁻¹", "x**-1", ""), ("sin²x", "sin(x)**2", ""), ("x\u00a0+\u20091", "x + 1", ""),
    # LaTeX
    ("\\frac{1}{x}", "1/x", ""), ("\\frac{x+1}{x-1}", "(x+1)/(x-1)", ""),
    ("\\dfrac{\\frac{1}{x}}{2}", "1/(2*x)", ""),
    ("\\sqrt{x}", "sqrt(x)", ""), ("\\sqrt[2]{x}", "sqrt(x)", ""), ("\\sqrt[4]{x}", "x**(1/4)", ""),
    ("x^{2}", "x**2", ""), ("x^{2}y", "x**2*y", ""), ("\\sin x", "sin(x)", ""), ("\\cos(x)", "cos(x)", ""),
    ("\\sin^{2}(x)", "sin(x)**2", ""), ("\\sin^2 x", "sin(x)**2", ""), ("\\ln x", "log(x)", ""),
    ("\\ln\\left|x\\right|", "log(abs(x))", ""), ("\\log_{2} x", "log2(x)", ""),
    ("\\log_{7}(x)", "log(x)/log(7)", ""),
    ("\\exp(x)", "exp(x)", ""), ("e^{x}", "exp(x)", ""), ("e^{-x^2}", "exp(-x**2)", ""),
    ("\\mathrm{e}^{2x}", "exp(2*x)", ""),
    ("\\left(x+1\\right)^{2}", "(x+1)**2", ""), ("\\left[x+1\\right]^2", "(x+1)**2", ""),
    ("2\\cdot x", "2*x", ""), ("2 \\times x", "2*x", ""), ("x \\div 2", "x/2", ""), ("\\pi x", "pi*x", ""),
    ("|x|", "abs(x)", ""), ("\\lvert x \\rvert", "abs(x)", ""), ("\\left| x - 1 \\right|", "abs(x - 1)", ""),
    ("\\tanh x", "tanh(x)", ""), ("3x\\,y", "3*x*y", ""), ("xy", "x*y", "latex"),
    ("\\sin xy", "sin(x*y)", ""), ("x_{1}^{2}", "x_1**2", ""), ("\\theta^2 + x", "theta**2 + x", ""),
    # names run together, split into known variables
    ("xy", "x*y", "xy"), ("xy + x + y", "x*y + x + y", ""), ("2xy^2", "2*x*y**2", "xy"),
    ("sinx", "sin(x)", "x"), ("xsin(x)", "x*sin(x)", "x"), ("sin2x", "sin(2*x)", "x"),
    ("xe^x", "x*exp(x)", "x"),
    ("xlnx", "x*log(x)", "x"), ("2pix", "2*pi*x", "x"), ("e^sinx", "exp(sin(x))", "x"),
    ("theta + t + h + a", "theta + t + h + a", ""), ("x1 + x", "x1 + x", "x"), ("w_0 x", "w_0*x", "wx"),
    ("alpha(x+1)", "alpha*(x+1)", ""),
]


def _values(text: str, known: str) -> list[tuple[float, float]]:
    """The value of the graph, and of the closed form by sympy, at each point."""
    expression = parse(text, variables=[] if known == "latex" else list(known),
                       latex=True if known == "latex" else None)
    closed = expression.sympy()
    found = []
    for point in POINTS:
        values = {name: point.get(name, 0.9) for name in expression.variables}
        graph = expression.graph(values)[0].data
        exact = closed.evalf(30, subs={sympy.Symbol(n, real=True): v for n, v in values.items()})
        found.append((graph, float(exact)))
    return found


@pytest.mark.parametrize("typed, python, known", NOTATION, ids=[t for t, _, _ in NOTATION])
def test_each_notation_means_its_python_reading(typed, python, known):
    read, meant = _values(typed, known), _values(python, "")
    for (graph, exact), (graph_meant, exact_meant) in zip(read, meant):
        assert math.isclose(graph, graph_meant, rel_tol=1e-12, abs_tol=1e-12), (typed, graph, graph_meant)
        assert math.isclose(exact, exact_meant, rel_tol=1e-12, abs_tol=1e-12), (typed, exact, exact_meant)
    reading = parse(typed, variables=[] if known == "latex" else list(known), latex=known == "latex" or None)
    # the same function, not only at two points
    assert sympy.simplify(reading.sympy() - parse(python).sympy()) == 0


def test_variables_are_read_from_the_text_and_named_variables():
    assert parse("xy").variables == ("xy",)  # nothing says x and y are variables: one name
    assert parse("xy", variables=["x", "y"]).variables == ("x", "y")
    assert parse("xy + x").variables == ("x", "xy")  # y is not known: xy cannot be split into knowns
    assert parse("cost").variables == ("cost",)  # cos t only when t is known
    assert parse("cost", variables=["t"]).sympy() == sympy.cos(sympy.Symbol("t", real=True))
    assert parse("x_1 + w_0 + theta + x1", variables="xwt").variables == ("theta", "w_0", "x1", "x_1")


def test_splits_are_reported_so_a_reading_is_never_silent():
    assert parse("xy + 1", variables="xy").splits == (("xy", "x*y"),)
    assert parse("sinx", variables="x").splits == (("sinx", "sin x"),)
    assert parse("2xsin2x", variables="x").splits == (("xsin2x", "x*sin 2x"),)
    assert parse("x y + sin(x)").splits == ()
    assert parse("sinhx + x").splits == (("sinhx", "sinh x"),) if "sinh" in OPS else True


def test_sin_to_the_minus_one_is_the_inverse_function_by_the_textbook_convention():
    for text in ("sin^-1(x)", "sin^{-1}(x)", "sin⁻¹ x", "\\sin^{-1} x", "sin^(-1) x"):
        if "asin" in OPS:
            assert parse(text).sympy() == sympy.asin(sympy.Symbol("x", real=True)), text
        else:
            with pytest.raises(ParseError, match="inverse function asin"):
                parse(text)
    with pytest.raises(ParseError, match="inverse function alog"):
        parse("ln^-1(x)")
    with pytest.raises(ParseError, match=r"1/sin\(x\)\^n"):
        parse("sin^-2(x)")


def test_the_cube_root_in_latex_is_the_real_cube_root():
    x = sympy.Symbol("x", real=True)
    expression = parse("\\sqrt[3]{x}")
    assert math.isclose(expression.graph({"x": 8.0})[0].data, 2.0)
    if "cbrt" in OPS:  # defined for negative x too
        assert math.isclose(expression.graph({"x": -8.0})[0].data, -2.0)
    else:
        assert expression.sympy() == x ** sympy.Rational(1, 3)


def test_latex_is_recognised_by_a_backslash_or_asked_for():
    assert parse("ab", variables="").variables == ("ab",)
    assert parse("ab", latex=True).variables == ("a", "b")  # in print, each letter is a name
    assert parse("\\pi ab").variables == ("a", "b")
    assert parse("\\frac{x}{2}", latex=False).sympy() == sympy.Symbol("x", real=True) / 2
    with pytest.raises(ParseError, match="lists"):
        parse("[x + 1]")  # brackets group only in LaTeX


def test_in_latex_a_digit_run_together_with_letters_is_a_number_never_a_variable():
    # found by the command-line fuzz: \sin(x1) had a variable named "1" (printed df/d1)
    x, y = sympy.symbols("x y", real=True)
    assert parse("\\sin(x1)").variables == ("x",)
    assert parse("\\sin(x1)").sympy() == sympy.sin(x)
    assert parse("x2y", latex=True).sympy() == 2 * x * y
    assert parse("x2y", latex=True).splits == (("x2y", "x*2y"),)
    assert parse("\\sin(x1)", variables=["x1"]).variables == ("x1",)  # a name the command line gives


REFUSED = [
    ("tan x", 0, "unknown function 'tan'" if "tan" not in OPS else None),
    ("sin", 0, "sin needs an argument"),
    ("sin + x", 0, "sin needs an argument"),
    ("log_0(x)", 4, "base is positive and not 1"),
    ("log_(x)", 0, "log needs an argument"),
    ("sin_2(x)", 0, "unknown function 'sin_2'"),
    ("sin(x, 2)", 5, "one argument"),
    ("log(x, 2, 3)", 8, "one argument"),
    ("|x|y|z", 4, "never closed"),
    ("x|", 2, "ends too early"),
    ("\\frac{1}", 0, "write \\frac{a}{b}"),
    ("\\frac{1}{x", 0, "never closed"),
    ("\\sqrt[3{x}", 5, "'[' is never closed"),
    ("\\begin{x}", 0, "\\begin is not supported"),
    ("x^{2)", 4, "does not close"),
    ("2 3x", 0, "two numbers"),
    ("sin^0(x)", 3, "a power of sin"),
    ("sin^1001(x)", 3, "a power of sin"),
    ("sin^99999999999(x)", 3, "a power of sin"),
    ("x ⁻", 2, "superscript power"),
    ("open(x)", 0, "unknown function 'open'"),
    ("if + x", 0, "keyword"),
]


REFUSED_HERE = [r for r in REFUSED if r[2]]  # tan x is refused only while the table lacks tan


@pytest.mark.parametrize("text, column, words", REFUSED_HERE, ids=[r[0] for r in REFUSED_HERE])
def test_refused_with_a_caret_at_the_column(text, column, words):
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert words in caught.value.reason
    assert caught.value.start == column
    text_line, caret_line = str(caught.value).splitlines()[-2:]
    assert caret_line.index("^") - 2 == column


HOSTILE = {
    "x" + " x" * (LIMITS.depth + 1): "nested too deeply",  # a long product side by side
    "2(" * (LIMITS.depth + 1) + "x" + ")" * (LIMITS.depth + 1): "nested",
    "sin " * (LIMITS.depth + 1) + "x": "nested too deeply",
    "|" * (LIMITS.depth + 1) + "x" + "|" * (LIMITS.depth + 1): "nested",
    "9^9^9^9": "too large",
    "x^(10^100)": "too large",
    "2^10^9": "exponent",
    "e^(10^5000)": "too large",
    "x^{" * (LIMITS.depth + 1) + "2" + "}" * (LIMITS.depth + 1): "nested",
    "\\frac{1}{" * (LIMITS.depth + 1) + "x" + "}" * (LIMITS.depth + 1): "nested",
    "\\sqrt{" * 120 + "x" + "}" * 120: "nested",
    "\\left(" * 2_000 + "x" + "\\right)" * 2_000: "longer than",
    "x" * 10_001: "longer than",
    "xy" * 4_000: "",  # one long name: no split is tried, read at once
}


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: t[:24])
def test_hostile_input_is_refused_or_read_at_once(text):
    start = time.process_time()  # CPU time: a busy machine does not make it flaky
    if HOSTILE[text]:
        with pytest.raises(ParseError, match=HOSTILE[text]):
            parse(text, variables="xy")
    else:
        parse(text, variables="xy")
    assert time.process_time() - start < 0.5


def test_verify_reads_a_typed_claim_in_the_graphs_variables():
    from nanograd import Scalar, verify

    x, y = Scalar(0.5, sym="x"), Scalar(1.5, sym="y")
    out = (x * y).sin() + x ** 3
    assert verify(out, wrt=x, claim="y cos(xy) + 3x^2").ok  # xy: the graph has x and y
    assert not verify(out, wrt=x, claim="cos(xy) + 3x^2").ok
