"""Exceptions that say what went wrong in the user's terms: the operation, the values, the node."""
from __future__ import annotations


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
