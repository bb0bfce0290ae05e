"""explain(out, wrt=a): the paths, their factors, the total and the closed form.

Oracles: derivatives written by hand with `math` for the worked example, central finite
differences and mpmath evaluations of closed forms (nanograd.testing) on random graphs, and path
counts known in closed form (a chain of n diamonds has 2**n paths).
"""
from __future__ import annotations

import math
import time

import pytest
import sympy
from hypothesis import given

from nanograd import Scalar, TooManyPathsError, explain
from nanograd.core import topological_order
from nanograd.symbolic import leaf_values
from nanograd.teaching import worked_example
from nanograd.testing import EXACT, FINITE_DIFFERENCE, central_difference, close, graphs, value_of


@pytest.fixture
def seed():
    m = worked_example()
    m.backward()
    return m, {n.label: n for n in topological_order(m)}


def test_worked_example_has_one_path_with_the_local_derivatives_of_the_chain(seed, pure_python_reference):
    m, nodes = seed
    values, gradients = pure_python_reference
    v = values
    e = explain(m, wrt=nodes["a"])
    [path] = e.paths
    assert [n.label for n in path.nodes] == list("mljihgfedca")
    by_hand = [1 / (v["l"] * math.log(10)), 1.0, 2 * v["i"], math.exp(v["h"]), 1 / v["g"], 1.0,
               20.0, 1 - math.tanh(v["d"]) ** 2, 0.5, 1.0]
    assert [f.value for f in path.factors] == pytest.approx(by_hand, rel=1e-12)
    assert [(f.node.label, f.input.label) for f in path.factors] == list(zip("mljihgfedc", "ljihgfedca"))
    assert path.value == pytest.approx(math.prod(by_hand), rel=1e-12)
    assert e.total == pytest.approx(gradients["a"], rel=1e-6)  # central differences
    assert e.total == pytest.approx(nodes["a"].grad, rel=1e-12)


def test_factors_as_formulas_in_the_nodes_names(seed):
    m, nodes = seed
    [path] = explain(m, wrt=nodes["b"]).paths
    e, i, l = (sympy.Symbol(s, real=True) for s in "eil")  # noqa: E741
    locals_ = {(f.node.label, f.input.label): f.local for f in path.factors}
    assert locals_["e", "d"] == 1 - e ** 2
    assert locals_["j", "i"] == 2 * i
    assert locals_["m", "l"] == 1 / (l * sympy.log(10))
    assert locals_["c", "b"] == 1


def test_closed_forms_of_the_factors_and_of_the_total(seed):
    m, nodes = seed
    a, b, k = (sympy.Symbol(s, real=True) for s in "abk")
    g = sympy.Max(0, 20 * sympy.tanh((a + b) / 2))
    closed_m = sympy.log(g ** 2 - k, 10)  # the example's m, written by hand
    e = explain(m, wrt=nodes["a"])
    at = {a: 3.0, b: 2.0, k: 2.0}
    by_sympy = sympy.diff(closed_m, a).replace(sympy.DiracDelta, lambda *args: 0)
    assert float(e.expr.subs(at)) == pytest.approx(float(by_sympy.subs(at)), rel=1e-12)
    assert sympy.simplify(e.expr - e.paths[0].expr) == 0
    [factor] = [f for f in e.paths[0].factors if f.node.label == "e"]
    assert sympy.simplify(factor.expr - (1 - sympy.tanh((a + b) / 2) ** 2)) == 0


def test_a_shared_input_gives_a_path_per_edge():
    x = Scalar(1.5, label="x")
    y = x * x
    y.label = "y"
    out = y + x
    out.label = "out"
    e = explain(out, wrt=x)
    assert e.path_count == 3  # out <- y <- x twice (x * x has two operands), and out <- x
    assert sorted(p.value for p in e.paths) == [1.0, 1.5, 1.5]
    assert [len(p.factors) for p in e.paths] == [2, 2, 1]
    assert e.total == 2 * 1.5 + 1


