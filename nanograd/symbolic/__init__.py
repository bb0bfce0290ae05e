"""The symbolic half: closed forms of nodes and derivatives, by symbolic backprop over the graph."""
from .backprop import expr_of, grad_expr, hessian_expr
from .convert import UnsupportedExpressionError, from_sympy
from .evaluate import GradientFunction, evaluate, grad_function
from .leaves import SymbolClashError, leaf_values

__all__ = [
    "expr_of", "grad_expr", "hessian_expr", "from_sympy", "evaluate", "grad_function",
    "GradientFunction", "leaf_values", "SymbolClashError", "UnsupportedExpressionError",
]
