"""The symbolic half: closed forms of nodes and derivatives, by symbolic backprop over the graph."""
from ..errors import SymbolClashError, UnsupportedExpressionError
from .backprop import expr_of, grad_expr, hessian_expr
from .convert import from_sympy
from .evaluate import GradientFunction, evaluate, grad_function
from .leaves import leaf_values

__all__ = [
    "expr_of", "grad_expr", "hessian_expr", "from_sympy", "evaluate", "grad_function",
    "GradientFunction", "leaf_values", "SymbolClashError", "UnsupportedExpressionError",
]
