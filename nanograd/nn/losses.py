"""Loss functions over Scalars: squared error, hinge, cross-entropy from logits, an L2 penalty.

Each takes predictions (Scalars) and targets (numbers or Scalars), as sequences of the same
length or one of each, and returns one Scalar labelled `loss` (`penalty` for l2_penalty): the
mean over the pairs, or with `reduction="sum"` their sum. They are built from the table's ops
only, so `loss.backward()` and `grad_expr(loss, ...)` work through them.
"""
from __future__ import annotations

from typing import Iterable, Sequence, Union

from ..core.scalar import Scalar

Value = Union[float, Scalar]
Values = Union[Value, Sequence[Value]]


def mse_loss(pred: Values, target: Values, reduction: str = "mean") -> Scalar:
    """Mean (or summed) squared error, sum((p - t) ** 2) / n."""
    pairs = _pairs(pred, target, "mse_loss")
    return _reduce([(p - t) ** 2 for p, t in pairs], reduction, "mse_loss")


def hinge_loss(scores: Values, labels: Values, reduction: str = "mean") -> Scalar:
    """The max-margin loss of micrograd's demo, relu(1 - y * score), for labels -1 and +1."""
    pairs = _pairs(scores, labels, "hinge_loss")
    for _, y in pairs:
        if _number(y) not in (-1.0, 1.0):
            raise ValueError(f"hinge_loss: label {y!r} is neither -1 nor +1")
    return _reduce([(1 - y * s).relu() for s, y in pairs], reduction, "hinge_loss")


def bce_with_logits_loss(logits: Values, targets: Values, reduction: str = "mean") -> Scalar:
    """Binary cross-entropy of sigmoid(z) against targets in [0, 1] (labels 0 and 1), from z.

    softplus(z) - z * y, which is -y log sigmoid(z) - (1 - y) log(1 - sigmoid(z)) without ever
    forming sigmoid(z): that rounds to 0 or 1 for |z| past about 37 and the log then fails.
    """
    pairs = _pairs(logits, targets, "bce_with_logits_loss")
    for _, y in pairs:
        if not 0.0 <= _number(y) <= 1.0:
            raise ValueError(f"bce_with_logits_loss: target {y!r} is outside [0, 1] "
                             f"(labels are 0 and 1 here, not -1 and +1)")
    return _reduce([_softplus(z) - z * y for z, y in pairs], reduction, "bce_with_logits_loss")


def l2_penalty(params: Iterable[Scalar], alpha: float) -> Scalar:
    """alpha * sum(p * p): weight decay written into the loss, as micrograd's demo does."""
    squares = [p * p for p in params]
    if not squares:
        raise ValueError("l2_penalty: no parameters")
    penalty = alpha * _total(squares)
    penalty.label = "penalty"
    return penalty


class MSELoss:
    """A callable mean squared error, `MSELoss()(pred=..., real=...)`, as the earlier PyTorch-style
    nanograd wrote it; the mean by default.

    (That project's summed instead; `MSELoss(reduction="sum")` does that.)
    """

    def __init__(self, reduction: str = "mean") -> None:
        _check_reduction(reduction, "MSELoss")
        self.reduction = reduction

    def __call__(self, pred: Values, real: Values) -> Scalar:
        return mse_loss(pred, real, self.reduction)


def _softplus(z: Scalar) -> Scalar:
    """log(1 + exp(z)) as (z + |z|) / 2 + log(1 + exp(-|z|)), so that exp never overflows.

    One graph for every z, with no branch on its value, so a compiled training step replays it
    right for any logit; (z + |z|) / 2 is z or 0, exactly. Unlike relu(z) + log(1 + exp(-|z|)) its
    slope at z = 0 is the true 1/2: abs'(0) = 0 gives (1 + 0) / 2 there.
    """
    magnitude = abs(z)
    return (z + magnitude) / 2 + (1 + (-magnitude).exp()).log()


def _pairs(pred: Values, target: Values, where: str) -> list[tuple[Scalar, Value]]:
    preds = _as_list(pred)
    targets = _as_list(target)
    for p in preds:
        if not isinstance(p, Scalar):
            raise TypeError(f"{where}: predictions must be Scalars (a model's outputs), "
                            f"got {type(p).__name__}: {p!r}")
    if len(preds) != len(targets):
        raise ValueError(f"{where}: {len(preds)} predictions but {len(targets)} targets")
    if not preds:
        raise ValueError(f"{where}: no predictions (the mean of nothing is undefined)")
    return list(zip(preds, targets))  # type: ignore[arg-type]  # preds: Scalars, checked above


def _as_list(values: Values) -> list[Value]:
    if isinstance(values, (Scalar, int, float)):
        return [values]
    return list(values)


def _number(value: Value) -> float:
    return value.data if isinstance(value, Scalar) else float(value)


def _reduce(terms: list[Scalar], reduction: str, where: str) -> Scalar:
    _check_reduction(reduction, where)
    total = _total(terms)
    loss = total / len(terms) if reduction == "mean" else total
    loss.label = "loss"  # the name drawings, explanations and steps give it
    return loss


def _total(terms: list[Scalar]) -> Scalar:
    """The terms' sum from the first, not from sum's int 0, which would add a node 0 + t."""
    return sum(terms[1:], terms[0])


def _check_reduction(reduction: str, where: str) -> None:
    if reduction not in ("mean", "sum"):
        raise ValueError(f"{where}: reduction must be 'mean' or 'sum', got {reduction!r}")

