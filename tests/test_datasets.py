"""nanograd.datasets: shapes, labels, geometry, determinism under a seed, and mini-batches."""
from __future__ import annotations

import math
import random
from collections import Counter

import pytest

from nanograd.datasets import make_blobs, make_circles, make_moons, minibatches
from nanograd.nn import Neuron


@pytest.mark.parametrize("make", [make_moons, make_circles, make_blobs])
@pytest.mark.parametrize("n", [1, 7, 100])
def test_shapes_and_plain_lists(make, n):
    X, y = make(n, seed=0)
    assert type(X) is list and type(y) is list
    assert len(X) == len(y) == n
    assert all(type(x) is list and len(x) == 2 and all(type(c) is float for c in x) for x in X)
    assert all(type(label) is int for label in y)


@pytest.mark.parametrize("make", [make_moons, make_circles])
def test_two_class_sets_are_labelled_minus_and_plus_one_in_halves(make):
    _, y = make(101, seed=1)
    assert Counter(y) == {-1: 51, 1: 50}


@pytest.mark.parametrize("make", [make_moons, make_circles, make_blobs])
def test_deterministic_under_a_seed(make):
    assert make(50, seed=42) == make(50, seed=42)
    assert make(50, seed=42) != make(50, seed=43)
    random.seed(0)
    first = make(50)
    random.seed(0)
    assert make(50) != first  # seed=None is fresh data, whatever the global generator's state


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = make_moons(40, noise=0.0, seed=3)
    for (a, b), label in zip(X, y):
        if label == -1:  # upper moon: the unit half circle above the axis
            assert math.hypot(a, b) == pytest.approx(1.0) and b >= -1e-12
        else:  # lower moon: centred at (1, 0.5), below it
            assert math.hypot(a - 1, b - 0.5) == pytest.approx(1.0) and b <= 0.5 + 1e-12
    assert [1.0, 0.0] in X and [-1.0, pytest.approx(0.0)] in X  # the upper moon's ends


def test_noise_spreads_the_points_by_about_its_size():
    X, y = make_moons(2000, noise=0.1, seed=4)
    distances = [math.hypot(a, b) - 1 if label == -1 else math.hypot(a - 1, b - 0.5) - 1
                 for (a, b), label in zip(X, y)]
    spread = math.sqrt(sum(d * d for d in distances) / len(distances))
    assert 0.07 < spread < 0.13


def test_circles_radii():
    X, y = make_circles(60, noise=0.0, factor=0.3, seed=5)
    for x, label in zip(X, y):
        assert math.hypot(*x) == pytest.approx(1.0 if label == -1 else 0.3)


def test_blobs_gather_around_their_centres():
    centres = [[0.0, 0.0], [10.0, -5.0], [-4.0, 8.0]]
    X, y = make_blobs(3000, centers=centres, std=0.5, seed=6)
    assert Counter(y) == {0: 1000, 1: 1000, 2: 1000}
    for k, centre in enumerate(centres):
        points = [x for x, label in zip(X, y) if label == k]
        mean = [sum(c) / len(points) for c in zip(*points)]
        assert mean == pytest.approx(centre, abs=0.05)
    X, y = make_blobs(10, centers=4, n_features=3, box=(0.0, 1.0), std=0.0, seed=7)
    assert set(y) == {0, 1, 2, 3} and all(len(x) == 3 and all(0 <= c <= 1 for c in x) for x in X)


def test_maker_errors():
    with pytest.raises(ValueError, match="n must be a positive int, got 0"):
        make_moons(0)
    with pytest.raises(ValueError, match="noise must be a finite number >= 0, got -0.1"):
        make_circles(10, noise=-0.1)
    with pytest.raises(ValueError, match=r"factor must be in \(0, 1\)"):
        make_circles(10, factor=1.0)
    with pytest.raises(ValueError, match="centers must be points of one dimension"):
        make_blobs(10, centers=[[0.0], [1.0, 2.0]])


def test_minibatches_cover_the_data_once_in_shuffled_batches():
    X = [[float(i)] for i in range(10)]
    y = list(range(10))
    batches = list(minibatches(X, y, 4, rng=random.Random(0)))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    seen = [label for _, labels in batches for label in labels]
    assert sorted(seen) == y and seen != y
    for xs, labels in batches:  # the pairs stay together
        assert [x[0] for x in xs] == [float(label) for label in labels]
    again = list(minibatches(X, y, 4, rng=random.Random(0)))
    assert again == batches
    assert list(minibatches(X, y, 4, shuffle=False)) == [
        (X[:4], y[:4]), (X[4:8], y[4:8]), (X[8:], y[8:])]


def test_minibatch_errors():
    with pytest.raises(ValueError, match="3 inputs but 2 labels"):
        minibatches([[1.0]] * 3, [1, 2], 2)
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 0"):
        minibatches([[1.0]], [1], 0)
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 2.0"):
        minibatches([[1.0]], [1], 2.0)


def test_one_positive_int_check_for_sizes_and_counts():
    """nn's counts and the data sets' sizes share one check: bools and whole floats are refused."""
    with pytest.raises(ValueError, match="Neuron: nin must be a positive int, got True"):
        Neuron(True)
    with pytest.raises(ValueError, match="make_moons: n must be a positive int, got 10.0"):
        make_moons(10.0)
