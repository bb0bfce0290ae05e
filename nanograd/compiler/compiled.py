"""`compile(out, inputs)`: a graph traced once, replayed as straight-line Python at float speed.

What compiling assumes: the graph's structure is fixed. The compiled code replays the
operations that were traced, whatever the new values are, so a graph whose shape depended on a
value (user code that branched on `x.data`, say) is replayed as the branch that was taken. Leaves
that are not inputs are constants: their values when traced. `matches(other_out)` says whether
another graph is the one compiled (a digest of its structure, constants and leaf values), and
`nanograd.nn.compile_step` checks it for you. The results are those of `backward()`, to the last
bit: the same operations in the same order. When a replay fails (a value outside a domain) or
gives a value that is not finite, the graph is rerun eagerly with the same values, so the error
raised is nanograd's own, naming the operation and the node.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import NamedTuple, Sequence

from ..core.collector import collector_paused, pause_collector, resume_collector
from ..core.node import Node
from ..core.ops import REAL
from ..core.scalar import Scalar, apply
from ..core.walks import backward, topological_order
from ..errors import InputError
from .digest import signature
from .functions import load, run
from .generate import generate
from .source import RULES

_INF = math.inf
PAUSE_FROM = 10_000  # nodes from which a replay pauses the cyclic collector (a pause costs ~1 us)


class Run(NamedTuple):
    """What one replay gives: the output's value, the gradients of `wrt`, the values of `also`."""

    value: float
    grads: list[float]
    also: list[float]


