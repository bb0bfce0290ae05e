"""Closed forms by symbolic backprop: grad_expr, hessian_expr, evaluate, grad_function.

Oracles: sympy.diff / sympy.hessian of the node's own closed form, central finite differences of
plain `math` functions, and hand-written chain rules; never nanograd's own output.
"""
from __future__ import annotations

import math
import operator
from types import SimpleNamespace

import pytest
import sympy

import nanograd
from nanograd import OPS, NanogradError, Scalar
from nanograd.core import topological_order
from nanograd.teaching import worked_example

X, Y, Z = sympy.symbols("x y z", real=True)


def real(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, real=True)


def at(expr, values: dict) -> float:
    """sympy's own value of `expr` at `values` (an oracle independent of nanograd.evaluate)."""
    subs = {s: sympy.Float(v, 30) for s, v in values.items()}
    return float(sympy.sympify(expr).subs(subs).evalf(30))


def close(a: float, b: float, rel: float = 1e-9, abs_: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


# -- the shape of grad_expr's answer ----------------------------------------------------------

@pytest.fixture
def graph():
    """out = (a*b + c) * (k + b) with intermediates d, e, f (the PyTorch-style nanograd's shape), plus sin."""
    a = Scalar(0.5, label="a")
    b = Scalar(-1.5, label="b")
    c = Scalar(2.0, label="c")
    k = Scalar(0.25, label="k")
    d = a * b
    e = d + c
    f = (k + b).sin()
    out = e * f
    return SimpleNamespace(a=a, b=b, c=c, k=k, d=d, e=e, f=f, out=out)


def test_grad_expr_wrt_a_leaf_is_the_partial_derivative(graph):
    A, B, C, K = map(real, "abck")
    expected = (A * B + C) * sympy.sin(K + B)
    assert graph.out.expr == expected
    for leaf, s in ((graph.a, A), (graph.b, B), (graph.c, C), (graph.k, K)):
        got = nanograd.grad_expr(graph.out, wrt=leaf)
        assert sympy.simplify(got - sympy.diff(expected, s)) == 0


def test_grad_expr_wrt_an_intermediate_is_its_adjoint(graph):
    A, B, C, K = map(real, "abck")
    g = graph
    # d out / d d = d out / d e = f;  d out / d f = e;  d out / d out = 1
    assert sympy.simplify(nanograd.grad_expr(g.out, wrt=g.d) - sympy.sin(K + B)) == 0
    assert sympy.simplify(nanograd.grad_expr(g.out, wrt=g.e) - sympy.sin(K + B)) == 0
    assert sympy.simplify(nanograd.grad_expr(g.out, wrt=g.f) - (A * B + C)) == 0
    assert nanograd.grad_expr(g.out, wrt=g.out) == 1
    g.out.backward()
    for node in (g.d, g.e, g.f, g.out, g.a, g.b):
        expr = nanograd.grad_expr(g.out, wrt=node)
        assert close(nanograd.evaluate(expr, at=g.out), node.grad)
        assert close(at(expr, nanograd.leaf_values(g.out)), node.grad)


def test_grad_expr_wrt_a_list_or_tuple_keeps_the_order(graph):
    g = graph
    order = [g.k, g.a, g.e, g.b]
    singles = [nanograd.grad_expr(g.out, wrt=w) for w in order]
    as_list = nanograd.grad_expr(g.out, wrt=order)
    as_tuple = nanograd.grad_expr(g.out, wrt=tuple(order))
    assert isinstance(as_list, list) and isinstance(as_tuple, list)
    assert as_list == singles and as_tuple == singles
    assert nanograd.grad_expr(g.out, wrt=[]) == []


def test_grad_expr_without_wrt_is_a_dict_over_every_variable_leaf(graph):
    g = graph
    p = Scalar(math.pi, sym=sympy.pi)  # a constant leaf: not a variable
    out = g.out * p
    grads = nanograd.grad_expr(out)
    assert isinstance(grads, dict)
    assert set(grads) == {g.a, g.b, g.c, g.k}
    for leaf, expr in grads.items():
        s = real(leaf.label)
        assert sympy.simplify(expr - sympy.diff(out.expr, s)) == 0


def test_grad_expr_wrt_a_scalar_outside_the_graph_is_zero(graph):
    stranger = Scalar(1.0, label="stranger")
    assert nanograd.grad_expr(graph.out, wrt=stranger) == 0
    assert nanograd.grad_expr(graph.out, wrt=[graph.a, stranger])[1] == 0
    # an intermediate of another graph too
    assert nanograd.grad_expr(graph.out, wrt=stranger * 2) == 0


@pytest.mark.parametrize("bad", [3, 2.5, "a", None.__class__, {1, 2}, sympy.Symbol("a")])
def test_grad_expr_with_a_non_scalar_wrt_is_a_type_error(graph, bad):
    with pytest.raises(TypeError):
        nanograd.grad_expr(graph.out, wrt=bad)


def test_grad_expr_with_a_non_scalar_inside_wrt_is_a_type_error(graph):
    with pytest.raises(TypeError):
        nanograd.grad_expr(graph.out, wrt=[graph.a, 2.0])
    with pytest.raises(TypeError):
        nanograd.grad_expr(graph.out, wrt=(graph.a, "b"))


def test_grad_expr_of_a_non_scalar_is_a_type_error():
    with pytest.raises(TypeError):
        nanograd.grad_expr(X ** 2, wrt=Scalar(1.0))


def test_simplify_simplifies():
    x = Scalar(3.0, label="x")
    out = (x * x - 1) / (x - 1)  # = x + 1, so d/dx = 1
    plain = nanograd.grad_expr(out, wrt=x)
    assert sympy.simplify(plain - 1) == 0
    assert plain != 1  # the unsimplified quotient rule: so the flag has something to do
    assert nanograd.grad_expr(out, wrt=x, simplify=True) == 1
    assert nanograd.grad_expr(out, wrt=[x], simplify=True) == [1]
    assert nanograd.grad_expr(out, simplify=True) == {x: 1}
    s = Scalar(0.4, label="s")
    assert nanograd.grad_expr(s.sin() * s.sin() + s.cos() * s.cos() + 2 * s, simplify=True) == {s: 2}


def _undo_cse(replacements, expr):
    for sym, value in reversed(replacements):
        expr = expr.subs(sym, value)
    return expr


def test_cse_returns_replacements_and_result_like_sympy_cse():
    x = Scalar(0.3, label="x")
    y = Scalar(1.1, label="y")
    inner = (x * y).sin()
    out = (inner * inner).exp() + inner.tanh() * y
    plain = nanograd.grad_expr(out, wrt=[x, y])
    replacements, result = nanograd.grad_expr(out, wrt=[x, y], cse=True)
    assert isinstance(replacements, list) and replacements  # sin(x*y) at least is shared
    assert all(isinstance(s, sympy.Symbol) for s, _ in replacements)
    assert isinstance(result, list) and len(result) == 2
    for r, p in zip(result, plain):
        assert sympy.simplify(_undo_cse(replacements, r) - p) == 0
    # the same shapes as without cse: one expression, or a dict
    replacements, one = nanograd.grad_expr(out, wrt=x, cse=True)
    assert isinstance(one, sympy.Expr)
    assert sympy.simplify(_undo_cse(replacements, one) - plain[0]) == 0
    replacements, as_dict = nanograd.grad_expr(out, cse=True)
    assert set(as_dict) == {x, y}
    assert sympy.simplify(_undo_cse(replacements, as_dict[y]) - plain[1]) == 0


# -- kinks ----------------------------------------------------------------------------------

def test_relu_derivative_is_heaviside_with_zero_at_the_kink():
    x = Scalar(0.0, label="x")
    out = x.relu()
    g = nanograd.grad_expr(out, wrt=x)
    assert g == sympy.Heaviside(X, 0)
    out.backward()
    assert nanograd.evaluate(g, at=out) == x.grad == 0.0
    assert nanograd.evaluate(g, {"x": 2.0}) == 1.0
    assert nanograd.evaluate(g, {"x": -2.0}) == 0.0


def test_abs_derivative_is_sign_with_zero_at_the_kink():
    x = Scalar(0.0, label="x")
    out = abs(x)
    g = nanograd.grad_expr(out, wrt=x)
    assert g == sympy.sign(X)
    out.backward()
    assert nanograd.evaluate(g, at=out) == x.grad == 0.0
    assert nanograd.evaluate(g, {"x": 2.0}) == 1.0
    assert nanograd.evaluate(g, {"x": -2.0}) == -1.0


# -- every op of the table ------------------------------------------------------------------

_OPERATORS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
              "div": operator.truediv, "pow": operator.pow}


