"""Teaching: the chain rule made visible. Local derivatives on each edge (`local`), paths from the
output to a variable (`paths`), a walkthrough of every path (`explain`), backprop one node at a
time (`backward_steps`), and the evaluation trace of forward and reverse mode (`trace`). Pure
Python; closed forms (sympy) are loaded only when shown.
"""
from .explanation import ChainPath, Explanation, Factor, Group, explain
from .steps import Contribution, Step, backward_steps
from .trace import AdjointStep, Trace, TraceRow, trace
from .worked_example import worked_example

__all__ = ["ChainPath", "Explanation", "Factor", "Group", "explain", "Contribution", "Step",
           "backward_steps", "worked_example", "trace", "Trace", "TraceRow", "AdjointStep"]
