"""State a graph keeps: gradients after a backward that fails half way, the automatic names of
leaves, a constant leaf's exact value, and graphs saved with pickle or copied deeply."""
from __future__ import annotations

import copy
import math
import pickle
import random
import subprocess
import sys
import textwrap

import pytest
import sympy

import nanograd
from nanograd import Scalar, grad_expr, leaf_values
from nanograd.nn.modules import MLP


# -- a backward that fails half way -----------------------------------------------------------
def _failing_graph():
    a, b, c = Scalar(2.0, label="a"), Scalar(3.0, label="b"), Scalar(0.0, label="c")
    a.grad, b.grad, c.grad = 0.5, -1.5, 4.0  # from an earlier backward: they accumulate
    out = a * b + c.sqrt() * a  # sqrt'(0) is infinite: fails after a and b were reached
    return out, [a, b, c]


def test_a_backward_that_raises_leaves_every_gradient_as_it_was():
    out, leaves = _failing_graph()
    nodes = nanograd.topological_order(out)
    for i, node in enumerate(nodes):
        if node.op is not None:
            node.grad = 10.0 + i  # an earlier backward's adjoints
    before = [node.grad for node in nodes]
    with pytest.raises(nanograd.DivisionByZeroError):
        out.backward()
    assert [node.grad for node in nodes] == before


def test_a_backward_interrupted_by_the_user_leaves_every_gradient_as_it_was():
    a = Scalar(2.0, label="a")
    out = a * a + 1
    calls = 0

    def interrupt(m, x, y, z):  # a Ctrl-C as the second partial is computed
        nonlocal calls
        calls += 1
        raise KeyboardInterrupt

    op = nanograd.OPS["mul"]
    original = op.partials
    object.__setattr__(op, "partials", (original[0], interrupt))
    try:
        with pytest.raises(KeyboardInterrupt):
            out.backward()
    finally:
        object.__setattr__(op, "partials", original)
    assert calls == 1 and a.grad == 0.0 and out.grad == 0.0


# -- automatic names --------------------------------------------------------------------------
def test_automatic_names_do_not_clash_with_a_users_label():
    user = Scalar(1.0, label="x_1")
    anonymous = Scalar(2.0)
    out = user * anonymous
    names = {s.name for s in out.expr.free_symbols}
    assert len(names) == 2 and "x_1" in names
    assert grad_expr(out, wrt=user) == anonymous.expr  # the anonymous leaf keeps its new name


def test_an_automatic_name_taken_earlier_yields_to_a_users_label():
    anonymous = Scalar(2.0)
    first, = anonymous.expr.free_symbols
    user = Scalar(1.0, label=first.name)
    out = user * anonymous
    assert len(out.expr.free_symbols) == 2
    assert leaf_values(out)[sympy.Symbol(first.name, real=True)] == 1.0


def test_automatic_names_depend_on_the_graph_only():
    # the same script gives the same names, however many leaves the process named before
    code = textwrap.dedent("""
        import sys
        from nanograd import Scalar
        for _ in range(int(sys.argv[1])):
            Scalar(1.0).expr
        a, b = Scalar(1.0), Scalar(2.0)
        print((a * b + a).expr)
    """)
    outputs = {subprocess.run([sys.executable, "-c", code, str(n)], capture_output=True,
                              text=True, check=True, timeout=120).stdout for n in (0, 3)}
    assert len(outputs) == 1


def test_leaves_named_in_separate_graphs_are_told_apart_when_joined():
    a, b = Scalar(1.0), Scalar(2.0)
    a.expr, b.expr  # noqa: B018 (each named alone first)
    out = a * b
    assert len(out.expr.free_symbols) == 2
    assert grad_expr(out, wrt=a) == b.expr and grad_expr(out, wrt=b) == a.expr