def _apply(op, *args):
    """`op` on `args` the way a user writes it: a method or an operator (the table's row else)."""
    if op.arity == 1:
        return getattr(args[0], op.name)()
    if op.name in _OPERATORS:
        return _OPERATORS[op.name](*args)
    from nanograd.core.scalar import _binary  # a binary op with no Python operator yet

    return _binary(op, *args)


def _kinked(op) -> bool:
    return "kink" in op.domain or "step" in op.domain


UNARY_POINTS = [-1.7, -0.6, 0.4, 1.3, 2.2]
# second values never integers: a negative base to a Scalar power is then outside pow's domain
BINARY_POINTS = [(1.3, 0.7), (0.4, -1.6), (2.2, 1.9), (-0.6, 1.3), (-1.7, -0.4), (0.9, 2.6)]
CONSTANTS = [2, 1.5]


def _cases():
    """(id, op, builder): builder(point) -> (out, {leaf: symbol}) for each way to use the op."""
    for op in OPS.values():
        if op.arity == 1:
            yield f"{op.name}(x)", op, lambda p, op=op: _case(op, [("x", p[0])])
            continue
        yield f"x {op.name} y", op, lambda p, op=op: _case(op, [("x", p[0]), ("y", p[1])])
        yield f"x {op.name} x", op, lambda p, op=op: _case(op, [("x", p[0]), ("x", None)])
        for c in CONSTANTS:
            yield f"{c!r} {op.name} y", op, lambda p, op=op, c=c: _case(op, [(None, c), ("y", p[1])])
            yield f"x {op.name} {c!r}", op, lambda p, op=op, c=c: _case(op, [("x", p[0]), (None, c)])


