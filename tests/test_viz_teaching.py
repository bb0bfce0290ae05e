"""draw_dot's teaching options (closed forms, local derivatives, highlights, truncation) and
draw_model, read back from the DOT source. Oracles: closed forms and derivatives written by hand
(sympy, math), and the graph's structure as built in the test."""
from __future__ import annotations

import html
import math
import re
import warnings
from types import SimpleNamespace

import graphviz
import pytest
import sympy

from nanograd import LargeGraphWarning, Scalar
from nanograd.core import topological_order
from nanograd.drawing import Digraph, draw_dot, draw_model
from nanograd.drawing.dot import MAX_NODES, abbreviate
from nanograd.nn import MLP
from nanograd.teaching import worked_example

QUOTED = r'"(?:[^"\\]|\\.)*"'
ID = rf'{QUOTED}|[^\s\[\]"-]+'
LINE = re.compile(rf'^\s*({ID})(?:\s*->\s*({ID}))?\s*(?:\[(.*)\])?\s*$')
ATTRIBUTE = re.compile(rf'(\w+)=({QUOTED}|<.*?>|[^\s\]]+)')


def unquote(text: str) -> str:
    return text[1:-1].replace('\\"', '"') if text.startswith('"') else text


def parse(dot: graphviz.Digraph):
    """(nodes {id: attributes}, edges [(tail, head, attributes)]) of a drawing's DOT source."""
    nodes, edges = {}, []
    for line in dot.source.splitlines()[1:-1]:
        match = LINE.match(line)
        if not match or unquote(match.group(1)) in ("graph", "node", "edge", "subgraph"):
            continue
        attributes = {k: unquote(v) for k, v in ATTRIBUTE.findall(match.group(3) or "")}
        if match.group(2):
            edges.append((unquote(match.group(1)), unquote(match.group(2)), attributes))
        else:
            nodes[unquote(match.group(1))] = attributes
    return nodes, edges


def fields(label: str) -> list[str]:
    """The fields of a record label `{ f1 | f2 }`, unescaped."""
    inner = label.strip()[1:-1]
    parts = re.split(r"(?<!\\)\|", inner)
    return [re.sub(r"\\(.)", r"\1", p).strip() for p in parts]


def records(dot) -> dict[str, list[str]]:
    """{first field (the node's name): fields} for every Scalar's record."""
    nodes, _ = parse(dot)
    found = {}
    for _nid, attributes in nodes.items():
        if attributes.get("shape") == "record":
            f = fields(attributes["label"])
            found[f[0]] = f
    return found


def record_ids(dot) -> dict[str, str]:
    nodes, _ = parse(dot)
    return {fields(a["label"])[0]: nid for nid, a in nodes.items() if a.get("shape") == "record"}


@pytest.fixture
def seed():
    m = worked_example()
    m.backward()
    return m, {n.label: n for n in topological_order(m)}


A, B, K = (sympy.Symbol(s, real=True) for s in "abk")


def test_default_drawing_is_the_worked_example_drawing(seed):
    m, nodes = seed
    dot = draw_dot(m)
    assert isinstance(dot, graphviz.Digraph)
    recs = records(dot)
    assert sorted(recs) == list("abcdefghijklm")
    for label, f in recs.items():
        assert f == [label, f"data {nodes[label].data:.4f}", f"grad {nodes[label].grad:.4f}"]
    parsed_nodes, edges = parse(dot)
    # nothing the options add: no colours, no edge labels, no fills, no truncation note
    assert all(set(a) == {"label", "shape"} for a in parsed_nodes.values())
    assert all(not attributes for _, _, attributes in edges)
    assert "more nodes" not in dot.source


