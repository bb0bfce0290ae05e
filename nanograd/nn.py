"""Neurons, layers and multi-layer perceptrons of Scalars, as in the first seed."""
from __future__ import annotations

import random
from typing import Sequence, Union

from .scalar import Scalar

Input = Union[float, Scalar]


class Neuron:
    """tanh(w . x + b), with weights drawn uniformly from [-1, 1] and the bias starting at 0."""

    def __init__(self, nin: int) -> None:
        self.weights = [Scalar(random.uniform(-1, 1)) for _ in range(nin)]
        self.bias = Scalar(0.0)

    def __call__(self, x: Sequence[Input]) -> Scalar:
        return sum((w * xi for w, xi in zip(self.weights, x)), self.bias).tanh()

    def params(self) -> list[Scalar]:
        return self.weights + [self.bias]

    parameters = params


class Layer:
    """`n` neurons on the same inputs; a layer of one neuron returns a Scalar, not a list."""

    def __init__(self, nin: int, n: int) -> None:
        self.neurons = [Neuron(nin) for _ in range(n)]

    def __call__(self, x: Sequence[Input]) -> Union[Scalar, list[Scalar]]:
        out = [neuron(x) for neuron in self.neurons]
        return out[0] if len(out) == 1 else out

    def params(self) -> list[Scalar]:
        return [p for neuron in self.neurons for p in neuron.params()]

    parameters = params


class MLP:
    """Layers of the sizes `nouts` after `nin` inputs."""

    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        sizes = [nin, *nouts]
        self.layers = [Layer(sizes[i], sizes[i + 1]) for i in range(len(nouts))]

    def __call__(self, x: Sequence[Input]) -> Union[Scalar, list[Scalar]]:
        for layer in self.layers:
            x = layer(x)
        return x

    def params(self) -> list[Scalar]:
        return [p for layer in self.layers for p in layer.params()]

    parameters = params
