"""Teaching: the chain rule made visible. Local derivatives on each edge (`local`), paths from the
output to a variable (`paths`), a walkthrough of every path (`explain`), and backprop one node at a
time (`backward_steps`). Pure Python; closed forms (sympy) are loaded only when shown.
"""
from .explanation import ChainPath, Explanation, Factor, Group, explain
from .steps import Contribution, Step, backward_steps
from .worked_example import worked_example

__all__ = ["ChainPath", "Explanation", "Factor", "Group", "explain", "Contribution", "Step",
           "backward_steps", "worked_example"]
