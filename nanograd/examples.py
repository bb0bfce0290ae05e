"""Worked examples shared by the command line, the examples folder and the tests."""
from __future__ import annotations

from .scalar import Scalar


def seed_example() -> Scalar:
    """The first seed's worked example, a through m, built exactly as the seed writes it."""
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
    l = j - k; l.label = 'l'  # noqa: E741 (the seed's name)
    m = l.log10(); m.label = 'm'
    return m
