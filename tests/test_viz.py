"""draw_dot: the graphviz source it builds (never rendered: CI has no Graphviz binaries)."""
from __future__ import annotations

import math
import re
from collections import Counter

import pytest

graphviz = pytest.importorskip("graphviz")

from nanograd import Scalar, draw_dot  # noqa: E402
from nanograd.teaching import worked_example  # noqa: E402

NODE = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|[^\s\[]+)\s*\[(.*)\]\s*$')
EDGE = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|\S+)\s*->\s*("(?:[^"\\]|\\.)*"|\S+)\s*(\[.*\])?\s*$')
ATTRIBUTE = r'{}=("(?:[^"\\]|\\.)*"|<.*>|[^\s\]]+)'


def dot_unquote(text: str) -> str:
    """A DOT id or attribute value as Graphviz reads it: in quoted strings only \\" is an escape."""
    if text.startswith('"') and text.endswith('"'):
        return re.sub(r'\\"', '"', text[1:-1])
    return text


def parse_source(source: str):
    """({node id: {attribute: value}}, [(tail, head)]) from a Digraph's source."""
    nodes, edges = {}, []
    for line in source.splitlines():
        edge = EDGE.match(line)
        if edge:
            edges.append((dot_unquote(edge.group(1)), dot_unquote(edge.group(2))))
            continue
        node = NODE.match(line)
        if node and not line.strip().startswith(("graph ", "node ", "edge ")):
            attributes = {}
            for name in ("label", "shape"):
                found = re.search(ATTRIBUTE.format(name), node.group(2))
                if found:
                    attributes[name] = dot_unquote(found.group(1))
            nodes[dot_unquote(node.group(1))] = attributes
    return nodes, edges


def record_fields(label: str) -> list[str]:
    """The fields of a record label `{ f1 | f2 | f3 }`, unescaped as Graphviz's record parser does.

    Fails on an unescaped { } < > inside the braces: that would change the record's shape.
    """
    text = label.strip()
    assert text.startswith("{") and text.endswith("}") and not text.endswith("\\}"), label
    inner = text[1:-1]
    fields, current, i = [], [], 0
    while i < len(inner):
        ch = inner[i]
        if ch == "\\" and i + 1 < len(inner):
            following = inner[i + 1]
            current.append(following if following in "{}|<>\\" else ch + following)
            i += 2
            continue
        assert ch not in "{}<>", f"unescaped {ch!r} in record label {label!r}"
        if ch == "|":
            fields.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        i += 1
    fields.append("".join(current).strip())
    return fields


def records(dot) -> dict[str, list[str]]:
    nodes, _ = parse_source(dot.source)
    return {nid: record_fields(attributes["label"]) for nid, attributes in nodes.items()
            if attributes.get("shape") == "record"}


