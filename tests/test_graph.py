"""Graph walks: topological order, backward semantics, the nested text view, deep chains."""
from __future__ import annotations

import math
import random
import re
import sys

import pytest

import nanograd
from nanograd import Scalar, format_tree, topological_order
from nanograd.teaching import worked_example


def reachable(out: Scalar) -> dict[int, Scalar]:
    """Every Scalar `out` depends on, by a walk of our own (constants excluded)."""
    found = {id(out): out}
    stack = [out]
    while stack:
        for inp in stack.pop().inputs:
            if isinstance(inp, Scalar) and id(inp) not in found:
                found[id(inp)] = inp
                stack.append(inp)
    return found


def assert_topological(out: Scalar, order: list) -> None:
    assert all(isinstance(node, Scalar) for node in order), "constants must not be in the order"
    position = {id(node): i for i, node in enumerate(order)}
    assert len(position) == len(order), "a node appears twice"
    assert set(position) == set(reachable(out)), "the order is not exactly the nodes of the graph"
    assert order[-1] is out
    for node in order:
        for inp in node.inputs:
            if isinstance(inp, Scalar):
                assert position[id(inp)] < position[id(node)]


# -- a random graph with a float re-evaluation of its own, for finite differences ---------------

SAFE_BINARY = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y}
SAFE_UNARY = {"tanh": math.tanh, "sin": math.sin, "sigmoid": lambda x: 1 / (1 + math.exp(-x))}


def random_recipe(seed: int, n_leaves: int = 4, n_ops: int = 40):
    rng = random.Random(seed)
    leaves = [rng.uniform(0.5, 1.5) for _ in range(n_leaves)]
    steps = []
    for index in range(n_ops):
        size = n_leaves + index
        kind = rng.choice(("binary", "binary", "unary", "constant"))
        if kind == "binary":
            steps.append(("binary", rng.choice(sorted(SAFE_BINARY)), rng.randrange(size),
                          rng.randrange(size)))
        elif kind == "unary":
            steps.append(("unary", rng.choice(sorted(SAFE_UNARY)), rng.randrange(size), None))
        else:
            steps.append(("constant", "mul", rng.randrange(size), rng.choice((2, -3, 0.5))))
    # the output uses the last few nodes so that most of the graph is reachable
    size = n_leaves + n_ops
    steps.append(("binary", "add", size - 1, size - 2))
    steps.append(("binary", "mul", size, size - 3))
    return leaves, steps


def build_scalars(leaves, steps) -> list[Scalar]:
    nodes = [Scalar(v, label=f"x{i}") for i, v in enumerate(leaves)]
    ops = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b}
    for kind, name, i, j in steps:
        if kind == "binary":
            nodes.append(ops[name](nodes[i], nodes[j]))
        elif kind == "unary":
            nodes.append(getattr(nodes[i], name)())
        else:
            nodes.append(nodes[i] * j)
    return nodes


def evaluate_floats(leaves, steps, bump: int | None = None, h: float = 0.0) -> float:
    values = []

    def put(value):
        values.append(value + (h if len(values) == bump else 0.0))

    for v in leaves:
        put(v)
    for kind, name, i, j in steps:
        if kind == "binary":
            put(SAFE_BINARY[name](values[i], values[j]))
        elif kind == "unary":
            put(SAFE_UNARY[name](values[i]))
        else:
            put(values[i] * j)
    return values[-1]


@pytest.mark.parametrize("seed", range(6))
def test_topological_order_of_random_graphs(seed):
    nodes = build_scalars(*random_recipe(seed))
    assert_topological(nodes[-1], topological_order(nodes[-1]))


@pytest.mark.parametrize("seed", range(6))
def test_backward_on_random_graphs_matches_finite_differences_at_every_node(seed):
    leaves, steps = random_recipe(seed)
    nodes = build_scalars(leaves, steps)
    out = nodes[-1]
    assert math.isclose(out.data, evaluate_floats(leaves, steps), rel_tol=1e-12)
    out.backward()
    live = reachable(out)
    for index, node in enumerate(nodes):
        h = 1e-6 * max(1.0, abs(node.data))
        up = evaluate_floats(leaves, steps, index, h)
        down = evaluate_floats(leaves, steps, index, -h)
        fd = (up - down) / (2 * h)
        if id(node) not in live:
            assert node.grad == 0.0 and abs(fd) < 1e-12  # not on any path to out
            continue
        assert math.isclose(node.grad, fd, rel_tol=1e-5, abs_tol=1e-8), (index, node.grad, fd)


