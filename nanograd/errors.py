"""Exceptions that say what went wrong in the user's terms: the operation, the values, the node."""
from __future__ import annotations

from typing import Any


class NanogradError(Exception):
    """Base of every error nanograd raises on its own account."""


class DomainError(NanogradError, ValueError):
    """An operation was given a value outside its domain (log of a negative, sqrt of -1, ...)."""


class DivisionByZeroError(NanogradError, ZeroDivisionError):
    """An operation divided by zero (x / 0, 0 ** -1, or an infinite derivative such as sqrt'(0))."""


class NonFiniteError(NanogradError, OverflowError):
    """A result was not a finite number (exp(1000)); nanograd never hands out a silent inf or nan."""


def describe(value: object) -> str:
    """How an operand reads in a message: `label = value` for a labelled Scalar."""
    label = getattr(value, "label", "")
    data = getattr(value, "data", value)
    return f"{label} = {data!r}" if label else repr(data)


def node_name(node: object) -> str:
    """How a node reads in a message: `node 'x'` if labelled, else by its op, so every message
    names an unlabelled node the same way."""
    label = getattr(node, "label", "")
    if label:
        return f"node {label!r}"
    op = getattr(node, "op", None)
    return f"an unlabelled {op.name if op else 'leaf'} node"


def forward_error(op: Any, operands: tuple, error: Exception | None) -> Exception:
    """The error for `op` failing on `operands`, in the user's terms."""
    args = ", ".join(describe(o) for o in operands)
    if isinstance(error, ZeroDivisionError):
        return DivisionByZeroError(f"{op.name}({args}): division by zero")
    if isinstance(error, ValueError):
        return DomainError(f"{op.name}({args}): outside the domain of {op.name} ({op.domain})")
    return NonFiniteError(f"{op.name}({args}): the result is too large for a float")


def derivative_error(node: Any, error: Exception) -> Exception:
    """The error for a local derivative failing at `node` during backprop, in the user's terms."""
    op = node.op
    args = ", ".join(describe(i) for i in node.inputs)
    where = f"the derivative of {op.name}({args}) at {node_name(node)}"
    if isinstance(error, ZeroDivisionError):
        return DivisionByZeroError(f"{where} is infinite (division by zero); {op.name} needs {op.domain}")
    if isinstance(error, OverflowError):
        return NonFiniteError(f"{where} is too large for a float")
    return DomainError(f"{where} is undefined; {op.name} needs {op.domain}")
