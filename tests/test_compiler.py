"""nanograd.compile: generated code from the table, bit-identical to eager backward()."""
from __future__ import annotations

import ast
import builtins
import dis
import gc
import math
import pathlib
import random
import re
import struct
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nanograd
from nanograd import Scalar
from nanograd.compiler import SOURCE, Source, compile
from nanograd.compiler import generate as generating
from nanograd.compiler.functions import load
from nanograd.compiler.source import ATOM, INLINE, POWER, PRODUCT, SUM, UNARY, template
from nanograd.core.ops import OPS, REAL
from nanograd.testing.strategies import graphs


def eager(out: Scalar, wrt: list[Scalar]) -> tuple[float, list[float]]:
    for node in wrt:
        node.grad = 0.0
    out.backward()
    return out.data, [node.grad for node in wrt]


def same(x: float, y: float) -> bool:
    """Bit for bit, the sign of zero included."""
    return x == y and math.copysign(1.0, x) == math.copysign(1.0, y)


def assert_identical(got: tuple[float, list[float]], expected: tuple[float, list[float]]) -> None:
    assert same(got[0], expected[0]), (got[0], expected[0])
    assert len(got[1]) == len(expected[1])
    for g, e in zip(got[1], expected[1]):
        assert same(g, e), (got[1], expected[1])


@given(graphs(max_steps=25))
def test_random_graphs_compile_to_the_same_bits(graph):
    f = compile(graph.out, graph.leaves)
    expected = eager(graph.out, graph.leaves)
    assert_identical(f(), expected)


@given(graphs(max_steps=25), st.integers(0, 10 ** 6))
def test_gradients_at_every_node_and_new_values_agree_with_eager(graph, seed):
    """Intermediate nodes as wrt; then new leaf values: the same result as a fresh eager graph,
    or the same nanograd error."""
    rng = random.Random(seed)
    wrt = graph.leaves + rng.sample(graph.nodes, min(3, len(graph.nodes)))
    f = compile(graph.out, graph.leaves, wrt=wrt)
    assert_identical(f(), eager(graph.out, wrt))
    values = [v + rng.choice([0.0, 0.001, -0.25]) for v in graph.values]
    try:
        copies = out_graph_rebuilt(graph.out, dict(zip(map(id, graph.leaves), values)))
        expected = eager(copies[id(graph.out)],
                         [copies.get(id(n), Scalar(0.0)) for n in wrt])
    except nanograd.NanogradError as error:
        with pytest.raises(type(error), match=re.escape(str(error))):
            f(values)
    else:
        assert_identical(f(values), expected)


def out_graph_rebuilt(out: Scalar, values: dict[int, float]) -> dict[int, Scalar]:
    """The nodes `out` depends on (what compiling traces; a random graph may hold others) built
    afresh, eagerly, with new values for some leaves: copies by the id of the original."""
    copies: dict[int, Scalar] = {}
    for node in nanograd.topological_order(out):
        if node.op is None:
            copy = Scalar(values.get(id(node), node.data), label=node.label)
        else:
            copy = nanograd.apply(node.op, *(copies[id(o)] if isinstance(o, Scalar) else o
                                             for o in node.inputs))
            copy.label = node.label
        copies[id(node)] = copy
    return copies


def mlp_step_graph(n_points: int = 12, seed: int = 0):
    rng = random.Random(seed)
    model = nanograd.nn.MLP(2, [8, 8, 1], activation="relu", out_activation=None, rng=rng)
    X = [[Scalar(rng.uniform(-1.5, 1.5)), Scalar(rng.uniform(-1, 1))] for _ in range(n_points)]
    y = [rng.choice([-1, 1]) for _ in range(n_points)]

    def loss() -> Scalar:
        scores = [model(x) for x in X]
        return (nanograd.losses.hinge_loss(scores, y)
                + nanograd.losses.l2_penalty(model.parameters(), 1e-4))

    return model, loss


