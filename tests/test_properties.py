"""Numeric and symbolic backprop checked against each other and against independent oracles,
on random graphs over every operation of the table (strategies in nanograd.testing)."""
from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from nanograd import OPS, Scalar, grad_expr, leaf_values
from nanograd.testing import (
    EXACT,
    FINITE_DIFFERENCE,
    GradientCheckError,
    RandomGraph,
    check_against_finite_differences,
    check_against_sympy_diff,
    check_forward,
    check_gradients,
    check_hessian,
    check_intermediate_adjoints,
    check_leaf_gradients,
    check_round_trip,
    close,
    graphs,
    value_of,
)


@given(graphs())
def test_forward_value_is_the_closed_form(graph):
    check_forward(graph)


@given(graphs())
def test_leaf_gradients_are_the_closed_forms(graph):
    check_leaf_gradients(graph)


@given(graphs())
def test_grad_expr_agrees_with_sympy_diff(graph):
    check_against_sympy_diff(graph)


@given(graphs())
def test_both_agree_with_finite_differences(graph):
    check_against_finite_differences(graph)


@given(graphs())
def test_every_intermediate_gradient_is_its_adjoint(graph):
    check_intermediate_adjoints(graph)


@given(graphs(max_leaves=2, max_steps=12))
def test_hessian_agrees_with_finite_differences_of_gradients(graph):
    check_hessian(graph)


@given(graphs())
def test_from_sympy_round_trip_keeps_value_and_gradients(graph):
    check_round_trip(graph)


# -- laws on composed graphs -------------------------------------------------------------------
@st.composite
def two_graphs(draw, max_steps: int = 12) -> tuple[RandomGraph, RandomGraph]:
    f = draw(graphs(max_steps=max_steps))
    return f, draw(graphs(max_steps=max_steps, values=f.values))


def _grads(graph: RandomGraph) -> list[float]:
    leaves, nodes = graph.build(graph.values)
    nodes[-1].backward()
    return [leaf.grad for leaf in leaves]


def _combined(f: RandomGraph, g: RandomGraph, combine) -> tuple[list[Scalar], Scalar]:
    leaves = f.build(f.values)[0]
    return leaves, combine(f.build(f.values, leaves)[1][-1], g.build(g.values, leaves)[1][-1])


def _check_law(leaves: list[Scalar], h: Scalar, expected: list[float], what: str) -> None:
    h.backward()
    closed = grad_expr(h, wrt=leaves)
    at = leaf_values(h)
    for leaf, want, expr in zip(leaves, expected, closed):
        assert close(leaf.grad, want), f"{what}, backprop, d/d{leaf.label}: {leaf.grad} != {want}"
        assert close(value_of(expr, at), want), f"{what}, closed form, d/d{leaf.label}"


@given(two_graphs(), st.sampled_from([-2, 0.5, 3]), st.sampled_from([-1, 0.25, 2]))
def test_linearity(pair, a, b):
    f, g = pair
    leaves, h = _combined(f, g, lambda u, v: a * u + b * v)
    expected = [a * df + b * dg for df, dg in zip(_grads(f), _grads(g))]
    _check_law(leaves, h, expected, "linearity")


@given(two_graphs())
def test_product_rule(pair):
    f, g = pair
    leaves, h = _combined(f, g, lambda u, v: u * v)
    fv, gv = f.out.data, g.out.data
    expected = [df * gv + fv * dg for df, dg in zip(_grads(f), _grads(g))]
    _check_law(leaves, h, expected, "product rule")


@given(graphs(max_steps=12), graphs(max_leaves=1, max_steps=12))
def test_chain_rule(f, g):
    # g(u) with u = f + c, where c puts u exactly at g's own leaf value, so g replays unchanged.
    leaves, f_nodes = f.build(f.values)
    u = f_nodes[-1] + (g.values[0] - f_nodes[-1].data)
    h = g.build(g.values, [u])[1][-1]
    dg_du = _grads(g)[0]
    expected = [dg_du * df for df in _grads(f)]
    _check_law(leaves, h, expected, "chain rule")


# -- the suite must bite: a planted wrong rule for each op is caught ---------------------------
PLANTS = {
    "sign flipped": lambda rule: lambda m, *a: -rule(m, *a),
    "factor of 2": lambda rule: lambda m, *a: 2 * rule(m, *a),
    "off by one": lambda rule: lambda m, *a: rule(m, *a) + 1,
}


def _is_a_mistake(op, position: int, planted) -> bool:
    """A plant that equals the true rule all over the op's safe ranges (-0 for a rule that is
    0) is no mistake; probe a small grid of points there."""
    from nanograd.core.ops import REAL

    grids = [[lo + (hi - lo) * f for lo, hi in ranges for f in (0.3, 0.7)] for ranges in op.safe]
    for args in itertools.product(*grids):
        z = op.forward(REAL, *args)
        if planted(REAL, *args, z) != op.partials[position](REAL, *args, z):
            return True
    return False