class CompiledGradient:
    """A graph's forward and reverse passes as generated Python code (see `compile`)."""

    def __init__(self, out: Scalar, inputs: Sequence[Scalar], wrt: Sequence[Scalar] | None = None,
                 also: Sequence[Scalar] = ()) -> None:
        if not isinstance(out, Node):
            raise TypeError(f"compile: out must be a Scalar, got {type(out).__name__}")
        self.inputs = list(inputs)
        seen: set[int] = set()
        for k, leaf in enumerate(self.inputs):
            if not isinstance(leaf, Node) or leaf.op is not None:
                raise InputError(f"compile: input {k} ({_name(leaf)}) is not a leaf Scalar: "
                                 f"inputs are the leaves whose values change between calls")
            if id(leaf) in seen:
                raise InputError(f"compile: input {k} ({_name(leaf)}) is listed twice")
            seen.add(id(leaf))
        self.wrt = self.inputs if wrt is None else list(wrt)
        for k, node in enumerate(self.wrt):
            if not isinstance(node, Node):
                raise TypeError(f"compile: wrt[{k}] is a {type(node).__name__}, not a Scalar")
        self.also = list(also)
        self.out = out
        with collector_paused():  # tracing makes no reference cycles, only many objects
            program = generate(out, self.inputs, self.wrt, self.also)
        self.parts = program.parts
        self._order = program.order
        self._slots = program.slots
        self._signature: str | None = None
        inputs_seen = {id(leaf) for leaf in self.inputs}
        self._constants = {i: node.data for i, node in enumerate(self._order)
                           if node.op is None and id(node) not in inputs_seen}
        namespace = {**vars(REAL), **RULES, "REAL": REAL, "Fraction": Fraction}
        with collector_paused():
            self._functions = load(self.parts, namespace, "nanograd.compile")

    @property
    def source(self) -> str:
        """The generated code: a function per part, the forward pass then the reverse pass."""
        return "\n".join(self.parts)

    @property
    def nodes(self) -> int:
        return len(self._order)

    def __call__(self, values: Sequence[float] | None = None) -> tuple[float, list[float]]:
        """(out's value, [d out / d w for w in wrt]) at `values` of the inputs (default: their
        current `.data`), as `backward()` would give them after `zero_grad()`."""
        run = self.run(values)
        return run.value, run.grads

    def run(self, values: Sequence[float] | None = None,
            start: Sequence[float] | None = None) -> Run:
        """One replay; the gradients start from `start` (one per wrt; default zeros)."""
        V = self._checked(values)
        G = [0.0] * len(self.wrt) if start is None else [float(g) for g in start]
        if len(G) != len(self.wrt):
            raise InputError(f"compiled gradient: {len(G)} starting gradients for "
                             f"{len(self.wrt)} wrt nodes")
        return self._replay(V, G)

    def backward(self) -> float:
        """In place, as `out.backward()` over the graph: read the inputs' `.data`, add to the
        gradients of wrt's leaves (set the others'), and return out's value."""
        run = self._replay([leaf.data for leaf in self.inputs], [node.grad for node in self.wrt])
        for node, grad in zip(self.wrt, run.grads):
            node.grad = grad
        self.also_values = run.also
        return run.value

    also_values: list[float] = []  # the values of `also` at the latest backward()

    @property
    def signature(self) -> str:
        """A digest of the graph as traced (made on first use: compiling does not pay for it)."""
        if self._signature is None:
            self._signature = signature(self._order, self.inputs, self._constants)
        return self._signature

    def matches(self, out: Scalar) -> bool:
        """Whether `out`'s graph is the graph compiled: same operations, connections, constants
        and non-input leaf values, with the inputs in the same places."""
        return signature(topological_order(out), self.inputs) == self.signature

    def _checked(self, values: Sequence[float] | None) -> list[float]:
        if values is None:
            return [leaf.data for leaf in self.inputs]
        V = list(values)
        if len(V) != len(self.inputs):
            raise InputError(f"compiled gradient: {len(V)} values for {len(self.inputs)} inputs")
        for k, v in enumerate(V):
            if type(v) is not float:
                if isinstance(v, (bool, Node)) or not isinstance(v, (int, float)):
                    raise TypeError(f"compiled gradient: the value of input {k} must be a real "
                                    f"number, got {type(v).__name__}: {v!r}")
                V[k] = v = float(v)
            if not -_INF < v < _INF:
                raise InputError(f"compiled gradient: the value of input {k} "
                                 f"({_name(self.inputs[k])}) must be finite, got {v!r}")
        return V

    def _replay(self, V: list[float], G: list[float]) -> Run:
        functions = self._functions
        large = len(self._order) >= PAUSE_FROM
        if large:  # the checks' tuples would wake the cyclic collector, which walks every graph
            pause_collector()
        try:
            value, grads, also = run(functions, V, G, [None] * self._slots)
        except (ArithmeticError, ValueError):
            return self._eager(V, G)
        finally:
            if large:
                resume_collector()
        total = value + sum(grads) + sum(also)
        if total - total != 0.0 and not all(-_INF < v < _INF for v in (value, *grads, *also)):
            return self._eager(V, G)  # inf - inf is nan: something is not finite
        return Run(value, list(grads), list(also))

    def _eager(self, V: list[float], G: list[float]) -> Run:
        """The traced graph rebuilt and backpropagated eagerly at the same values: nanograd's
        own errors (naming the operation and the node), or, if it succeeds, its results."""
        order = self._order
        index = {id(node): i for i, node in enumerate(order)}
        input_at = {id(leaf): k for k, leaf in enumerate(self.inputs)}
        copies: list[Scalar] = []
        for i, node in enumerate(order):
            if node.op is None:
                k = input_at.get(id(node))
                copy = Scalar(V[k] if k is not None else self._constants[i], label=node.label)
            else:
                copy = apply(node.op, *(copies[index[id(o)]] if isinstance(o, Node) else o
                                        for o in node.inputs))
                copy.label = node.label
            copies.append(copy)
        wrt = [index.get(id(node)) for node in self.wrt]
        for at, g in zip(wrt, G):
            if at is not None and order[at].op is None:
                copies[at].grad = g
        backward(copies[-1])
        grads = [g if at is None else copies[at].grad for at, g in zip(wrt, G)]
        also = [copies[index[id(node)]].data if id(node) in index else math.nan
                for node in self.also]
        return Run(copies[-1].data, grads, also)

    def __repr__(self) -> str:
        return (f"<CompiledGradient: {self.nodes} nodes, {len(self.inputs)} inputs, "
                f"{len(self.wrt)} gradients, {len(self.parts)} part(s)>")


def _name(node: object) -> str:
    label = getattr(node, "label", "")
    return repr(label) if label else f"a {type(node).__name__}"


def compile(out: Scalar, inputs: Sequence[Scalar], *, wrt: Sequence[Scalar] | None = None,
            also: Sequence[Scalar] = ()) -> CompiledGradient:
    """Trace `out`'s graph once into straight-line Python for its forward and reverse passes.

    `inputs` are the leaves whose values change between calls; every other leaf is a constant.
    The result, called with new values for the inputs, returns out's value and its gradients
    with respect to `wrt` (default: the inputs; any nodes of the graph), bit-identical to
    `backward()`; `.backward()` runs it in place on the leaves' `.data` and `.grad`, for
    training loops; `.source` is the code. See the module's doc for what compiling assumes.
    """
    return CompiledGradient(out, inputs, wrt=wrt, also=also)
