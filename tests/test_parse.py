"""nanograd.calculus.parse: the restricted parser of typed expressions, in process.

Oracles: Python itself for precedence (the same text written as Python code over sympy symbols
or numbers), sympy's evalf for values, and the graph's own closed form for the sympy side.
"""
from __future__ import annotations

import math
import time
from fractions import Fraction

import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nanograd import OPS, DomainError, ParseError, Scalar
from nanograd.calculus import FUNCTIONS, LIMITS, Limits, parse

x, y, z = sympy.symbols("x y z", real=True)

# The text, and the same expression written as Python: Python's grammar is the oracle.
PRECEDENCE = [
    ("-x**2", -x**2),
    ("2**-x**2", 2**-x**2),
    ("x**y**z", x**y**z),
    ("-x*y + z", -x*y + z),
    ("x - y - z", x - y - z),
    ("x / y / z", x / y / z),
    ("x / y * z", x / y * z),
    ("x - -y", x - -y),
    ("+x * -(y + z)", +x * -(y + z)),
    ("(x + y) ** 2 / 3", (x + y) ** 2 / sympy.Integer(3)),
    ("x ** (1/2) * 3", x ** sympy.Rational(1, 2) * 3),
]


@pytest.mark.parametrize("text, expected", PRECEDENCE, ids=[t for t, _ in PRECEDENCE])
def test_precedence_and_associativity_are_pythons(text, expected):
    assert parse(text).sympy() == expected


def test_constant_arithmetic_is_pythons_and_exact():
    cases = {"-2**2": -2**2, "2**-1": Fraction(1, 2), "2**3**2": 2**3**2, "7 - 2 - 1": 7 - 2 - 1,
             "1/3 + 1/6": Fraction(1, 2), "0.1 * 3": Fraction(3, 10), "1.5e2": 150, ".5": Fraction(1, 2)}
    for text, expected in cases.items():
        assert parse(text).sympy() == sympy.Rational(expected), text


def test_integers_stay_exact_and_e_pi_are_exact_constants():
    assert parse("x/2").sympy() == x / 2
    assert parse("0.1*x").sympy() == x / 10
    assert parse("e**x + pi").sympy() == sympy.exp(x) + sympy.pi
    out, leaves = parse("e * pi").graph({})
    assert out.expr == sympy.E * sympy.pi
    assert math.isclose(out.data, math.e * math.pi)
    assert leaves == {}


@pytest.mark.parametrize("name", [n for n, op in OPS.items() if op.arity == 1 and n != "neg"])
def test_every_unary_op_of_the_table_is_a_function(name):
    x = 1.7 if name == "acosh" else 0.7  # acosh needs x >= 1
    out, leaves = parse(f"{name}(x)").graph({"x": x})
    assert out.op is OPS[name] and out.inputs == (leaves["x"],)
    assert out.data == getattr(Scalar(x), name)().data


def test_ln_is_log():
    assert parse("ln(x)").sympy() == parse("log(x)").sympy() == sympy.log(x)


GRAPH_CASES = ["x**2*sin(y)", "exp(-x**2/2)/sqrt(2*pi)", "log10(x) + log2(y) - ln(x*y)",
               "sigmoid(x)*tanh(y) + relu(x - y) + abs(y)", "2**(1/2)*x + exp(1)", "x**y", "3"]


@pytest.mark.parametrize("text", GRAPH_CASES)
def test_graph_and_sympy_come_from_one_tree(text):
    expression = parse(text)
    point = {"x": 0.8, "y": 1.7}
    values = {name: point[name] for name in expression.variables}
    out, leaves = expression.graph(values)
    assert out.expr == expression.sympy()
    reference = expression.sympy().evalf(30, subs={sympy.Symbol(n, real=True): v for n, v in values.items()})
    assert math.isclose(out.data, float(reference), rel_tol=1e-12)
    assert sorted(leaves) == list(expression.variables)
    assert all(leaf.label == name and leaf.sym == name for name, leaf in leaves.items())