def _caught(op_name: str) -> bool:
    @settings(max_examples=60, derandomize=True, database=None, phases=[Phase.generate],
              deadline=None)
    @given(graphs(ops=[op_name], max_steps=4))
    def properties(graph):
        check_against_sympy_diff(graph, symbolic=False)
        check_against_finite_differences(graph)

    try:
        properties()
    except AssertionError:
        return True
    return False


def test_planted_mistakes_are_all_caught(capsys):
    planted = caught = 0
    missed = []
    for op in OPS.values():
        original = op.partials
        for position in range(op.arity):
            for kind, plant in PLANTS.items():
                wrong = plant(original[position])
                if not _is_a_mistake(op, position, wrong):
                    continue
                partials = list(original)
                partials[position] = wrong
                object.__setattr__(op, "partials", tuple(partials))  # every node shares this row
                try:
                    planted += 1
                    if _caught(op.name):
                        caught += 1
                    else:
                        missed.append(f"{op.name} input {position}: {kind}")
                finally:
                    object.__setattr__(op, "partials", original)
    with capsys.disabled():
        print(f"\nplanted mistakes caught by the property tests: {caught} of {planted}")
    assert planted >= 2 * len(OPS)
    assert not missed, f"not caught: {missed}"


# -- check_gradients, for users ----------------------------------------------------------------
def softplus(x):
    return (1 + x.exp()).log()


def test_check_gradients_passes_a_correct_function():
    report = check_gradients(softplus, domain=(-5, 5), max_examples=30)
    assert report.examples == 30  # no kinks: every point checked


def test_check_gradients_of_two_inputs_with_a_domain_each():
    report = check_gradients(lambda x, y: (x * y).sin() + x.log() / y, domain=[(0.5, 3), ((1, 2),)],
                             max_examples=20)
    assert report.examples == 20


def test_check_gradients_reports_a_minimal_counterexample_when_a_rule_is_wrong():
    op = OPS["exp"]
    original = op.partials
    object.__setattr__(op, "partials", (lambda m, x, z: z * 1.01,))
    try:
        with pytest.raises(GradientCheckError) as failure:
            check_gradients(softplus, domain=(-5, 5), max_examples=50)
    finally:
        object.__setattr__(op, "partials", original)
    message = str(failure.value)
    assert "softplus" in message and "finite differences" in message and "log(exp(x) + 1)" in message


def test_check_gradients_rejects_a_domain_of_the_wrong_length():
    with pytest.raises(ValueError, match="2 ranges for a function of 1 inputs"):
        check_gradients(softplus, domain=[(0, 1), (0, 1)])


def test_a_tuple_of_intervals_is_one_domain_for_every_input():
    seen = []

    def f(x, y):
        seen.append((x.data, y.data))
        return x * y

    check_gradients(f, domain=((-2, -1), (1, 2)), max_examples=20)
    slack = 1e-3  # finite differences also call f at x +- h
    assert all(1 - slack <= abs(v) <= 2 + slack for point in seen for v in point)
    assert any(v < 0 for point in seen for v in point) and any(v > 0 for point in seen for v in point)


def test_tolerances_are_tight_enough_to_see_a_one_percent_error():
    assert not close(1.0, 1.01, EXACT) and not close(1.0, 1.01, FINITE_DIFFERENCE)
    assert close(1.0, 1.0 + 1e-12, EXACT) and close(math.pi, math.pi * (1 + 1e-6), FINITE_DIFFERENCE)


def test_check_gradients_skips_kinks_but_still_checks_around_them():
    seen = []

    def hinge(x):
        seen.append(x.data)
        return (1 - x).relu() + x.abs()

    report = check_gradients(hinge, domain=(-2, 2), max_examples=60)
    assert 0 < report.examples <= 60
    assert any(abs(v) > 0.5 for v in seen)  # the smooth parts were checked
    assert any(v == 0 for v in seen) or any(v == 1 for v in seen)  # and a kink was drawn, skipped


def test_the_sympy_diff_oracle_compares_only_where_the_graph_is_defined():
    # n2 = (5 x0 + 0.25) ** (5 x0) at x0 = 0: at x0 - 0.1 the base is negative and both closed
    # forms complex; the oracle compares at the nearby points where the graph has a value
    from nanograd.core.ops import OPS
    from nanograd.testing.strategies import GraphStep, Operand, RandomGraph

    graph = RandomGraph([0.0], [GraphStep(OPS["mul"], (Operand(node=0), Operand(constant=5))),
                                GraphStep(OPS["pow"], (Operand(node=1, shift=0.25), Operand(node=1)))])
    check_against_sympy_diff(graph)