def number_in(field: str) -> float:
    found = re.search(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", field)
    assert found, field
    return float(found.group())


def test_returns_a_digraph_without_rendering():
    out = Scalar(2.0, label="x") * 3
    dot = draw_dot(out)
    assert isinstance(dot, graphviz.Digraph)
    assert dot.source.lstrip().startswith("digraph")


def test_worked_example_has_a_record_per_scalar_with_label_data_grad():
    m = worked_example()
    m.backward()
    by_label = {}
    stack = [m]
    while stack:
        node = stack.pop()
        by_label[node.label] = node
        stack.extend(i for i in node.inputs if isinstance(i, Scalar))
    recs = records(draw_dot(m))
    assert len(recs) == 13
    labels = [fields[0] for fields in recs.values()]
    assert sorted(labels) == list("abcdefghijklm")
    for fields in recs.values():
        assert len(fields) == 3, fields
        node = by_label[fields[0]]
        data_field = next(f for f in fields[1:] if "data" in f)
        grad_field = next(f for f in fields[1:] if "grad" in f)
        assert math.isclose(number_in(data_field), node.data, abs_tol=1e-4)
        assert math.isclose(number_in(grad_field), node.grad, abs_tol=1e-4)


def test_worked_example_op_nodes_constants_and_edges():
    m = worked_example()
    dot = draw_dot(m)
    nodes, edges = parse_source(dot.source)
    shapes = Counter(a.get("shape") for a in nodes.values())
    assert shapes["record"] == 13
    # one op node per operation: c..j, l, m
    ops = [a["label"] for a in nodes.values() if a.get("shape") not in ("record", "plaintext")]
    expected_ops = ["+", "/", "tanh", "*", "relu", "log", "exp", "**", "-", "log10"]
    assert Counter(ops) == Counter(expected_ops)
    # constants drawn: c / 2, 20 * e, i ** 2
    constants = [a["label"] for a in nodes.values() if a.get("shape") == "plaintext"]
    assert Counter(constants) == Counter(["2", "20", "2"])
    # every edge joins known nodes; each operation: op -> result, and input -> op for each input
    assert all(tail in nodes and head in nodes for tail, head in edges)
    assert len(edges) == 10 + 15
    label_of = {nid: record_fields(a["label"])[0] for nid, a in nodes.items()
                if a.get("shape") == "record"}
    producer = {label_of[head]: tail for tail, head in edges if head in label_of}
    assert set(producer) == set("cdefghijlm")  # leaves a, b, k have no op
    feeds = {}
    for tail, head in edges:
        if head not in label_of:
            feeds.setdefault(head, []).append(label_of.get(tail, "const:" + nodes[tail]["label"]))
    assert sorted(feeds[producer["c"]]) == ["a", "b"]
    assert sorted(feeds[producer["l"]]) == ["j", "k"]
    assert sorted(feeds[producer["d"]]) == ["c", "const:2"]
    assert sorted(feeds[producer["f"]]) == ["const:20", "e"]
    assert feeds[producer["m"]] == ["l"]


def test_shared_node_is_drawn_once():
    x = Scalar(3.0, label="x")
    y = x * x
    y.label = "y"
    assert sorted(f[0] for f in records(draw_dot(y)).values()) == ["x", "y"]


@pytest.mark.parametrize("rankdir", ["TB", "LR", "RL", "BT"])
def test_rankdir_is_honoured(rankdir):
    dot = draw_dot(Scalar(1.0, label="x").exp(), rankdir=rankdir)
    assert dot.graph_attr["rankdir"] == rankdir
    assert re.search(rf"rankdir={rankdir}\b", dot.source)


def test_default_rankdir_is_left_to_right():
    dot = draw_dot(Scalar(1.0).exp())
    assert dot.graph_attr["rankdir"] == "LR"


@pytest.mark.parametrize("label", [
    "a{b}", "x|y", "<in>", "<b>bold</b>", "{|<>}", 'quote"d', "back\\slash", "all {}|<>\"\\ of it",
    "", "plain",
])
def test_labels_with_record_syntax_are_escaped(label):
    x = Scalar(1.25, label=label)
    y = x * 2
    y.label = "out"
    y.backward()
    recs = records(draw_dot(y))
    assert len(recs) == 2
    fields = sorted(recs.values(), key=lambda f: f[0] == "out")[0]
    assert len(fields) == 3, fields  # no extra fields from an unescaped |
    assert fields[0] == (label.strip() or x.sym.name)  # unlabelled: named as its closed form names it
    assert math.isclose(number_in(fields[1]), 1.25, abs_tol=1e-4)
    assert math.isclose(number_in(fields[2]), 2.0, abs_tol=1e-4)


def test_drawing_does_not_change_the_graph():
    a = Scalar(2.0, label="a")
    out = (a * 3).tanh()
    out.backward()
    before = (a.data, a.grad, out.data, out.grad)
    draw_dot(out)
    assert (a.data, a.grad, out.data, out.grad) == before
