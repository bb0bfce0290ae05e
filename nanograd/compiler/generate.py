"""From a graph to straight-line code: its forward pass and its reverse pass as Python statements.

The forward pass is the graph in topological order; the reverse pass is `backward()`'s loop
unrolled: node by node from the output, each input's gradient gains `g * partial`, in the order
`backward()` adds them, so every sum is the same sum and the result the same to the last bit.
Values used once are folded into the expression that uses them; nodes that do not depend on
the inputs are constants (their values when traced); gradients are computed only where they
reach a node asked for. Any size: a sum takes at most TERMS terms per statement, an
expression nests at most DEPTH deep (CPython's compiler fails on sums of a few thousand terms
and on deep nesting), and a large graph is cut into segments of about CHUNK statements, each a
generator whose frame runs the segment's forward pass, yields, and later its reverse pass, so
the values a segment keeps for its own reverse pass stay its locals (see `parts.cut`).
"""
from __future__ import annotations

import math
import re
from array import array
from dataclasses import dataclass
from typing import Sequence

from ..core.node import Node
from ..core.ops import REAL, Op
from ..core.walks import topological_order
from .parts import cut
from .source import ATOM, SOURCE, SourceNumbers, Template, constant_text, template

DEPTH = 30  # an inlined expression this deep gets a name of its own
TERMS = 32  # terms of a sum per statement
CHECKS = 250  # values checked for finiteness per statement
CHUNK = 25000  # statements per segment (its forward pass about half)
_LABEL = re.compile(r"[\w.\[\] +-]{1,40}", re.ASCII)  # a label safe to show in a comment


@dataclass
class Program:
    """The generated code: `part0(V, G, S)` (V: the inputs' values, G: the starting gradients
    of `wrt`, S: values passed between parts), returning (output value, gradients of wrt,
    values of also); for a large graph, one generator per segment, run by `functions.run`,
    part0's reverse pass yielding the results."""

    parts: list[str]
    slots: int
    order: list[Node]  # the traced graph, for an eager rerun


# Inputs that probe whether an op turns a non-finite operand into a finite value.
_NON_FINITE = (math.inf, -math.inf, math.nan)
_PROBES = (0.0, -0.0, 5e-324, -5e-324, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0, 3.0, -3.0, 1e308, -1e308,
           *_NON_FINITE)
_hides: dict[Op, tuple[bool, ...]] = {}


def hides_non_finite(op: Op) -> tuple[bool, ...]:
    """For each input of `op`: whether a value there that is not finite can give a finite output
    (1 / inf is 0.0, relu(nan) is 0.0, tanh(inf) is 1.0). Eager nanograd stops at the first value
    that is not finite, so compiled code checks such inputs; the others carry inf or nan on to
    the values the replay checks at the end. Found by running the row's forward over REAL at inf,
    -inf and nan, against edge values of the other input: no list of ops to keep up to date."""
    found = _hides.get(op)
    if found is None:
        found = _hides[op] = tuple(any(_finite_from(op, k, bad) for bad in _NON_FINITE)
                                   for k in range(op.arity))
    return found


def _finite_from(op: Op, k: int, bad: float) -> bool:
    others = [()] if op.arity == 1 else [(p,) for p in _PROBES]
    for other in others:
        args = (bad, *other) if k == 0 else (*other, bad)
        try:
            value = op.forward(REAL, *args)
        except (ArithmeticError, ValueError, TypeError):
            continue
        if -math.inf < value < math.inf:
            return True
    return False


def _atomic(text: str) -> bool:
    return text.isidentifier() or text.replace(".", "", 1).isdigit()


def _literal(value: float) -> str:
    text = repr(value)
    return f"({text})" if text[0] == "-" else text


def generate(out: Node, inputs: Sequence[Node], wrt: Sequence[Node],
             also: Sequence[Node] = ()) -> Program:
    """The program computing out's value, d out / d w for w in `wrt`, and the values of `also`,
    as functions of the values of `inputs` (leaves; every other leaf is a constant)."""
    return Writer(Graph(out, inputs, wrt, also)).program()