def _case(op, spec):
    leaves, args = {}, []
    for name, value in spec:
        if name is None:
            args.append(value)  # a plain number: a constant
        elif value is None:
            args.append(args[0])  # the same leaf again
        else:
            leaf = Scalar(value, label=name)
            leaves[leaf] = real(name)
            args.append(leaf)
    out = _apply(op, *args)
    assert out.op is op  # the node really is this row of the table
    return out, leaves


CASES = list(_cases())


@pytest.mark.parametrize("case_id, op, build", CASES, ids=[c[0] for c in CASES])
def test_every_op_grad_expr_matches_sympy_diff_and_numeric_grad(case_id, op, build):
    points = UNARY_POINTS if op.arity == 1 else BINARY_POINTS
    checked = 0
    exprs = None
    for p in (points if op.arity == 2 else [(v,) for v in points]):
        try:
            out, leaves = build(p)
        except NanogradError:
            continue  # outside the op's domain
        values = {s: leaf.data for leaf, s in leaves.items()}
        expr = out.expr
        assert expr.free_symbols <= set(leaves.values())  # x - x, x / x: none
        assert close(at(expr, values), out.data)  # the closed form computes the node
        grads = nanograd.grad_expr(out)
        assert set(grads) == set(leaves)  # constants are never variables
        out.backward()
        for leaf, s in leaves.items():
            g = nanograd.grad_expr(out, wrt=leaf)
            assert grads[leaf] == g
            oracle = sympy.diff(expr, s)
            assert close(at(g, values), at(oracle, values)), (case_id, p, g, oracle)
            assert close(nanograd.evaluate(g, at=out), leaf.grad), (case_id, p, g)
        exprs = (expr, leaves, grads)
        checked += 1
    assert checked >= 2, f"{case_id}: fewer than two points inside the domain"
    if not _kinked(op):  # smooth ops: the two derivatives are the same function
        expr, leaves, grads = exprs
        for leaf, s in leaves.items():
            # off x = 0, where cbrt's slope is infinite: sympy.diff of its sign(x) adds a DiracDelta
            oracle = sympy.diff(expr, s).replace(sympy.DiracDelta, lambda *args: 0)
            assert sympy.simplify(grads[leaf] - oracle) == 0, case_id


