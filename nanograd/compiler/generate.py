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
from .parts import NAME, cut
from .source import ATOM, CALLS, SOURCE, SUM, G, Template, X, Y, constant_text, template

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
             also: Sequence[Node] = (), *, arrays: bool = False,
             batched: Sequence[Node] = ()) -> Program:
    """The program computing out's value, d out / d w for w in `wrt`, and the values of `also`,
    as functions of the values of `inputs` (leaves; every other leaf is a constant).

    `arrays=True`: code for values that are arrays (`compile_batch`): every primitive a call,
    and no finiteness checks (the array library raises where a value overflows). The inputs in
    `batched` hold arrays (one value per sample), the others plain floats; where a float meets
    an array, the code passes it as `ARRAY(value)` (NumPy: a 0-d array, which NumPy combines
    with an array in about half the time it takes for a Python float)."""
    m = CALLS if arrays else SOURCE
    order = topological_order(out)
    n = len(order)
    index = {id(node): i for i, node in enumerate(order)}
    input_at = {index[id(leaf)]: k for k, leaf in enumerate(inputs) if id(leaf) in index}
    wrt_at: dict[int, int] = {}
    for k, node in enumerate(wrt):
        if id(node) in index:
            wrt_at.setdefault(index[id(node)], k)

    # Pass 1, in topological order: operands, which nodes depend on an input (live) and which
    # lie on a path to a node of `wrt` (need a gradient), and each node's template.
    ia = array("q", [-1]) * n
    ib = array("q", [-1]) * n
    live = bytearray(n)
    need = bytearray(n)
    per = bytearray(n)  # holds an array: depends on a batched input
    batched_at = {index[id(leaf)] for leaf in batched if id(leaf) in index}
    temps: list[Template | None] = [None] * n
    hide_a, hide_b = bytearray(n), bytearray(n)  # whose input must be checked finite
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
        if not arrays:
            hides = hides_non_finite(op)
            hide_a[i] = hides[0]
            hide_b[i] = op.arity == 2 and hides[1]

    # Pass 2: how often each value is read, forward and backward.
    uses = array("q", [0]) * n
    named = {n - 1, *(index[id(node)] for node in also if id(node) in index)}
    for i in named:
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

    # Pass 3: the forward statements; the inputs of ops that can hide an inf or a nan are
    # checked, CHECKS at a time, by their sum (inf - inf is nan: a sum of finite values is finite
    # unless it overflows, and then the eager rerun finds all finite and gives the same result).
    # The builtin sum of a tuple adds floats in C, without a float object per term.
    lines: list[str] = ["# forward pass"]
    emit = lines.append
    checks: list[str] = []

    def check() -> None:
        emit(f"if not -1e999 < sum(({', '.join(checks)},)) < 1e999: raise OverflowError")
        checks.clear()

    val: list[str | None] = [None] * n
    prec = bytearray([ATOM]) * n  # how tightly val[i] binds (a folded `a + b` is a sum)
    depth = bytearray(n)
    as_array: dict[int, str] = {}  # floats met by arrays, by the name of their array
    stacks: dict[str, str] = {}  # arrays stacked for DOT, by name (see pass 4)
    # Over arrays, a sum b + w1 * x1 + w2 * x2 + ... of floats w times arrays x (a neuron's
    # input) is one dot product, b + DOT((w1, w2), STACK((x1, x2))), the stack made once for
    # every sum over the same arrays (a layer's inputs): (b or None, [(w, its text, x's text)],
    # whether it is a sum yet, or a lone product w * x).
    sums: dict[int, tuple[str | None, list[tuple[int, str, str]], bool]] = {}
    add_text, mul_text = f"{X} + {Y}", f"{X} * {Y}"

    def array_of(j: int, text: str) -> str:
        """Value j, a float, as an array (named the first time, if it has a name)."""
        if not NAME.fullmatch(text):
            return f"ARRAY({text})"
        if j not in as_array:
            as_array[j] = f"a{j}"
            emit(f"a{j} = ARRAY({text})")
        return as_array[j]

    def stacked(texts: str) -> str:
        stack = stacks.get(texts)
        if stack is None:
            stack = stacks[texts] = f"m{len(stacks)}"
            emit(f"{stack} = STACK(({texts},))")
        return stack

    def sum_text(j: int) -> str:
        base, pairs, _ = sums.pop(j)
        if len(pairs) == 1:
            w, w_text, x_text = pairs[0]
            body = f"{array_of(w, w_text)} * {x_text}"
        else:
            weights = ", ".join(w_text for _, w_text, _ in pairs)
            body = f"DOT(({weights},), {stacked(', '.join(x for _, _, x in pairs))})"
        return body if base is None else f"{base} + {body}"

    def operand(i: int, j: int, constant: object, need: int = ATOM) -> str:
        """Operand j of node i as text, in parentheses unless it binds at least as tightly as
        `need` (j < 0: the constant operand `constant`, if any); a float meeting an array as an
        array."""
        if j < 0:
            return "" if constant is None else constant_text(constant)
        if j in sums:
            val[j] = sum_text(j)
        text = val[j] or ""
        if per[i] and not per[j] and live[j]:
            return array_of(j, text)
        return text if prec[j] >= need else f"({text})"

    def gathered_sum(i: int, t: Template, ja: int, jb: int, a: object) -> bool:
        """Over arrays: whether node i (`a` its first operand) is noted in `sums`, to be written
        where it is read: a product of a float and an array read once, or a sum of such."""
        if t.forward == mul_text and uses[i] == 1 and ja >= 0 and jb >= 0 and per[ja] != per[jb]:
            w, x = (jb, ja) if per[ja] else (ja, jb)
            w_text, x_text = val[w] or "", val[x] or ""
            if not (NAME.fullmatch(w_text) and NAME.fullmatch(x_text)):
                return False
            sums[i] = (None, [(w, w_text, x_text)], False)
            return True
        if t.forward != add_text or jb not in sums or sums[jb][2]:
            return False
        pairs = sums.pop(jb)[1]
        if ja in sums:
            base, before, _ = sums.pop(ja)
            sums[i] = (base, before + pairs, True)
        else:
            sums[i] = (operand(i, ja, a, SUM), pairs, True)
        return True

    starts = [0]  # the first node of each segment (see parts.cut)
    forward_ends: list[int] = []  # where each segment's forward statements end
    for i, node in enumerate(order):
        if len(lines) - (forward_ends[-1] if forward_ends else 0) >= CHUNK // 2:
            if checks:
                check()
            starts.append(i)
            forward_ends.append(len(lines))
        if not live[i]:
            val[i] = _literal(node.data)
            continue
        t = temps[i]
        if t is None:
            label = node.label
            comment = f"  # {label}" if label and _LABEL.fullmatch(label) else ""
            emit(f"v{i} = V[{input_at[i]}]{comment}")
            val[i] = f"v{i}"
            continue
        ja, jb = ia[i], ib[i]
        d = 1 + max(depth[ja] if ja >= 0 else 0, depth[jb] if jb >= 0 else 0)
        if arrays and per[i] and gathered_sum(i, t, ja, jb, node._a):
            if uses[i] == 1:
                val[i], prec[i] = "", SUM  # written where it is read (operand)
            else:
                emit(f"v{i} = {sum_text(i)}")
                val[i] = f"v{i}"
            continue
        sa, sb = (operand(i, ja, node._a, t.forward_needs[0]),
                  operand(i, jb, node._b, t.forward_needs[1]))
        text = t.forward.format(sa, sb, "", "", sa, sb)
        for j, h in ((ja, hide_a[i]), (jb, hide_b[i])):
            if h and j >= 0 and live[j]:
                checks.append(val[j] or "")
                if len(checks) >= CHECKS:
                    check()
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
        check()
    sums.clear()  # every sum has been written where it was read
    forward_ends.append(len(lines))

    # Pass 4: the reverse pass, node by node from the output as backward() goes.
    emit("# reverse pass")
    # Over arrays, a parameter's gradient is reduced where each term is made: its mean over
    # the samples, v<n> = 1 / (number of samples), and a.dot(b) for a product of two arrays.
    gper = bytearray(n)  # the gradient holds an array: one value per sample
    if arrays and batched_at:
        emit(f"v{n} = 1.0 / len(V[{input_at[min(batched_at)]}])")
    products = {f"{G} * {X}": 0, f"{G} * {Y}": 1}  # g times operand 0 or 1

    def operand_args(i: int, ja: int, jb: int, a: object, b: object,
                     gtext: str) -> tuple[str, ...]:
        """What fills a contribution's placeholders: X, Y, Z, G, A, B."""
        sa, sb = operand(i, ja, a), operand(i, jb, b)
        return sa, sb, val[i] or "", gtext, sa, sb

    pend: list[list[str] | None] = [None] * n  # terms of each gradient, not yet written
    pdepth = array("q", [0]) * n  # the deepest of them
    flushed = bytearray(n)  # g<j> has been written
    grad_text: dict[int, str] = {}  # the gradients returned

    def base(j: int) -> str | None:
        if flushed[j]:
            return f"g{j}"
        if temps[j] is None:
            return f"G[{wrt_at[j]}]"  # a leaf accumulates onto its gradient, as in backward()
        return "0.0" if j in wrt_at else None  # a non-leaf restarts from 0.0

    # Over arrays, the terms g * w of an array's gradient, with g an array and w a float, are
    # gathered, (w, its text, g) each, and summed by one dot product: DOT((w1, w2), (g1, g2)).
    lin: dict[int, list[tuple[int, str, str]]] = {}

    def gathered(j: int) -> list[str]:
        terms = pend[j] or []
        pairs = lin.pop(j, None)
        if pairs and len(pairs) == 1:
            w, w_text, g_text = pairs[0]
            terms = [*terms, f"{g_text} * {array_of(w, w_text)}"]
        elif pairs:
            weights = ", ".join(w_text for _, w_text, _ in pairs)
            gradients = ", ".join(g_text for _, _, g_text in pairs)  # a layer's, stacked once
            terms = [*terms, f"DOT(({weights},), {stacked(gradients)})"]
        return terms

    def flush(j: int) -> None:
        start = base(j)
        terms = gathered(j)
        pend[j] = None
        pdepth[j] = 0
        opened.discard(j)
        emit(f"g{j} = {' + '.join([start, *terms] if start else terms)}")
        flushed[j] = 1

    opened: set[int] = set()  # the gradients with terms not yet written
    segment = len(starts) - 1
    backward_starts = [0] * len(starts)
    backward_starts[segment] = len(lines) - 1  # from "# reverse pass"
    if need[n - 1]:
        pend[n - 1] = ["1.0"]
        opened.add(n - 1)
    for i in range(n - 1, -1, -1):
        while i < starts[segment]:  # leaving a segment: its terms are written in it
            for j in sorted(opened, reverse=True):
                flush(j)
            segment -= 1
            backward_starts[segment] = len(lines)
        if not need[i]:
            continue
        opened.discard(i)
        terms = gathered(i) if i in lin else pend[i]
        if terms is not None:
            pend[i] = None
            start = base(i)
            gd = pdepth[i] + len(terms)
            text = " + ".join([start, *terms] if start else terms)
        else:  # its terms went out in an earlier statement (or, for a leaf, there were none)
            gd, text = 0, f"g{i}" if flushed[i] else base(i) or "0.0"
        t = temps[i]
        if t is None:
            if text != f"g{i}":
                emit(f"g{i} = {text}")
            grad_text[i] = f"g{i}"
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
            grad_text[i] = gtext
        if not targets:
            continue
        node = order[i]
        da = depth[ja] if ja >= 0 else 0
        db = depth[jb] if jb >= 0 else 0
        dz = depth[i]
        args = None if arrays else operand_args(i, ja, jb, node._a, node._b, gtext)
        seed = gtext == "1.0"  # the seed: 1.0 * p is p, exactly
        for j, c, seeded, (ux, uy, uz, ug) in targets:
            d = gd if ug else 0
            if ux and da > d:
                d = da
            if uy and db > d:
                d = db
            if uz and dz > d:
                d = dz
            if not arrays and args is not None:  # floats: made now (None only over arrays)
                term = (seeded if seed else c).format(*args)
            else:  # a parameter's terms reduced now; g * w of arrays g, floats w gathered
                k = products.get(c, -1) if gper[i] and not seed else -1
                other = (ja, jb)[k] if k >= 0 else -1  # the factor beside g
                many = gper[i] or (ux and per[ja]) or (uy and per[jb]) or (uz and per[i])
                if other >= 0 and per[j] and not per[other] and NAME.fullmatch(val[other] or ""):
                    lin.setdefault(j, []).append((other, val[other] or "", gtext))
                    gper[j] = 1
                    opened.add(j)
                    continue
                if other >= 0 and many and temps[j] is None and not per[j] and per[other]:
                    term, many = f"{gtext}.dot({val[other]}) * v{n}", 0
                else:
                    args = args or operand_args(i, ja, jb, node._a, node._b, gtext)
                    term = (seeded if seed else c).format(*args)
                    if many and temps[j] is None and not per[j]:  # a parameter
                        term, many = f"({term}).sum() * v{n}", 0
                gper[j] = gper[j] or many
            terms_j = pend[j]
            if terms_j is None:
                terms_j = pend[j] = [term]
                opened.add(j)
            else:
                terms_j.append(term)
            if d + 2 > pdepth[j]:
                pdepth[j] = d + 2
            if len(terms_j) >= TERMS or pdepth[j] + len(terms_j) >= DEPTH:
                flush(j)

    # The return: out's value, the gradients asked for, and the values of `also`.
    grads = []
    for k, node in enumerate(wrt):  # a node outside the graph keeps its gradient, as in backward()
        at = index.get(id(node))
        grads.append(f"G[{k}]" if at is None else grad_text[at])
    extra = [val[index[id(node)]] if id(node) in index else "None" for node in also]
    emit(f"return {val[n - 1]}, ({''.join(g + ', ' for g in grads)}), "
         f"({''.join(str(e) + ', ' for e in extra)})")
    bounds = [0, *forward_ends]
    blocks = [(lines[bounds[k]:bounds[k + 1]],
               lines[backward_starts[k]:backward_starts[k - 1] if k else len(lines)])
              for k in range(len(starts))]
    parts, slots = cut(blocks)
    return Program(parts, slots, order)
