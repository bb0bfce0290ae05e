"""Which sympy symbol stands for each leaf: its `sym`, else its label, else an automatic name."""
from __future__ import annotations

import sympy

from ..core.node import PositionLabel
from ..core.scalar import Scalar
from ..core.walks import topological_order
from ..errors import SymbolClashError


class AutoSymbol(sympy.Symbol):
    """The name given to a leaf that has neither `sym` nor label; a label set later wins."""


def leaf_symbol(leaf: Scalar) -> sympy.Expr:
    """The leaf as sympy sees it: a real Symbol, or an exact constant when `sym` is one.
    (Within a graph, `leaf_symbols` names it: automatic names are unique only there.)"""
    return leaf_symbols([leaf])[leaf]


def _own_symbol(leaf: Scalar) -> sympy.Expr | None:
    """The symbol a leaf names itself by (its sym, or a person's label), or None if it has
    only a default name: an automatic one, or a module's position label."""
    sym = leaf.sym
    if isinstance(sym, AutoSymbol) or sym is None:
        label = leaf.label
        if label and not isinstance(label, PositionLabel) and (sym is None or label != sym.name):
            return sympy.Symbol(label, real=True)
        return None
    if isinstance(sym, str):
        return sympy.Symbol(sym, real=True)
    if isinstance(sym, sympy.Basic) and (isinstance(sym, sympy.Symbol) or not sym.free_symbols):
        return sym
    raise TypeError(f"the sym of leaf {leaf!r} must be a name, a sympy Symbol, or a constant "
                    f"expression without free symbols, not {sym!r}")


def _default_symbol(leaf: Scalar, owner: dict[str, Scalar]) -> sympy.Symbol:
    """A name no other leaf of the graph has: a position label, suffixed _2, _3, ... when two
    models share it; else the automatic name the leaf got before, or the first free x_1, x_2, ...
    (numbered per graph, so a script names its leaves the same way in every run)."""
    label = leaf.label
    if isinstance(label, PositionLabel) and label:
        name, k = str(label), 1
        while name in owner:
            k += 1
            name = f"{label}_{k}"
        symbol = sympy.Symbol(name, real=True)
    elif isinstance(leaf.sym, AutoSymbol) and leaf.sym.name not in owner:
        symbol = leaf.sym
    else:
        k = 1
        while f"x_{k}" in owner:
            k += 1
        symbol = leaf.sym = AutoSymbol(f"x_{k}", real=True)  # remembered for later closed forms
    owner[symbol.name] = leaf
    return symbol


def is_variable(leaf: Scalar) -> bool:
    """True for a leaf that is a variable (not an exact constant such as sym=sympy.pi)."""
    return leaf.op is None and isinstance(leaf_symbol(leaf), sympy.Symbol)


def leaf_symbols(nodes: list[Scalar]) -> dict[Scalar, sympy.Expr]:
    """The symbol of every leaf among `nodes`, refusing two leaves a person named alike and
    giving the others names of their own (leaves named before keep theirs where they can)."""
    leaves = [node for node in nodes if node.op is None]
    symbols: dict[Scalar, sympy.Expr] = {}
    owner: dict[str, Scalar] = {}
    defaults = []
    for leaf in leaves:
        symbol = _own_symbol(leaf)
        if symbol is None:
            defaults.append(leaf)
            continue
        symbols[leaf] = symbol
        if isinstance(symbol, sympy.Symbol):
            other = owner.setdefault(symbol.name, leaf)
            if other is not leaf:
                raise SymbolClashError(
                    f"two different leaves are both named {symbol.name!r} (values {other.data!r} "
                    f"and {leaf.data!r}); their gradients differ, so give one another label or sym")
    defaults.sort(key=lambda leaf: not isinstance(leaf.sym, AutoSymbol))  # named before: first
    for leaf in defaults:
        symbols[leaf] = _default_symbol(leaf, owner)
    return {leaf: symbols[leaf] for leaf in leaves}


def leaf_values(out: Scalar) -> dict[sympy.Symbol, float]:
    """The current value of each variable leaf of `out`'s graph, keyed by its symbol."""
    symbols = leaf_symbols(topological_order(out))
    return {s: leaf.data for leaf, s in symbols.items() if isinstance(s, sympy.Symbol)}