def test_thirty_training_steps_are_bit_identical():
    model_a, loss_a = mlp_step_graph(seed=1)
    model_b, loss_b = mlp_step_graph(seed=1)
    params_a, params_b = model_a.parameters(), model_b.parameters()
    f = compile(loss_b(), params_b)
    for k in range(30):
        lr = 0.5 - 0.01 * k
        la = loss_a()
        for p in params_a:
            p.grad = 0.0
        la.backward()
        for p in params_b:
            p.grad = 0.0
        lb = f.backward()
        assert same(lb, la.data)
        for pa, pb in zip(params_a, params_b):
            assert same(pa.grad, pb.grad)
            pa.data -= lr * pa.grad
            pb.data -= lr * pb.grad


def test_in_place_accumulates_onto_leaf_gradients_like_backward():
    a, b = Scalar(0.3, label="a"), Scalar(-1.2, label="b")
    out = (a * b).sin() + a.exp()
    f = compile(out, [a, b])
    a.grad, b.grad = 0.5, -0.25
    value = f.backward()
    got = (a.grad, b.grad)
    a.grad, b.grad = 0.5, -0.25
    out.backward()
    assert value == out.data and got == (a.grad, b.grad)


def test_the_source_is_readable_code_of_the_table():
    a, b = Scalar(0.5, label="a"), Scalar(2.0, label="b")
    f = compile((a * b).tanh() + a / b, [a, b])
    assert "tanh(" in f.source and "# reverse pass" in f.source and "# a" in f.source
    assert "def part0(V, G, S):" in f.source
    # no rule is written again: every function the code calls is REAL's, looked up by name
    # (and the builtin sum, which checks that tanh's input is finite)
    called = set(re.findall(r"([A-Za-z_]\w*)\(", f.source)) - {"part0", "sum"}
    assert called <= set(vars(REAL))


EDGES = [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, -2.2250738585072014e-308, 1e-300,
         -1e-300, 0.5, -0.5, 1.0, -1.0, 700.0, -700.0, 710.0, -746.0, 1e308, -1e308, math.inf,
         -math.inf, math.nan]


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


@pytest.mark.parametrize("name", sorted(INLINE))
def test_inline_primitives_are_reals_own_functions_bit_for_bit(name):
    """The text compiled code runs instead of calling a primitive gives REAL's float exactly, or
    the same kind of error, on the edge values (zeros of both signs, subnormals, inf, nan)."""
    code = "def f(x):\n    return " + INLINE[name].format("x") + "\n"
    namespace: dict = dict(vars(REAL))
    exec(code, namespace)  # our own text from INLINE, the subject of this test
    inline, real = namespace["f"], getattr(REAL, name)
    for x in EDGES:
        try:
            expected = bits(real(x))
        except ArithmeticError as error:
            with pytest.raises(type(error)):
                inline(x)
            continue
        assert bits(inline(x)) == expected, (name, x)


def test_primitives_are_written_inline_only_over_names_and_numbers():
    assert SOURCE.relu(Source("v3")).text == "(v3 if v3 > 0.0 else 0.0)"
    assert SOURCE.relu(Source("v3 + v4", 1)).text == "relu(v3 + v4)"  # not computed twice
    x = Scalar(0.5, label="x")
    f = compile((x * 3).relu() * (x - 2).relu() + x.abs(), [x])
    assert "relu(" not in f.source and "heaviside(" not in f.source and "sign(" not in f.source
    assert_identical(f(), eager(f.out, [x]))
    for value in (0.0, -0.0, 5e-324, -5e-324, -1.0, 3.0):
        assert_identical(f([value]), eager(*rebuilt(value)))


def rebuilt(value: float) -> tuple[Scalar, list[Scalar]]:
    x = Scalar(value)
    return (x * 3).relu() * (x - 2).relu() + x.abs(), [x]


def test_generated_names_cannot_collide_with_the_number_system():
    for name in vars(REAL):
        assert not re.fullmatch(r"[vgR]\d+|[VGS]|REAL|Fraction|part\d+|sum", name), name


