"""nanograd.nn.compile_step: a training step compiled once, replayed with backward()'s bits."""
from __future__ import annotations

import random

import pytest

import nanograd
from nanograd import Scalar
from nanograd.losses import bce_with_logits_loss, hinge_loss, l2_penalty
from nanograd.nn import MLP, compile_step
from nanograd.optim import SGD


def setup(seed: int = 0):
    rng = random.Random(seed)
    model = MLP(2, [6, 6, 1], activation="relu", out_activation=None, rng=rng)
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(15)]
    y = [rng.choice([-1, 1]) for _ in X]
    params = model.parameters()

    def loss_fn():
        scores = [model(x) for x in X]
        return hinge_loss(scores, y) + l2_penalty(params, 1e-3), scores

    return model, params, loss_fn


@pytest.mark.parametrize("eager", [False, True])
def test_a_compiled_step_trains_exactly_as_backward_does(eager):
    _, params_a, loss_a = setup()
    _, params_b, loss_b = setup()
    opt_a, opt_b = SGD(params_a, lr=0.3), SGD(params_b, lr=0.3)
    step = compile_step(loss_b, params_b, eager=eager)
    for _ in range(8):
        opt_a.zero_grad()
        loss, scores = loss_a()
        loss.backward()
        opt_b.zero_grad()
        value = step()
        assert value == loss.data and step.values == [s.data for s in scores]
        assert [p.grad for p in params_a] == [p.grad for p in params_b]
        opt_a.step()
        opt_b.step()
    assert (step.compiled is None) == eager
    if not eager:
        assert "def part0(V, G, S):" in step.source


def test_a_loss_that_branches_on_a_value_is_caught():
    w = Scalar(0.5, label="w")

    def loss_fn():
        return w * w if w.data > 0 else w.exp()

    step = compile_step(loss_fn, [w])
    step()
    w.data = -1.0
    with pytest.raises(nanograd.StructureChangedError, match="eager=True"):
        step()


def test_cross_entropy_compiles_on_either_side_of_zero():
    """The loss holds no branch on the logit's sign, so one compiled graph serves both."""
    z = Scalar(2.0, label="z")
    f = nanograd.compile(bce_with_logits_loss(z, 1.0), [z])
    for value in (-3.0, 0.0, 40.0):
        other = Scalar(value)
        loss = bce_with_logits_loss(other, 1.0)
        loss.backward()
        assert f([value]) == (loss.data, [other.grad])


def test_check_every_rebuilds_and_compares():
    w = Scalar(0.5, label="w")
    built = []

    def loss_fn():
        built.append(1)
        return (w * 3).tanh()

    step = compile_step(loss_fn, [w], check_every=3)
    for _ in range(6):
        step()
    assert len(built) == 4  # traced at call 1, checked at calls 2, 3 and 6
    with pytest.raises(ValueError, match="check_every"):
        compile_step(loss_fn, [w], check_every=-1)
