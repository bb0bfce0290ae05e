"""Neurons, layers and multi-layer perceptrons of Scalars, with micrograd's interface.

Every parameter is labelled by its position, 0-based, so closed forms read in those names:
`L1.N0.w2` is `model.layers[1].neurons[0].weights[2]` and `L1.N0.b` that neuron's bias. A
standalone layer labels its parameters `N0.w2`, a standalone neuron `w2` and `b`.
"""
from __future__ import annotations

import math
import random
from typing import Callable, Optional, Sequence, Union

from ..core.node import PositionLabel
from ..core.ops import OPS, REAL
from ..core.scalar import Scalar, make_node
from .datasets import check_count

Input = Union[float, Scalar]
Activation = Optional[str]

# The activations are the table's own ops, applied through their Scalar methods.
_ACTIVATIONS: dict[Activation, Optional[Callable[[Scalar], Scalar]]] = {
    name: getattr(Scalar, name) for name in ("tanh", "relu", "sigmoid")}
_ACTIVATIONS[None] = None
_MUL, _ADD = OPS["mul"], OPS["add"]


class Module:
    """Something with parameters: subclasses say which, by name, in `named_parameters`."""

    def named_parameters(self) -> list[tuple[str, Scalar]]:
        """(position name, parameter) pairs, in a fixed order; a module without any has none."""
        return []

    def parameters(self) -> list[Scalar]:
        """The parameters in `named_parameters` order; the built-in modules skip making names,
        since this runs every training step."""
        return [p for _, p in self.named_parameters()]

    def params(self) -> list[Scalar]:
        """`parameters()` under the earlier pure-Python nanograd's name."""
        return self.parameters()

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0: leaf gradients accumulate across backward calls."""
        for p in self.parameters():
            p.grad = 0.0

    def _label_parameters(self) -> None:
        # Each constructor calls this last, so the outermost module's names are the ones kept.
        for name, p in self.named_parameters():
            p.label = PositionLabel(name)


class Neuron(Module):
    """activation(w . x + b); weights drawn uniformly from [-1, 1], the bias starting at 0.

    The defaults are the earlier pure-Python nanograd's neuron: tanh, and weights drawn from the
    `random` module (so `random.seed` fixes them); pass `rng=random.Random(seed)` to draw from a generator of
    your own instead.
    """

    def __init__(self, nin: int, activation: Activation = "tanh", *,
                 rng: random.Random | None = None) -> None:
        check_count(nin, "nin", "Neuron")
        self.activation = _check_activation(activation)
        self._activate = _ACTIVATIONS[activation]
        if rng is not None and not isinstance(rng, random.Random):
            raise TypeError(f"rng must be a random.Random, such as random.Random(0); got {rng!r}")
        uniform = (rng or random).uniform
        self.weights = [Scalar(uniform(-1, 1)) for _ in range(nin)]
        self.bias = Scalar(0.0)
        self._label_parameters()

    @property
    def w(self) -> list[Scalar]:
        """`weights` under micrograd's name (and the earlier PyTorch-style nanograd's)."""
        return self.weights

    @property
    def b(self) -> Scalar:
        """`bias` under micrograd's name (and the earlier PyTorch-style nanograd's)."""
        return self.bias

    def __call__(self, x: Sequence[Input]) -> Scalar:
        x = self._checked(x)
        return self._output(x, _values(x))

    def _checked(self, x: Sequence[Input]) -> Sequence[Input]:
        """x as a list or tuple of this neuron's length (a layer checks once for all its neurons)."""
        if not isinstance(x, (list, tuple)):
            x = list(x)
        if len(x) != len(self.weights):
            raise ValueError(f"the neuron with bias {self.bias.label!r} takes {len(self.weights)} "
                             f"inputs, got {len(x)}: {x!r}")
        return x

    def _output(self, x: Sequence[Input], values: Optional[list[float]]) -> Scalar:
        act = self._affine(x, values)
        return act if self._activate is None else self._activate(act)

    def _affine(self, x: Sequence[Input], values: Optional[list[float]]) -> Scalar:
        """b + w0*x0 + w1*x1 + ...: the graph `sum(w * x, b)` builds, built without its overhead.

        The nodes are the table's mul and add, valued by the table's forwards, in the order
        `sum` adds them, so values, gradients and closed forms are the same to the last bit.
        Anything unusual (inputs other than Scalars, ints and floats, so no `values`; a result
        that is not finite) goes the plain way, through the operators, which also raise errors
        that name the op.
        """
        if values is None:
            return self._plain_affine(x)
        mul, add = _MUL.forward, _ADD.forward
        total = self.bias
        value = total.data
        try:
            for w, xi, xv in zip(self.weights, x, values):
                product = mul(REAL, w.data, xv)
                value = add(REAL, value, product)
                total = make_node(value, _ADD, total, make_node(product, _MUL, w, xi))
        except ArithmeticError:  # an int too large for a float, say
            return self._plain_affine(x)
        if not -math.inf < value < math.inf:  # a nan or inf anywhere in the sum ends up here
            return self._plain_affine(x)
        return total

    def _plain_affine(self, x: Sequence[Input]) -> Scalar:
        return sum((w * xi for w, xi in zip(self.weights, x)), self.bias)

    def parameters(self) -> list[Scalar]:
        return [*self.weights, self.bias]

    def named_parameters(self) -> list[tuple[str, Scalar]]:
        return [(f"w{i}", w) for i, w in enumerate(self.weights)] + [("b", self.bias)]

    def __repr__(self) -> str:
        return f"Neuron({len(self.weights)}, activation={self.activation!r})"