# The worked example's drawing as draw_dot wrote it before the teaching options existed (node ids,
# which are id()s, renumbered in order of appearance): the default must not change.
WORKED_EXAMPLE_DOT = """\
digraph {
	graph [rankdir=LR]
	graph [fontname=Courier]
	node [fontname=Courier]
	edge [fontname=Courier]
	n0 [label="{ a | data 3.0000 | grad 0.0118 }" shape=record]
	n1 [label="{ b | data 2.0000 | grad 0.0118 }" shape=record]
	n2 [label="{ c | data 5.0000 | grad 0.0118 }" shape=record]
	"n2op" [label="+" shape=ellipse]
	"n2op" -> n2
	n0 -> "n2op"
	n1 -> "n2op"
	n3 [label="{ d | data 2.5000 | grad 0.0235 }" shape=record]
	"n3op" [label="/" shape=ellipse]
	"n3op" -> n3
	n2 -> "n3op"
	"n3c1" [label=2 shape=plaintext]
	"n3c1" -> "n3op"
	n4 [label="{ e | data 0.9866 | grad 0.8849 }" shape=record]
	"n4op" [label=tanh shape=ellipse]
	"n4op" -> n4
	n3 -> "n4op"
	n5 [label="{ f | data 19.7323 | grad 0.0442 }" shape=record]
	"n5op" [label="*" shape=ellipse]
	"n5op" -> n5
	"n5c0" [label=20 shape=plaintext]
	"n5c0" -> "n5op"
	n4 -> "n5op"
	n6 [label="{ g | data 19.7323 | grad 0.0442 }" shape=record]
	"n6op" [label=relu shape=ellipse]
	"n6op" -> n6
	n5 -> "n6op"
	n7 [label="{ h | data 2.9823 | grad 0.8731 }" shape=record]
	"n7op" [label=log shape=ellipse]
	"n7op" -> n7
	n6 -> "n7op"
	n8 [label="{ i | data 19.7323 | grad 0.0442 }" shape=record]
	"n8op" [label=exp shape=ellipse]
	"n8op" -> n8
	n7 -> "n8op"
	n9 [label="{ j | data 389.3631 | grad 0.0011 }" shape=record]
	"n9op" [label="**" shape=ellipse]
	"n9op" -> n9
	n8 -> "n9op"
	"n9c1" [label=2 shape=plaintext]
	"n9c1" -> "n9op"
	n10 [label="{ k | data 2.0000 | grad -0.0011 }" shape=record]
	n11 [label="{ l | data 387.3631 | grad 0.0011 }" shape=record]
	"n11op" [label="-" shape=ellipse]
	"n11op" -> n11
	n9 -> "n11op"
	n10 -> "n11op"
	n12 [label="{ m | data 2.5881 | grad 1.0000 }" shape=record]
	"n12op" [label=log10 shape=ellipse]
	"n12op" -> n12
	n11 -> "n12op"
}
"""


def renumbered(source: str) -> str:
    ids: dict[str, str] = {}
    return re.sub(r"\d{6,}", lambda m: ids.setdefault(m.group(), f"n{len(ids)}"), source)


def test_default_drawing_is_byte_for_byte_the_earlier_one(seed):
    m, _ = seed
    assert renumbered(draw_dot(m).source) == WORKED_EXAMPLE_DOT


def test_show_expr_adds_each_results_closed_form(seed):
    m, _ = seed
    recs = records(draw_dot(m, show_expr=True))
    e = sympy.tanh(A / 2 + B / 2)
    g = sympy.Max(0, 20 * e)
    assert recs["c"][3] == str(A + B)
    assert recs["d"][3] == str(A / 2 + B / 2)
    assert recs["e"][3] == str(e)
    assert recs["g"][3] == f"relu({20 * e})"  # relu(x), which sympy holds as Max(0, x)
    assert recs["i"][3] == f"relu({20 * e})"  # exp(log(g)) is g
    for leaf in "abk":
        assert len(recs[leaf]) == 3  # a leaf's closed form is itself: not repeated
    # past the width, one step deep in the inputs' names: m = log10(l)
    assert len(str(sympy.log(g ** 2 - K, 10))) > 40
    assert recs["m"][3] == str(sympy.log(sympy.Symbol("l", real=True), 10))