class Graph:
    """A graph as the writers read it (passes 1 and 2), by position in topological order."""

    def __init__(self, out: Node, inputs: Sequence[Node], wrt: Sequence[Node],
                 also: Sequence[Node], m: SourceNumbers = SOURCE, checked: bool = True,
                 batched: Sequence[Node] = ()) -> None:
        self.wrt, self.also = wrt, also
        self.order = order = topological_order(out)
        self.n = n = len(order)
        self.index = index = {id(node): i for i, node in enumerate(order)}
        self.input_at = input_at = {index[id(leaf)]: k for k, leaf in enumerate(inputs)
                                    if id(leaf) in index}
        self.wrt_at: dict[int, int] = {}
        wrt_at = self.wrt_at
        for k, node in enumerate(wrt):
            if id(node) in index:
                wrt_at.setdefault(index[id(node)], k)
        self.batched_at = batched_at = {index[id(leaf)] for leaf in batched if id(leaf) in index}

        # Pass 1, in topological order: operands, which nodes depend on an input (live), which
        # on a batched one (per: one value per sample), which lie on a path to a node of `wrt`
        # (need a gradient), and each node's template.
        self.ia = ia = array("q", [-1]) * n
        self.ib = ib = array("q", [-1]) * n
        self.live = live = bytearray(n)
        self.need = need = bytearray(n)
        self.per = per = bytearray(n)
        self.temps: list[Template | None] = [None] * n
        temps = self.temps
        # whose input must be checked finite (`checked`: floats; arrays raise by themselves)
        self.hide_a, self.hide_b = hide_a, hide_b = bytearray(n), bytearray(n)
        is_node = isinstance
        for i, node in enumerate(order):
            op = node.op
            if op is None:
                live[i] = i in input_at
                need[i] = i in wrt_at
                per[i] = i in batched_at
                continue
            a, b = node._a, node._b
            a_node = is_node(a, Node)
            b_node = op.arity == 2 and is_node(b, Node)
            lv = nd = pr = 0
            if a_node:
                j = ia[i] = index[id(a)]
                lv, nd, pr = live[j], need[j], per[j]
            if b_node:
                j = ib[i] = index[id(b)]
                lv, nd, pr = lv or live[j], nd or need[j], pr or per[j]
            live[i] = lv
            per[i] = pr
            need[i] = nd or i in wrt_at
            temps[i] = template(op, a, b, a_node, b_node, m)
            if checked:
                hides = hides_non_finite(op)
                hide_a[i] = hides[0]
                hide_b[i] = op.arity == 2 and hides[1]

        # Pass 2: how often each value is read, forward and backward.
        self.uses = uses = array("q", [0]) * n
        for i in {n - 1, *(index[id(node)] for node in also if id(node) in index)}:
            uses[i] += 2  # returned: a name of its own
        for i in range(n):
            t = temps[i]
            if t is None:
                continue
            ja, jb = ia[i], ib[i]
            if live[i]:
                fa, fb = t.forward_uses
                if ja >= 0:
                    uses[ja] += fa + (hide_a[i] and live[ja])
                if jb >= 0:
                    uses[jb] += fb + (hide_b[i] and live[jb])
            if need[i]:
                for j, (ux, uy, uz, _) in zip((ja, jb), t.contribution_uses):
                    if j >= 0 and need[j]:
                        if ja >= 0:
                            uses[ja] += ux
                        if jb >= 0:
                            uses[jb] += uy
                        uses[i] += uz


