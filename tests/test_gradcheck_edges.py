"""check_gradients where finite differences alone mislead, its domains of any width, and the
sampling ranges every property test draws from."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanograd import GradientCheckError
from nanograd.core.ops import (
    AWAY_FROM_ZERO,
    BASES,
    HALF_TURN,
    NONZERO,
    OPEN_UNIT,
    OPS,
    POSITIVE,
    QUARTER_TURN,
    REAL,
    REALS,
)
from nanograd.testing import check_gradients
from nanograd.testing.strategies import values_in


def _seen_by(fn, domain, max_examples=40):
    seen = []

    def recorded(x):
        seen.append(x.data)
        return fn(x)

    report = check_gradients(recorded, domain=domain, max_examples=max_examples)
    return report, seen


@pytest.mark.parametrize("fn", [lambda x: x * abs(x), lambda x: x.relu() ** 2],
                         ids=["x*abs(x)", "relu(x)**2"])
def test_once_differentiable_functions_pass_at_zero(fn):
    # f'(0) = 0 exactly, but f'' jumps at 0, so central differences are off by about h there
    report, seen = _seen_by(fn, ((-0.001, 0.001),), max_examples=60)
    assert 0.0 in seen
    assert report.examples >= 50  # 0 is no kink (the one-sided slopes agree): it is checked


def test_finite_difference_slack_does_not_hide_a_wrong_derivative_at_a_smooth_point():
    op = OPS["abs"]
    original = op.partials
    object.__setattr__(op, "partials", (lambda m, x, z: 1.01 * m.sign(x),))
    try:
        with pytest.raises(GradientCheckError):
            check_gradients(lambda x: x * abs(x), domain=(0.5, 2.0), max_examples=30)
    finally:
        object.__setattr__(op, "partials", original)


@pytest.mark.parametrize("domain", [(1e-4, 1e-3), (1e-6, 2e-6), (1e6, 1e6 + 1e-3)])
def test_narrow_domains_are_sampled_at_many_points_inside(domain):
    report, seen = _seen_by(lambda x: x * x, domain, max_examples=30)
    lo, hi = domain
    inside = {v for v in seen if lo <= v <= hi}
    assert report.examples == 30
    assert len(inside) >= 20


def test_a_point_domain_checks_that_point():
    report, seen = _seen_by(lambda x: x * x, (0.5, 0.5), max_examples=5)
    assert report.examples >= 1 and 0.5 in seen


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_values_in_stay_inside_their_intervals(data):
    lo = data.draw(st.floats(-1e6, 1e6))
    width = data.draw(st.floats(1e-9, 10.0))
    hi = lo + width
    value = data.draw(values_in(((lo, hi),)))
    assert lo <= value <= hi


# -- the sampling ranges of the table -------------------------------------------------------------
def _drawn(ranges, n=400):
    values = []

    @settings(max_examples=n, deadline=None, database=None)
    @given(values_in(ranges))
    def draw(v):
        values.append(v)

    draw()
    return values


def test_reals_span_both_signs_symmetrically_around_zero():
    (lo, hi), = REALS
    assert lo == -hi and 1.0 < hi <= 4.0  # wide enough to leave [-1, 1]; small for deep graphs
    values = _drawn(REALS)
    assert min(values) < -1.0 and max(values) > 1.0 and len(set(values)) > 100


def test_positive_is_inside_the_domain_of_log_and_sqrt_with_a_margin():
    (lo, hi), = POSITIVE
    margin = NONZERO[1][0]
    assert lo == margin and hi > 1.0  # as far from 0 as the kinks are, and across log's zero at 1
    assert hi == REALS[0][1] + 1.0  # one past the reals, so a shifted real still fits
    values = _drawn(POSITIVE)
    assert min(values) < 1.0 < max(values) and all(v >= lo for v in values)


def test_nonzero_is_the_reals_without_a_margin_around_zero():
    (neg_lo, neg_hi), (pos_lo, pos_hi) = NONZERO
    assert (neg_lo, pos_hi) == REALS[0] and neg_hi == -pos_lo and 0.0 < pos_lo < 0.5
    values = _drawn(NONZERO)
    assert all(abs(v) >= pos_lo for v in values)
    assert any(v < 0 for v in values) and any(v > 0 for v in values)


def test_check_gradients_default_domain_draws_many_values():
    report, seen = _seen_by(lambda x: x.sin(), REALS, max_examples=40)
    assert len({round(v, 3) for v in seen}) >= 30


def _grid(ranges, n=200):
    return [lo + (hi - lo) * k / n for lo, hi in ranges for k in range(n + 1)]


def test_every_rows_sampling_ranges_are_intervals_inside_its_domain():
    for op in OPS.values():
        for ranges in op.safe:
            assert ranges and all(lo < hi for lo, hi in ranges), (op.name, ranges)
        # every input over its ranges, the other (if any) over a coarser grid of its own
        grids = [_grid(ranges, 200 if op.arity == 1 else 20) for ranges in op.safe]
        points = [(x,) for x in grids[0]] if op.arity == 1 else \
            [(x, y) for x in grids[0] for y in grids[1]]
        for point in points:
            z = op.forward(REAL, *point)
            slopes = [float(rule(REAL, *point, z)) for rule in op.partials]
            assert all(math.isfinite(v) for v in (z, *slopes)), (op.name, point)


def test_the_ranges_near_poles_and_edges_keep_slopes_within_about_4():
    # as log's slope at POSITIVE's 0.25: chains of such ops stay well conditioned
    near = (OPEN_UNIT, QUARTER_TURN, HALF_TURN, AWAY_FROM_ZERO)
    rows = [op for op in OPS.values() if op.arity == 1 and op.safe[0] in near]
    assert {op.safe[0] for op in rows} == set(near)
    for op in rows:
        for x in _grid(op.safe[0]):
            assert abs(op.partials[0](REAL, x, op.forward(REAL, x))) <= 4.5, (op.name, x)


@pytest.mark.parametrize("ranges", [REALS, NONZERO, OPEN_UNIT, QUARTER_TURN, HALF_TURN, AWAY_FROM_ZERO],
                         ids=["REALS", "NONZERO", "OPEN_UNIT", "QUARTER_TURN", "HALF_TURN", "AWAY_FROM_ZERO"])
def test_ranges_for_odd_and_even_functions_are_their_own_mirror_images(ranges):
    # the functions sampled there are odd or even, their poles and edges placed as mirror images:
    # a range that comes nearer one pole than its mirror image tests one side less
    assert sorted((-hi, -lo) for lo, hi in ranges) == sorted(ranges)


def test_a_bases_range_is_its_own_image_under_the_reciprocal():
    # log to the base 1/y is -log to the base y: the same distance from the pole at 1 each side
    assert sorted((1 / hi, 1 / lo) for lo, hi in BASES) == sorted(BASES)


def test_acosh_is_sampled_from_the_margin_past_its_edge_to_where_positive_numbers_end():
    # as far from its edge at 1 as log's range from 0 (slope 4/3 there), as far up as POSITIVE
    (lo, hi), = OPS["acosh"].safe[0]
    assert lo == 1.0 + POSITIVE[0][0] and hi == POSITIVE[0][1]
