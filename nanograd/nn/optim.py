"""Optimizers: they move parameters against their gradients, with PyTorch's update formulas.

Each keeps its own list of parameters; `zero_grad()` clears their gradients before the next
backward (leaf gradients accumulate), `step()` applies one update, and `lr` may be changed
between steps for a schedule.
"""
from __future__ import annotations

import math
from typing import Iterable

from ..core.scalar import Scalar
from ..errors import NonFiniteError, shown


class Optimizer:
    """The parameters and the learning rate; a subclass says how `step()` moves them."""

    def __init__(self, params: Iterable[Scalar], lr: float) -> None:
        self.params: tuple[Scalar, ...] = ()  # a tuple: each step keeps state per parameter
        self.add_parameters(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__} was given no parameters")
        self.lr = lr

    def add_parameters(self, params: Iterable[Scalar]) -> None:
        """Move these parameters too from the next step on (their state starts afresh)."""
        name = type(self).__name__
        try:
            new = list(params)
        except TypeError:
            raise TypeError(f"{name} takes an iterable of Scalars (such as model.parameters()), "
                            f"got {type(params).__name__}") from None
        seen = {id(p) for p in self.params}
        for i, p in enumerate(new, start=len(self.params)):
            if not isinstance(p, Scalar):
                raise TypeError(f"{name}: parameter {i} is a {type(p).__name__}, not a Scalar")
            if id(p) in seen:  # it would be moved twice per step
                raise ValueError(f"{name}: parameter {i} ({p.label or 'unlabelled'}) is listed twice")
            seen.add(id(p))
        self.params = (*self.params, *new)
        self._grow(len(new))

    def _grow(self, count: int) -> None:
        """Make the state of `count` parameters just added (a subclass's, if it keeps any)."""

    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _non_negative(value, f"{type(self).__name__}: lr")

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError

    def _check(self, p: Scalar) -> None:
        """Refuse to leave a parameter at inf or nan: the next forward would fail far from here."""
        if not -math.inf < p.data < math.inf:
            raise NonFiniteError(f"{type(self).__name__}.step: parameter {p.label or 'unlabelled'} "
                                 f"became {p.data} (gradient {p.grad!r}, lr {self.lr!r}); "
                                 f"lower the learning rate")


class SGD(Optimizer):
    """p -= lr * v, where v is the gradient plus `weight_decay` * p, and with `momentum` the
    running v = momentum * v + that (starting at the first gradient), as in torch.optim.SGD."""

    def __init__(self, params: Iterable[Scalar], lr: float, momentum: float = 0.0,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = _non_negative(momentum, "SGD: momentum")
        self.weight_decay = _non_negative(weight_decay, "SGD: weight_decay")
        self._velocity: list[float | None] = [None] * len(self.params)  # None: not moved yet

    def _grow(self, count: int) -> None:
        if hasattr(self, "_velocity"):  # the constructor's own parameters: made in __init__
            self._velocity += [None] * count

    def step(self) -> None:
        lr, momentum, decay = self.lr, self.momentum, self.weight_decay
        velocity = self._velocity
        for i, p in enumerate(self.params):
            g = p.grad + decay * p.data
            if momentum:  # the first step's velocity is the gradient itself, as in PyTorch
                before = velocity[i]
                g = velocity[i] = g if before is None else momentum * before + g
            p.data -= lr * g
            self._check(p)


class GradientDescent(SGD):
    """Plain SGD, p -= lr * grad, under the earlier PyTorch-style nanograd's name."""

    def __init__(self, params: Iterable[Scalar], lr: float) -> None:
        super().__init__(params, lr)


class Adam(Optimizer):
    """Adam (Kingma and Ba), with bias-corrected moment estimates, as in torch.optim.Adam."""

    def __init__(self, params: Iterable[Scalar], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Adam: betas must be two numbers (beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not 0.0 <= beta < 1.0:
                raise ValueError(f"Adam: betas[{i}] must be in [0, 1), got {beta!r}")
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = _non_negative(eps, "Adam: eps")
        if self.eps == 0.0:  # a parameter whose gradients are all 0 would divide 0 by 0
            raise ValueError(f"Adam: eps must be a finite number > 0, got {eps!r}")
        self.steps = 0
        self._m = [0.0] * len(self.params)  # running mean of the gradients
        self._v = [0.0] * len(self.params)  # running mean of their squares
        self._since = [0] * len(self.params)  # self.steps when each parameter was added

    def _grow(self, count: int) -> None:
        if hasattr(self, "_m"):  # the constructor's own parameters: made in __init__
            self._m += [0.0] * count
            self._v += [0.0] * count
            self._since += [self.steps] * count

    def step(self) -> None:
        self.steps += 1
        beta1, beta2 = self.betas
        m, v, eps = self._m, self._v, self.eps
        corrections: dict[int, tuple[float, float]] = {}  # by a parameter's own step count
        for i, p in enumerate(self.params):
            t = self.steps - self._since[i]
            if t not in corrections:
                corrections[t] = (self.lr / (1.0 - beta1 ** t), math.sqrt(1.0 - beta2 ** t))
            step_size, root_correction = corrections[t]
            g = p.grad
            m[i] = beta1 * m[i] + (1.0 - beta1) * g
            v[i] = beta2 * v[i] + (1.0 - beta2) * g * g
            p.data -= step_size * m[i] / (math.sqrt(v[i]) / root_correction + eps)
            self._check(p)


def _non_negative(value: float, what: str) -> float:
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError, OverflowError):  # 10 ** 400 is no float
        number = math.nan
    if not isinstance(value, (int, float)) or not 0.0 <= number < math.inf:
        raise ValueError(f"{what} must be a finite number >= 0, got {shown(value)}")
    return number
