"""Which sympy symbol stands for each leaf: its `sym`, else its label, else an automatic name."""
from __future__ import annotations

import itertools

import sympy

from ..core.scalar import Scalar
from ..core.walks import topological_order
from ..errors import SymbolClashError

_auto_numbers = itertools.count(1)


class AutoSymbol(sympy.Symbol):
    """The name given to a leaf that has neither `sym` nor label; a label set later wins."""


def leaf_symbol(leaf: Scalar) -> sympy.Expr:
    """The leaf as sympy sees it: a real Symbol, or an exact constant when `sym` is one."""
    sym = leaf.sym
    if isinstance(sym, AutoSymbol) or sym is None:
        if leaf.label and (sym is None or leaf.label != sym.name):
            return sympy.Symbol(leaf.label, real=True)
        if sym is None:  # remembered, so the leaf keeps its name in every later closed form
            leaf.sym = sym = AutoSymbol(f"x_{next(_auto_numbers)}", real=True)
        return sym
    if isinstance(sym, str):
        return sympy.Symbol(sym, real=True)
    if isinstance(sym, sympy.Basic) and (isinstance(sym, sympy.Symbol) or not sym.free_symbols):
        return sym
    raise TypeError(f"the sym of leaf {leaf!r} must be a name, a sympy Symbol, or a constant "
                    f"expression without free symbols, not {sym!r}")


def is_variable(leaf: Scalar) -> bool:
    """True for a leaf that is a variable (not an exact constant such as sym=sympy.pi)."""
    return leaf.op is None and isinstance(leaf_symbol(leaf), sympy.Symbol)


def leaf_symbols(nodes: list[Scalar]) -> dict[Scalar, sympy.Expr]:
    """The symbol of every leaf among `nodes`, refusing two leaves that would share a name."""
    symbols: dict[Scalar, sympy.Expr] = {}
    owner: dict[str, Scalar] = {}
    for leaf in nodes:
        if leaf.op is not None:
            continue
        symbol = symbols[leaf] = leaf_symbol(leaf)
        if isinstance(symbol, sympy.Symbol):
            other = owner.setdefault(symbol.name, leaf)
            if other is not leaf:
                raise SymbolClashError(
                    f"two different leaves are both named {symbol.name!r} (values {other.data!r} "
                    f"and {leaf.data!r}); their gradients differ, so give one another label or sym")
    return symbols


def leaf_values(out: Scalar) -> dict[sympy.Symbol, float]:
    """The current value of each variable leaf of `out`'s graph, keyed by its symbol."""
    symbols = leaf_symbols(topological_order(out))
    return {s: leaf.data for leaf, s in symbols.items() if isinstance(s, sympy.Symbol)}


