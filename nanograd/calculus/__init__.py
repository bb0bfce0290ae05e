"""Calculus as people write it: reading typed math (`parse`, our own bounded parser: nothing a user
types is evaluated) and checking a derivative worked out by hand (`verification.verify`).

Only the parser is imported here: it needs no sympy, so the command line refuses bad input fast.
"""
from .parse import FUNCTIONS, LIMITS, Expression, Limits, parse

__all__ = ["FUNCTIONS", "LIMITS", "Expression", "Limits", "parse"]
