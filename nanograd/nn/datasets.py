"""Toy data sets in plain lists, and shuffled mini-batches over any data set.

Each maker returns `(X, y)`: X a list of points (lists of floats), y a list of int labels,
shuffled. The two-class sets (moons, circles) are labelled -1 and +1, as micrograd's demo wants
them for the hinge loss (for cross-entropy, `[(t + 1) // 2 for t in y]` makes them 0 and 1);
blobs are labelled by blob, 0 to k - 1. The same `seed` gives the same data; `seed=None`
draws fresh data each call. No scikit-learn or numpy needed.
"""
from __future__ import annotations

import math
import random
from typing import Iterator, Sequence, TypeVar, Union

Point = list[float]
Data = tuple[list[Point], list[int]]
T = TypeVar("T")
L = TypeVar("L")


def make_moons(n: int = 100, noise: float = 0.1, seed: int | None = None) -> Data:
    """Two interleaving half circles: the upper labelled -1, the lower (shifted) +1."""
    _check_size(n, "noise", noise, "make_moons")
    rng = random.Random(seed)
    upper, lower = n - n // 2, n // 2
    points = [([math.cos(t), math.sin(t)], -1) for t in _angles(upper, math.pi, True)]
    points += [([1.0 - math.cos(t), 0.5 - math.sin(t)], 1) for t in _angles(lower, math.pi, True)]
    return _noisy_shuffled(points, noise, rng)


def make_circles(n: int = 100, noise: float = 0.05, factor: float = 0.5,
                 seed: int | None = None) -> Data:
    """A circle of radius 1 (labelled -1) around one of radius `factor` (labelled +1)."""
    _check_size(n, "noise", noise, "make_circles")
    if not 0.0 < factor < 1.0:
        raise ValueError(f"make_circles: factor must be in (0, 1), got {factor!r}")
    rng = random.Random(seed)
    outer, inner = n - n // 2, n // 2
    points = [([math.cos(t), math.sin(t)], -1) for t in _angles(outer, 2 * math.pi, False)]
    points += [([factor * math.cos(t), factor * math.sin(t)], 1)
               for t in _angles(inner, 2 * math.pi, False)]
    return _noisy_shuffled(points, noise, rng)


def make_blobs(n: int = 100, centers: Union[int, Sequence[Sequence[float]]] = 3,
               n_features: int = 2, std: float = 1.0, box: tuple[float, float] = (-10.0, 10.0),
               seed: int | None = None) -> Data:
    """Gaussian blobs of standard deviation `std`, as equal in size as `n` allows.

    `centers` is a number of blobs, placed uniformly at random in `box` in every coordinate,
    or their coordinates (then `n_features` is their length).
    """
    _check_size(n, "std", std, "make_blobs")
    rng = random.Random(seed)
    if isinstance(centers, int):
        if centers < 1:
            raise ValueError(f"make_blobs: centers must be at least 1, got {centers}")
        check_count(n_features, "n_features", "make_blobs")
        if len(box) != 2 or not -math.inf < box[0] <= box[1] < math.inf:
            raise ValueError(f"make_blobs: box must be a finite interval (low, high), got {box!r}")
        where = [[rng.uniform(*box) for _ in range(n_features)] for _ in range(centers)]
    else:
        where = [[float(c) for c in center] for center in centers]
        if not where or len({len(c) for c in where}) != 1 or not where[0]:
            raise ValueError(f"make_blobs: centers must be points of one dimension, got {centers!r}")
        if not all(-math.inf < c < math.inf for center in where for c in center):
            raise ValueError(f"make_blobs: centers must be finite numbers, got {centers!r}")
    points = [(list(where[i % len(where)]), i % len(where)) for i in range(n)]
    return _noisy_shuffled(points, std, rng)


def minibatches(X: Sequence[T], y: Sequence[L], batch_size: int, *, shuffle: bool = True,
                rng: random.Random | None = None) -> Iterator[tuple[list[T], list[L]]]:
    """(X batch, y batch) pairs covering the data once: one epoch; the last batch may be short.

    Shuffled afresh each call by `rng` (default: the `random` module, so `random.seed` fixes it).
    """
    if len(X) != len(y):
        raise ValueError(f"minibatches: {len(X)} inputs but {len(y)} labels")
    check_count(batch_size, "batch_size", "minibatches")
    order = list(range(len(X)))
    if shuffle:
        (rng or random).shuffle(order)
    chunks = [order[start:start + batch_size] for start in range(0, len(order), batch_size)]
    # A generator expression rather than a generator function: bad arguments fail at the call.
    return (([X[i] for i in chunk], [y[i] for i in chunk]) for chunk in chunks)


def _angles(count: int, span: float, endpoint: bool) -> list[float]:
    """`count` evenly spaced angles from 0 over `span`, including its end if `endpoint`."""
    steps = count - 1 if endpoint else count
    return [span * i / steps if steps else 0.0 for i in range(count)]


def _noisy_shuffled(points: list[tuple[Point, int]], noise: float, rng: random.Random) -> Data:
    rng.shuffle(points)
    X = [[c + rng.gauss(0.0, noise) if noise else c for c in x] for x, _ in points]
    return X, [label for _, label in points]


def _check_size(n: int, name: str, spread: float, where: str) -> None:
    check_count(n, "n", where)
    if not 0.0 <= spread < math.inf:
        raise ValueError(f"{where}: {name} must be a finite number >= 0, got {spread!r}")


def check_count(n: object, name: str, where: str) -> None:
    """Sizes and counts here and in nanograd.nn's modules: a bool, or a float such as 2.0, is
    refused too."""
    if type(n) is not int or n < 1:
        raise ValueError(f"{where}: {name} must be a positive int, got {n!r}")
