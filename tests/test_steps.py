"""backward_steps: one step per node, in reverse topological order, ending with backward()'s
gradients to the last bit; render_steps: a frame per step. Oracles: backward() on a second,
identically built graph; local derivatives written by hand with math."""
from __future__ import annotations

import math
import xml.etree.ElementTree as ElementTree

import pytest
from hypothesis import given

from nanograd import Scalar
from nanograd.core import topological_order
from nanograd.drawing import render_steps
from nanograd.teaching import backward_steps, worked_example
from nanograd.testing import graphs


def grads(out: Scalar) -> list[float]:
    return [n.grad for n in topological_order(out)]


def test_worked_example_step_by_step_ends_where_backward_does(pure_python_reference):
    values, _ = pure_python_reference
    m = worked_example()
    steps = list(backward_steps(m))
    order = topological_order(m)
    assert [s.node for s in steps] == order[::-1]  # one per node, output first
    assert [s.number for s in steps] == list(range(1, 14))
    reference = worked_example()
    reference.backward()
    assert grads(m) == grads(reference)  # exactly: the same arithmetic in the same order
    e_step = next(s for s in steps if s.node.label == "e")
    [(contribution)] = e_step.contributions
    assert contribution.input.label == "d"
    assert contribution.local == pytest.approx(1 - math.tanh(values["d"]) ** 2, rel=1e-12)
    assert contribution.added == e_step.grad * contribution.local
    assert e_step.grad == reference_grad(reference, "e")


def reference_grad(out: Scalar, label: str) -> float:
    return next(n.grad for n in topological_order(out) if n.label == label)


def test_each_step_sees_its_final_gradient_and_passes_on_grad_times_local():
    x = Scalar(1.5, label="x")
    y = x * x
    y.label = "y"
    out = y + x
    out.label = "out"
    steps = {s.node.label: s for s in backward_steps(out)}
    assert steps["out"].grad == 1.0
    assert [(c.input.label, c.local, c.added) for c in steps["out"].contributions] == [
        ("y", 1.0, 1.0), ("x", 1.0, 1.0)]
    # x * x: two edges to x, each with local derivative x
    assert [(c.input.label, c.position, c.local) for c in steps["y"].contributions] == [
        ("x", 0, 1.5), ("x", 1, 1.5)]
    assert steps["x"].contributions == () and steps["x"].grad == x.grad == 2 * 1.5 + 1
    assert str(steps["y"]) == ("step 2: y = x * x (mul), grad 1: x.grad += 1 x 1.5 = +1.5; "
                               "x.grad += 1 x 1.5 = +1.5")
    assert repr(steps["x"]) == "<Step 3: x (leaf), grad 4: nothing to pass on>"
    assert str(steps["x"]) == "step 3: x (leaf), grad 4: nothing to pass on"


def test_steps_after_an_earlier_backward_show_this_pass_from_zero():
    """backward() adds to leaf gradients; the steps teach one pass, so they start from zero."""
    from nanograd import explain, zero_grad

    a = Scalar(0.7, label="a")
    b = (a * 3).sin()
    out = b * a
    once = 3 * math.cos(2.1) * 0.7 + math.sin(2.1)  # d/da of a * sin(3a), by hand
    out.backward()
    out.backward()
    assert a.grad == pytest.approx(2 * once, rel=1e-12)  # backward() accumulates, as PyTorch does
    steps = list(backward_steps(out))
    assert a.grad == pytest.approx(once, rel=1e-12)  # this pass alone
    assert steps[-1].node is a and steps[-1].grad == a.grad
    assert explain(out, wrt=a).total == pytest.approx(a.grad, rel=1e-12)
    assert (b.grad, out.grad) == (0.7, 1.0)
    zero_grad(out)
    assert [n.grad for n in topological_order(out)] == [0.0] * len(topological_order(out))
    out.backward()
    assert a.grad == pytest.approx(once, rel=1e-12)  # zero_grad, then backward: one pass too


def test_frames_after_an_earlier_backward_show_this_pass(tmp_path):
    a = Scalar(0.5, label="a")
    out = (a * a).tanh()
    out.label = "out"
    out.backward()
    out.backward()
    frames = render_steps(out, tmp_path, format="dot")
    once = (1 - math.tanh(0.25) ** 2) * 1.0  # by hand: tanh'(a*a) * 2a
    assert f"grad {once:.4f}" in frames[-1].read_text(encoding="utf-8")
    assert f"grad {2 * once:.4f}" not in frames[-1].read_text(encoding="utf-8")


