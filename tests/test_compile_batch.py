"""nanograd.compile_batch: the graph of one sample run over NumPy arrays of samples."""
from __future__ import annotations

import math
import random
import re
import subprocess
import sys

import pytest
from hypothesis import assume, given

import nanograd
from nanograd import Scalar, compile_batch
from nanograd.core.ops import OPS, REAL
from nanograd.nn import MLP
from nanograd.testing.strategies import graphs

np = pytest.importorskip("numpy")
from nanograd.compiler.batch import array_numbers  # noqa: E402  (after the skip)


def sample_loss(net: MLP) -> tuple[Scalar, list[Scalar]]:
    x = [Scalar(0.0, label=f"x{k}") for k in range(3)]
    y = Scalar(0.0, label="y")
    return (net(x) - y) ** 2 + 0.01 * sum(p * p for p in net.parameters()), [*x, y]


def whole_dataset(net: MLP, rows: list[list[float]], mean: bool) -> tuple[float, list[float]]:
    """Eager nanograd over the graph of every sample: the oracle."""
    params = net.parameters()
    reg = 0.01 * sum(p * p for p in params)
    total = sum((net(row[:3]) - row[3]) ** 2 + reg for row in rows)
    if mean:
        total = total * (1.0 / len(rows))
    for p in params:
        p.grad = 0.0
    total.backward()
    return total.data, [p.grad for p in params]


@pytest.mark.parametrize("reduce", ["sum", "mean"])
def test_the_batch_agrees_with_backprop_over_the_whole_dataset(reduce):
    rng = random.Random(5)
    net = MLP(3, [4, 4, 1], rng=rng)
    for p in net.parameters():  # biases too (they start at 0): a sum's first term counts
        p.data = rng.uniform(-1, 1)
    loss, data = sample_loss(net)
    f = compile_batch(loss, net.parameters(), data, reduce=reduce)
    assert "DOT(" in f.source and "STACK(" in f.source
    rows = [[rng.uniform(-2, 2) for _ in range(3)] + [rng.choice([-1.0, 1.0])] for _ in range(57)]
    value, grads = f([np.array(col) for col in zip(*rows)])
    expected_value, expected = whole_dataset(net, rows, reduce == "mean")
    largest = max(abs(g) for g in expected)
    assert abs(value - expected_value) <= 1e-12 * abs(expected_value)
    assert max(abs(g - e) for g, e in zip(grads, expected)) <= 1e-12 * largest


def test_every_row_runs_over_arrays_as_over_floats():
    """A row added to the table runs over arrays without an edit here (its function NumPy's
    ufunc of the same name, or REAL's applied per element)."""
    rng = random.Random(2)
    for op in OPS.values():
        w = Scalar(0.7, label="w")
        leaves = [Scalar(lo + 0.37 * (hi - lo), label=f"d{k}")
                  for k, (lo, hi) in enumerate(ranges[0] for ranges in op.safe)]
        out = nanograd.apply(op, *leaves) * w + w * w
        f = compile_batch(out, [w], leaves)
        columns = [[lo + rng.random() * (hi - lo) for _ in range(20)]
                   for lo, hi in (ranges[0] for ranges in op.safe)]
        value, (grad,) = f([np.array(c) for c in columns])
        scalar = nanograd.compile(out, [w, *leaves])
        runs = [scalar([0.7, *row]) for row in zip(*columns)]
        assert math.isclose(value, math.fsum(r[0] for r in runs), rel_tol=1e-13), op.name
        assert math.isclose(grad, math.fsum(r[1][0] for r in runs), rel_tol=1e-13), op.name


EDGES = [0.0, -0.0, 5e-324, -5e-324, 1e-300, -1e-300, 0.5, -0.5, 3.0, -3.0, 700.0, -700.0,
         1e308, -1e308, math.inf, -math.inf]


@pytest.mark.parametrize("name", ["relu", "heaviside", "sign", "sigmoid", "abs"])
def test_the_array_primitives_are_reals_functions(name):
    f = array_numbers(np)[name]
    got = f(np.array(EDGES))
    for x, g in zip(EDGES, got.tolist()):
        e = getattr(REAL, name)(x)
        assert g == e and math.copysign(1.0, g) == math.copysign(1.0, e), (name, x, g, e)


def test_an_error_names_the_operation_node_and_sample_like_eager():
    w = Scalar(1.0, label="w")
    x = Scalar(2.0, label="x")
    f = compile_batch((x - w).log() * w, [w], [x])
    f([np.array([2.0, 3.0])])  # fine
    with pytest.raises(nanograd.DomainError) as batch_error:
        f([np.array([2.0, 0.5, 3.0])])
    with pytest.raises(nanograd.DomainError) as eager_error:
        (Scalar(0.5, label="x") - Scalar(1.0, label="w")).log()
    assert str(batch_error.value) == str(eager_error.value)
    with pytest.raises(nanograd.NonFiniteError):  # overflow: NumPy raises, eager names it
        compile_batch(x * x * w, [w], [x])([np.array([1.0, 1e200])])
    with pytest.raises(nanograd.InputError, match="columns"):
        f([np.array([1.0]), np.array([2.0])])
    with pytest.raises(nanograd.InputError, match="finite"):
        f([np.array([1.0, math.nan])])


