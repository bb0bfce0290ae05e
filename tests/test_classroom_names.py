"""Numbers and names a learner can trust: one name per node in every view (generated names
defined where used), losses labelled, repr with sym, rich bounded, and LaTeX that parses with
every label. Oracles: matplotlib's mathtext parser (LaTeX), hand-worked derivatives, and the
names one view shows compared with another's."""
from __future__ import annotations

import io
import math
import re
import time

import pytest

from nanograd import Scalar, draw_dot, explain, format_tree, losses
from nanograd.nn import MLP
from nanograd.teaching import backward_steps
from nanograd.teaching.notation import formula_latex, formula_text, latex_name


def record_names(dot) -> set[str]:
    """The first field of every record of a drawing: the name it shows for each Scalar."""
    return {m.group(1).strip() for m in re.finditer(r'label="\{ ([^|]*?) \|', dot.source)}


def test_every_view_names_each_node_alike_and_defines_generated_names():
    a, b = Scalar(2.0, label="a"), Scalar(-0.5, label="b")
    out = (a * b + a).tanh()
    out.backward()
    text = str(explain(out, wrt=a))
    steps = [str(s) for s in backward_steps(out)]
    drawn = record_names(draw_dot(out))
    assert drawn == {"a", "b", "v1", "v2", "out"}  # plain draw_dot names unlabelled nodes too
    [where] = [line for line in text.splitlines() if line.startswith("where ")]
    for name in ("v1", "v2", "out"):
        assert where.count(f" {name} = ") == 1  # explain defines each generated name once
        assert sum(s.startswith(f"step {i}: {name} = ") for i, s in enumerate(steps, 1)) == 1
    assert "where v1 = a * b; v2 = v1 + a; out = tanh(v2)" in text


def test_two_nodes_with_one_label_get_two_names():
    x = Scalar(1.5, label="x")
    h = x * 2
    h.label = "h"
    h2 = h.tanh()
    h2.label = "h"
    e = explain(h2, wrt=x)
    assert e.names[h] == "h" and e.names[h2] == "h_2"
    assert "where h_2 = tanh(h)" in str(e)


def test_a_loss_is_labelled_loss_and_is_drawn_as_such():
    model = MLP(2, [2, 1], rng=__import__("random").Random(3))
    loss = losses.mse_loss([model([0.5, -1.0])], [1.0])
    assert loss.label == "loss"
    assert losses.hinge_loss([model([1.0, 1.0])], [1]).label == "loss"
    assert losses.bce_with_logits_loss([model([1.0, 1.0])], [1]).label == "loss"
    assert losses.l2_penalty(model.parameters(), 1e-3).label == "penalty"
    loss.backward()
    assert "loss" in record_names(draw_dot(loss))
    assert str(next(iter(backward_steps(loss)))).startswith("step 1: loss = ")


def test_repr_shows_sym_when_set():
    assert repr(Scalar(1.0, label="x")) == "Scalar(data=1.0, grad=0.0, label='x')"
    assert repr(Scalar(1.0, sym="x")) == "Scalar(data=1.0, grad=0.0, label='', sym='x')"


def test_rich_print_is_bounded_like_format_tree():
    rich = pytest.importorskip("rich.console")
    x = Scalar(0.3, label="x")
    y = x
    for _ in range(60):  # 2**60 paths: unbounded, the nested view would never end
        y = (y * 0.6 + y * 0.5).tanh()
    model = MLP(3, [4, 4, 1], rng=__import__("random").Random(1))
    loss = losses.mse_loss([model([0.1 * i, 0.2, -0.3]) for i in range(4)], [1.0, -1.0, 1.0, -1.0])
    for out in (y, loss):
        console = rich.Console(file=io.StringIO(), width=100)
        started = time.perf_counter()
        console.print(out)
        shown = console.file.getvalue()
        assert time.perf_counter() - started < 5
        assert len(shown.splitlines()) <= 2 * len(format_tree(out).splitlines())
        assert "format_tree(out, max_nodes=...) shows more" in shown
        assert shown.count("Scalar(") <= 60
    small = Scalar(2.0, label="a") * Scalar(3.0, sym="b")
    console = rich.Console(file=io.StringIO(), width=200)
    console.print(small)
    assert "label='a'" in console.file.getvalue() and "sym='b'" in console.file.getvalue()
    assert "..." not in console.file.getvalue()


LABELS = ["my loss", "100%", "a&b", "$x", "#1", "a_b", "{set}", "back\\slash", "L0.N0.w0", "e",
          "x1", "alpha", "w*x + b"]


@pytest.mark.parametrize("label", LABELS)
def test_latex_of_any_label_parses_and_escapes_specials(label):
    mathtext = pytest.importorskip("matplotlib.mathtext")
    x = Scalar(0.5, label=label)
    y = Scalar(2.0, label="y")
    out = (x * y).relu()
    out.backward()
    e = explain(out, wrt=x)
    pieces = re.findall(r"\$\$(.+?)\$\$|\$(.+?)\$", e.markdown().replace(r"\$", "\0"))
    parser = mathtext.MathTextParser("path")
    for display, inline in pieces:
        tex = (display or inline).replace("\0", r"\$")
        if r"\&" in tex:  # LaTeX and MathJax know \&; mathtext does not, so check it by hand
            assert "&" not in tex.replace(r"\&", "")
            tex = tex.replace(r"\&", r"\%")
        parser.parse(f"${tex}$")
    name = latex_name(label)
    for special in set("%$#_{}&") & set(label):
        assert name.count("\\" + special) == label.count(special)
    if len(label) > 1 and label not in ("x1", "alpha", "w*x + b"):
        assert name.startswith(r"\mathrm{")  # names of more than one letter are set upright


def test_relu_derivative_reads_as_a_step_in_text_and_latex_and_e_is_not_euler():
    import sympy

    e = Scalar(0.5, label="e")
    out = (e.exp() * 2).relu()
    out.label = "r"
    out.backward()
    ex = explain(out, wrt=e)
    assert "d r/d v2 = [v2 > 0] = 1" in str(ex)
    assert r"\left[v_{2} > 0\right]" in ex.latex()
    v = sympy.Symbol("v", real=True)
    step = sympy.Heaviside(v, 0)
    assert formula_text(step) == "[v > 0]" and formula_latex(step) == r"\left[v > 0\right]"
    # Euler's number upright, the node named e in italics: exp(e) is \mathrm{e}^{e}
    assert formula_latex(sympy.exp(sympy.Symbol("e"))) == r"\mathrm{e}^{e}"
    assert formula_latex(sympy.E * sympy.Symbol("e")) in (r"\mathrm{e} e", r"e \mathrm{e}")
    assert math.isclose(ex.total, e.grad)
