"""The stepper: one self-contained web page that plays a graph's forward evaluation and its
backprop node by node, with previous/next buttons, a slider and the arrow keys.

The page holds the drawing as inline SVG (laid out by nanograd's renderer), the frames as JSON
(`nanograd.teaching.walkthrough`) and a short script: no network, no files beside it, so it
opens offline, from an e-mail or a learning platform, and shows inline in Jupyter.
"""
from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from typing import Any

from ..core.scalar import Scalar
from ..core.walks import topological_order
from ..teaching.walkthrough import MAX_STEPS, walkthrough
from .backends import TIMEOUT, pipe
from .dot import draw_dot

_PAGE = Path(__file__).with_name("stepper.html")
_SLOT = re.compile(r"\{\{(title|svg|data)\}\}")  # the page's slots
_SCRIPT_UNSAFE = re.compile("[<>&\u2028\u2029]")


class Stepper:
    """A stepper page for one graph: `.html` is the page; `.save(path)` writes it; Jupyter
    shows it inline (in a frame of its own, so its script and styles touch nothing else)."""

    def __init__(self, page: str, steps: int, output: str) -> None:
        self.html, self.steps, self.output = page, steps, output

    def save(self, path: str | os.PathLike) -> Path:
        """Write the page to `path` (folders made); returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.html, encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" style="width: 100%; '
                'height: 640px; border: 1px solid #ddd" title="nanograd stepper"></iframe>')

    def __repr__(self) -> str:
        return f"<Stepper of {self.output}: {self.steps} frames>"


def stepper(out: Scalar, rankdir: str | None = None, max_nodes: int = MAX_STEPS,
            timeout: float | None = TIMEOUT) -> Stepper:
    """The stepper page for `out`'s graph: forward evaluation, then backprop, one node a frame,
    the current node and its edges highlighted, the arithmetic of the step written out, and
    every value and gradient so far, in the drawing and in a table.

    Runs backprop (as `backward_steps` does, from zero): afterwards each `.grad` is d out / d node.
    """
    data = walkthrough(out, max_nodes)
    order = topological_order(out)
    drawing = draw_dot(out, rankdir) if rankdir else draw_dot(out)
    svg = pipe(drawing.source, "svg", timeout).decode("utf-8")
    svg = svg[svg.index("<svg"):]  # the XML prologue and doctype have no place inside HTML
    data["uids"] = [str(id(node)) for node in order]  # draw_dot names its nodes by id
    title = f"nanograd stepper: {data['output']}"
    parts = {"title": html.escape(title), "svg": svg, "data": _script_json(data)}
    # one pass, so that a label reading {{data}} stays text and is not filled in itself
    page = _SLOT.sub(lambda match: parts[match.group(1)], _PAGE.read_text(encoding="utf-8"))
    return Stepper(page, len(data["frames"]), data["output"])


def _script_json(data: dict[str, Any]) -> str:
    """JSON safe inside a <script> element: no `<` at all (so no `</script>` to close it and no
    `<!--` to change how it is read), no `>` or `&`, and no line separators that older
    JavaScript refused in strings; each written as its \\u escape, which JSON reads back."""
    return _SCRIPT_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}",
                              json.dumps(data, ensure_ascii=False))