def test_the_table_cases_cover_every_op():
    assert {c[1].name for c in CASES} == set(OPS)


# -- evaluate, leaf_values, grad_function ---------------------------------------------------

def test_evaluate_reads_the_current_leaf_values():
    x = Scalar(0.3, label="x")
    y = Scalar(1.7, label="y")
    out = (x * y).sin() + y.sqrt()
    expr = nanograd.grad_expr(out, wrt=x)  # y cos(x y)
    assert close(nanograd.evaluate(expr, at=out), 1.7 * math.cos(0.51))
    x.data, y.data = -1.2, 0.4
    assert close(nanograd.evaluate(expr, at=out), 0.4 * math.cos(-0.48))
    assert close(nanograd.evaluate(out.expr, at=out), math.sin(-0.48) + math.sqrt(0.4))
    # a mapping, by name or by symbol
    assert close(nanograd.evaluate(expr, {"x": 2.0, "y": 3.0}), 3.0 * math.cos(6.0))
    assert close(nanograd.evaluate(expr, {X: 2.0, Y: 3.0}), 3.0 * math.cos(6.0))
    # constants and numbers are closed forms too
    assert nanograd.evaluate(sympy.Integer(3), at=out) == 3.0
    assert close(nanograd.evaluate(sympy.pi * X, at=out), math.pi * -1.2)


def test_evaluate_handles_every_function_the_table_produces():
    x = Scalar(0.8, label="x")
    y = Scalar(-0.3, label="y")
    out = (x.relu() * y.sigmoid() + abs(y).log10() + x.log2() - y.heaviside() + x.sign() * y.tanh()
           + (x * y).exp() + y.cos())
    ref = (0.8 * (1 / (1 + math.exp(0.3))) + math.log10(0.3) + math.log2(0.8) - 0.0 + 1.0 * math.tanh(-0.3)
           + math.exp(-0.24) + math.cos(-0.3))
    assert close(nanograd.evaluate(out.expr, at=out), ref)
    out.backward()
    for leaf, expr in nanograd.grad_expr(out).items():
        assert close(nanograd.evaluate(expr, at=out), leaf.grad)


def test_grad_function_gives_every_gradient_at_once():
    a = Scalar(0.6, label="a")
    b = Scalar(-1.1, label="b")
    c = Scalar(2.0)  # an unlabelled leaf too
    p = Scalar(math.pi, sym=sympy.pi)
    d = (a * b + c).tanh()
    out = d * a.exp() / (1 + b * b) + p * c
    f = nanograd.grad_function(out, [a, b, c, d])
    out.backward()
    got = f()
    assert len(got) == 4
    for value, node in zip(got, (a, b, c, d)):
        assert close(value, node.grad)


