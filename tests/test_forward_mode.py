"""Forward mode (`jvp`, `jacobian`) and derivatives of derivatives (`grad(create_graph=True)`,
`hessian`, `hvp`), held against PyTorch (float64), sympy's closed forms and finite differences of
gradients, on random graphs over the whole table."""
from __future__ import annotations

import gc
import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from torch_counterparts import torch_ops

import nanograd
from nanograd import (
    OPS,
    InputError,
    NanogradError,
    Scalar,
    apply,
    grad,
    hessian,
    hvp,
    jacobian,
    jvp,
)
from nanograd.core import REAL, SCALAR
from nanograd.testing import central_difference, close, graphs

DIRECTION = (1.0, -0.5, 0.25)  # the tangent of x0, x1, x2 in the random-graph checks
LOOSE = (1e-6, 1e-8)  # second derivatives by different routes round differently


def _same(a, b) -> bool:
    """Two matrices (lists of rows) equal to rounding."""
    return len(a) == len(b) and all(row == pytest.approx(other, rel=1e-12) for row, other in zip(a, b))


def _sample(ranges) -> float:
    lo, hi = ranges[-1]
    return lo + 0.37 * (hi - lo)


# -- the fourth number system, built from the table ---------------------------------------------
@pytest.mark.parametrize("name", sorted(OPS))
def test_every_rule_runs_over_scalars_and_agrees_with_the_reals(name):
    """Fails, naming the function, when a rule calls one the table has no row for."""
    op = OPS[name]
    values = [_sample(r) for r in op.safe]
    leaves = [Scalar(v) for v in values]
    node = apply(op, *leaves)
    for position, partial in enumerate(op.partials):
        lifted = partial(SCALAR, *leaves, node)
        assert math.isclose(float(lifted), partial(REAL, *values, node.data), rel_tol=1e-12, abs_tol=1e-15)
        # with a constant operand the rules take plain numbers, and still agree
        mixed = [v if i != position else leaf for i, (v, leaf) in enumerate(zip(values, leaves))]
        assert math.isclose(float(partial(SCALAR, *mixed, node)), partial(REAL, *values, node.data),
                            rel_tol=1e-12, abs_tol=1e-15)


def test_a_function_the_table_lacks_is_named():
    with pytest.raises(AttributeError, match="no operation 'frobnicate'"):
        SCALAR.frobnicate
    assert SCALAR.LN2 == REAL.LN2


# -- the survey's example, by hand -------------------------------------------------------------
def test_survey_example_first_and_second_derivatives():
    x1, x2 = Scalar(2.0), Scalar(5.0)
    y = x1.log() + x1 * x2 - x2.sin()
    assert jvp(y, {x1: 1.0}) == 5.5  # 1/x1 + x2
    assert grad(y, [x1, x2]) == pytest.approx([5.5, 2.0 - math.cos(5.0)], rel=1e-15)
    exact = [[-1 / 4, 1.0], [1.0, math.sin(5.0)]]  # d2/dx1^2 = -1/x1^2, d2/dx1dx2 = 1, d2/dx2^2 = sin x2
    for mode in ("forward", "reverse"):
        assert _same(hessian(y, [x1, x2], mode=mode), exact)
    assert hvp(y, [x1, x2], [1.0, 2.0]) == pytest.approx([-0.25 + 2.0, 1.0 + 2 * math.sin(5.0)])
    g = grad(y, x1, create_graph=True)
    assert isinstance(g, Scalar) and g.op is not None
    assert grad(g, x1) == -0.25 and x1.grad == 0.0  # nothing touched .grad


def test_third_derivative_by_differentiating_three_times():
    x = Scalar(0.7)
    y = x.sin() * x.exp()
    d1 = grad(y, x, create_graph=True)
    d2 = grad(d1, x, create_graph=True)
    d3 = grad(d2, x)
    assert d3 == pytest.approx(2 * math.exp(0.7) * (math.cos(0.7) - math.sin(0.7)), rel=1e-13)


