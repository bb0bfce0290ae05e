"""The code of one sample's graph for values that are arrays of samples (`compile_batch`).

The statements are `Writer`'s, with every primitive a call (a Python `if` cannot branch per
element) and no finiteness checks (the array library raises where a value overflows), written
for NumPy's costs at small batches, where each call's overhead is the price:
- a float (a parameter, or a value computed from parameters only) that meets an array is
  passed as `ARRAY(value)`, a 0-d array, which NumPy combines with an array in about half the
  time it takes for a Python float;
- a sum b + w1 * x1 + w2 * x2 + ... of floats w times arrays x (a neuron's input) is one dot
  product, `b + DOT((w1, w2), m0)` with `m0 = STACK((x1, x2))` made once for every sum over the
  same arrays (a layer's inputs); a gradient's terms g * w, arrays g times floats w, likewise;
- a parameter's gradient is reduced where each term is made: its mean over the samples
  (`v<n>` is 1 / the number of samples), `g.dot(x)` for a product of two arrays.
"""
from __future__ import annotations

from typing import Sequence

from ..core.node import Node
from .generate import Graph, Program, Writer
from .parts import NAME
from .source import ATOM, CALLS, SUM, G, Template, X, Y

_ADD, _MUL = f"{X} + {Y}", f"{X} * {Y}"
_PRODUCTS = {f"{G} * {X}": 0, f"{G} * {Y}": 1}  # g times operand 0 or 1


def generate_for_arrays(out: Node, inputs: Sequence[Node], wrt: Sequence[Node],
                        batched: Sequence[Node]) -> Program:
    """The program of `generate`, for the values of the inputs in `batched` being arrays (one
    value per sample) and the others floats."""
    return ArrayWriter(Graph(out, inputs, wrt, (), CALLS, checked=False, batched=batched)).program()


class ArrayWriter(Writer):
    def __init__(self, graph: Graph) -> None:
        super().__init__(graph)
        self.as_array: dict[int, str] = {}  # floats met by arrays, by the name of their array
        self.stacks: dict[str, str] = {}  # arrays stacked for DOT, by the text of their tuple
        # forward: sums written where read, (b or None, [(w, its text, x's text)]); one pair and
        # no b is a lone product w * x, which a sum may take in
        self.sums: dict[int, tuple[str | None, list[tuple[int, str, str]]]] = {}
        # reverse: g * w terms of an array's gradient, (w, its text, g's text) each
        self.lin: dict[int, list[tuple[int, str, str]]] = {}
        self.gper = bytearray(graph.n)  # the gradient holds an array: one value per sample

    def array_of(self, j: int, text: str) -> str:
        """Value j, a float, as an array (named the first time, if it has a name)."""
        if not NAME.fullmatch(text):
            return f"ARRAY({text})"
        if j not in self.as_array:
            self.as_array[j] = f"a{j}"
            self.emit(f"a{j} = ARRAY({text})")
        return self.as_array[j]

    def weighted(self, pairs: list[tuple[int, str, str]]) -> str:
        """The sum of w * a over (w, w's text, a's text), floats w and arrays a: a product, or one
        dot product with the arrays stacked (once for every sum over the same arrays)."""
        if len(pairs) == 1:
            w, w_text, a_text = pairs[0]
            return f"{self.array_of(w, w_text)} * {a_text}"
        arrays = ", ".join(a_text for _, _, a_text in pairs)
        stack = self.stacks.get(arrays)
        if stack is None:
            stack = self.stacks[arrays] = f"m{len(self.stacks)}"
            self.emit(f"{stack} = STACK(({arrays},))")
        return f"DOT(({', '.join(w_text for _, w_text, _ in pairs)},), {stack})"

    def operand(self, i: int, j: int, constant: object, need: int = ATOM) -> str:
        if j >= 0 and j in self.sums:
            self.val[j] = self.sum_text(j)
        per = self.graph.per
        if j >= 0 and per[i] and not per[j] and self.graph.live[j]:
            return self.array_of(j, self.val[j] or "")
        return super().operand(i, j, constant, need)

    # -- forward: sums of floats times arrays ----------------------------------------------

    def sum_text(self, j: int) -> str:
        base, pairs = self.sums.pop(j)
        body = self.weighted(pairs)
        return body if base is None else f"{base} + {body}"

    def joined(self, i: int, t: Template, ja: int, jb: int, a: object) -> bool:
        """A product of a float and an array read once, or a sum of such: noted in `sums`, to be
        written where it is read (a sum read more than once gets its name now)."""
        g, sums = self.graph, self.sums
        per, uses = g.per, g.uses
        if not per[i]:
            return False
        if t.forward == _MUL and uses[i] == 1 and ja >= 0 and jb >= 0 and per[ja] != per[jb]:
            w, x = (jb, ja) if per[ja] else (ja, jb)
            w_text, x_text = self.val[w] or "", self.val[x] or ""
            if not (NAME.fullmatch(w_text) and NAME.fullmatch(x_text)):
                return False
            sums[i] = (None, [(w, w_text, x_text)])
        elif t.forward == _ADD and jb in sums and sums[jb][0] is None and len(sums[jb][1]) == 1:
            pairs = sums.pop(jb)[1]
            if ja in sums:
                base, before = sums.pop(ja)
                sums[i] = (base, before + pairs)
            else:
                sums[i] = (self.operand(i, ja, a, SUM), pairs)
        else:
            return False
        if uses[i] == 1:
            self.val[i], self.prec[i] = "", SUM  # written where it is read (operand)
        else:
            self.emit(f"v{i} = {self.sum_text(i)}")
            self.val[i] = f"v{i}"
        return True

    # -- reverse: gathered terms, parameters reduced -----------------------------------------

    def begin_reverse(self) -> None:
        super().begin_reverse()
        self.sums.clear()  # every sum has been written where it was read
        g = self.graph
        if g.batched_at:
            self.emit(f"v{g.n} = 1.0 / len(V[{g.input_at[min(g.batched_at)]}])")

    def terms(self, j: int) -> list[str]:
        terms = super().terms(j)
        pairs = self.lin.pop(j, None)  # g * w: a layer's gradients, stacked once
        if pairs:
            terms.append(self.weighted(pairs))
        return terms

    def contribute(self, i: int, node: Node, gtext: str, targets: list, gd: int) -> None:
        g, gper, val = self.graph, self.gper, self.val
        per, n = g.per, g.n
        ja, jb = g.ia[i], g.ib[i]
        seed = gtext == "1.0"
        args: tuple[str, ...] | None = None  # made only if a term is written out as it is
        for (j, c, seeded, (ux, uy, uz, _)), d in zip(targets, self.depths(i, gd, targets)):
            k = _PRODUCTS.get(c, -1) if gper[i] and not seed else -1
            other = (ja, jb)[k] if k >= 0 else -1  # the factor beside g
            many = gper[i] or (ux and per[ja]) or (uy and per[jb]) or (uz and per[i])
            parameter = g.temps[j] is None and not per[j]
            if other >= 0 and per[j] and not per[other] and NAME.fullmatch(val[other] or ""):
                self.lin.setdefault(j, []).append((other, val[other] or "", gtext))
                gper[j] = 1
                self.opened.add(j)
                continue
            if other >= 0 and many and parameter and per[other]:
                term, many = f"{gtext}.dot({val[other]}) * v{n}", 0
            else:
                args = args or self.arguments(i, node, gtext)
                term = (seeded if seed else c).format(*args)
                if many and parameter:
                    term, many = f"({term}).sum() * v{n}", 0
            gper[j] = gper[j] or many
            self.add_term(j, term, d)
