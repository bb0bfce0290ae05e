"""A training step compiled once and replayed: `compile_step(loss_fn, params)`.

    step = compile_step(lambda: hinge_loss([model(x) for x in X], y), model.parameters())
    for k in range(steps):
        optimizer.zero_grad()
        loss = step()          # as loss_fn().backward(): fills p.grad, returns the loss's value
        optimizer.step()

The first call builds the graph with `loss_fn()` and compiles it (`nanograd.compile`); later
calls replay the compiled code on the parameters' current values, with the gradients of
`backward()` to the last bit, without building a graph at all.

What it assumes: `loss_fn` builds the same graph every time, whatever the parameters' values
(the data it reads is fixed; a branch on a value inside it, `if score.data > 0`, would be
replayed as the branch first taken). The second call builds the graph once more and checks that
it is the one compiled (`StructureChangedError` if not); `check_every=k` repeats the check every
k calls. `eager=True` runs `loss_fn().backward()` every call instead, the same results the slow
way, with the cyclic garbage collector paused while it builds (a graph makes no cycles).
"""
from __future__ import annotations

from typing import Callable, Sequence, Union

from ..compiler import CompiledGradient, compile
from ..core.collector import collector_paused
from ..core.scalar import Scalar
from ..errors import StructureChangedError

Built = Union[Scalar, tuple[Scalar, Sequence[Scalar]]]


class TrainingStep:
    """One call: the loss's value, with the parameters' gradients added to their `.grad`."""

    def __init__(self, loss_fn: Callable[[], Built], params: Sequence[Scalar], *,
                 eager: bool = False, check_every: int = 0) -> None:
        if not callable(loss_fn):
            raise TypeError(f"compile_step: loss_fn must be a function that builds the loss, "
                            f"got {type(loss_fn).__name__}")
        if type(check_every) is not int or check_every < 0:
            raise ValueError(f"compile_step: check_every must be an int >= 0, got {check_every!r}")
        self.loss_fn = loss_fn
        self.params = list(params)
        self.eager = eager
        self.check_every = check_every
        self.calls = 0
        self.compiled: CompiledGradient | None = None
        self.values: list[float] = []  # the values of the extra outputs at the latest call

    def __call__(self) -> float:
        self.calls += 1
        if self.eager:
            with collector_paused():  # the graph makes no cycles: nothing for the collector
                loss, extra = self._build()
                loss.backward()
            self.values = [e.data for e in extra]
            return loss.data
        if self.compiled is None:
            with collector_paused():
                loss, extra = self._build()
            self.compiled = compile(loss, self.params, also=extra)
        elif self.calls == 2 or (self.check_every and self.calls % self.check_every == 0):
            self.check()
        value = self.compiled.backward()
        self.values = self.compiled.also_values
        return value

    def check(self) -> None:
        """Build the graph again and make sure it is the one compiled."""
        if self.compiled is None:
            return
        with collector_paused():
            loss, _ = self._build()
        if not self.compiled.matches(loss):
            raise StructureChangedError(
                f"compile_step: call {self.calls} of the loss function built a graph unlike the "
                f"one compiled at call 1 (its shape depends on values); run it with eager=True")

    @property
    def source(self) -> str:
        """The compiled step's code (after the first call)."""
        return self.compiled.source if self.compiled is not None else ""

    def _build(self) -> tuple[Scalar, list[Scalar]]:
        built = self.loss_fn()
        loss, extra = (built, []) if isinstance(built, Scalar) else (built[0], list(built[1]))
        if not isinstance(loss, Scalar):
            raise TypeError(f"compile_step: the loss function returned a {type(loss).__name__}, "
                            f"not a Scalar (or a Scalar and a list of Scalars)")
        return loss, extra


def compile_step(loss_fn: Callable[[], Built], params: Sequence[Scalar], *, eager: bool = False,
                 check_every: int = 0) -> TrainingStep:
    """A training step: each call is `loss_fn().backward()` on `params`, compiled once.

    `loss_fn` returns the loss, or the loss and a list of other nodes whose values each call
    also reports (in `step.values`: the scores, for an accuracy). See the module's doc for what
    compiling assumes, and `eager=True` to run without compiling.
    """
    return TrainingStep(loss_fn, params, eager=eager, check_every=check_every)