def test_long_closed_forms_are_cut_to_the_width():
    x = Scalar(0.5, label="x")
    y = x
    for _i in range(300):  # deep enough that printing a whole closed form would recurse in sympy
        y = (y * 0.5 + x).tanh()
    recs = records(draw_dot(y, show_expr=True, expr_width=30, max_nodes=None))
    assert len(recs) == 901
    for f in recs.values():
        assert all(len(field) <= 30 for field in f[3:]), f
    named = [f for f in recs.values() if len(f) == 4]
    assert any(f[3].startswith("tanh(") for f in named)


def test_abbreviate_keeps_both_ends():
    text = "tanh(" + "x + " * 30 + "y)"
    short = abbreviate(text, 20)
    assert len(short) == 20 and short.startswith("tanh(x") and short.endswith("y)") and "…" in short
    assert abbreviate("a + b", 20) == "a + b"


def edge_labels(dot, node_ids: dict[str, str]) -> dict[tuple[str, str], list[str]]:
    """{(input name, result name): [edge labels]} for the edges input -> result's op node."""
    ids = {v: k for k, v in node_ids.items()}
    _, edges = parse(dot)
    found: dict[tuple[str, str], list[str]] = {}
    for tail, head, attributes in edges:
        if tail in ids and head.endswith("op"):
            found.setdefault((ids[tail], ids[head[:-2]]), []).append(attributes.get("label", ""))
    return found


def number_after_equals(label: str) -> float:
    return float(label.replace("\\n", " ").rsplit("=", 1)[1])


def test_show_local_labels_each_edge_with_its_local_derivative(seed):
    m, nodes = seed
    dot = draw_dot(m, show_local=True)
    labels = edge_labels(dot, record_ids(dot))
    e, i, l = nodes["e"].data, nodes["i"].data, nodes["l"].data  # noqa: E741
    expected = {("d", "e"): ("1 - e**2", 1 - e * e), ("i", "j"): ("2*i", 2 * i),
                ("l", "m"): ("1/(l*log(10))", 1 / (l * math.log(10))), ("h", "i"): ("i", i),
                ("a", "c"): ("", 1.0), ("k", "l"): ("", -1.0), ("c", "d"): ("", 0.5)}
    for (inp, node), (formula, value) in expected.items():
        [label] = labels[inp, node]
        assert label.startswith(f"∂{node}/∂{inp} = {formula}"), label
        assert math.isclose(number_after_equals(label), value, rel_tol=1e-3), label
    assert len(labels) == 12  # every Scalar input edge, and only those


def test_an_input_used_twice_gets_a_label_on_each_edge():
    x = Scalar(3.0, label="x")
    y = x * x
    y.label = "y"
    dot = draw_dot(y, show_local=True)
    assert sorted(edge_labels(dot, record_ids(dot))["x", "y"]) == ["∂y/∂x = x\\n= 3", "∂y/∂x = x\\n= 3"]


def test_highlight_colours_exactly_the_paths_to_the_variable(seed):
    m, nodes = seed
    dot = draw_dot(m, highlight=nodes["a"])
    parsed, edges = parse(dot)
    ids = record_ids(dot)
    coloured = {name for name, nid in ids.items() if "color" in parsed[nid]}
    assert coloured == set("acdefghijlm")  # b and k do not lie on a path from m to a
    assert parsed[ids["a"]].get("style") == "filled"
    coloured_edges = {(t, h) for t, h, a in edges if "color" in a}
    assert (ids["a"], ids["c"] + "op") in coloured_edges
    assert (ids["b"], ids["c"] + "op") not in coloured_edges
    assert (ids["k"], ids["l"] + "op") not in coloured_edges
    assert (ids["j"], ids["l"] + "op") in coloured_edges
    assert (ids["m"] + "op", ids["m"]) in coloured_edges
    assert (ids["c"] + "op", ids["c"]) in coloured_edges


