"""From generated text to functions that run at full speed from their first replay.

CPython 3.11 rewrites a function's bytecode into its specializing form only on the function's
eighth call; until then every instruction runs the generic interpreter. Generated code is
straight-line, each part called once per replay, so a compiled gradient would run its first
eight replays about 25% slower (the demo step: 3.3 ms against 2.4 ms). `load` therefore calls
each new function eight times with None for V, G and S: its first statement reads one of them
and raises TypeError, so no work is done, and the next call is already specialized. (Where the
interpreter needs no such warm-up, the calls cost a few microseconds and change nothing.)
"""
from __future__ import annotations

import builtins
from typing import Any, Callable, Sequence

WARM_UP_CALLS = 8  # CPython 3.11's warm-up delay before a code object is specialized


def load(parts: Sequence[str], namespace: dict[str, Any], tag: str) -> list[Callable]:
    """The functions `part0`, `part1`, ... defined by `parts` (our own generated text: names,
    operators and float reprs, nothing a user typed), run in `namespace`, warmed up."""
    functions = []
    for k, part in enumerate(parts):
        exec(builtins.compile(part, f"<{tag} part {k}>", "exec"), namespace)
        function = namespace[f"part{k}"]
        for _ in range(WARM_UP_CALLS):
            try:
                started = function(None, None, None)
                if len(parts) > 1:  # a segment's frame: its code runs when it is first resumed
                    next(started)
            except TypeError:  # None is not subscriptable: stopped at the first statement
                pass
        functions.append(function)
    return functions


def run(functions: Sequence[Callable], V: Any, G: Any, S: Any) -> Any:
    """One replay: the function, or the segments' forwards in order and then their reverse
    passes in reverse order (each segment a generator: forward, yield, reverse)."""
    if len(functions) == 1:
        return functions[0](V, G, S)
    frames = [function(V, G, S) for function in functions]
    for frame in frames:
        next(frame)
    for frame in frames[:0:-1]:
        next(frame, None)
    return next(frames[0])