def test_each_variable_is_one_leaf_and_nodes_are_labelled_with_their_text():
    out, leaves = parse("x*x + (x - 2)").graph({"x": 3.0})
    out.backward()
    assert leaves["x"].grad == 2 * 3.0 + 1
    assert out.label == "x*x + (x - 2)"
    assert [i.label for i in out.inputs] == ["x*x", "(x - 2)"]


def test_a_value_outside_the_domain_names_the_node_and_points_at_it():
    with pytest.raises(DomainError) as caught:
        parse("1 + log(x - 2)").graph({"x": 1.0})
    message = str(caught.value)
    assert "log(x - 2 = -1.0)" in message
    text_line, caret_line = message.splitlines()[-2:]
    assert text_line.strip() == "1 + log(x - 2)"
    assert caret_line.index("^") == text_line.index("log") and caret_line.count("^") == len("log(x - 2)")


def test_graph_needs_every_value():
    with pytest.raises(ValueError, match="needs a value for y"):
        parse("x + y").graph({"x": 1.0})


def _caret_column(error: ParseError) -> int:
    text_line, caret_line = str(error).splitlines()[-2:]
    return caret_line.index("^") - 2  # both lines are indented by two spaces


# (text, column of the first thing refused, words of the message)
REFUSED = [
    ("__import__('os').system('touch PWNED')", 0, "names start with a letter"),
    ("().__class__", 2, "attribute"),
    ("()", 1, "expected a number"),
    ("(x).__class__", 3, "attribute"),
    ("[x for x in ()]", 0, "lists"),
    ("lambda: 1", 6, "lambda"),
    ("open('f','w')", 5, "strings"),
    ("open(x)", 0, "unknown function 'open'"),
    ("x; y", 1, "one expression"),
    ("x = 1", 2, "assignment"),
    ("sin(x, 2)", 5, "one argument"),
    ("exp + 1", 0, "exp needs an argument"),
    ("2 3", 0, "two numbers in a row"),
    ("x^y^", 4, "ends too early"),
    ("sin^x(y)", 3, "power of sin"),
    ("log_1(x)", 4, "base is positive and not 1"),
    ("sqrt_2(x)", 0, "unknown function 'sqrt_2'"),
    ("x + _y", 4, "names start with a letter"),
    ("|x", 0, "never closed"),
    ("(x]", 2, "does not close"),
    ("x{y]", 3, "does not close"),
    ("\\int x", 0, "LaTeX command \\int is not supported"),
    ("x \\", 2, "backslash"),
    ("\\frac12", 0, "write \\frac{a}{b}"),
    ("foo(x)", 0, "unknown function 'foo'"),
    ("if", 0, "keyword"),
    ("x +", 3, "ends too early"),
    ("", 0, "ends too early"),
    ("(x", 0, "never closed"),
    ("x)", 1, "closes nothing"),
    ("x * 1/0", 5, "division by zero"),
    ("0**-1", 1, "division by zero"),
    ("x\x1b[2J", 1, "unexpected character"),
    ("x²̂", 2, "unexpected character"),
    ("x ⁺", 2, "superscript power is an integer"),
]


@pytest.mark.parametrize("text, column, words", REFUSED, ids=[repr(t) for t, _, _ in REFUSED])
def test_refused_text_points_at_the_column(text, column, words):
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert caught.value.start == column
    assert words in caught.value.reason
    assert _caret_column(caught.value) == column
    assert "\x1b" not in str(caught.value)  # control characters are not echoed to the terminal


HOSTILE_SIZES = {
    "9**9**9**9": "exponent 387420489 is too large",
    "x**(10**100)": "too large",
    "x**(10**50)": "exponent",
    "1e999999999999": "too large",
    "(" * 100_000 + "x" + ")" * 100_000: "longer than",
    "x+" * 500_000 + "x": "longer than",
    "(" * (LIMITS.depth + 1) + "x" + ")" * (LIMITS.depth + 1): "nested",
    "+".join(["x"] * (LIMITS.depth + 2)): "nested too deeply",
    "sin(" * (LIMITS.depth + 1) + "x" + ")" * (LIMITS.depth + 1): "nested",
}