def test_intermediate_node_and_output_itself(seed):
    m, nodes = seed
    assert explain(m, wrt=nodes["e"]).total == pytest.approx(nodes["e"].grad, rel=1e-12)
    itself = explain(m, wrt=m)
    assert itself.total == 1.0 and itself.path_count == 1 and itself.paths[0].factors == ()


def test_a_variable_outside_the_graph_has_no_path(seed):
    m, _ = seed
    stranger = Scalar(1.0, label="z")
    e = explain(m, wrt=stranger)
    assert (e.path_count, e.total, e.paths) == (0, 0.0, ())
    assert e.expr == 0
    assert "No path leads from m back to z" in str(e)


def test_the_walkthrough_reads_as_the_chain_rule(seed):
    m, nodes = seed
    text = str(explain(m, wrt=nodes["a"]))
    lines = text.splitlines()
    assert lines[0].startswith("d m/d a = sum over paths from m back to a of the product of local "
                               "derivatives")
    assert "path 1: m <- l <- j <- i <- h <- g <- f <- e <- d <- c <- a" in text
    assert "d e/d d = 1 - e**2 = 0.0265922" in text
    assert "d f/d e = 20" in text
    assert lines[-1].startswith(f"d m/d a = {nodes['a'].grad:.6g}")


def test_latex_and_markdown(seed):
    m, nodes = seed
    e = explain(m, wrt=nodes["a"])
    latex = e.latex()
    assert latex.startswith("$") and latex.endswith("$") and latex.count("$") == 2
    assert latex.startswith(r"$\frac{\partial m}{\partial a} = ")
    assert r"\left(1 - e^{2}\right)" in latex and latex.count("{") == latex.count("}")
    assert latex.endswith(f"= {nodes['a'].grad:.6g}$")
    markdown = e._repr_markdown_()
    assert markdown == e.markdown() and markdown.startswith(f"${latex}$")  # the equation first
    assert not hasattr(e, "_repr_latex_")  # one rich view, chosen: frontends differ in their pick
    rows = [line for line in markdown.splitlines() if line.startswith("| $m$")]
    assert len(rows) == 1 and r"$\frac{\partial e}{\partial d} = 1 - e^{2}$" in rows[0]


def diamonds(n: int) -> tuple[Scalar, Scalar]:
    """n diamonds in a row: each node feeds two branches that meet again; 2**n paths."""
    x = Scalar(0.3, label="x")
    y = x
    for _ in range(n):
        y = (y * 0.6 + y * 0.5).tanh()
    y.label = "out"
    return y, x


def test_a_chain_of_diamonds_is_counted_not_listed():
    out, x = diamonds(60)
    out.backward()
    started = time.perf_counter()
    e = explain(out, wrt=x)
    text = str(e)
    assert time.perf_counter() - started < 10
    assert e.path_count == 2 ** 60 and e.summarised
    with pytest.raises(TooManyPathsError, match=f"{2 ** 60} paths"):
        e.paths
    assert e.total == pytest.approx(x.grad, rel=1e-9)
    # every node on the way, grouped: x, then per diamond two products, their sum and its tanh
    assert len(e.groups) == 1 + 4 * 60
    joins = [g.paths for g in e.groups if g.node.op is not None and g.node.op.name == "tanh"]
    assert joins == [2 ** k for k in range(1, 61)]
    assert f"{2 ** 60} paths from out back to x" in text
    assert len(text.splitlines()) < 60
    assert "... 201 more nodes ..." in text
    assert r"\sum_{\mathrm{paths}\ p}" in e.latex()
    assert r"| $\mathrm{out}$ | 1152921504606846976 |" in e.markdown()


def test_max_paths_decides_between_listing_and_summary():
    out, x = diamonds(3)
    assert len(explain(out, wrt=x, max_paths=8).paths) == 8
    assert explain(out, wrt=x, max_paths=7).summarised