def test_every_row_compiles_with_node_and_constant_operands():
    """A row added to the table compiles without an edit to the compiler (values from the
    row's own safe ranges)."""
    for op in OPS.values():
        points = [lo + 0.37 * (hi - lo) for lo, hi in (ranges[0] for ranges in op.safe)]
        for constant_at in ([None] if op.arity == 1 else [None, 0, 1]):
            leaves = [Scalar(v, label=f"x{k}") for k, v in enumerate(points)]
            operands = [points[k] if k == constant_at else leaves[k] for k in range(op.arity)]
            out = nanograd.apply(op, *operands).exp()
            wrt = [leaf for k, leaf in enumerate(leaves) if k != constant_at]
            f = compile(out, wrt)
            assert_identical(f(), eager(out, wrt))


def test_errors_are_nanograds_own_naming_the_operation_and_node():
    x = Scalar(4.0, label="x")
    y = (x - 1).log()
    y.label = "y"
    f = compile(y * 2, [x])
    with pytest.raises(nanograd.DomainError, match=r"log\(.*outside the domain"):
        f([0.5])
    z = Scalar(1.0, label="z")
    f = compile((z * 1e100) * (z * 1e100), [z])
    with pytest.raises(nanograd.NonFiniteError, match="mul"):
        f([1e110])


@pytest.mark.parametrize("build", [
    lambda x: 1 / (x * x) + x,  # x * x overflows to inf; 1 / inf is 0.0, finite again
    lambda x: (x * x - x * x).relu() + x,  # inf - inf is nan; relu(nan) is 0.0
    lambda x: (x * x).tanh() * x,  # tanh(inf) is 1.0
    lambda x: (-(x * x)).exp() + x,  # exp(-inf) is 0.0
    lambda x: (x * x * 2).sigmoid() + (x * x * -2).sigmoid(),  # inline sigmoid of +-inf
])
def test_an_overflow_that_vanishes_downstream_is_still_nanograds_error(build):
    """Eager nanograd stops at the node whose value overflows; a replay whose final values are
    finite again must not return numbers eager nanograd would not give."""
    x = Scalar(2.0, label="x")
    f = compile(build(x), [x])
    with pytest.raises(nanograd.NonFiniteError) as eager_error:
        build(Scalar(1e200, label="x"))
    with pytest.raises(nanograd.NonFiniteError, match=re.escape(str(eager_error.value))):
        f([1e200])
    assert_identical(f([3.0]), eager(*rebuilt_with(build, 3.0)))


def rebuilt_with(build, value: float) -> tuple[Scalar, list[Scalar]]:
    x = Scalar(value, label="x")
    return build(x), [x]


def test_a_long_sum_and_a_deep_chain_compile(monkeypatch):
    monkeypatch.setattr(generating, "CHUNK", 5000)  # the chain crosses from part to part
    xs = [Scalar(0.001 * k) for k in range(5000)]
    total = sum(xs[1:], xs[0])
    f = compile(total * total, xs[:3])
    assert_identical(f(), eager(total * total, xs[:3]))
    x = Scalar(0.5)
    y = x
    for k in range(20_000):
        y = y.sin() if k % 2 else y * 1.0001
    f = compile(y, [x])
    assert len(f.parts) > 1
    assert_identical(f(), eager(y, [x]))


def test_a_hundred_thousand_nodes_compile_in_parts(monkeypatch):
    monkeypatch.setattr(generating, "CHUNK", 2000)
    rng = random.Random(3)
    params = [Scalar(rng.uniform(-1, 1)) for _ in range(50)]
    terms = []
    for k in range(25_000):
        p, q = params[k % 50], params[(7 * k) % 50]
        terms.append((p * rng.uniform(-1, 1) + q).tanh())
    out = sum(terms[1:], terms[0])
    f = compile(out, params)
    assert len(f.parts) > 10
    assert_identical(f(), eager(out, params))
    # a part is a segment's forward and reverse passes in one frame: the tanh values its reverse
    # pass reads stay local; what crosses (a running sum, the parameters' gradients) is little
    assert f._slots < 0.02 * f.nodes