def test_grad_function_accepts_other_values():
    a = Scalar(0.6, label="a")
    b = Scalar(-1.1, label="b")
    out = (a * b).sin() * a + b ** 3
    f = nanograd.grad_function(out, [b, a])
    A, B = real("a"), real("b")
    expr = sympy.sin(A * B) * A + B ** 3
    for values in ({"a": 1.3, "b": 0.2}, {A: -0.7, B: 2.5}):
        va = values.get("a", values.get(A))
        vb = values.get("b", values.get(B))
        expected = [at(sympy.diff(expr, s), {A: va, B: vb}) for s in (B, A)]
        got = f(values)
        assert all(close(g, e) for g, e in zip(got, expected)), (got, expected)
    # the graph's own values are read at call time
    a.data, b.data = 0.25, 0.5
    out_again = (a * b).sin() * a + b ** 3
    out_again.backward()
    assert all(close(g, e) for g, e in zip(f(), (b.grad, a.grad)))
    # and another graph with the same leaf names
    a2, b2 = Scalar(1.5, label="a"), Scalar(-0.5, label="b")
    other = (a2 * b2).sin() * a2 + b2 ** 3
    other.backward()
    assert all(close(g, e) for g, e in zip(f(other), (b2.grad, a2.grad)))


# -- the pure-Python nanograd's worked example --------------------------------------------------------------

def _worked_example_m(a: float, b: float, k: float) -> float:
    return math.log10(max(0.0, 20 * math.tanh((a + b) / 2)) ** 2 - k)


def test_worked_example_closed_forms():
    m = worked_example()
    leaves = {n.label: n for n in topological_order(m) if n.is_leaf}
    assert set(leaves) == {"a", "b", "k"}
    A, B, K = map(real, "abk")
    expected = sympy.log(sympy.Max(0, 20 * sympy.tanh((A + B) / 2)) ** 2 - K, 10)
    assert m.expr == expected
    grads = nanograd.grad_expr(m)
    assert set(grads) == set(leaves.values())
    m.backward()
    h = 1e-6
    base = {"a": 3.0, "b": 2.0, "k": 2.0}
    for name, leaf in leaves.items():
        up = dict(base, **{name: base[name] + h})
        down = dict(base, **{name: base[name] - h})
        fd = (_worked_example_m(**up) - _worked_example_m(**down)) / (2 * h)
        value = nanograd.evaluate(grads[leaf], at=m)
        assert close(value, leaf.grad, rel=1e-12)
        assert close(value, fd, rel=1e-6)
        assert close(value, at(sympy.diff(expected, real(name)), {A: 3, B: 2, K: 2}))


def test_worked_example_intermediates_have_adjoints_equal_to_their_grads():
    m = worked_example()
    m.backward()
    for node in topological_order(m):
        expr = nanograd.grad_expr(m, wrt=node)
        assert close(nanograd.evaluate(expr, at=m), node.grad, rel=1e-12), node.label


# -- second derivatives ---------------------------------------------------------------------

HESSIAN_FUNCTIONS = {
    # name: (builder, cheap to simplify symbolically)
    "polynomial": (lambda x, y: x * x * y + 3 * x * y * y - y / 2, True),
    "trig": (lambda x, y: (x * y).sin() + x.cos() * y, True),
    "exp_over": (lambda x, y: (x * y).exp() / (1 + y * y), True),
    "log": (lambda x, y: (x * x + y * y).log(), True),
    "tanh_sigmoid": (lambda x, y: x.tanh() * y.sigmoid(), True),
    "sqrt": (lambda x, y: (x * y + 1).sqrt(), True),
    "power": (lambda x, y: x ** y, True),
    "quotient": (lambda x, y: x / (y - x * 0.5), True),
    "kinks": (lambda x, y: (x * y).relu() * abs(x - y) + x.log10() * y.log2(), False),
}


@pytest.mark.parametrize("name", HESSIAN_FUNCTIONS)
def test_hessian_expr_equals_sympy_hessian(name):
    build, symbolic = HESSIAN_FUNCTIONS[name]
    x = Scalar(1.3, label="x")
    y = Scalar(0.6, label="y")
    out = build(x, y)
    H = nanograd.hessian_expr(out, wrt=[x, y])
    S = sympy.hessian(out.expr, [X, Y])
    assert H.shape == (2, 2)
    for point in ({X: 1.3, Y: 0.6}, {X: 0.7, Y: 2.1}):
        for i in range(2):
            for j in range(2):
                assert close(at(H[i, j], point), at(S[i, j], point), rel=1e-9), (i, j, point)
    assert close(at(H[0, 1], {X: 1.3, Y: 0.6}), at(H[1, 0], {X: 1.3, Y: 0.6}))
    if symbolic:
        assert all(sympy.simplify(H[i, j] - S[i, j]) == 0 for i in range(2) for j in range(2))


