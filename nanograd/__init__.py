"""nanograd: one graph of Scalars, numeric gradients by backprop and closed forms by symbolic backprop."""
from .errors import DivisionByZeroError, DomainError, NanogradError, NonFiniteError
from .graph import backward, format_tree, topological_order
from .ops import OPS, Op
from .scalar import Scalar
from .viz import draw_dot
from . import nn

__all__ = [
    "Scalar", "OPS", "Op", "backward", "topological_order", "format_tree", "draw_dot", "nn",
    "NanogradError", "DomainError", "DivisionByZeroError", "NonFiniteError",
]
