"""nanograd.nn and nanograd.losses: modules, labelled parameters, activations, and the losses.

Oracles: plain-float reimplementations, central finite differences, sympy.diff, and micrograd and
PyTorch where installed.
"""
from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest

from nanograd import DomainError, NonFiniteError, Scalar, topological_order
from nanograd.losses import MSELoss, bce_with_logits_loss, hinge_loss, l2_penalty, mse_loss
from nanograd.nn import MLP, Layer, Module, Neuron

FLOAT_ACTIVATIONS = {
    "tanh": math.tanh,
    "relu": lambda v: max(v, 0.0),
    "sigmoid": lambda v: 1.0 / (1.0 + math.exp(-v)),
    None: lambda v: v,
}


def central_difference(f, p: Scalar, h: float = 1e-6) -> float:
    original = p.data
    p.data = original + h
    up = f()
    p.data = original - h
    down = f()
    p.data = original
    return (up - down) / (2 * h)


def float_mlp(weights: list[list[tuple[list[float], float]]], activations, x: list[float]):
    """The network in plain floats: weights[layer][neuron] = (w, b)."""
    for layer, act in zip(weights, activations):
        x = [FLOAT_ACTIVATIONS[act](sum((wi * xi for wi, xi in zip(w, x)), b)) for w, b in layer]
    return x


def weights_of(model: MLP) -> list[list[tuple[list[float], float]]]:
    return [[([w.data for w in n.weights], n.bias.data) for n in layer.neurons]
            for layer in model.layers]


# -- structure ---------------------------------------------------------------------------------

@pytest.mark.parametrize("nin, nouts, count", [
    (3, [4, 4, 1], 4 * 4 + 4 * 5 + 5),
    (2, [16, 16, 1], 16 * 3 + 16 * 17 + 17),
    (1, [1], 2),
    (2, [1, 3], 3 + 3 * 2),
])
def test_parameter_counts_and_output_shapes(nin, nouts, count):
    model = MLP(nin, nouts)
    params = model.parameters()
    assert len(params) == count
    assert len({id(p) for p in params}) == count
    assert model.params() == params  # the earlier pure-Python nanograd's name
    out = model([0.5] * nin)
    if nouts[-1] == 1:
        assert isinstance(out, Scalar)
    else:
        assert isinstance(out, list) and len(out) == nouts[-1]


def test_layer_outputs_is_always_a_list():
    layer = Layer(2, 1)
    assert isinstance(layer([1.0, 2.0]), Scalar)
    assert [o.data for o in layer.outputs([1.0, 2.0])] == [layer([1.0, 2.0]).data]


def test_named_parameters_are_positions_and_labels():
    model = MLP(2, [3, 1])
    names = [name for name, _ in model.named_parameters()]
    assert names[:4] == ["L0.N0.w0", "L0.N0.w1", "L0.N0.b", "L0.N1.w0"]
    assert names[-4:] == ["L1.N0.w0", "L1.N0.w1", "L1.N0.w2", "L1.N0.b"]
    assert [p.label for p in model.parameters()] == names
    assert model.layers[1].neurons[0].weights[2].label == "L1.N0.w2"
    assert model.layers[0].neurons[2].bias.label == "L0.N2.b"
    assert [n for n, _ in Layer(2, 2).named_parameters()] == ["N0.w0", "N0.w1", "N0.b",
                                                               "N1.w0", "N1.w1", "N1.b"]
    assert [p.label for p in Neuron(2).parameters()] == ["w0", "w1", "b"]


def test_parameters_are_named_parameters_without_the_names():
    """Each module lists its parameters without building names; the order must stay the same."""
    for module in (MLP(2, [3, 4, 1]), Layer(3, 2), Neuron(4)):
        params = module.parameters()
        assert len(params) == len(module.named_parameters())
        assert params == [p for _, p in module.named_parameters()]  # Scalars compare by identity


def test_a_layer_on_unusual_inputs_goes_the_plain_way_for_every_neuron():
    layer = Layer(2, 3, rng=random.Random(0))
    x = [Fraction(1, 2), Scalar(-1.5)]
    assert [out.data for out in layer(x)] == [neuron(x).data for neuron in layer.neurons]


def test_micrograd_and_second_seed_attribute_names():
    neuron = Neuron(3)
    assert neuron.w is neuron.weights and neuron.b is neuron.bias


def test_a_module_without_parameters_and_zero_grad():
    assert Module().parameters() == []
    model = MLP(2, [3, 1])
    sum(model(x) for x in ([1.0, 2.0], [-1.0, 0.5])).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_reprs():
    assert repr(Neuron(3, "relu")) == "Neuron(3, activation='relu')"
    assert repr(Layer(3, 2, None)) == "Layer(3, 2, activation=None)"
    assert repr(MLP(2, [16, 16, 1], activation="relu", out_activation=None)) == \
        "MLP(2, [16, 16, 1], activation='relu', out_activation=None)"


