"""The numeric core: the table of operations, the Scalar, and the walks over its graph.

Pure Python with no dependency; every other layer builds on this one and none is imported here.
"""
from .node import Node, PositionLabel
from .ops import OPS, REAL, Op
from .scalar import Scalar, apply
from .text import format_tree
from .walks import backward, topological_order

__all__ = ["Node", "PositionLabel", "OPS", "REAL", "Op", "Scalar", "apply", "format_tree", "backward",
           "topological_order"]