def test_the_signature_tells_a_different_graph():
    a = Scalar(0.5, label="a")
    f = compile(a.exp() * 3, [a])
    assert f.matches(a.exp() * 3)
    assert not f.matches(a.exp() * 4)
    assert not f.matches(a.sin() * 3)
    assert not f.matches(Scalar(0.5).exp() * 3)  # a leaf that is not the input


def test_inputs_must_be_distinct_leaves():
    a = Scalar(0.5)
    with pytest.raises(nanograd.InputError, match="not a leaf"):
        compile(a * 2, [a * 2])
    with pytest.raises(nanograd.InputError, match="twice"):
        compile(a * 2, [a, a])
    with pytest.raises(nanograd.InputError, match="finite"):
        compile(a * 2, [a])([math.inf])


def test_loading_warms_the_code_up_without_running_it():
    seen: list[float] = []
    text = "def part0(V, G, S):\n    v0 = V[0]\n    note(v0)\n    return v0 * 2.0, (G[0],), ()\n"
    (part,) = load([text], {"note": seen.append}, "test")
    assert seen == []  # the warm-up calls stopped at their first statement
    assert part([1.5], [0.25], []) == (3.0, (0.25,), ())
    assert seen == [1.5]


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="CPython 3.11 specializes on the 8th call")
def test_compiled_code_is_specialized_before_its_first_replay():
    x = Scalar(0.5, label="x")
    f = compile((x * x).sin(), [x])
    (part,) = f._functions
    first = next(dis.get_instructions(part, adaptive=True))
    assert first.opname == "RESUME_QUICK"  # the specializing interpreter, from the first call


def test_a_large_replay_pauses_the_cyclic_collector():
    """The replay makes tuples (its finiteness checks), which would wake the collector; it
    would walk every graph in the process, as backward() avoids doing."""
    x = Scalar(0.3, label="x")
    out = sum((x * (0.001 * k)).tanh() for k in range(3500))
    f = compile(out, [x])
    assert f.nodes >= 10_000 and f.source.count("raise OverflowError") > 10
    (part,) = f._functions
    collector_on: list[bool] = []

    def watched(V, G, S):
        collector_on.append(gc.isenabled())
        return part(V, G, S)

    f._functions = [watched]
    assert_identical(f(), eager(out, [x]))
    assert collector_on == [False]  # off while the code ran
    assert gc.isenabled()  # and on again after


def test_a_value_stands_bare_only_where_its_parentheses_change_nothing():
    """Folded values go into an op's text without parentheses where they bind tightly enough
    (`a + b * c`): for every row, a value of each precedence it is put bare at reads as the
    same syntax tree as with its parentheses."""
    samples = {SUM: "p + q", PRODUCT: "p * q", UNARY: "-p", POWER: "p ** q"}
    for op in OPS.values():
        t = template(op, 1.0, 2.0, True, op.arity == 2)
        for k in range(op.arity):
            assert t.forward_needs[k] in (SUM, PRODUCT, UNARY, POWER, ATOM)
            for precedence, text in samples.items():
                if precedence < t.forward_needs[k]:
                    continue
                bare = ["x", "y"]
                wrapped = ["x", "y"]
                bare[k], wrapped[k] = text, f"({text})"
                assert ast.dump(ast.parse(t.forward.format(*bare, "", "", *bare))) == \
                    ast.dump(ast.parse(t.forward.format(*wrapped, "", "", *wrapped))), (op.name, k, text)


def test_the_readme_shows_the_code_compile_makes(capsys):
    """The README's example of compiled code, run, prints the code the README shows."""
    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
    section = readme[readme.index("## Compiled gradients"):]
    example, shown = re.findall(r"```python\n(.*?)```", section, re.S)[:2]
    exec(builtins.compile(example, "README.md", "exec"), {})  # our own README's example
    assert capsys.readouterr().out == shown + "\n"  # print() ends the source with a newline
