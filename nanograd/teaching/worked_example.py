"""A worked example shared by the command line, the examples folder and the tests."""
from __future__ import annotations

from ..core.scalar import Scalar


def worked_example() -> Scalar:
    """The classic worked example a through m (tanh, relu, ln, exp, a power and log10 on a chain),
    built statement by statement as the earlier pure-Python nanograd's README writes it."""
    a = Scalar(3); a.label = 'a'
    b = Scalar(2, label='b')
    c = a + b; c.label = 'c'
    d = c / 2; d.label = 'd'
    e = d.tanh(); e.label = 'e'
    f = 20 * e; f.label = 'f'
    g = f.relu(); g.label = 'g'
    h = g.ln(); h.label = 'h'
    i = h.exp(); i.label = 'i'
    j = i ** 2; j.label = 'j'
    k = Scalar(2, label='k')
    l = j - k; l.label = 'l'  # noqa: E741 (the example names its nodes a to m)
    m = l.log10(); m.label = 'm'
    return m
