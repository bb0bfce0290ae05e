"""The numeric core: the table of operations, the Scalar, and the walks over its graph.

Pure Python with no dependency; every other layer builds on this one and none is imported here.
Besides backprop: forward mode (`jvp`, `jacobian`) and derivatives of derivatives (`grad` with
`create_graph`, `hessian`, `hvp`), all by the same table.
"""
from .collector import collector_paused
from .forward import Jacobian, jacobian, jvp
from .higher import grad, hessian, hvp
from .node import Node, PositionLabel
from .ops import OPS, REAL, Op
from .scalar import Constant, Scalar, apply
from .scalar_system import SCALAR
from .text import format_tree
from .walks import backward, topological_order, zero_grad

__all__ = ["collector_paused", "Node", "PositionLabel", "OPS", "REAL", "SCALAR", "Op", "Constant", "Scalar",
           "apply", "format_tree", "backward", "topological_order", "zero_grad", "jvp", "jacobian",
           "Jacobian", "grad", "hessian", "hvp"]