def test_hessian_expr_agrees_with_finite_differences_of_the_numeric_gradient():
    def grads(xv, yv):
        x, y = Scalar(xv, label="x"), Scalar(yv, label="y")
        out = (x * y).sin() * x.exp() + y.tanh() * x * x
        out.backward()
        return out, x, y, (x.grad, y.grad)

    out, x, y, _ = grads(0.4, -0.9)
    H = nanograd.hessian_expr(out, wrt=[x, y])
    h = 1e-5
    for j, (dx, dy) in enumerate(((h, 0.0), (0.0, h))):
        up = grads(0.4 + dx, -0.9 + dy)[3]
        down = grads(0.4 - dx, -0.9 - dy)[3]
        for i in range(2):
            fd = (up[i] - down[i]) / (2 * h)
            assert close(nanograd.evaluate(H[i, j], at=out), fd, rel=1e-6, abs_=1e-8), (i, j)


def test_hessian_expr_of_a_leaf_outside_the_graph_or_a_linear_function_is_zero():
    x = Scalar(1.0, label="x")
    y = Scalar(2.0, label="y")
    w = Scalar(3.0, label="w")
    H = nanograd.hessian_expr(3 * x + y / 2, wrt=[x, y, w])
    assert H == sympy.zeros(3, 3)
    H = nanograd.hessian_expr(x * y, wrt=[x, y, w])
    assert H == sympy.Matrix([[0, 1, 0], [1, 0, 0], [0, 0, 0]])


def test_hessian_expr_of_unlabelled_leaves_is_in_their_symbols():
    x = Scalar(0.7)
    y = Scalar(1.3)
    out = (x * y).sin() * x
    H = nanograd.hessian_expr(out, wrt=[x, y])
    sx, = x.expr.free_symbols
    sy, = y.expr.free_symbols
    assert H.free_symbols <= {sx, sy}
    S = sympy.hessian(out.expr, [sx, sy])
    assert all(sympy.simplify(H[i, j] - S[i, j]) == 0 for i in range(2) for j in range(2))
    assert close(nanograd.evaluate(H[0, 0], at=out), at(S[0, 0], {sx: 0.7, sy: 1.3}))


# -- against central finite differences -----------------------------------------------------

def _ns(kind):
    if kind == "math":
        return SimpleNamespace(
            sin=math.sin, cos=math.cos, exp=math.exp, log=math.log, tanh=math.tanh, sqrt=math.sqrt,
            log10=math.log10, sigmoid=lambda v: 1 / (1 + math.exp(-v)), relu=lambda v: max(v, 0.0),
            abs=abs)
    return SimpleNamespace(**{name: (lambda name: lambda v: getattr(v, name)())(name) for name in (
        "sin", "cos", "exp", "log", "tanh", "sqrt", "log10", "sigmoid", "relu", "abs")})


FD_FUNCTIONS = {
    "mlp_like": lambda m, x, y, z: m.tanh(0.5 * x - 1.2 * y + z) * m.sigmoid(x * z) + m.relu(y + 2),
    "mixed": lambda m, x, y, z: m.log(x * x + 1) * m.sin(y) / (2 + m.cos(z)) + m.sqrt(x * x + y * y),
    "powers": lambda m, x, y, z: (x * x + 0.5) ** (y / 3) + z ** 3 / (1 + m.exp(-x)) - m.log10(m.abs(z)),
}


