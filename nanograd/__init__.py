"""nanograd: one graph of Scalars, numeric gradients by backprop and closed forms by symbolic backprop."""
from .errors import DivisionByZeroError, DomainError, NanogradError, NonFiniteError
from .graph import backward, format_tree, topological_order
from .ops import OPS, Op
from .scalar import Scalar
from .viz import draw_dot, draw_model
from .rendering import render, save_plot
from .explanation import explain
from .steps import backward_steps, render_steps
from . import datasets, losses, nn, optim

# Imported on first use, so numeric work never pays for importing sympy.
_LAZY = {
    **{name: "symbolic" for name in (
        "grad_expr", "hessian_expr", "from_sympy", "evaluate", "grad_function",
        "GradientFunction", "leaf_values", "SymbolClashError", "UnsupportedExpressionError")},
    "verify": "verification", "Verification": "verification",
}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'nanograd' has no attribute {name!r}")


__all__ = [
    *_LAZY, "Scalar", "OPS", "Op", "backward", "topological_order", "format_tree",
    "draw_dot", "draw_model", "render", "save_plot", "explain", "backward_steps", "render_steps",
    "nn", "losses", "optim", "datasets",
    "NanogradError", "DomainError", "DivisionByZeroError", "NonFiniteError",
]