# -- topological order ----------------------------------------------------------------------

def test_worked_example_order_is_a_to_m():
    out = worked_example()
    order = topological_order(out)
    assert [node.label for node in order] == list("abcdefghijklm")
    assert_topological(out, order)


def test_sum_product_order(sum_product_graph):
    g = sum_product_graph
    order = topological_order(g["out"])
    assert_topological(g["out"], order)
    assert sorted(node.label for node in order) == sorted("abcdefk") + ["out"]


def test_order_excludes_constants_and_lists_shared_nodes_once():
    x = Scalar(2.0, label="x")
    y = (3 * x + x * 2) / 4 - (x ** 2)
    order = topological_order(y)
    assert_topological(y, order)
    assert sum(node is x for node in order) == 1
    assert order[0] is x


def test_order_of_a_leaf_is_the_leaf():
    a = Scalar(1.0)
    assert topological_order(a) == [a]


def test_order_rejects_non_scalars():
    with pytest.raises(TypeError):
        topological_order(3.0)


# -- backward semantics -------------------------------------------------------------------------

def test_output_grad_is_one_after_backward():
    a = Scalar(2.0)
    out = a * 3 + 1
    out.backward()
    assert out.grad == 1.0
    out.backward()
    assert out.grad == 1.0  # a non-leaf output is recomputed, not accumulated


def test_backward_on_a_leaf():
    a = Scalar(2.0)
    a.backward()
    assert a.grad == 1.0


def test_a_node_used_twice_gets_the_summed_gradient():
    x = Scalar(3.0, label="x")
    (x * x).backward()
    assert x.grad == 6.0
    y = Scalar(2.0, label="y")
    (y * y * y).backward()
    assert y.grad == 12.0
    z = Scalar(5.0, label="z")
    (z + z).backward()
    assert z.grad == 2.0


def test_diamond():
    a = Scalar(3.0, label="a")
    b = a * 2; b.label = "b"
    c = a + 1; c.label = "c"
    d = b * c; d.label = "d"  # d = 2a(a + 1): d' = 4a + 2
    d.backward()
    assert d.data == 24.0
    assert a.grad == 14.0
    assert b.grad == 4.0  # = c
    assert c.grad == 6.0  # = b


def test_sum_product_gradients_by_hand(sum_product_graph):
    g = sum_product_graph
    g["out"].backward()
    # out = e * f, e = d + c, d = a * b, f = k + b, with a=5, b=2, c=3, k=2
    data = {"a": 5, "b": 2, "c": 3, "k": 2, "d": 10, "e": 13, "f": 4, "out": 52}
    grads = {
        "out": 1,
        "e": 4,       # f
        "f": 13,      # e
        "d": 4,       # d out/d e * 1
        "c": 4,       # d out/d e * 1
        "a": 8,       # d out/d d * b = 4 * 2
        "k": 13,      # d out/d f * 1
        "b": 33,      # through d: 4 * a = 20, through f: 13
    }
    for name in data:
        assert g[name].data == data[name], name
        assert g[name].grad == grads[name], name


def test_backward_twice_accumulates_leaves_but_not_inner_nodes(sum_product_graph):
    g = sum_product_graph
    out = g["out"]
    out.backward()
    first = {name: node.grad for name, node in g.items()}
    out.backward()
    for name, node in g.items():
        if node.is_leaf:
            assert node.grad == 2 * first[name], name
        else:
            assert node.grad == first[name], name
    assert out.grad == 1.0


def test_backward_twice_on_random_graph_inner_nodes_hold_the_derivative():
    leaves, steps = random_recipe(11)
    nodes = build_scalars(leaves, steps)
    out = nodes[-1]
    out.backward()
    first = [node.grad for node in nodes]
    out.backward()
    for node, grad in zip(nodes, first):
        expected = 2 * grad if node.is_leaf else grad
        assert math.isclose(node.grad, expected, rel_tol=1e-12, abs_tol=1e-300)


def test_zeroing_leaf_grads_between_calls_gives_the_same_result(sum_product_graph):
    g = sum_product_graph
    g["out"].backward()
    first = {name: node.grad for name, node in g.items()}
    for node in g.values():
        if node.is_leaf:
            node.grad = 0.0
    g["out"].backward()
    assert {name: node.grad for name, node in g.items()} == first


