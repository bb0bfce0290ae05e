"""The numeric core: the table of operations, the Scalar, and the walks over its graph.

Pure Python with no dependency; every other layer builds on this one and none is imported here.
"""
from .collector import collector_paused
from .node import Node
from .ops import OPS, REAL, Op
from .scalar import Scalar, apply
from .text import format_tree
from .walks import backward, topological_order

__all__ = ["collector_paused", "Node", "OPS", "REAL", "Op", "Scalar", "apply", "format_tree", "backward",
           "topological_order"]