# -- forward values and gradients ----------------------------------------------------------------

@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", None])
@pytest.mark.parametrize("out_activation", ["tanh", None])
def test_forward_matches_plain_floats(activation, out_activation):
    model = MLP(3, [4, 3, 2], activation=activation, out_activation=out_activation,
                rng=random.Random(4))
    x = [0.3, -1.2, 2.0]
    expected = float_mlp(weights_of(model), [activation, activation, out_activation], x)
    assert [o.data for o in model(x)] == pytest.approx(expected, rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", None])
def test_gradients_match_finite_differences(activation):
    model = MLP(2, [4, 1], activation=activation, out_activation=activation, rng=random.Random(8))
    xs, ys = [[0.7, -1.2], [-0.4, 0.9], [1.5, 0.2]], [0.5, -0.3, 0.8]

    def loss_value() -> float:
        return sum((model(x).data - y) ** 2 for x, y in zip(xs, ys))

    model.zero_grad()
    sum((model(x) - y) ** 2 for x, y in zip(xs, ys)).backward()
    for p in model.parameters():
        assert p.grad == pytest.approx(central_difference(loss_value, p), rel=1e-5, abs=1e-8), p.label


def test_default_network_is_the_first_seeds():
    """tanh everywhere and weights drawn by random.uniform(-1, 1) in that project's order."""
    random.seed(21)
    model = MLP(3, [4, 4, 1])
    random.seed(21)
    drawn = [[([random.uniform(-1, 1) for _ in range(nin)], 0.0) for _ in range(nout)]
             for nin, nout in ((3, 4), (4, 4), (4, 1))]
    assert weights_of(model) == drawn
    x = [1, 2, 3]
    assert model(x).data == float_mlp(drawn, ["tanh"] * 3, x)[0]


def test_fused_neuron_builds_the_graph_that_sum_builds():
    """The neuron's forward makes the nodes of sum(w * x, b): same ops, values, operands, grads."""
    neuron = Neuron(4, rng=random.Random(2))
    x = [0.5, Scalar(-1.5, label="x1"), 2, -0.25]
    fused = neuron(x)
    plain = sum((w * xi for w, xi in zip(neuron.weights, x)), neuron.bias).tanh()

    def shape(out):
        def operand(v):
            return ("node", id(v)) if isinstance(v, Scalar) and v.is_leaf else \
                ("const", type(v), v) if not isinstance(v, Scalar) else ("inner",)
        return [(n.op and n.op.name, n.data, [operand(i) for i in n.inputs])
                for n in topological_order(out)]

    assert shape(fused) == shape(plain)
    fused.backward()
    grads = [p.grad for p in neuron.parameters()] + [x[1].grad]
    neuron.zero_grad()
    x[1].grad = 0.0
    plain.backward()
    assert grads == [p.grad for p in neuron.parameters()] + [x[1].grad]


def test_unusual_inputs_take_the_plain_path_and_agree():
    neuron = Neuron(2, activation=None, rng=random.Random(3))
    w0, w1 = (w.data for w in neuron.weights)
    out = neuron([Fraction(1, 2), True])
    assert out.data == pytest.approx(w0 * 0.5 + w1 * 1.0, rel=1e-15)
    assert neuron(iter([1.0, 2.0])).data == pytest.approx(w0 + 2 * w1, rel=1e-15)


def test_scalar_inputs_get_gradients():
    model = MLP(2, [3, 1], rng=random.Random(6))
    a, b = Scalar(0.3, label="a"), Scalar(-0.4, label="b")
    out = model([a, b])
    assert out.data == model([0.3, -0.4]).data
    out.backward()
    fd = (model([0.3 + 1e-6, -0.4]).data - model([0.3 - 1e-6, -0.4]).data) / 2e-6
    assert a.grad == pytest.approx(fd, rel=1e-5)


def test_matches_micrograd_with_the_same_weights():
    mg = pytest.importorskip("micrograd.nn")
    ours = MLP(2, [16, 16, 1], activation="relu", out_activation=None, rng=random.Random(0))
    theirs = mg.MLP(2, [16, 16, 1])
    for mine, other in zip(ours.parameters(), theirs.parameters(), strict=True):
        other.data = mine.data
    xs = [[0.5, -0.2], [1.5, 0.3], [-0.7, 0.9]]
    sum(ours(x) * ours(x) for x in xs).backward()
    theirs_out = sum(theirs(x) * theirs(x) for x in xs)
    theirs_out.backward()
    assert [p.grad for p in ours.parameters()] == \
        pytest.approx([p.grad for p in theirs.parameters()], rel=1e-12, abs=1e-15)


# -- initialisation ------------------------------------------------------------------------------

def test_weights_are_seedable_both_ways():
    def weights(**kwargs):
        return [p.data for p in MLP(2, [3, 1], **kwargs).parameters()]

    assert weights(rng=random.Random(5)) == weights(rng=random.Random(5))
    assert weights(rng=random.Random(5)) != weights(rng=random.Random(6))
    random.seed(9)
    first = weights()
    random.seed(9)
    assert weights() == first
    random.seed(9)
    weights(rng=random.Random(1))  # a private generator leaves the global one alone
    assert random.random() == random.Random(9).random()
    assert all(-1.0 <= w <= 1.0 for w in first)


# -- closed forms ------------------------------------------------------------------------------

def test_closed_forms_are_in_the_parameters_names():
    sympy = pytest.importorskip("sympy")
    from nanograd import grad_expr

    model = MLP(2, [2, 1], rng=random.Random(12))
    params = model.parameters()
    loss = (model([0.5, -1.0]) - 0.25) ** 2
    loss.backward()
    names = {p.label for p in params}
    expr = grad_expr(loss, wrt=params[0])
    assert {s.name for s in expr.free_symbols} <= names
    assert params[0].label in {s.name for s in loss.expr.free_symbols}
    at = {sympy.Symbol(p.label, real=True): p.data for p in params}
    reference = sympy.diff(loss.expr, sympy.Symbol("L0.N0.w0", real=True))
    assert float(expr.subs(at)) == pytest.approx(float(reference.subs(at)), rel=1e-12)
    assert float(expr.subs(at)) == pytest.approx(params[0].grad, rel=1e-12)


# -- errors ------------------------------------------------------------------------------------

def test_errors_name_what_went_wrong():
    model = MLP(2, [3, 1])
    with pytest.raises(ValueError, match=r"'L0\.N0\.b' takes 2 inputs, got 3"):
        model([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        MLP(2, [3, 1], activation="gelu")
    with pytest.raises(ValueError, match="nout must be a positive int, got 0"):
        Layer(2, 0)
    with pytest.raises(TypeError, match=r"rng must be a random\.Random"):
        MLP(2, [3, 1], rng=7)
    with pytest.raises(ValueError, match="nouts is empty"):
        MLP(2, [])
    neuron = Neuron(1, rng=random.Random(0))
    neuron.weights[0].data = 1e200
    with pytest.raises(NonFiniteError, match=r"mul\(w0 = 1e\+200, 1e\+200\)"):
        neuron([1e200])
    with pytest.raises(DomainError, match="mul"):
        neuron([math.inf])


# -- losses ------------------------------------------------------------------------------------

def scalars(values):
    return [Scalar(v, label=f"p{i}") for i, v in enumerate(values)]


def test_mse_mean_sum_and_the_second_seeds_shape():
    pred, real = [0.5, -1.0, 2.0], [1.0, -1.5, 0.0]
    squares = [(p - t) ** 2 for p, t in zip(pred, real)]
    assert mse_loss(scalars(pred), real).data == pytest.approx(sum(squares) / 3, rel=1e-15)
    assert mse_loss(scalars(pred), real, reduction="sum").data == pytest.approx(sum(squares))
    assert MSELoss()(pred=scalars(pred), real=real).data == pytest.approx(sum(squares) / 3)
    single = Scalar(0.5)
    assert MSELoss()(pred=single, real=2.0).data == 2.25
    params = scalars(pred)
    mse_loss(params, real).backward()
    assert [p.grad for p in params] == pytest.approx([2 * (p - t) / 3 for p, t in zip(pred, real)])


def test_hinge_matches_micrograds_formula_and_its_gradient():
    scores, labels = [0.3, -2.0, 1.5, -0.2], [1, -1, -1, 1]
    expected = sum(max(0.0, 1 - y * s) for s, y in zip(scores, labels)) / 4
    params = scalars(scores)
    loss = hinge_loss(params, labels)
    assert loss.data == pytest.approx(expected, rel=1e-15)
    loss.backward()
    assert [p.grad for p in params] == [-y / 4 if 1 - y * s > 0 else 0.0
                                        for s, y in zip(scores, labels)]


def test_l2_penalty():
    params = scalars([0.5, -2.0, 3.0])
    loss = l2_penalty(params, 1e-2)
    assert loss.data == pytest.approx(1e-2 * (0.25 + 4 + 9), rel=1e-15)
    loss.backward()
    assert [p.grad for p in params] == pytest.approx([2e-2 * 0.5, 2e-2 * -2.0, 2e-2 * 3.0])


def float_bce(z: float, y: float) -> float:
    """Binary cross-entropy from a logit, in floats: max(z, 0) - z y + log1p(exp(-|z|))."""
    return max(z, 0.0) - z * y + math.log1p(math.exp(-abs(z)))


def float_sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


LOGITS = [-1e4, -800.0, -40.0, -3.0, -1e-9, 0.0, 1e-9, 0.7, 36.0, 800.0, 1e4]


@pytest.mark.parametrize("y", [0, 1, 0.25])
def test_bce_is_stable_at_large_logits_and_matches_floats(y):
    for z in LOGITS:
        logit = Scalar(z, label="z")
        loss = bce_with_logits_loss(logit, y)  # exp(1e4) would overflow: it is never formed
        assert loss.data == pytest.approx(float_bce(z, y), rel=1e-12, abs=1e-15), z
        loss.backward()
        assert logit.grad == pytest.approx(float_sigmoid(z) - y, rel=1e-12, abs=1e-15), z


def test_bce_slope_at_zero_is_a_half_minus_the_label():
    """A relu/abs formulation gets -y here: both kinks' one-sided slopes are taken as 0."""
    for y in (0, 1):
        z = Scalar(0.0)
        bce_with_logits_loss(z, y).backward()
        assert z.grad == 0.5 - y


def test_bce_matches_torch():
    torch = pytest.importorskip("torch")
    targets = [0.0, 1.0, 1.0, 0.0, 0.5, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]
    params = scalars(LOGITS)
    loss = bce_with_logits_loss(params, targets)
    loss.backward()
    z = torch.tensor(LOGITS, dtype=torch.float64, requires_grad=True)
    reference = torch.nn.functional.binary_cross_entropy_with_logits(
        z, torch.tensor(targets, dtype=torch.float64))
    reference.backward()
    assert loss.data == pytest.approx(reference.item(), rel=1e-12)
    assert [p.grad for p in params] == pytest.approx(z.grad.tolist(), rel=1e-12, abs=1e-16)


def test_bce_closed_form_derivative_is_sigmoid_minus_label():
    sympy = pytest.importorskip("sympy")
    from nanograd import grad_expr

    s = sympy.Symbol("z", real=True)
    for value, side in ((-2.0, sympy.Q.negative(s)), (3.0, sympy.Q.positive(s))):
        z = Scalar(value, label="z")
        d = grad_expr(bce_with_logits_loss(z, 1), wrt=z)  # one form for both sides: |z| in it
        assert sympy.simplify(sympy.refine(d, side) - (1 / (1 + sympy.exp(-s)) - 1)) == 0


def test_losses_sum_from_their_first_term_not_from_0():
    """sum(terms) would start at int 0 and add a node 0 + t to every loss graph."""
    def adds_to_zero(loss):
        return [node for node in topological_order(loss) if node.op is not None
                and node.op.name == "add" and any(type(i) in (int, float) and i == 0
                                                  for i in node.inputs)]

    params = scalars([0.5, -1.0, 2.0])
    for reduction in ("mean", "sum"):
        for loss in (mse_loss(params, [1.0, 0.5, 2.5], reduction),
                     hinge_loss(params, [1, -1, 1], reduction),
                     bce_with_logits_loss(params, [1.0, 0.0, 1.0], reduction)):
            assert adds_to_zero(loss) == []
    penalty = l2_penalty(params, 0.1)
    assert adds_to_zero(penalty) == []
    assert penalty.data == 0.1 * (0.25 + 1.0 + 4.0)
    assert mse_loss(params, [1.0, 0.5, 2.5], "sum").data == 0.25 + 2.25 + 0.25


def test_loss_errors():
    with pytest.raises(ValueError, match="2 predictions but 3 targets"):
        mse_loss(scalars([1, 2]), [1, 2, 3])
    with pytest.raises(ValueError, match="no predictions"):
        hinge_loss([], [])
    with pytest.raises(TypeError, match="predictions must be Scalars"):
        mse_loss([1.0], [2.0])
    with pytest.raises(ValueError, match="label 0 is neither -1 nor"):
        hinge_loss(scalars([0.5]), [0])
    with pytest.raises(ValueError, match=r"target -1 is outside \[0, 1\]"):
        bce_with_logits_loss(scalars([0.5]), [-1])
    with pytest.raises(ValueError, match="reduction must be"):
        MSELoss(reduction="max")
    with pytest.raises(ValueError, match="no parameters"):
        l2_penalty([], 0.1)