def test_highlight_an_intermediate_node_stops_there(seed):
    m, nodes = seed
    dot = draw_dot(m, highlight=nodes["e"])
    parsed, edges = parse(dot)
    ids = record_ids(dot)
    assert {n for n, nid in ids.items() if "color" in parsed[nid]} == set("efghijlm")
    assert "color" not in parsed[ids["e"] + "op"]  # e's own operation is below the target


def test_focus_marks_one_node_and_the_edges_into_its_operation(seed):
    m, nodes = seed
    dot = draw_dot(m, focus=nodes["l"])
    parsed, edges = parse(dot)
    ids = record_ids(dot)
    assert [n for n, nid in ids.items() if "fillcolor" in parsed[nid]] == ["l"]
    flowing = {t for t, h, a in edges if "color" in a}
    assert flowing == {ids["j"], ids["k"]}


def test_highlight_and_focus_must_be_scalars(seed):
    m, _ = seed
    with pytest.raises(TypeError, match="highlight must be a Scalar of the graph, not str: 'a'"):
        draw_dot(m, highlight="a")
    with pytest.raises(TypeError, match="focus must be a Scalar"):
        draw_dot(m, focus=3)


@pytest.mark.parametrize("rankdir", ["TB", "LR", "BT", "RL"])
def test_rankdir_with_options(seed, rankdir):
    m, nodes = seed
    dot = draw_dot(m, rankdir=rankdir, show_expr=True, highlight=nodes["a"])
    assert f"rankdir={rankdir}" in dot.source


def chain(n: int) -> Scalar:
    x = Scalar(0.5, label="x")
    y = x
    for _ in range(n):
        y = y * 0.999 + 0.001
    return y


def test_large_graphs_are_truncated_with_a_warning():
    out = chain(2000)  # 4001 Scalars
    with pytest.warns(LargeGraphWarning, match="4001 nodes"):
        dot = draw_dot(out, max_nodes=300, show_expr=True, show_local=True)
    nodes, edges = parse(dot)
    assert sum(a.get("shape") == "record" for a in nodes.values()) == 300
    assert "3701 more nodes" in nodes["more"]["label"]
    assert any(t == "more" for t, _, _ in edges)
    ids = {nid for nid, a in nodes.items() if a.get("shape") == "record"}
    assert str(id(out)) in ids  # the output end is the one kept


def test_a_million_node_chain_draws_quickly_without_recursion():
    out = chain(500_000)
    with pytest.warns(LargeGraphWarning):
        dot = draw_dot(out, show_expr=True, show_local=True, highlight=out)
    assert sum(a.get("shape") == "record" for a in parse(dot)[0].values()) == MAX_NODES  # nearest the output


def test_max_nodes_none_draws_everything_without_warning():
    out = chain(600)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dot = draw_dot(out, max_nodes=None)
    assert sum(a.get("shape") == "record" for a in parse(dot)[0].values()) == 1201


def test_drawings_are_digraphs_that_jupyter_can_show():
    dot = draw_dot(Scalar(1.0, label="x").exp())
    assert isinstance(dot, Digraph) and isinstance(dot, graphviz.Digraph)
    assert callable(dot._repr_mimebundle_)


def blocks(dot) -> dict[str, list[list[str]]]:
    """{layer id: [the title's texts, then each unit's texts]} of a draw_model drawing (LR):
    a layer is a table whose cells PORT="nJ" are its units."""
    found = {}
    for uid, label in re.findall(r'^\s*(L\d+) \[label=<(.*)> shape=plain\]$', dot.source, re.M):
        parts = re.split(r'<TD PORT="n\d+">', label)
        found[uid] = [[html.unescape(t) for t in re.findall(r"<TD>([^<]*)</TD>", part)]
                      for part in parts]
    return found


