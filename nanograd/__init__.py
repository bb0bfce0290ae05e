"""nanograd: one graph of Scalars, numeric gradients by backprop and closed forms by symbolic backprop."""
from .errors import DivisionByZeroError, DomainError, NanogradError, NonFiniteError
from .graph import backward, format_tree, topological_order
from .ops import OPS, Op
from .scalar import Scalar
from .viz import draw_dot
from . import datasets, losses, nn, optim

_SYMBOLIC = (
    "grad_expr", "hessian_expr", "from_sympy", "evaluate", "grad_function", "GradientFunction",
    "leaf_values", "SymbolClashError", "UnsupportedExpressionError",
)


def __getattr__(name: str):
    """The symbolic names, imported on first use: numeric work never pays for importing sympy."""
    if name in _SYMBOLIC:
        from . import symbolic

        return getattr(symbolic, name)
    raise AttributeError(f"module 'nanograd' has no attribute {name!r}")


__all__ = [
    *_SYMBOLIC, "Scalar", "OPS", "Op", "backward", "topological_order", "format_tree", "draw_dot",
    "nn", "losses", "optim", "datasets",
    "NanogradError", "DomainError", "DivisionByZeroError", "NonFiniteError",
]
