"""Gradients as values, and derivatives of derivatives, numerically.

`grad` is reverse mode without touching `.grad`: it returns d out / d wrt. With
`create_graph=True` the table's rules run over Scalars (`SCALAR`), so each gradient is a node of
a new graph built on the old one, and can be differentiated again: `hessian` by a second sweep per
variable, `hvp` (a Hessian-vector product) by one forward sweep over the gradients, without the
Hessian.
"""
from __future__ import annotations

from typing import Any, Sequence

from .forward import Jacobian, as_nodes, as_result, jacobian, jvp
from .ops import REAL
from .scalar import Scalar
from .scalar_system import SCALAR
from .sweeps import reverse_sweep
from .walks import topological_order


def grad(out: Scalar, wrt: Scalar | Sequence[Scalar], create_graph: bool = False) -> Any:
    """d out / d w for each w of `wrt` (one reverse sweep; a list for a list, one for one).

    Floats; with `create_graph=True`, Scalars whose own graph gives the second derivatives.
    Leaves no trace on any `.grad`. A Scalar `out` does not depend on gives 0.
    """
    nodes, alone = as_nodes(wrt, "wrt")
    adjoint, _ = reverse_sweep(topological_order(out), SCALAR if create_graph else REAL)
    results = [as_result(adjoint.get(node, 0.0), create_graph) for node in nodes]
    return results[0] if alone else results


def hessian(out: Scalar, wrt: Sequence[Scalar], mode: str = "reverse") -> Jacobian:
    """The matrix of second derivatives d2 out / d wi d wj: the Jacobian of `grad(out, wrt,
    create_graph=True)`, by reverse sweeps over it (reverse over reverse) or forward ones
    (`mode="forward"`, forward over reverse). Rows as lists of floats."""
    nodes, _ = as_nodes(wrt, "wrt")
    return jacobian(grad(out, nodes, create_graph=True), nodes, mode)


def hvp(out: Scalar, wrt: Sequence[Scalar], vector: Sequence[float]) -> list[float]:
    """The Hessian of `out` in `wrt` times `vector`, without the Hessian: one reverse sweep that
    builds the gradient's graph, then one forward sweep over it along `vector`."""
    nodes, _ = as_nodes(wrt, "wrt")
    vector = list(vector)
    if len(vector) != len(nodes):
        raise ValueError(f"the vector has {len(vector)} entries for {len(nodes)} variables")
    return jvp(grad(out, nodes, create_graph=True), dict(zip(nodes, vector)))