@pytest.mark.parametrize("text", HOSTILE_SIZES, ids=lambda t: t[:20])
def test_oversized_input_is_refused_at_once(text):
    start = time.perf_counter()
    with pytest.raises(ParseError, match=HOSTILE_SIZES[text]):
        parse(text)
    assert time.perf_counter() - start < 0.5
    assert max(len(line) for line in str(parse_error(text)).splitlines()) < 200  # a window of it


def parse_error(text: str) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse(text)
    return caught.value


def test_limits_are_in_one_place_and_can_be_changed():
    just_deep = "(" * LIMITS.depth + "x" + ")" * LIMITS.depth
    assert parse(just_deep).variables == ("x",)
    assert parse("+".join(["x"] * (LIMITS.depth + 1))).sympy() == (LIMITS.depth + 1) * x
    small = Limits(length=5, nodes=3, digits=2, exponent=3)
    assert parse("x+y", small).variables == ("x", "y")
    for text, words in [("x + y + z", "longer"), ("x+y+z", "more than 3"), ("100", "digits"),
                        ("x**4", "exponent"), ("99+1", "digits")]:
        with pytest.raises(ParseError, match=words):
            parse(text, small)


def test_functions_are_derived_from_the_table():
    assert set(FUNCTIONS.values()) == {n for n, op in OPS.items() if op.arity == 1} - {"neg"}
    assert {"ln", "arcsin", "arctan", "arsinh", "artanh"} <= set(FUNCTIONS)


# -- properties --------------------------------------------------------------------------------

ATOMS = st.sampled_from(["x", "y", "2", "0.5", "pi", "e", "3"])


@st.composite
def expressions(draw, depth: int = 4) -> str:
    """Fully parenthesised text built from the grammar (so Python's meaning is unambiguous)."""
    if depth == 0 or draw(st.booleans()):
        return draw(ATOMS)
    kind = draw(st.sampled_from(["binary", "unary", "call"]))
    if kind == "binary":
        op = draw(st.sampled_from(["+", "-", "*", "/"]))
        return f"({draw(expressions(depth - 1))} {op} {draw(expressions(depth - 1))})"
    if kind == "unary":
        return f"-({draw(expressions(depth - 1))})"
    name = draw(st.sampled_from(["sin", "cos", "tanh", "sigmoid"]))  # well conditioned
    return f"{name}({draw(expressions(depth - 1))})"


@settings(max_examples=60, deadline=None)
@given(expressions())
def test_random_expressions_graph_agrees_with_sympy(text):
    try:
        expression = parse(text)
    except ParseError as error:  # (x / (2 - 2)): a constant zero divisor is refused when read
        assert error.reason == "division by zero"
        return
    values = {"x": 0.3, "y": -0.6}
    try:
        out, _ = expression.graph({n: values[n] for n in expression.variables})
    except ArithmeticError:  # a division by zero at this point, also in sympy
        return
    assert out.expr == expression.sympy()
    exact = expression.sympy().evalf(30, subs={x: sympy.Rational(3, 10), y: sympy.Rational(-6, 10)})
    assume(exact.is_real)  # not x / sin(pi): exactly a division by zero, in floats by 1.2e-16
    assert math.isclose(out.data, float(exact), rel_tol=1e-7, abs_tol=1e-9)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="xy1.e()+-*/_[]'\",;:=^ ab_l", max_size=30))
def test_any_text_is_parsed_or_refused_with_a_parse_error(text):
    try:
        parse(text)
    except ParseError as error:
        assert 0 <= error.start <= len(text)


def test_a_constant_part_computed_in_floats_keeps_its_exact_value():
    # sin(pi) is 1.2e-16 in floats and 0 exactly: the constant is both, not refused
    out, _ = parse("sin(pi) + x").graph({"x": 0.5})
    assert out.data == pytest.approx(0.5) and str(out.expr) == "x"
