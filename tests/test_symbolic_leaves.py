"""Which sympy symbol stands for each leaf, constants mixed into operations, name clashes,
`leaf_values`, and the promise that numeric work never imports sympy."""
from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from fractions import Fraction

import pytest
import sympy

import nanograd
from nanograd import Scalar

X, Y = sympy.symbols("x y", real=True)


def real(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, real=True)


# -- the symbol of a leaf -------------------------------------------------------------------

def test_sym_as_a_string_is_a_real_symbol():
    x = Scalar(0.5, sym="x")
    assert x.expr == real("x")
    assert x.expr != sympy.Symbol("x")  # the real one, not the assumption-free one
    assert x.expr.is_real is True


def test_sym_wins_over_label():
    x = Scalar(0.5, label="lab", sym="x")
    assert (x * 2).expr == 2 * real("x")


def test_sym_as_a_sympy_symbol_is_kept_exactly_with_its_assumptions():
    t = sympy.Symbol("t", positive=True)
    leaf = Scalar(2.0, sym=t)
    out = leaf * 3
    assert leaf.expr is t or leaf.expr == t
    assert out.expr == 3 * t
    (free,) = out.expr.free_symbols
    assert free == t and free.is_positive is True
    # an assumption-free Symbol stays assumption-free
    u = sympy.Symbol("u")
    assert (Scalar(1.0, sym=u) + 1).expr == u + 1
    assert (Scalar(1.0, sym=u) + 1).expr != real("u") + 1


@pytest.mark.parametrize("constant", [sympy.pi, sympy.Rational(1, 3), sympy.E, sympy.sqrt(2)])
def test_sym_as_a_constant_is_an_exact_constant_not_a_variable(constant):
    c = Scalar(float(constant.evalf()), sym=constant)
    x = Scalar(1.5, label="x")
    out = c * x + c
    assert out.expr == constant * X + constant
    grads = nanograd.grad_expr(out)
    assert list(grads) == [x]  # the constant leaf is not a variable
    assert grads[x] == constant
    assert set(nanograd.leaf_values(out)) == {X}


def test_sym_with_free_symbols_that_is_not_a_symbol_is_refused():
    with pytest.raises(TypeError):
        Scalar(1.0, sym=X + 1).expr
    with pytest.raises(TypeError):
        (Scalar(1.0, sym=sympy.sin(Y)) * 2).expr


def test_label_gives_a_real_symbol():
    w = Scalar(0.3, label="w")
    assert w.expr == real("w")
    assert w.expr.is_real is True


def test_label_set_after_the_operations_counts():
    a = Scalar(3.0)
    b = Scalar(2.0, label="b")
    c = a * b + a
    a.label = "a"  # set after the graph was built
    assert c.expr == real("a") * real("b") + real("a")
    assert set(nanograd.grad_expr(c).values()) >= {real("b") + 1}


def test_worked_example_label_set_after_creation():
    a = Scalar(3)
    a.label = "a"
    b = Scalar(2, label="b")
    c = a + b
    assert c.expr == real("a") + real("b")


def test_automatic_names_are_unique_real_and_stable():
    a, b = Scalar(1.0), Scalar(2.0)
    first = (a * b).expr
    syms = sorted(first.free_symbols, key=lambda s: s.name)
    assert len(syms) == 2  # two leaves, two different names
    assert all(s.is_real for s in syms)
    # asked again, through other graphs, the same leaves keep the same symbols
    assert (a * b).expr == first
    sa, = a.expr.free_symbols
    sb, = b.expr.free_symbols
    assert {sa, sb} == set(syms)
    assert (a + 1).expr == sa + 1
    assert nanograd.grad_expr(a * b, wrt=a) == sb
    # a third unlabelled leaf gets yet another name in their graph (names are numbered per
    # graph, not per process), and keeps it
    c = Scalar(3.0)
    assert len((a * b * c).expr.free_symbols) == 3
    assert c.expr not in (sa, sb)
    assert (a * b).expr == first


def test_label_set_later_wins_over_the_automatic_name():
    a = Scalar(1.0)
    b = Scalar(2.0, label="b")
    before = (a * b).expr
    assert real("a") not in before.free_symbols
    a.label = "a"
    assert (a * b).expr == real("a") * real("b")


# -- numbers mixed into operations ----------------------------------------------------------