@pytest.mark.parametrize("name", FD_FUNCTIONS)
def test_grad_expr_agrees_with_central_finite_differences(name):
    f = FD_FUNCTIONS[name]
    point = {"x": 0.7, "y": -0.4, "z": 1.6}
    leaves = {n: Scalar(v, label=n) for n, v in point.items()}
    out = f(_ns("scalar"), *leaves.values())
    grads = nanograd.grad_expr(out)
    fm = _ns("math")
    assert close(out.data, f(fm, *point.values()))
    h = 1e-6
    for n, leaf in leaves.items():
        up = dict(point, **{n: point[n] + h})
        down = dict(point, **{n: point[n] - h})
        fd = (f(fm, *up.values()) - f(fm, *down.values())) / (2 * h)
        assert close(nanograd.evaluate(grads[leaf], at=out), fd, rel=1e-6, abs_=1e-8), n


# -- deep graphs ----------------------------------------------------------------------------

def _chain(n: int, x0: float = 0.3):
    x = Scalar(x0, label="x")
    t = x
    for i in range(n):
        t = t.sin() if i % 3 == 0 else (t * 1.001 if i % 3 == 1 else t + 0.1)
    return x, t


def _chain_gradient(n: int, x0: float = 0.3) -> float:
    """d t_n / d x for the chain above, by the chain rule in plain floats."""
    t, d = x0, 1.0
    for i in range(n):
        if i % 3 == 0:
            d *= math.cos(t)
            t = math.sin(t)
        elif i % 3 == 1:
            d *= 1.001
            t *= 1.001
        else:
            t += 0.1
    return d


_FUNCS = {sympy.sin: math.sin, sympy.cos: math.cos}


def iterative_value(expr, values: dict) -> float:
    """The value of a (deep) sympy expression built of + * sin cos and numbers, without
    recursion, so the check does not depend on sympy's recursive printers."""
    done: dict[int, float] = {}
    stack = [(expr, False)]
    while stack:
        e, ready = stack.pop()
        if id(e) in done:
            continue
        if e.is_Symbol:
            done[id(e)] = values[e]
        elif e.is_Number:
            done[id(e)] = float(e)
        elif not ready:
            stack.append((e, True))
            stack.extend((a, False) for a in e.args if id(a) not in done)
        else:
            args = [done[id(a)] for a in e.args]
            if e.is_Add:
                done[id(e)] = math.fsum(args)
            elif e.is_Mul:
                done[id(e)] = math.prod(args)
            elif e.is_Pow:
                done[id(e)] = args[0] ** args[1]
            else:
                done[id(e)] = _FUNCS[e.func](*args)
    return done[id(expr)]


@pytest.mark.parametrize("n, rel", [
    (90, 1e-9),  # within DEEP_GRAPH: closed forms built with sympy's simplification
    (2500, 1e-6),  # far past it: built unevaluated, and no RecursionError anywhere
])
def test_grad_expr_on_a_deep_chain(n, rel):
    x, out = _chain(n)
    g = nanograd.grad_expr(out, wrt=x)
    out.backward()
    reference = _chain_gradient(n)
    assert close(x.grad, reference, rel=1e-9)
    assert close(iterative_value(g, {X: 0.3}), reference, rel=rel)
    assert close(iterative_value(out.expr, {X: 0.3}), out.data, rel=rel)


def test_hessian_expr_refuses_an_intermediate_node_instead_of_answering_zero():
    x = Scalar(1.5, label="x")
    c = x * x
    with pytest.raises(TypeError, match="intermediate node"):
        nanograd.hessian_expr(c ** 2, wrt=[c])


def test_hessian_expr_where_a_first_derivative_is_undefined_at_the_current_values():
    x, y = Scalar(0.0, label="x"), Scalar(2.0, label="y")
    out = x.sqrt() * y  # d/dx = y / (2 sqrt(x)) cannot be evaluated at x = 0
    X, Y = sympy.symbols("x y", real=True)
    H = nanograd.hessian_expr(out, wrt=[x, y])
    assert sympy.simplify(H - sympy.hessian(out.expr, [X, Y])) == sympy.zeros(2, 2)


