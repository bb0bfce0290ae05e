"""`compile_batch(out, params, data)`: the graph of one sample, run over arrays of samples.

`out` is built for one sample: its `data` leaves hold that sample's inputs and target, its
`params` leaves the parameters every sample shares. The graph is generated once, from the same
table (every primitive a call by name), and run with NumPy arrays in place of the data leaves'
values, so each operation runs over all the samples at once; the output and the parameters'
gradients are then summed (or averaged) over the samples. NumPy is an optional extra
(`pip install 'nanograd[numpy]'`), imported when a batch function is made.

The numbers are NumPy's elementwise functions', not math's: they agree with eager backprop over
the whole dataset to rounding (about 1e-15 relative), not to the last bit. Errors stay
nanograd's: NumPy is told to raise where a value overflows, divides by zero or leaves a domain,
and the batch is then replayed sample by sample with the scalar compiled code, which reruns the
failing sample eagerly, so the error names the operation, the node and that sample's values.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Callable, Sequence

from ..core.node import Node
from ..core.ops import REAL
from ..core.scalar import Scalar
from ..errors import InputError, NonFiniteError
from .arrays import generate_for_arrays
from .compiled import CompiledGradient
from .functions import load, run
from .source import RULES

REDUCTIONS = ("sum", "mean")
SHORT = 1000  # samples up to which the results are reduced in one stacked call


def _numpy() -> Any:
    try:
        import numpy  # deferred: an optional dependency, loaded only for batches
    except ImportError as missing:
        raise ImportError("compile_batch needs NumPy: pip install 'nanograd[numpy]'") from missing
    return numpy


def array_numbers(np: Any) -> dict[str, Any]:
    """REAL's names bound to functions over arrays, for the generated code's namespace.

    The primitives that branch on their argument are written here once more, over arrays, with
    REAL's comparisons (tests check each against REAL's function); a function REAL takes from
    `math` is NumPy's ufunc of the same name; any other (a row added to the table with a
    function of its own) is REAL's own, applied element by element: slow, but right."""
    def sigmoid(x: Any) -> Any:
        e = np.exp(-np.abs(x))  # exp(-x) for x >= 0, exp(x) below: neither can overflow
        return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))

    own = {
        "relu": lambda x: np.where(x > 0.0, x, 0.0),
        "heaviside": lambda x: np.where(x > 0.0, 1.0, 0.0),
        "sign": lambda x: np.where(x > 0.0, 1.0, np.where(x < 0.0, -1.0, 0.0)),
        "sigmoid": sigmoid,
        "abs": np.abs,
        "pow": np.power,  # 0 to a negative power and the like raise under the batch's errstate
    }
    names: dict[str, Any] = {}
    for name, real in vars(REAL).items():
        if not callable(real):
            names[name] = real
        elif name in own:
            names[name] = own[name]
        elif real is getattr(math, name, None) and isinstance(getattr(np, name, None), np.ufunc):
            names[name] = getattr(np, name)
        else:
            names[name] = _elementwise(np, real)
    return names


def _elementwise(np: Any, function: Callable) -> Callable:
    vectorized = np.vectorize(function, otypes=[float])
    return lambda *args: vectorized(*args)


def _elementwise_rule(np: Any, rule: Callable) -> Callable:
    """A rule that branches on a value (its text calls it with REAL), applied per element."""
    vectorized = np.vectorize(lambda *args: rule(REAL, *args), otypes=[float])
    return lambda m, *args: vectorized(*args)