def test_steps_run_lazily():
    a = Scalar(2.0, label="a")
    out = a * 3
    walk = backward_steps(out)
    assert a.grad == 0.0
    first = next(walk)
    assert first.node is out and a.grad == 3.0


@given(graphs())
def test_random_graphs_step_by_step_equals_backward(graph):
    _, copy = graph.build(graph.values)
    copy[-1].backward()
    for _ in backward_steps(graph.out):
        pass
    assert [n.grad for n in graph.nodes] == [n.grad for n in copy]


def test_a_long_chain_step_by_step():
    x = Scalar(0.5, label="x")
    y = x
    for _ in range(100_000):
        y = y * 0.99999 + 0.00001
    count = sum(1 for _ in backward_steps(y))
    assert count == 200_001
    assert x.grad == pytest.approx(0.99999 ** 100_000, rel=1e-9)


def test_render_steps_writes_a_frame_per_step_with_the_current_node_marked(tmp_path):
    m = worked_example()
    frames = render_steps(m, tmp_path / "frames")
    assert [f.name for f in frames] == [f"step_{k:03d}.svg" for k in range(1, 14)]
    svg = "{http://www.w3.org/2000/svg}"
    for number, frame in enumerate(frames, 1):
        root = ElementTree.parse(frame).getroot()
        texts = [t.text or "" for t in root.iter(f"{svg}text")]
        assert any(t.startswith(f"step {number}: ") and t.endswith(f"[{number}/13]") for t in texts)
        marked = [g for g in root.iter(f"{svg}g") if g.get("class") == "node"
                  and any(p.get("fill") == "#ffe08a" for p in g)]
        assert marked, frame  # the current node (and its operation) filled
    # the last frame shows every gradient as backward() leaves them
    reference = worked_example()
    reference.backward()
    last = [t.text for t in ElementTree.parse(frames[-1]).getroot().iter(f"{svg}text")]
    for node in topological_order(reference):
        assert f"grad {node.grad:.4f}" in last


def test_steps_name_unlabelled_nodes_as_explain_does():
    from nanograd import explain

    a, b = Scalar(2.0, label="a"), Scalar(-0.5, label="b")
    out = (a * b + a).tanh()  # the product, the sum and the output are unlabelled
    text = str(explain(out, wrt=a))
    steps = list(backward_steps(out))
    unlabelled = [s for s in steps if not s.node.label and s.node.op is not None]
    assert len(unlabelled) == 3
    for step in unlabelled:
        name = str(step).split(" ")[2]  # "step N: NAME = FORMULA (op), ..."
        assert f" {name} " in text, (name, text)
    # the unlabelled output is `out`; the others v1, v2, each defined where it is met
    assert [str(s).split(" ")[2] for s in unlabelled] == ["out", "v2", "v1"]
    assert str(steps[0]).startswith("step 1: out = tanh(v2) (tanh), grad 1 (the seed; every other "
                                    "gradient starts at 0): v2.grad += 1 x ")
    assert "where v1 = a * b; v2 = v1 + a; out = tanh(v2)" in text


def test_steps_and_backward_start_and_fail_alike():
    """One start (reset, seed) and one overflow check for backward() and backward_steps()."""
    from nanograd.core.walks import start_backward
    from nanograd.errors import NonFiniteError

    x = Scalar(3.0, label="x")
    y = x * 2.0
    y.grad, x.grad = 5.0, 7.0
    assert start_backward(y) == [x, y] and (y.grad, x.grad) == (1.0, 7.0)

    x = Scalar(1.0, label="x")
    small = x * 1e-300
    small.label = "small"
    big = small * 1e300 * 1e300  # finite values; d big / d small = 1e600 overflows
    with pytest.raises(NonFiniteError) as by_backward:
        big.backward()
    with pytest.raises(NonFiniteError) as by_steps:
        list(backward_steps(big))
    assert str(by_steps.value) == str(by_backward.value) == \
        "the gradient at node 'small' overflowed to inf"
