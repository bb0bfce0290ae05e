"""Arguments of the data makers and optimizers that used to pass silently or crash far away."""
from __future__ import annotations

import math

import pytest

from nanograd import Scalar
from nanograd.nn.datasets import make_blobs
from nanograd.nn.optim import SGD, Adam


@pytest.mark.parametrize("n_features", [0, -1, 2.0, True])
def test_make_blobs_refuses_a_dimension_that_is_not_a_positive_int(n_features):
    with pytest.raises(ValueError, match="n_features"):
        make_blobs(10, n_features=n_features, seed=0)


@pytest.mark.parametrize("box", [(-math.inf, 1.0), (0.0, math.nan), (1.0, -1.0), (0.0,)])
def test_make_blobs_refuses_a_box_that_is_not_a_finite_interval(box):
    with pytest.raises(ValueError, match="box"):
        make_blobs(10, box=box, seed=0)


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_make_blobs_refuses_centers_that_are_not_finite(bad):
    with pytest.raises(ValueError, match="centers"):
        make_blobs(10, centers=[[0.0, 1.0], [bad, 2.0]], seed=0)


def test_make_blobs_still_places_blobs_in_the_box():
    X, y = make_blobs(30, centers=3, n_features=4, std=0.0, box=(2.0, 3.0), seed=1)
    assert all(len(x) == 4 and all(2.0 <= c <= 3.0 for c in x) for x in X)
    assert sorted(set(y)) == [0, 1, 2]


@pytest.mark.parametrize("betas", [(0.9,), (0.9, 0.99, 0.5), (), 0.9])
def test_adam_wants_exactly_two_betas(betas):
    with pytest.raises(ValueError, match="betas"):
        Adam([Scalar(1.0)], betas=betas)


@pytest.mark.parametrize("lr", [10 ** 400, -(10 ** 400)])
def test_a_learning_rate_too_large_for_a_float_is_our_error(lr):
    with pytest.raises(ValueError, match="lr"):
        SGD([Scalar(1.0)], lr=lr)


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: Adam(ps, lr=0.1)], ids=["SGD", "Adam"])
def test_parameters_cannot_be_added_behind_the_optimizers_back(make):
    p, q = Scalar(1.0), Scalar(2.0)
    optimizer = make([p])
    with pytest.raises((AttributeError, TypeError)):
        optimizer.params.append(q)  # state is kept per parameter: a tuple cannot grow
    p.grad = 1.0
    optimizer.step()
    assert p.data < 1.0 and q.data == 2.0


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: Adam(ps, lr=0.1)], ids=["SGD", "Adam"])
def test_parameters_added_with_add_parameters_are_stepped(make):
    p, q = Scalar(1.0), Scalar(2.0)
    optimizer = make([p])
    p.grad = 1.0
    optimizer.step()
    optimizer.add_parameters([q])
    p.grad = q.grad = 1.0
    optimizer.step()
    assert q.data < 2.0 and len(optimizer.params) == 2
    with pytest.raises(ValueError, match="twice"):
        optimizer.add_parameters([p])
