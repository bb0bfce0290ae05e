"""Shared fixtures: independent (plain `math`) references for the two seeds' worked examples.

Also loads the hypothesis profile named by NANOGRAD_PROFILE (ci, dev or thorough; dev if unset).
"""
from __future__ import annotations

import math

import pytest

from nanograd.testing import register_profiles

register_profiles()

WORKED_EXAMPLE_LABELS = tuple("abcdefghijklm")


def _worked_example_values(bump: str | None = None, step: float = 0.0) -> dict[str, float]:
    """The pure-Python nanograd's example a..m in plain floats; `bump` adds `step` to that node's value."""
    v: dict[str, float] = {}

    def put(name: str, value: float) -> float:
        v[name] = value + (step if name == bump else 0.0)
        return v[name]

    a = put("a", 3.0)
    b = put("b", 2.0)
    c = put("c", a + b)
    d = put("d", c / 2)
    e = put("e", math.tanh(d))
    f = put("f", 20 * e)
    g = put("g", max(f, 0.0))
    h = put("h", math.log(g))
    i = put("i", math.exp(h))
    j = put("j", i ** 2)
    k = put("k", 2.0)
    l = put("l", j - k)  # noqa: E741 (the example names its nodes a to m)
    put("m", math.log10(l))
    return v


def _worked_example_gradients() -> dict[str, float]:
    """d m / d node for every node of the worked example, by central finite differences."""
    base = _worked_example_values()
    grads = {}
    for name in WORKED_EXAMPLE_LABELS:
        h = 1e-6 * max(1.0, abs(base[name]))
        up = _worked_example_values(name, h)["m"]
        down = _worked_example_values(name, -h)["m"]
        grads[name] = (up - down) / (2 * h)
    return grads


@pytest.fixture(scope="session")
def pure_python_reference():
    """(values, gradients) of the pure-Python nanograd's example, a..m, computed without nanograd."""
    return _worked_example_values(), _worked_example_gradients()


@pytest.fixture
def sum_product_graph():
    """The PyTorch-style nanograd's graph: a=5, b=2, c=3, k=2, d=a*b, e=d+c, f=k+b, out=e*f
    (not backpropagated)."""
    from nanograd import Scalar

    a = Scalar(5, label="a")
    b = Scalar(2, label="b")
    c = Scalar(3, label="c")
    k = Scalar(2, label="k")
    d = a * b; d.label = "d"
    e = d + c; e.label = "e"
    f = k + b; f.label = "f"
    out = e * f; out.label = "out"
    return {"a": a, "b": b, "c": c, "k": k, "d": d, "e": e, "f": f, "out": out}