def test_constant_derivatives_and_unused_inputs():
    x, unused = Scalar(3.0), Scalar(1.0)
    y = 2 * x
    assert grad(y, [x, unused]) == [2.0, 0.0]
    g = grad(y, x, create_graph=True)
    assert isinstance(g, Scalar) and g.data == 2.0 and grad(g, x) == 0.0
    assert jvp(y, {unused: 1.0}) == 0.0
    assert jvp([y, x], {x: 2.0}) == [4.0, 2.0]


# -- jacobians and what they cost --------------------------------------------------------------
def test_jacobian_modes_agree_and_count_their_work():
    x1, x2 = Scalar(0.5), Scalar(1.5)
    f = x1 * x2 + x1.sin()  # edges: mul (2), sin (1), add (2)
    forward, reverse = jacobian(f, [x1, x2], mode="forward"), jacobian(f, [x1, x2], mode="reverse")
    assert _same(forward, reverse) and _same(reverse, [[1.5 + math.cos(0.5), 0.5]])
    # reverse: one sweep over all 5 edges; forward: one sweep per input, over the edges from
    # nodes that depend on it (x1: mul, sin, add twice = 4; x2: mul, add = 2)
    assert (reverse.sweeps, reverse.local_derivatives) == (1, 5)
    assert (forward.sweeps, forward.local_derivatives) == (2, 6)


def test_many_inputs_one_output_favours_reverse_and_the_opposite_forward():
    xs = [Scalar(0.1 * i) for i in range(20)]
    loss = sum((x * x for x in xs), Scalar(0.0))
    assert jacobian(loss, xs, "reverse").sweeps == 1 and jacobian(loss, xs, "forward").sweeps == 20
    # 20 squares (2 edges each) and 20 additions (2 each): reverse evaluates those 80 once;
    # forward, seeded at x_i, its square's 2 edges and 1 edge of each of the 20 - i sums after it
    assert jacobian(loss, xs, "reverse").local_derivatives == 80
    assert jacobian(loss, xs, "forward").local_derivatives == sum(2 + 20 - i for i in range(20))
    t = Scalar(0.3)
    trunk = t
    for _ in range(10):  # 10 steps of 2 edges each (a constant factor, then sin)
        trunk = (trunk * 0.9).sin()
    outputs = [trunk * k for k in range(1, 21)]  # 20 outputs, 1 edge each
    forward, reverse = jacobian(outputs, [t], "forward"), jacobian(outputs, [t], "reverse")
    assert _same(forward, reverse)
    assert (forward.sweeps, forward.local_derivatives) == (1, 20 + 20)
    assert (reverse.sweeps, reverse.local_derivatives) == (20, 20 * (20 + 1))  # the trunk each time


def test_arguments_are_checked():
    x = Scalar(1.0)
    y = x * x
    with pytest.raises(InputError, match="computed by mul"):
        jvp(y, {y: 1.0})
    with pytest.raises(ValueError, match="finite"):
        jvp(y, {x: math.inf})
    with pytest.raises(ValueError, match="mode"):
        jacobian(y, [x], mode="sideways")
    with pytest.raises(TypeError):
        grad(y, [1.0])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="entries"):
        hvp(y, [x], [1.0, 2.0])


def test_undefined_and_overflowing_derivatives_name_the_node():
    x = Scalar(0.0, label="x")
    r = x.sqrt()
    r.label = "r"
    with pytest.raises(NanogradError, match="'r'"):
        jvp(r, {x: 1.0})
    with pytest.raises(NanogradError, match="'r'"):
        grad(r, x)
    x = Scalar(1e-300, label="tiny")
    with pytest.raises(NanogradError, match="'tiny'"):
        grad(x.log() * 1e10, x)  # 1e10 / 1e-300 is beyond a float: named, not a silent inf
    with pytest.raises(NanogradError, match="tangent at an unlabelled mul node"):
        jvp(x * 1e300, {x: 1e300})