class Layer(Module):
    """`nout` neurons on the same inputs; a layer of one neuron returns a Scalar, not a list."""

    def __init__(self, nin: int, nout: int, activation: Activation = "tanh", *,
                 rng: random.Random | None = None) -> None:
        check_count(nout, "nout", "Layer")
        self.neurons = [Neuron(nin, activation, rng=rng) for _ in range(nout)]
        self._label_parameters()

    def __call__(self, x: Sequence[Input]) -> Union[Scalar, list[Scalar]]:
        out = self.outputs(x)
        return out[0] if len(out) == 1 else out

    def outputs(self, x: Sequence[Input]) -> list[Scalar]:
        """The neurons' outputs as a list, even for one neuron (what the next layer takes)."""
        x = self.neurons[0]._checked(x)
        values = _values(x)
        return [neuron._output(x, values) for neuron in self.neurons]

    def parameters(self) -> list[Scalar]:
        return [p for neuron in self.neurons for p in neuron.parameters()]

    def named_parameters(self) -> list[tuple[str, Scalar]]:
        return [(f"N{j}.{name}", p) for j, neuron in enumerate(self.neurons)
                for name, p in neuron.named_parameters()]

    def __repr__(self) -> str:
        neuron = self.neurons[0]
        return f"Layer({len(neuron.weights)}, {len(self.neurons)}, activation={neuron.activation!r})"


class MLP(Module):
    """Layers of the sizes `nouts` after `nin` inputs: `activation` on the hidden layers,
    `out_activation` on the last.

    `MLP(3, [4, 4, 1])` is the earlier pure-Python nanograd's network (tanh throughout);
    `MLP(2, [16, 16, 1], activation="relu", out_activation=None)` is micrograd's demo network.
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: Activation = "tanh",
                 out_activation: Activation = "tanh", *, rng: random.Random | None = None) -> None:
        if len(nouts) == 0:
            raise ValueError("MLP needs at least one layer: nouts is empty")
        self.activation = _check_activation(activation)
        self.out_activation = _check_activation(out_activation)
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [Layer(sizes[i], sizes[i + 1], out_activation if i == last else activation,
                             rng=rng) for i in range(len(nouts))]
        self._label_parameters()

    def __call__(self, x: Sequence[Input]) -> Union[Scalar, list[Scalar]]:
        outputs: Sequence[Input] = x
        for layer in self.layers:
            outputs = layer.outputs(outputs)
        return outputs[0] if len(outputs) == 1 else outputs  # type: ignore[return-value]

    def parameters(self) -> list[Scalar]:
        return [p for layer in self.layers for p in layer.parameters()]

    def named_parameters(self) -> list[tuple[str, Scalar]]:
        return [(f"L{k}.{name}", p) for k, layer in enumerate(self.layers)
                for name, p in layer.named_parameters()]

    def __repr__(self) -> str:
        sizes = [len(layer.neurons) for layer in self.layers]
        nin = len(self.layers[0].neurons[0].weights)
        return (f"MLP({nin}, {sizes}, activation={self.activation!r}, "
                f"out_activation={self.out_activation!r})")


def _values(x: Sequence[Input]) -> Optional[list[float]]:
    """The inputs' numbers, for `Neuron._affine`; None if any is not a Scalar, int or float."""
    values = []
    for xi in x:
        kind = type(xi)
        if kind is Scalar:
            values.append(xi.data)  # type: ignore[union-attr]
        elif kind is float or kind is int:
            values.append(xi)
        else:
            return None
    return values


def _check_activation(activation: object) -> Activation:
    if not (activation is None or isinstance(activation, str)) or activation not in _ACTIVATIONS:
        names = ", ".join(repr(a) for a in _ACTIVATIONS)
        raise ValueError(f"unknown activation {activation!r}: choose one of {names}")
    return activation
