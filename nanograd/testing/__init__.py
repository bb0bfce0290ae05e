"""Property testing with hypothesis: random graphs over the whole table, and the checks that hold
nanograd's two answers (backprop numbers, symbolic closed forms) against independent oracles:
sympy.diff, central finite differences, and an mpmath evaluation of each closed form.

    from hypothesis import given
    from nanograd.testing import graphs, check_against_finite_differences

    @given(graphs())
    def test_backprop(graph):
        check_against_finite_differences(graph)

`check_gradients(fn)` runs every check on a user's own function of Scalars. Needs hypothesis
(the `test` extra); nanograd's facade never imports this package.
"""
from ..errors import GradientCheckError
from .gradcheck import GradientReport, check_gradients
from .oracles import (
                      EXACT,
                      FINITE_DIFFERENCE,
                      central_difference,
                      check_against_finite_differences,
                      check_against_sympy_diff,
                      check_forward,
                      check_hessian,
                      check_intermediate_adjoints,
                      check_leaf_gradients,
                      check_round_trip,
                      close,
                      value_of,
)
from .strategies import GraphStep, Operand, RandomGraph, graphs, register_profiles, values_in

__all__ = [
    "GradientCheckError", "GradientReport", "check_gradients", "EXACT", "FINITE_DIFFERENCE",
    "central_difference", "check_against_finite_differences", "check_against_sympy_diff",
    "check_forward", "check_hessian", "check_intermediate_adjoints", "check_leaf_gradients",
    "check_round_trip", "close", "value_of", "GraphStep", "Operand", "RandomGraph", "graphs",
    "register_profiles", "values_in",
]