# -- a million nodes -----------------------------------------------------------------------------
def test_a_million_node_chain_works_for_jvp_and_grad():
    x = Scalar(0.5)
    y = x
    gc.disable()  # building a million nodes with the collector on costs more than the test
    try:
        for _ in range(1_000_000):
            y = y * 1.0000001
    finally:
        gc.enable()
    expected = 1.0000001 ** 1_000_000  # d y / d x: an independent closed form
    assert jvp(y, {x: 1.0}) == pytest.approx(expected, rel=1e-9)
    assert grad(y, x) == pytest.approx(expected, rel=1e-9)


def _euler(start: float, steps: int = 20_000) -> tuple[Scalar, Scalar]:
    """(leaf, out): Euler steps of dy/dt = sin(y), a deep chain with well-behaved derivatives."""
    x = Scalar(start)
    y = x
    for _ in range(steps):
        y = y + 1e-4 * y.sin()
    return x, y


def test_create_graph_on_a_deep_chain_is_iterative_too():
    x, y = _euler(0.4)
    second = grad(grad(y, x, create_graph=True), x)
    h = 1e-5
    numeric = (grad(*reversed(_euler(0.4 + h))) - grad(*reversed(_euler(0.4 - h)))) / (2 * h)
    assert second == pytest.approx(numeric, rel=1e-5)


# -- PyTorch (float64) on 300 random graphs --------------------------------------------------------
class TorchSystem:
    """The table's forward rules over torch tensors: each function the rules call is torch's of
    the same name (a row whose function torch lacks fails here, by name); H(x) is a comparison,
    with no gradient, as relu' has none in PyTorch."""

    def __init__(self, torch) -> None:
        self.torch = torch
        self.counterparts = torch_ops(torch)  # the definitions of those torch has no function for

    def __getattr__(self, name: str):
        if name == "heaviside":
            return lambda x: (x > 0).to(self.torch.float64)
        value = getattr(REAL, name)
        if not callable(value):
            return value
        return getattr(self.torch, name, None) or self.counterparts[name]


def _torch_graph(graph, system, leaves):
    """The graph over torch tensors; constants as tensors too, since torch's functions (log for
    logb's constant base) take no floats."""
    nodes = list(leaves)
    for step in graph.steps:
        args = [system.torch.tensor(o.constant, dtype=system.torch.float64) if o.node is None
                else nodes[o.node] + o.shift if o.shift else nodes[o.node] for o in step.operands]
        nodes.append(step.op.forward(system, *args))
    return nodes[-1]


def test_every_forward_rule_runs_over_torch():
    torch = pytest.importorskip("torch")
    system = TorchSystem(torch)
    for op in OPS.values():
        values = [torch.tensor(_sample(r), dtype=torch.float64) for r in op.safe]
        assert math.isclose(float(op.forward(system, *values)), op.forward(REAL, *map(float, values)),
                            rel_tol=1e-12), op.name


def _torch_masks_a_second_derivative(graph) -> bool:
    """Whether a pow's exponent is a node whose value is 0: PyTorch's pow backward sets the
    base's slope to 0 there with a mask, which also drops that slope's own derivative in the
    exponent (d/dy of y*u**(y-1) = u**-1 at y = 0); nanograd keeps it (see the test below)."""
    return any(step.op.name == "pow" and step.operands[1].node is not None
               and graph.nodes[step.operands[1].node].data + step.operands[1].shift == 0
               for step in graph.steps)


def test_second_derivative_where_pytorch_masks_it_agrees_with_finite_differences():
    x = Scalar(0.0)
    f = lambda v: (v + 0.25) ** v  # noqa: E731
    h = 1e-4
    numeric = (f(h) - 2 * f(0.0) + f(-h)) / h ** 2
    assert hessian((x + 0.25) ** x, [x])[0][0] == pytest.approx(numeric, rel=1e-6)