def test_draw_model_shows_layers_and_neurons_as_blocks():
    net = MLP(3, [4, 4, 1])
    dot = draw_model(net)
    nodes, edges = parse(dot)
    layers = blocks(dot)
    assert sorted(layers) == ["L0", "L1", "L2"]
    assert [len(units) - 1 for units in layers.values()] == [4, 4, 1]
    assert nodes["in"]["label"] == "<x0> x0|<x1> x1|<x2> x2"  # one block, a field per input
    assert len(edges) == 3 * 4 + 4 * 4 + 4 * 1 + 1  # fully connected, then the output
    assert ("in:x2:e", "L0:n3:w") in [(t, h) for t, h, _ in edges]  # from input 2 to neuron 3
    first = net.layers[0].neurons[0]
    assert layers["L0"][1] == ["neuron 0 (tanh)", "w " + ", ".join(f"{w.data:.3g}" for w in
                                                                     first.weights), "b 0"]
    assert layers["L1"][0] == ["layer 1: 4 neurons, 20 parameters"]
    assert layers["L2"][0] == ["layer 2: 1 neuron, 5 parameters"]
    assert not any("op" in nid for nid in nodes)  # no individual operations


def test_draw_model_collapses_wide_layers():
    dot = draw_model(MLP(2, [30, 1]), max_neurons=16)
    _, edges = parse(dot)
    assert blocks(dot)["L0"][1:] == [["30 neurons (tanh)"]]
    assert len(edges) == 2 * 1 + 1 * 1 + 1


def test_draw_model_reads_any_object_with_the_attributes():
    def neuron(*ws):
        return SimpleNamespace(weights=[Scalar(w) for w in ws], bias=Scalar(0.5))

    model = SimpleNamespace(layers=[SimpleNamespace(neurons=[neuron(1, 2), neuron(3, 4)]),
                                    SimpleNamespace(neurons=[neuron(5, 6)])])
    dot = draw_model(model)
    _, edges = parse(dot)
    layers = blocks(dot)
    assert layers["L0"][1] == ["neuron 0", "w 1, 2", "b 0.5"]  # no activation attribute: none
    assert len(edges) == 2 * 2 + 2 * 1 + 1
    with pytest.raises(ValueError, match="no layers"):
        draw_model(SimpleNamespace(layers=[]))


def test_draw_model_shows_gradients_once_there_are_some():
    net = MLP(2, [2, 1])
    assert "grad" not in draw_model(net).source
    out = net([1.0, -2.0])
    out.backward()
    neuron = net.layers[0].neurons[1]
    texts = blocks(draw_model(net))["L0"][2]
    assert f"grad w {neuron.weights[0].grad:.3g}, {neuron.weights[1].grad:.3g}" in texts
    assert f"grad b {neuron.bias.grad:.3g}" in texts


def test_labels_are_drawn_literally_whatever_characters_they_hold(tmp_path):
    """Graphviz reads & entities in every label and backslash escapes (\\N: the node's name,
    \\G, \\l) in plain ones: a label or a formula holding them is still shown as typed."""
    from nanograd.drawing import render_steps
    from nanograd.drawing.backends import pipe
    from nanograd.teaching import backward_steps

    labels = ["&lt;b&gt;", "a&amp;b", "x\\N", "\\l\\G", '"q" <i>', "{p|q}"]
    xs = [Scalar(1.0 + i, label=text) for i, text in enumerate(labels)]
    out = xs[0] * xs[1] + xs[2] * xs[3] + xs[4] * xs[5]

    def texts(svg: str) -> list[str]:
        return [html.unescape(t).replace("\xa0", " ") for t in re.findall(r"<text[^>]*>(.*?)</text>", svg)]

    shown = texts(pipe(draw_dot(out, show_local=True).source, "svg").decode("utf-8"))
    local = [t for t in shown if t.startswith("∂")]
    for text in labels:
        assert text in shown  # the node's own record
        assert any(f"({text})" in t for t in local), (text, local)  # the edges it feeds
    frames = render_steps(out, tmp_path)
    steps = [str(step) for step in backward_steps(out)]
    assert [texts(f.read_text(encoding="utf-8"))[0] for f in frames] == [
        f"{step}   [{k}/{len(steps)}]" for k, step in enumerate(steps, 1)]  # the titles as typed