def test_two_models_in_one_loss_have_distinct_parameter_names():
    rng = random.Random(0)
    first, second = MLP(2, [2, 1], rng=rng), MLP(2, [2, 1], rng=rng)
    x = [0.5, -1.0]
    loss = (first(x) - second(x)) ** 2
    gradients = grad_expr(loss)
    parameters = first.parameters() + second.parameters()
    assert set(gradients) == set(parameters)
    names = [s.name for s in leaf_values(loss)]
    assert len(set(names)) == len(parameters)
    loss.backward()
    values = leaf_values(loss)
    for p in parameters:  # each closed form is that parameter's own derivative
        assert math.isclose(float(gradients[p].subs(values)), p.grad, rel_tol=1e-9, abs_tol=1e-12)


def test_a_users_duplicate_label_still_clashes():
    with pytest.raises(nanograd.SymbolClashError):
        (Scalar(1.0, label="a") * Scalar(2.0, label="a")).expr


# -- constant leaves ----------------------------------------------------------------------------
@pytest.mark.parametrize("sym", [sympy.pi, sympy.Integer(2), sympy.sqrt(2)])
def test_a_constant_sym_that_disagrees_with_the_data_is_refused(sym):
    with pytest.raises(ValueError, match="3.0"):
        Scalar(3.0, sym=sym)


def test_a_constant_sym_that_agrees_with_the_data_is_kept():
    assert Scalar(math.pi, sym=sympy.pi).expr == sympy.pi
    assert Scalar(math.sqrt(2), sym=sympy.sqrt(2)).expr == sympy.sqrt(2)
    assert Scalar(math.log(10), sym=sympy.log(10)).expr == sympy.log(10)


def test_a_non_real_constant_sym_is_refused():
    with pytest.raises(ValueError):
        Scalar(1.0, sym=sympy.I)


# -- pickle and deepcopy ------------------------------------------------------------------------
def _chain(n):
    x = Scalar(0.5, label="x")
    y = x
    for _ in range(n):
        y = y * 0.999 + 0.001
    return x, y


@pytest.mark.parametrize("copier", [lambda o: pickle.loads(pickle.dumps(o)), copy.deepcopy],
                         ids=["pickle", "deepcopy"])
def test_a_deep_chain_is_copied_without_recursion(copier):
    x, y = _chain(100_000)
    y.backward()
    twin_x, twin_y = copier((x, y))
    assert twin_y.data == y.data and twin_y.grad == y.grad and twin_x.grad == x.grad
    order = nanograd.topological_order(twin_y)
    assert len(order) == len(nanograd.topological_order(y)) and order[0] is twin_x
    twin_x.grad = 0.0
    twin_y.backward()
    assert twin_x.grad == x.grad


def test_a_copied_graph_keeps_its_shape_constants_and_names():
    a = Scalar(1.5, label="a")
    p = Scalar(math.pi, sym=sympy.pi)
    h = a * a
    h.label = "h"
    out = (h + p * a) / 3 + h.log()
    twin_h, twin = pickle.loads(pickle.dumps((h, out)))
    assert twin.expr == out.expr and twin.data == out.data
    assert twin_h.label == "h" and twin_h.data == h.data
    # leaves are shared by identity; an intermediate pickled beside its output is a copy
    assert twin_h._a is nanograd.topological_order(twin)[0]
    assert [n.op for n in nanograd.topological_order(twin)] == \
        [n.op for n in nanograd.topological_order(out)]


def test_a_trained_model_is_saved_and_loaded():
    rng = random.Random(1)
    model = MLP(2, [3, 1], rng=rng)
    optimizer = nanograd.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        optimizer.zero_grad()
        loss = (model([0.3, -0.2]) - 1.0) ** 2
        loss.backward()
        optimizer.step()
    loaded = pickle.loads(pickle.dumps(model))
    assert [p.data for p in loaded.parameters()] == [p.data for p in model.parameters()]
    assert [p.label for p in loaded.parameters()] == [p.label for p in model.parameters()]
    assert loaded([0.3, -0.2]).data == model([0.3, -0.2]).data


def test_an_op_is_pickled_as_the_tables_row():
    for op in nanograd.OPS.values():
        assert pickle.loads(pickle.dumps(op)) is op
        assert copy.deepcopy(op) is op