def test_a_long_chain_is_summarised_without_recursion():
    x = Scalar(0.5, label="x")
    y = x
    for _ in range(50_000):
        y = y * 0.99999 + 0.00001
    y.backward()
    e = explain(y, wrt=x)
    assert e.path_count == 1 and e.factor_count == 100_000 and e.summarised
    assert e.total == pytest.approx(x.grad, rel=1e-9)
    assert len(str(e).splitlines()) < 60


@given(graphs())
def test_random_graphs_total_and_closed_form(graph):
    out = graph.out
    for node in graph.nodes:
        node.grad = 0.0
    out.backward()
    at = leaf_values(out)
    f = lambda values: graph.build(values)[1][-1].data  # noqa: E731
    for i, leaf in enumerate(graph.leaves):
        e = explain(out, wrt=leaf)
        assert close(e.total, leaf.grad, EXACT), (e.total, leaf.grad)
        assert close(e.total, central_difference(f, graph.values, i), FINITE_DIFFERENCE)
        assert close(value_of(e.expr, at), e.total, EXACT)
        if not e.summarised:  # the listed paths, as formulas, add up to the closed form
            assert close(value_of(sympy.Add(*[p.expr for p in e.paths]), at), e.total, EXACT)


@given(graphs(max_steps=12))
def test_random_graphs_summary_equals_listing(graph):
    out = graph.out
    for node in topological_order(out):
        listed = explain(out, wrt=node)
        summarised = explain(out, wrt=node, max_paths=0)
        assert summarised.summarised and summarised.path_count == listed.path_count
        assert close(summarised.total, listed.total, EXACT)


def test_bad_arguments(seed):
    m, nodes = seed
    with pytest.raises(TypeError, match="wrt must be a Scalar, not str"):
        explain(m, wrt="a")
    with pytest.raises(TypeError, match="out must be a Scalar"):
        explain(2.0, wrt=nodes["a"])


def test_too_many_paths_names_unlabelled_nodes_as_backward_errors_do():
    out, x = diamonds(3)
    out.label, x.label = "", ""
    with pytest.raises(TooManyPathsError, match="8 paths lead from an unlabelled tanh node back to "
                                                "an unlabelled leaf node"):
        explain(out, wrt=x, max_paths=4).paths


def test_names_that_are_expressions_are_grouped_in_text_and_latex():
    """A label such as `w*x + b` reads one way only: d (w*x + b)/d w, and \\left( \\right) in LaTeX."""
    w, x, b = Scalar(0.5, label="w"), Scalar(2.0, label="x"), Scalar(-1.0, label="b")
    act = w * x + b
    act.label = "w*x + b"
    out = act.tanh()
    out.label = "y"
    e = explain(out, wrt=w)
    assert "d y/d (w*x + b) = 1 - y**2" in str(e)
    assert r"\frac{\partial y}{\partial \left(w \cdot x+b\right)}" in e.markdown()
    assert r"\frac{\partial y}{\partial \left(w \cdot x+b\right)}" in e.latex()
    assert r"\frac{\partial y}{\partial w}" in e.markdown()


def test_markdown_and_latex_write_markup_in_labels_as_text():
    """A label's < > & ` are LaTeX to typeset, never HTML or Markdown a notebook would act on."""
    a = Scalar(1.0, label="<script>window.x = 1</script>")
    b = Scalar(2.0, label="`b` & <img src=x onerror=alert(1)>")
    e = explain((a * b).tanh(), wrt=a)
    for view in (e.markdown(), e.latex()):
        assert "<" not in view and ">" not in view and "`" not in view
    markdown_it = pytest.importorskip("markdown_it")
    page = markdown_it.MarkdownIt("commonmark").enable("table").render(e.markdown())
    assert "<script" not in page and "<img" not in page and "<code>" not in page