def test_numbers_are_constants_and_integers_stay_exact():
    c = Scalar(5.0, label="c")
    C = real("c")
    assert (c / 2).expr == C / 2
    assert (c / 2).expr != sympy.Float(0.5) * C
    assert (2 * c).expr == 2 * C
    assert (c * 2).expr == 2 * C
    assert (c ** 2).expr == C ** 2
    assert (2 ** c).expr == 2 ** C
    assert (1 - c).expr == 1 - C
    assert (3 / c).expr == 3 / C
    assert (c * Fraction(1, 3)).expr == C / 3
    assert (c ** Fraction(1, 3)).expr == C ** sympy.Rational(1, 3)
    # floats stay floats (not silently rationalised), still constants
    assert (c * 0.5).expr == sympy.Float(0.5) * C
    for out in (c / 2, 2 * c, c ** 2, 2 ** c, 3 / c, c * 0.5):
        assert list(nanograd.grad_expr(out)) == [c]
        assert out.expr.free_symbols == {C}


def test_constant_only_operands_give_exact_derivatives():
    c = Scalar(5.0, label="c")
    assert nanograd.grad_expr(c / 2, wrt=c) == sympy.Rational(1, 2)
    assert nanograd.grad_expr(c ** 3, wrt=c) == 3 * real("c") ** 2


# -- clashes --------------------------------------------------------------------------------

def test_two_leaves_with_the_same_label_clash():
    a1 = Scalar(1.0, label="a")
    a2 = Scalar(2.0, label="a")
    out = a1 * a2
    with pytest.raises(nanograd.SymbolClashError, match="'a'"):
        out.expr
    with pytest.raises(nanograd.SymbolClashError, match="'a'"):
        nanograd.grad_expr(out)
    with pytest.raises(ValueError):  # SymbolClashError is a ValueError
        nanograd.grad_expr(out, wrt=a1)
    assert issubclass(nanograd.SymbolClashError, ValueError)


def test_clash_between_sym_and_label_of_the_same_name():
    a1 = Scalar(1.0, sym=sympy.Symbol("a", positive=True))
    a2 = Scalar(2.0, label="a")
    with pytest.raises(nanograd.SymbolClashError, match="'a'"):
        (a1 + a2).expr


def test_the_same_leaf_used_twice_is_no_clash_nor_are_labelled_intermediates():
    a = Scalar(1.5, label="a")
    b = a * a
    b.label = "a"  # an intermediate node's label is not a variable
    out = b + a
    assert out.expr == real("a") ** 2 + real("a")
    assert nanograd.grad_expr(out, wrt=a) == 2 * real("a") + 1


def test_constant_leaves_never_clash():
    p1 = Scalar(math.pi, sym=sympy.pi)
    p2 = Scalar(math.pi, sym=sympy.pi)
    x = Scalar(1.0, label="x")
    assert (p1 * x + p2).expr == sympy.pi * X + sympy.pi


# -- leaf_values ----------------------------------------------------------------------------

def test_leaf_values_maps_each_variable_symbol_to_its_current_value():
    x = Scalar(1.25, label="x")
    y = Scalar(-0.5, sym="y")
    t = sympy.Symbol("t", positive=True)
    tt = Scalar(2.0, sym=t)
    p = Scalar(math.pi, sym=sympy.pi)
    out = x * y + tt * p
    assert nanograd.leaf_values(out) == {X: 1.25, Y: -0.5, t: 2.0}
    x.data = 4.0
    assert nanograd.leaf_values(out)[X] == 4.0


def test_leaf_values_of_unlabelled_leaves_use_their_automatic_symbols():
    a, b = Scalar(0.25), Scalar(0.75)
    out = a * b
    values = nanograd.leaf_values(out)
    assert set(values) == out.expr.free_symbols
    assert sorted(values.values()) == [0.25, 0.75]
    sa, = a.expr.free_symbols
    assert values[sa] == 0.25


# -- laziness -------------------------------------------------------------------------------

def test_forward_and_backward_never_import_sympy():
    code = textwrap.dedent("""
        import sys
        import nanograd
        from nanograd import Scalar
        from nanograd.teaching import worked_example

        a = Scalar(0.7, label="a")
        b = Scalar(1.9)
        out = a
        for name, op in nanograd.OPS.items():
            if op.arity == 1:
                lo, hi = op.safe[0][-1]  # 1.9 is outside the domain of asin, atanh, ...
                arg = b if lo <= 1.9 <= hi else a
                out = out + getattr(arg, name)()
        out = (out * a - b / 2 + a ** 2 + 2 ** b) ** 2
        out.backward()
        m = worked_example()
        m.backward()
        repr(out); nanograd.format_tree(out); nanograd.topological_order(out)
        model = nanograd.nn.MLP(2, [3, 1])
        model([a, b]).backward()
        assert a.grad != 0.0 and b.grad != 0.0
        print("sympy" in sys.modules, any(k.startswith("sympy") for k in sys.modules))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]


def test_expr_is_built_on_demand_from_the_current_graph():
    a = Scalar(2.0)
    out = a * 3
    a.label = "p"
    assert out.expr == 3 * real("p")
    a.label = "q"
    assert out.expr == 3 * real("q")