def test_backward_of_an_inner_node_then_of_the_output():
    a = Scalar(3.0, label="a")
    c = a * 2
    out = c * c  # 4a^2: d/da = 8a = 24
    c.backward()
    assert a.grad == 2.0 and c.grad == 1.0
    out.backward()
    assert c.grad == 12.0  # recomputed: d out / d c = 2c, not 2c + 1
    assert a.grad == 2.0 + 24.0  # leaves accumulate across calls


def test_module_level_backward_function():
    a = Scalar(2.0)
    out = a ** 3
    nanograd.backward(out)
    assert a.grad == 12.0 and out.grad == 1.0


# -- deep graphs, at the default recursion limit ------------------------------------------------

@pytest.fixture
def default_recursion_limit():
    before = sys.getrecursionlimit()
    assert before <= 1000, "the deep-graph tests must run at Python's default recursion limit"
    yield
    assert sys.getrecursionlimit() == before, "nanograd must not raise the recursion limit"


def test_million_node_chain(default_recursion_limit):
    n = 1_000_000
    factor = 1.0000001
    x = Scalar(1.5, label="x")
    y = x
    for _ in range(n):
        y = y * factor
    y.label = "y"
    closed_form = factor ** n  # d y / d x, and y = x * factor ** n
    assert math.isclose(y.data, 1.5 * closed_form, rel_tol=1e-9)

    y.backward()
    assert y.grad == 1.0
    assert math.isclose(x.grad, closed_form, rel_tol=1e-9)

    order = topological_order(y)
    assert len(order) == n + 1
    assert order[0] is x and order[-1] is y
    assert order[n // 2].inputs[0] is order[n // 2 - 1]

    text = format_tree(y)
    lines = text.splitlines()
    assert lines[0].startswith("Scalar(")
    # past 40 levels a line says its depth instead of indenting further
    assert sum(bool(re.match(r" *(\[depth \d+\] )?Scalar\(", line)) for line in lines) == 200
    assert any("..." in line for line in lines)
    assert "label='x'" not in text  # elided: the leaf is a million levels down
    del order, text, lines, y
    assert sys.getrecursionlimit() <= 1000


def test_deep_chain_through_the_second_operand(default_recursion_limit):
    # y_n = 0.5 * y_(n-1) + x, with the deep path in each node's second input
    n = 100_000
    x = Scalar(1.0, label="x")
    y = x
    for _ in range(n):
        y = x + 0.5 * y
    y.backward()
    assert math.isclose(y.data, 2.0, rel_tol=1e-12)  # fixed point of y = x + y/2 with x = 1
    # d y_n / d x = 0.5^n + sum_(k<n) 0.5^k = 2 - 0.5^n
    assert math.isclose(x.grad, 2.0, rel_tol=1e-12)
    assert len(topological_order(y)) == 2 * n + 1


# -- the nested text view -----------------------------------------------------------------------

LINE = re.compile(r"^( *)Scalar\(data=([^,]+), grad=([^,]+), label='([^']*)'(.*)$")


def parse_tree(text: str):
    """(depth, data, grad, label, rest) for each Scalar line of format_tree's output."""
    rows = []
    for line in text.splitlines():
        match = LINE.match(line)
        if match:
            pad, data, grad, label, rest = match.groups()
            assert len(pad) % 4 == 0
            rows.append((len(pad) // 4, float(data), float(grad), label, rest))
    return rows


def test_format_tree_of_the_sum_product(sum_product_graph):
    g = sum_product_graph
    g["out"].backward()
    text = format_tree(g["out"])
    rows = parse_tree(text)
    # The earlier projects' nesting: out(e(d(a, b), c), f(k, b)); a node used twice (b) is written twice.
    expected = [
        (0, 52.0, 1.0, "out", "*"),
        (1, 13.0, 4.0, "e", "+"),
        (2, 10.0, 4.0, "d", "*"),
        (3, 5.0, 8.0, "a", None),
        (3, 2.0, 33.0, "b", None),
        (2, 3.0, 4.0, "c", None),
        (1, 4.0, 13.0, "f", "+"),
        (2, 2.0, 13.0, "k", None),
        (2, 2.0, 33.0, "b", None),
    ]
    assert [row[:4] for row in rows] == [row[:4] for row in expected]
    for row, (*_, symbol) in zip(rows, expected):
        if symbol is None:
            assert "op=" not in row[4] or "op=None" in row[4]
        else:
            assert f"op='{symbol}'" in row[4]
    assert "..." not in text


def test_format_tree_shows_constants():
    x = Scalar(3.0, label="x")
    y = x * 7
    y.label = "y"
    text = format_tree(y)
    assert [row[3] for row in parse_tree(text)] == ["y", "x"]
    assert any(line.strip().rstrip(",") == "7" for line in text.splitlines())


def test_format_tree_elides_past_max_nodes(sum_product_graph):
    out = sum_product_graph["out"]
    assert len(parse_tree(format_tree(out, max_nodes=9))) == 9
    assert "..." not in format_tree(out, max_nodes=9)
    text = format_tree(out, max_nodes=3)
    rows = parse_tree(text)
    assert [row[3] for row in rows] == ["out", "e", "d"]
    assert "..." in text
    assert "3" in [line for line in text.splitlines() if "..." in line][0]  # says how many
    assert len(parse_tree(format_tree(out, max_nodes=8))) == 8


def test_rich_repr_yields_the_fields(sum_product_graph):
    g = sum_product_graph
    g["out"].backward()
    # (name, value) or (name, value, default): rich leaves a field out at its default
    fields = {f[0]: f[1:] for f in g["out"].__rich_repr__()}
    assert list(fields) == ["data", "grad", "label", "sym", "op", "inputs"]
    assert fields["data"] == (52.0,) and fields["grad"] == (1.0,) and fields["label"] == ("out", "")
    assert fields["op"] == ("*", None) and fields["sym"] == (None, None)
    e, f = fields["inputs"][0]  # the inputs as rich shows them: their own fields, nested
    assert dict(x[:2] for x in e.__rich_repr__())["label"] == "e"
    assert dict(x[:2] for x in f.__rich_repr__())["data"] == g["f"].data
    leaf = {f[0]: f[1:] for f in g["a"].__rich_repr__()}
    assert leaf["op"] == (None, None) and "inputs" not in leaf


def test_rich_pretty_repr_shows_the_whole_graph(sum_product_graph):
    pretty = pytest.importorskip("rich.pretty")
    g = sum_product_graph
    g["out"].backward()
    text = pretty.pretty_repr(g["out"])
    for label in ("out", "a", "b", "c", "d", "e", "f", "k"):
        assert f"label='{label}'" in text
    assert "grad=33.0" in text  # b's summed gradient


def test_a_subclass_of_scalar_is_a_node_not_a_constant():
    from nanograd import Scalar

    class Parameter(Scalar):
        __slots__ = ()

    w, x = Parameter(3.0, label="w"), Scalar(2.0, label="x")
    out = (w * x + w).tanh() * w
    out.backward()
    t = math.tanh(3.0 * 2.0 + 3.0)
    assert w.grad == pytest.approx((1 - t * t) * (2.0 + 1.0) * 3.0 + t)
    assert x.grad == pytest.approx((1 - t * t) * 3.0 * 3.0)
    assert w in nanograd.topological_order(out)


def test_error_helpers_name_nodes_one_way():
    """One place for the error helpers: a labelled node by its label, an unlabelled one by its op."""
    from nanograd.core.ops import OPS
    from nanograd.errors import DivisionByZeroError, derivative_error, forward_error, node_name

    x = Scalar(0.0, label="x")
    r = x.sqrt()
    assert node_name(x) == "node 'x'"
    assert node_name(r) == "an unlabelled sqrt node"
    assert node_name(Scalar(1.0)) == "an unlabelled leaf node"
    error = derivative_error(r, ZeroDivisionError())
    assert isinstance(error, DivisionByZeroError)
    assert str(error).startswith("the derivative of sqrt(x = 0.0) at an unlabelled sqrt node is infinite")
    assert str(forward_error(OPS["div"], (x, 0), ZeroDivisionError())) == \
        "div(x = 0.0, 0): division by zero"
    with pytest.raises(DivisionByZeroError, match="at an unlabelled sqrt node is infinite"):
        r.backward()


def test_format_tree_of_a_deep_chain_caps_the_indentation():
    """Indentation stops at 40 levels (deeper lines say their depth), so 10,000 nodes stay small."""
    y = Scalar(0.5, label="x")
    for _ in range(9_999):
        y = y + 1
    text = format_tree(y, max_nodes=10_000)
    assert len(text) < 8_000_000  # about 600 bytes a node; uncapped, some 600 MB
    lines = text.splitlines()
    assert lines[40].startswith(" " * 160 + "Scalar(")
    assert lines[41].startswith(" " * 160 + "[depth 41] Scalar(")
    assert "[depth 9999] Scalar(data=0.5, grad=0.0, label='x')," in text
    assert "..." not in text  # every node written