class Writer:
    """Passes 3 and 4 over a Graph: the statements of the forward pass, then of the reverse
    pass, as lines, cut into segments; `val[i]` is the text that reads node i's value (a name,
    a number, or an expression folded into its one reader)."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        n = graph.n
        self.lines: list[str] = ["# forward pass"]
        self.emit = self.lines.append
        self.val: list[str | None] = [None] * n
        self.prec = bytearray([ATOM]) * n  # how tightly val[i] binds (a folded `a + b`: a sum)
        self.depth = bytearray(n)
        self.checks: list[str] = []
        self.starts = [0]  # the first node of each segment (see parts.cut)
        self.forward_ends: list[int] = []  # where each segment's forward statements end
        self.pend: list[list[str] | None] = [None] * n  # terms of each gradient, not yet written
        self.pdepth = array("q", [0]) * n  # the deepest of them
        self.flushed = bytearray(n)  # g<j> has been written
        self.opened: set[int] = set()  # the gradients with terms not yet written
        self.grad_text: dict[int, str] = {}  # the gradients returned
        self.backward_starts: list[int] = []  # where each segment's reverse statements begin

    def program(self) -> Program:
        self.forward()
        self.reverse()
        return self.cut()

    # -- pass 3 ----------------------------------------------------------------------------

    def check(self) -> None:
        """The inputs of ops that can hide an inf or a nan, checked CHECKS at a time by their
        sum (inf - inf is nan: a sum of finite values is finite unless it overflows, and then
        the eager rerun finds all finite and gives the same result). The builtin sum of a tuple
        adds floats in C, without a float object per term."""
        self.emit(f"if not -1e999 < sum(({', '.join(self.checks)},)) < 1e999: raise OverflowError")
        self.checks.clear()

    def operand(self, i: int, j: int, constant: object, need: int = ATOM) -> str:
        """Operand j of node i as text, in parentheses unless it binds at least as tightly as
        `need` (j < 0: the constant operand `constant`, if any)."""
        if j < 0:
            return "" if constant is None else constant_text(constant)
        text = self.val[j] or ""
        return text if self.prec[j] >= need else f"({text})"

    def joined(self, i: int, t: Template, ja: int, jb: int, a: object) -> bool:
        """Whether node i is written where it is read, by the writer's own rule (none here)."""
        return False

    def forward(self) -> None:
        g, lines, emit, operand = self.graph, self.lines, self.emit, self.operand
        val, prec, depth, checks = self.val, self.prec, self.depth, self.checks
        live, temps, uses, ia, ib = g.live, g.temps, g.uses, g.ia, g.ib
        starts, forward_ends = self.starts, self.forward_ends
        for i, node in enumerate(g.order):
            if len(lines) - (forward_ends[-1] if forward_ends else 0) >= CHUNK // 2:
                if checks:
                    self.check()
                starts.append(i)
                forward_ends.append(len(lines))
            if not live[i]:
                val[i] = _literal(node.data)
                continue
            t = temps[i]
            if t is None:
                label = node.label
                comment = f"  # {label}" if label and _LABEL.fullmatch(label) else ""
                emit(f"v{i} = V[{g.input_at[i]}]{comment}")
                val[i] = f"v{i}"
                continue
            ja, jb = ia[i], ib[i]
            d = 1 + max(depth[ja] if ja >= 0 else 0, depth[jb] if jb >= 0 else 0)
            if self.joined(i, t, ja, jb, node._a):
                continue
            sa, sb = (operand(i, ja, node._a, t.forward_needs[0]),
                      operand(i, jb, node._b, t.forward_needs[1]))
            text = t.forward.format(sa, sb, "", "", sa, sb)
            for j, h in ((ja, g.hide_a[i]), (jb, g.hide_b[i])):
                if h and j >= 0 and live[j]:
                    checks.append(val[j] or "")
                    if len(checks) >= CHECKS:
                        self.check()
            if uses[i] == 1 and d < DEPTH:
                val[i] = text
                prec[i] = t.precedence
                depth[i] = d
            else:
                emit(f"v{i} = {text}")
                val[i] = f"v{i}"
            fa, fb = t.forward_uses
            if ja >= 0 and uses[ja] == 1 and fa:
                val[ja] = None  # folded into this node's expression: no longer needed
            if jb >= 0 and uses[jb] == 1 and fb:
                val[jb] = None
        if checks:
            self.check()
        forward_ends.append(len(lines))

    # -- pass 4 ----------------------------------------------------------------------------

    def base(self, j: int) -> str | None:
        """What gradient j starts from in its next statement."""
        if self.flushed[j]:
            return f"g{j}"
        if self.graph.temps[j] is None:
            return f"G[{self.graph.wrt_at[j]}]"  # a leaf adds onto its gradient, as backward()
        return "0.0" if j in self.graph.wrt_at else None  # a non-leaf restarts from 0.0

    def terms(self, j: int) -> list[str]:
        """The terms of gradient j not yet written (taken)."""
        terms = self.pend[j] or []
        self.pend[j] = None
        return terms

    def flush(self, j: int) -> None:
        start = self.base(j)
        terms = self.terms(j)
        self.pdepth[j] = 0
        self.opened.discard(j)
        self.emit(f"g{j} = {' + '.join([start, *terms] if start else terms)}")
        self.flushed[j] = 1

    def add_term(self, j: int, term: str, d: int) -> None:
        """Gradient j gains `term` (d: its depth); written out when the sum is long or deep."""
        pend = self.pend
        terms = pend[j]
        if terms is None:
            terms = pend[j] = [term]
            self.opened.add(j)
        else:
            terms.append(term)
        pdepth = self.pdepth
        if d + 2 > pdepth[j]:
            pdepth[j] = d + 2
        if len(terms) >= TERMS or pdepth[j] + len(terms) >= DEPTH:
            self.flush(j)

    def contribute(self, i: int, node: Node, gtext: str, targets: list, gd: int) -> None:
        """Node i's terms, `g * partial` for each input in `targets`, as backward() adds them
        (gd: the depth of gtext, g's text; where g is the seed 1.0, 1.0 * p is p, exactly)."""
        args = self.arguments(i, node, gtext)
        seed = gtext == "1.0"
        for (j, c, seeded, _), d in zip(targets, self.depths(i, gd, targets)):
            self.add_term(j, (seeded if seed else c).format(*args), d)

    def depths(self, i: int, gd: int, targets: list) -> list[int]:
        """How deep each of node i's terms nests: the deepest text it reads (gd: g's)."""
        g, depth = self.graph, self.depth
        ja, jb = g.ia[i], g.ib[i]
        da = depth[ja] if ja >= 0 else 0
        db = depth[jb] if jb >= 0 else 0
        dz = depth[i]
        found = []
        for _, _, _, (ux, uy, uz, ug) in targets:
            d = gd if ug else 0
            if ux and da > d:
                d = da
            if uy and db > d:
                d = db
            if uz and dz > d:
                d = dz
            found.append(d)
        return found

    def arguments(self, i: int, node: Node, gtext: str) -> tuple[str, ...]:
        """What fills a contribution's placeholders X, Y, Z, G, A, B."""
        ja, jb = self.graph.ia[i], self.graph.ib[i]
        sa, sb = self.operand(i, ja, node._a), self.operand(i, jb, node._b)
        return sa, sb, self.val[i] or "", gtext, sa, sb

    def begin_reverse(self) -> None:
        self.emit("# reverse pass")

    def reverse(self) -> None:
        g, emit = self.graph, self.emit
        n, need, temps, ia, ib, wrt_at = g.n, g.need, g.temps, g.ia, g.ib, g.wrt_at
        pend, pdepth, flushed, opened, starts = (self.pend, self.pdepth, self.flushed,
                                                 self.opened, self.starts)
        segment = len(starts) - 1
        self.backward_starts = backward_starts = [0] * len(starts)
        backward_starts[segment] = len(self.lines)
        self.begin_reverse()
        if need[n - 1]:
            pend[n - 1] = ["1.0"]
            opened.add(n - 1)
        for i in range(n - 1, -1, -1):
            while i < starts[segment]:  # leaving a segment: its terms are written in it
                for j in sorted(opened, reverse=True):
                    self.flush(j)
                segment -= 1
                backward_starts[segment] = len(self.lines)
            if not need[i]:
                continue
            opened.discard(i)
            gd = pdepth[i]
            terms = self.terms(i)
            if terms:
                start = self.base(i)
                gd += len(terms)
                text = " + ".join([start, *terms] if start else terms)
            else:  # its terms went out in an earlier statement (or, for a leaf, there were none)
                gd, text = 0, f"g{i}" if flushed[i] else self.base(i) or "0.0"
            t = temps[i]
            if t is None:
                if text != f"g{i}":
                    emit(f"g{i} = {text}")
                self.grad_text[i] = f"g{i}"
                continue
            ja, jb = ia[i], ib[i]
            targets = []
            reads = 0
            for k, c, seeded, u in t.targets:
                j = jb if k else ja
                if j >= 0 and need[j]:
                    targets.append((j, c, seeded, u))
                    reads += u[3]
            if _atomic(text):
                gtext, gd = text, 0
            elif i in wrt_at or reads > 1 or gd >= DEPTH:
                if text != f"g{i}":
                    emit(f"g{i} = {text}")
                gtext, gd = f"g{i}", 0
            else:
                gtext = f"({text})"
            if i in wrt_at:
                self.grad_text[i] = gtext
            if targets:
                self.contribute(i, g.order[i], gtext, targets, gd)

    def cut(self) -> Program:
        """The return statement, and the lines cut into parts (see parts.cut)."""
        g, val, lines = self.graph, self.val, self.lines
        grads = []
        for k, node in enumerate(g.wrt):  # outside the graph: its gradient kept, as backward()
            at = g.index.get(id(node))
            grads.append(f"G[{k}]" if at is None else self.grad_text[at])
        extra = [val[g.index[id(node)]] if id(node) in g.index else "None" for node in g.also]
        self.emit(f"return {val[g.n - 1]}, ({''.join(x + ', ' for x in grads)}), "
                  f"({''.join(str(e) + ', ' for e in extra)})")
        bounds = [0, *self.forward_ends]
        ends = self.backward_starts
        blocks = [(lines[bounds[k]:bounds[k + 1]], lines[ends[k]:ends[k - 1] if k else len(lines)])
                  for k in range(len(self.starts))]
        parts, slots = cut(blocks)
        return Program(parts, slots, g.order)