class BatchGradient:
    """A one-sample graph compiled once and run over arrays of samples (see `compile_batch`)."""

    def __init__(self, out: Scalar, params: Sequence[Scalar], data: Sequence[Scalar],
                 reduce: str = "sum") -> None:
        np = self._np = _numpy()
        if reduce not in REDUCTIONS:
            raise ValueError(f"compile_batch: reduce must be one of {REDUCTIONS}, got {reduce!r}")
        self.reduce = reduce
        self.params = list(params)
        self.data = list(data)
        # the scalar code: it checks the leaves, and replays a failing batch sample by sample
        self.scalar = CompiledGradient(out, [*self.params, *self.data], wrt=self.params)
        program = generate_for_arrays(out, self.scalar.inputs, self.params, self.data)
        self.parts = program.parts
        namespace = {**array_numbers(np), "REAL": REAL, "Fraction": Fraction,
                     "ARRAY": np.asarray,  # a float met by an array, as a 0-d array
                     "DOT": np.dot, "STACK": np.array,  # floats times arrays, summed
                     **{name: _elementwise_rule(np, rule) for name, rule in RULES.items()}}
        self._functions = load(self.parts, namespace, "nanograd.compile_batch")
        self._slots = program.slots

    @property
    def source(self) -> str:
        return "\n".join(self.parts)

    def __call__(self, columns: Sequence[Any]) -> tuple[float, list[float]]:
        """(the output summed or averaged over the samples, the parameters' gradients alike),
        with the parameters at their current `.data` and `columns[k]` the values of data
        leaf k, one per sample."""
        np = self._np
        cols = self._columns(columns)
        n = len(cols[0])
        V = [p.data for p in self.params] + cols
        G = [0.0] * len(self.params)
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            try:
                value, grads, _ = run(self._functions, V, G, [None] * self._slots)
            except (ArithmeticError, ValueError):
                return self._sample_by_sample(cols)
        reduced = self._reduced([value, *grads], n)
        if not all(map(math.isfinite, reduced)):  # a dot product does not raise on overflow
            return self._sample_by_sample(cols)
        return reduced[0], reduced[1:]

    def backward(self, columns: Sequence[Any]) -> float:
        """In place, for training loops: add the gradients to the parameters' `.grad`, return
        the output's sum (or mean)."""
        value, grads = self(columns)
        for p, g in zip(self.params, grads):
            p.grad += g
        return value

    def _columns(self, columns: Sequence[Any]) -> list[Any]:
        np = self._np
        if len(columns) != len(self.data):
            raise InputError(f"compile_batch: {len(columns)} columns for {len(self.data)} "
                             f"data leaves")
        cols = [np.ascontiguousarray(c, dtype=float) for c in columns]
        for k, col in enumerate(cols):
            if col.ndim != 1 or len(col) != len(cols[0]) or not len(col):
                raise InputError(f"compile_batch: column {k} must be one value per sample, "
                                 f"as many as column 0 (got shape {col.shape})")
            if not np.isfinite(col).all():
                raise InputError(f"compile_batch: column {k} ({self.data[k].label or 'data'}) "
                                 f"has a value that is not finite")
        return cols

    def _reduced(self, values: list[Any], n: int) -> list[float]:
        """Each value summed (or averaged) over the samples; a value that does not depend on
        the data is the same for every sample. Short arrays are stacked and reduced in one
        call (a call each would cost more than the copy); long ones each on its own."""
        np = self._np
        mean = self.reduce == "mean"
        at = [k for k, v in enumerate(values) if np.ndim(v)]
        result = [0.0 if np.ndim(v) else float(v) if mean else float(v) * n for v in values]
        if n <= SHORT:
            stacked = np.stack([values[k] for k in at]) if at else np.zeros((0, n))
            sums = (stacked.mean(axis=1) if mean else stacked.sum(axis=1)).tolist()
        else:
            sums = [float(values[k].mean() if mean else values[k].sum()) for k in at]
        for k, total in zip(at, sums):
            result[k] = total
        return result

    def _sample_by_sample(self, cols: list[Any]) -> tuple[float, list[float]]:
        """NumPy raised: replay each sample with the scalar code (nanograd's error, naming the
        operation, the node and the values, for the first sample that fails)."""
        params = [p.data for p in self.params]
        values: list[float] = []
        grads: list[list[float]] = []
        for row in zip(*(c.tolist() for c in cols)):
            value, g = self.scalar([*params, *row])
            values.append(value)
            grads.append(g)
        scale = 1.0 / len(values) if self.reduce == "mean" else 1.0
        results = [values, *zip(*grads)]
        reduced = []
        for k, column in enumerate(results):
            try:
                total = math.fsum(column) * scale
            except OverflowError:  # finite per sample, but not summed
                total = math.inf
            if not math.isfinite(total):
                what = "the output" if k == 0 else f"the gradient of {_name(self.params[k - 1])}"
                how = "summed" if self.reduce == "sum" else "averaged"
                raise NonFiniteError(f"compile_batch: {what}, {how} over the "
                                     f"{len(values)} samples, is not a finite number (each "
                                     f"sample's is): the total overflows")
            reduced.append(total)
        return reduced[0], reduced[1:]

    def __repr__(self) -> str:
        return (f"<BatchGradient: {self.scalar.nodes} nodes per sample, {len(self.params)} "
                f"parameters, {len(self.data)} data leaves, reduce={self.reduce!r}>")


def compile_batch(out: Scalar, params: Sequence[Scalar], data: Sequence[Scalar], *,
                  reduce: str = "sum") -> BatchGradient:
    """Compile the graph of one sample to run over arrays of samples (NumPy).

    `params`: the leaves all samples share, whose gradients you want; `data`: the leaves that
    hold one sample (inputs, target). Call the result with one array per data leaf:
    `value, grads = f([x0s, x1s, ys])` is the output and the gradients summed over the samples
    (`reduce="mean"`: averaged), as backprop over the whole dataset's graph would give them."""
    for k, leaf in enumerate(data):
        if not isinstance(leaf, Node):
            raise TypeError(f"compile_batch: data[{k}] is a {type(leaf).__name__}, not a Scalar")
    return BatchGradient(out, params, data, reduce)


def _name(leaf: Scalar) -> str:
    return repr(leaf.label) if leaf.label else "a parameter"