@pytest.mark.parametrize("at, error", [(-1.0, nanograd.DomainError), (0.0, nanograd.DivisionByZeroError)])
def test_compiled_gradients_raise_nanograd_errors_outside_the_domain(at, error):
    x = Scalar(4.0, label="x")
    f = nanograd.grad_function(x.sqrt(), [x])
    assert f() == [0.25]
    with pytest.raises(error, match=r"sqrt\(x = "):  # nanograd's own error, naming op and node
        f({"x": at})


def test_evaluate_names_a_function_without_a_numeric_form():
    with pytest.raises(nanograd.UnsupportedExpressionError, match="DiracDelta"):
        nanograd.evaluate(sympy.DiracDelta(sympy.Symbol("x")), {"x": 0})


@pytest.mark.parametrize("failure", [ValueError("Exceeds the limit (4300 digits) for integer string "
                                                "conversion"), RecursionError("too deep")])
def test_a_derivative_sympy_cannot_simplify_is_given_as_it_is(monkeypatch, failure):
    # found by the command-line fuzz: sympy.simplify raised Python's integer digit limit on a
    # derivative, and `diff --simplify` crashed; the derivative is still right, unsimplified
    x = Scalar(0.5, label="x")
    out = (x * x).sin() + x
    plain = nanograd.grad_expr(out, wrt=x)
    real_simplify = sympy.simplify

    def simplify(e):
        if e == plain:
            raise failure
        return real_simplify(e)

    monkeypatch.setattr(sympy, "simplify", simplify)
    assert nanograd.grad_expr(out, wrt=[x, x * 2], simplify=True)[0] == plain


def test_evaluate_reads_the_piecewise_forms_simplify_makes():
    # found by the command-line fuzz: simplify turned d/dw cbrt(sinh(w)) into
    # Piecewise((0, Eq(sinh(w), 0)), (..., True)), and evaluate raised AttributeError on it
    x = sympy.Symbol("x", real=True)
    assert nanograd.evaluate(sympy.Piecewise((0, sympy.Eq(x, 0)), (x + 1, True)), {"x": 0.5}) == 1.5
    # only the piece that applies is evaluated: 1/x is not, at 0
    steps = sympy.Piecewise((0, sympy.Eq(x, 0)), (1 / x, x > 0), (-1 / x, sympy.And(x < 0, x > -5)),
                            (7, True))
    assert [nanograd.evaluate(steps, {"x": v}) for v in (0.0, 0.5, -0.5, -8.0)] == [0.0, 2.0, 2.0, 7.0]
    with pytest.raises(nanograd.DomainError, match="no piece"):
        nanograd.evaluate(sympy.Piecewise((1, x > 0)), {"x": -1.0})


def test_hessian_expr_takes_steps_as_flat_where_sympy_diff_would_leave_them_unevaluated():
    # the x1 row cannot be rebuilt at x1 = 0 (1/sqrt(0)), so sympy.diff differentiates it; it
    # leaves d/dx0 sign(u) unevaluated (u holds atanh, not known real): as backprop, it is 0
    import sympy

    from nanograd.symbolic import hessian_expr
    from nanograd.testing import central_difference, value_of

    def build(v0: float, v1: float):
        x0, x1 = Scalar(v0, label="x0"), Scalar(v1, label="x1")
        u = ((x0 - 1.421).atanh() + x0).exp()
        return x0, x1, u.sign() * x0 + x1.sqrt() * x0 * u.abs()

    x0, x1, out = build(0.801, 0.0)
    h = hessian_expr(out, wrt=[x0, x1])
    assert not h.has(sympy.Derivative) and not h.has(sympy.DiracDelta)

    def d_dx1(values):
        a, b, f = build(*values)
        f.backward()
        return b.grad

    at = {x0.expr: 0.801, x1.expr: 1.0}
    assert value_of(h[1, 0], at) == pytest.approx(central_difference(d_dx1, [0.801, 1.0], 0), rel=1e-6)
