"""nanograd: one graph of Scalars, numeric gradients by backprop and closed forms by symbolic backprop.

This module is the public facade. The layers beneath it, each a package that imports only those
below it: `core` (the table of operations, Scalar, the walks) <- `compiler` (a graph as
straight-line code, from the table) <- `symbolic` (closed forms, sympy)
<- `teaching` (local derivatives, paths, explanations, steps) <- `drawing` (graphviz) <- `nn`
(modules, losses, optimizers, data) <- `calculus` (reading typed math, checking hand derivatives)
<- `testing` (hypothesis strategies and oracles) <- `cli`. What needs sympy or graphviz is loaded
on first use, so numeric work never pays for it.

`compile` here is nanograd's (a graph to code); this module never calls Python's builtin.
"""
import sys
from importlib import import_module
from typing import Any

from .calculus.parse import parse
from .compiler import BatchGradient, CompiledGradient, compile, compile_batch
from .core import (
    OPS,
    Jacobian,
    Op,
    Scalar,
    apply,
    backward,
    collector_paused,
    format_tree,
    grad,
    hessian,
    hvp,
    jacobian,
    jvp,
    topological_order,
    zero_grad,
)
from .errors import (
    DivisionByZeroError,
    DomainError,
    GradientCheckError,
    InputError,
    LargeGraphWarning,
    NanogradError,
    NonFiniteError,
    ParseError,
    RenderError,
    StructureChangedError,
    SymbolClashError,
    TimeBudgetError,
    TooManyPathsError,
    UnsupportedExpressionError,
)
from .nn import datasets, losses, optim
from .teaching import Trace, backward_steps, explain, trace


def _closed_form(node: Scalar) -> Any:
    """This node's closed form (a sympy expression in the leaf symbols), built on demand."""
    from .symbolic import expr_of  # sympy: loaded on first use

    return expr_of(node)


# The core knows nothing of sympy: the facade, which sees every layer, gives Scalar its closed form.
Scalar.expr = property(_closed_form)

# `import nanograd.losses` (and optim, datasets) keeps working: they are the nn package's modules.
for _module in (datasets, losses, optim):
    sys.modules[f"{__name__}.{_module.__name__.rsplit('.', 1)[1]}"] = _module

# Imported on first use, so numeric work never pays for importing sympy or graphviz.
_LAZY = {
    **{name: "symbolic" for name in (
        "grad_expr", "hessian_expr", "from_sympy", "evaluate", "grad_function",
        "GradientFunction", "leaf_values")},
    **{name: "drawing" for name in (
        "draw_dot", "draw_model", "render", "save_plot", "render_steps", "NoRendererError",
        "stepper", "Stepper")},
    "verify": "calculus.verification", "Verification": "calculus.verification",
    "Diagnosis": "calculus.diagnosis", "Mistake": "calculus.diagnosis",
    "steps": "calculus.steps", "Derivation": "calculus.steps", "DerivationStep": "calculus.steps",
    "grade": "calculus.grading", "Verdict": "calculus.grading", "Summary": "calculus.grading",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'nanograd' has no attribute {name!r}")


__all__ = [
    *_LAZY, "Scalar", "OPS", "Op", "apply", "backward", "zero_grad", "topological_order", "format_tree",
    "compile", "CompiledGradient", "compile_batch", "BatchGradient", "collector_paused",
    "jvp", "jacobian", "Jacobian", "grad", "hessian", "hvp",
    "explain", "backward_steps", "trace", "Trace", "parse", "nn", "losses", "optim", "datasets",
    "NanogradError", "DomainError", "DivisionByZeroError", "NonFiniteError", "ParseError",
    "InputError", "SymbolClashError", "UnsupportedExpressionError", "TooManyPathsError",
    "RenderError", "GradientCheckError", "LargeGraphWarning", "StructureChangedError",
    "TimeBudgetError",
]


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
