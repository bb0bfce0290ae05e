"""Generated statements cut into the functions a replay runs.

A small graph is one function. A large one is cut into segments (runs of nodes in topological
order), each a generator: its forward statements, `yield`, its reverse statements; the replay
(`functions.run`) runs the forwards in order, then the reverses in reverse order, so what a
segment keeps for its own reverse pass stays a local of its frame, and only variables written
in one frame and read in another are passed, through the list S.
"""
from __future__ import annotations

import re

NAME = re.compile(r"\b[vgam]\d+\b")  # generated variables: values, gradients, arrays, matrices


def cut(blocks: list[tuple[list[str], list[str]]]) -> tuple[list[str], int]:
    """The functions' source, from each segment's (forward statements, reverse statements), and
    the number of slots of S. A variable is loaded from S where the frame reading it does not
    hold its latest value, and stored where that value was written."""
    if len(blocks) == 1:
        forward, reverse = blocks[0]
        return [function_text("part0", forward + reverse)], 0
    count = len(blocks)
    runs = [(k, forward) for k, (forward, _) in enumerate(blocks)]
    runs += [(k, blocks[k][1]) for k in range(count - 1, -1, -1)]  # in the order they run
    loads: list[set[str]] = [set() for _ in runs]
    stores: list[set[str]] = [set() for _ in runs]
    last: dict[str, int] = {}  # the run that last wrote each variable
    current: dict[str, set[int]] = {}  # the frames that hold its latest value
    for r, (frame, body) in enumerate(runs):
        text = "\n".join(body)
        for name in set(NAME.findall(text)):
            w = last.get(name)
            if w is not None and frame not in current[name]:
                loads[r].add(name)
                stores[w].add(name)
                current[name].add(frame)
        for line in body:
            if not line.startswith(("#", "return", "if ")):
                name = line.split(" = ", 1)[0]
                last[name] = r
                current[name] = {frame}
    slot: dict[str, int] = {}
    for names in stores:
        for name in sorted(names):
            slot.setdefault(name, len(slot))

    def with_passing(r: int) -> list[str]:
        return ([f"{name} = S[{slot[name]}]" for name in sorted(loads[r])] + runs[r][1]
                + [f"S[{slot[name]}] = {name}" for name in sorted(stores[r])])

    parts = []
    for k in range(count):
        reverse = with_passing(2 * count - 1 - k)
        if k == 0:  # the last to run: it hands out the results
            reverse = [f"yield {line[len('return '):]}" if line.startswith("return ") else line
                       for line in reverse]
        parts.append(function_text(f"part{k}", with_passing(k) + ["yield"] + reverse))
    return parts, len(slot)


def function_text(name: str, body: list[str]) -> str:
    return f"def {name}(V, G, S):\n    " + "\n    ".join(body) + "\n"
