"""Every exception and warning nanograd raises on purpose, and the helpers that word them.

Each error derives from `NanogradError`, so `except NanogradError` catches all of nanograd's own
errors, and keeps its standard base (`DomainError` is a ValueError), so code written for Python's
errors keeps working. Messages say what went wrong in the user's terms: the operation, the values,
the node. (One exception lives with its layer: `nanograd.drawing.NoRendererError` also derives from
graphviz's ExecutableNotFound, and this module imports no graphviz.)
"""
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


class ParseError(NanogradError, ValueError):
    """Text that is not an expression nanograd reads; `str()` shows where, with a caret."""

    def __init__(self, reason: str, text: str, start: int, end: int | None = None) -> None:
        self.reason, self.text, self.start = reason, text, start
        self.end = max(end if end is not None else start + 1, start + 1)
        super().__init__(f"column {start + 1}: {reason}\n{pointer(text, start, self.end)}")


class InputError(NanogradError, ValueError):
    """Input that cannot be used (a variable the expression lacks, a malformed point), said in
    the user's terms; the command line exits with status 2 on it."""


class SymbolClashError(NanogradError, ValueError):
    """Two different leaves of one graph would be the same variable in a closed form."""


class UnsupportedExpressionError(NanogradError, ValueError):
    """The expression uses a function that is not an operation of nanograd's table."""


class TooManyPathsError(NanogradError, ValueError):
    """The paths were summarised, not listed: there are too many to hold."""


class RenderError(NanogradError, RuntimeError):
    """The layout program failed on a drawing, or took longer than the time allowed."""


class GradientCheckError(NanogradError, AssertionError):
    """A user's function whose gradients disagree; the message holds a minimal counterexample.

    An AssertionError too, so test runners report it as a failed check, not a crash; raised
    explicitly, so it holds under `python -O`.
    """


class StructureChangedError(NanogradError, RuntimeError):
    """A compiled step's function built a graph unlike the one compiled: its structure depends
    on values, so replaying the traced graph would be silently wrong."""


class TimeBudgetError(NanogradError, TimeoutError):
    """The work did not finish within the time it was given (`timeout=`, the CLI's --timeout):
    the input is too large for it. The message says what was being done and what to try."""


class LargeGraphWarning(UserWarning):
    """A graph had too many nodes to draw whole; the drawing shows those nearest the output."""


def describe(value: object) -> str:
    """How an operand reads in a message: `label = value` for a labelled Scalar."""
    if not hasattr(value, "grad"):  # a plain number (numpy's have a `data` too: their buffer)
        return shown(value)
    label = getattr(value, "label", "")
    data = getattr(value, "data", value)
    return f"{label} = {shown(data)}" if label else shown(data)


def shown(value: object) -> str:
    """repr(value), but an int too long for Python to print says how long it is instead."""
    try:
        return repr(value)
    except ValueError:  # Python refuses to print ints of more than 4300 digits, by default
        if not isinstance(value, int):
            raise
        digits = int(abs(value).bit_length() * 0.30102999566398120) + 1
        return f"an integer of about {digits} digits"


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


def pointer(text: str, start: int, end: int, width: int = 72) -> str:
    """The text (a window of it, when long) over carets under columns start..end-1."""
    left = max(0, min(start - width // 3, len(text) - width))
    # unprintable characters are shown as '?': echoing them could drive the user's terminal
    shown = "".join(ch if ch.isprintable() else "?" for ch in text[left:left + width])
    before = "..." if left else ""
    after = "..." if left + width < len(text) else ""
    carets = "^" * max(1, min(end, left + width + 1) - start)
    return f"  {before}{shown}{after}\n  {' ' * (len(before) + start - left)}{carets}"