def test_training_in_place_and_a_clear_message_without_numpy():
    rng = random.Random(1)
    net = MLP(3, [4, 1], rng=rng)
    loss, data = sample_loss(net)
    f = compile_batch(loss, net.parameters(), data, reduce="mean")
    columns = [np.array([rng.uniform(-1, 1) for _ in range(30)]) for _ in range(4)]
    first = f.backward(columns)
    for _ in range(20):
        for p in net.parameters():
            p.grad = 0.0
        f.backward(columns)
        for p in net.parameters():
            p.data -= 0.1 * p.grad
    assert f(columns)[0] < first
    code = ("import sys; sys.modules['numpy'] = None\nimport nanograd\n"
            "try:\n    nanograd.compile_batch(nanograd.Scalar(1.0), [], [])\n"
            "except ImportError as e:\n    print(e)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'nanograd[numpy]'" in done.stdout


def test_a_float_meets_an_array_as_an_array():
    """NumPy combines a 0-d array with an array in about half the time of a Python float; the
    parameters stay floats where they meet only floats (the penalty p * p)."""
    w = Scalar(0.5, label="w")
    x = Scalar(2.0, label="x")
    f = compile_batch(w * x + w * w, [w], [x])
    forward = f.source.split("# reverse pass")[0]
    assert re.search(r"\ba\d+ = ARRAY\(v\d+\)", forward)
    assert re.search(r"\bv(\d+) \* v\1\b", forward)  # w * w: two floats
    value, (grad,) = f([np.array([1.0, 3.0])])
    assert (value, grad) == (0.5 * 1.0 + 0.25 + 0.5 * 3.0 + 0.25, 1.0 + 1.0 + 3.0 + 1.0)


def test_a_parameters_gradient_is_reduced_where_it_is_made():
    """Products of two arrays reach a parameter's gradient as a dot product over the samples,
    so the gradients come back as floats and the large stack at the end is not needed."""
    w = Scalar(0.5, label="w")
    x = Scalar(2.0, label="x")
    f = compile_batch((w * x).tanh() * x, [w], [x], reduce="mean")
    assert ".dot(" in f.source
    xs = [0.3, -1.2, 2.0]
    value, (grad,) = f([np.array(xs)])
    expected = [nanograd.compile((w * x).tanh() * x, [w, x])([0.5, v]) for v in xs]
    assert math.isclose(value, sum(e[0] for e in expected) / 3, rel_tol=1e-14)
    assert math.isclose(grad, sum(e[1][0] for e in expected) / 3, rel_tol=1e-14)


def test_a_total_that_overflows_is_our_error():
    """Each sample's value and gradient are finite, their sum is not (a dot product does not
    raise where it overflows, and math.fsum raises a bare OverflowError)."""
    w = Scalar(1.0, label="w")
    x = Scalar(1.0, label="x")
    big = 1e308 ** (1 / 3)
    f = compile_batch((w * (x * x)) * x, [w], [x])
    with pytest.raises(nanograd.NonFiniteError, match="summed over the 2 samples"):
        f([np.array([big, big])])
    w.data = 1e-10  # the output now sums to 2e298, the gradient to 2e308
    with pytest.raises(nanograd.NonFiniteError, match="gradient of 'w', summed"):
        f([np.array([big, big])])



@given(graphs(ops=["add", "sub", "mul", "neg", "tanh", "relu"], max_leaves=4, max_steps=25))
def test_random_sums_of_products_over_arrays_agree_with_each_sample(graph):
    """Sums of floats times arrays become dot products over stacked arrays, and a gradient's
    terms g * w too: the batch agrees with the scalar code run on each sample."""
    assume(len(graph.leaves) >= 2)
    params, data = graph.leaves[:1 + len(graph.leaves) // 3], graph.leaves[1 + len(graph.leaves) // 3:]
    f = compile_batch(graph.out, params, data)
    scalar = nanograd.compile(graph.out, [*params, *data], wrt=params)
    rows = [[leaf.data + shift for leaf in data] for shift in (0.0, 0.001, -0.002, 0.0005)]
    value, grads = f([np.array(column) for column in zip(*rows)])
    runs = [scalar([*(p.data for p in params), *row]) for row in rows]
    scale = max([1.0, *(abs(r[0]) for r in runs), *(abs(g) for r in runs for g in r[1])])
    assert abs(value - math.fsum(r[0] for r in runs)) <= 1e-12 * scale * len(rows)
    for k, grad in enumerate(grads):
        assert abs(grad - math.fsum(r[1][k] for r in runs)) <= 1e-12 * scale * len(rows)