@settings(max_examples=300, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(graphs(max_steps=12))
def test_jvp_and_second_derivatives_agree_with_pytorch(graph):
    torch = pytest.importorskip("torch")
    leaves = graph.leaves
    direction = dict(zip(leaves, DIRECTION))
    try:
        first = grad(graph.out, leaves, create_graph=True)
        second = [grad(g, leaves) for g in first]
        along = jvp(graph.out, direction)
    except NanogradError:
        assume(False)  # a derivative undefined at this point: nothing to compare
    system = TorchSystem(torch)
    tleaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in graph.values]
    tout = _torch_graph(graph, system, tleaves)
    tfirst = (torch.autograd.grad(tout, tleaves, create_graph=True, allow_unused=True)
              if tout.requires_grad else [None] * len(tleaves))  # a step's output is constant
    for i, (ours, theirs) in enumerate(zip(first, tfirst)):
        theirs_value = 0.0 if theirs is None else theirs.item()
        assert close(ours.data, theirs_value), (graph, i)
        tsecond = ([None] * len(tleaves) if theirs is None or not theirs.requires_grad else
                   torch.autograd.grad(theirs, tleaves, retain_graph=True, allow_unused=True))
        if _torch_masks_a_second_derivative(graph):
            continue
        for j, t in enumerate(tsecond):
            assert close(second[i][j], 0.0 if t is None else t.item(), LOOSE), (graph, i, j)
    from torch.autograd import forward_ad  # torch's own forward mode: dual tensors

    with forward_ad.dual_level():
        f64 = torch.float64
        duals = [forward_ad.make_dual(torch.tensor(v, dtype=f64), torch.tensor(d, dtype=f64))
                 for v, d in zip(graph.values, DIRECTION)]
        ttangent = forward_ad.unpack_dual(_torch_graph(graph, system, duals)).tangent
    assert close(along, 0.0 if ttangent is None else ttangent.item()), graph


# -- sympy's closed forms, and finite differences of gradients -----------------------------------
@given(graphs(max_steps=8))
def test_hessian_and_jvp_agree_with_closed_forms(graph):
    from nanograd import grad_expr, hessian_expr, leaf_values
    from nanograd.testing import value_of

    leaves = graph.leaves
    try:
        ours = hessian(graph.out, leaves)
        along = jvp(graph.out, dict(zip(leaves, DIRECTION)))
    except NanogradError:
        assume(False)
    at = leaf_values(graph.out)
    exact = hessian_expr(graph.out, wrt=leaves)
    for i in range(len(leaves)):
        for j in range(len(leaves)):
            assert close(ours[i][j], value_of(exact[i, j], at), LOOSE), (graph, i, j)
    gradient = [value_of(e, at) for e in grad_expr(graph.out, wrt=leaves)]
    assert close(along, sum(g * d for g, d in zip(gradient, DIRECTION)), LOOSE), graph


@given(graphs(max_steps=12))
def test_hessian_and_hvp_agree_with_finite_differences_of_gradients(graph):
    leaves = graph.leaves
    try:
        ours = hessian(graph.out, leaves, mode="forward")
        product = hvp(graph.out, leaves, DIRECTION[:len(leaves)])
    except NanogradError:
        assume(False)

    def gradient(values, i):
        new_leaves, nodes = graph.build(values)
        return grad(nodes[-1], new_leaves[i])

    for i in range(len(leaves)):
        for j in range(len(leaves)):
            numeric = central_difference(lambda v: gradient(v, i), graph.values, j)
            assert close(ours[i][j], numeric, (1e-4, 1e-5)), (graph, i, j)
        assert close(product[i], sum(h * d for h, d in zip(ours[i], DIRECTION)), LOOSE), graph


def test_the_facade_exports_them():
    for name in ("jvp", "jacobian", "Jacobian", "grad", "hessian", "hvp", "trace", "Trace"):
        assert name in nanograd.__all__ and getattr(nanograd, name)
