"""Backprop as a film: a drawing after each step of `backward_steps`, the current node marked."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..core.scalar import Scalar
from ..core.walks import topological_order
from ..teaching.steps import backward_steps
from .dot import draw_dot, plain_text
from .files import render


def render_steps(out: Scalar, directory: str | Path, format: str = "svg",
                 **options: Any) -> list[Path]:
    """Run `backward_steps(out)`, rendering a frame after each step: the current node marked,
    every gradient as it stands. Returns the files written (step_001.svg, ...), in order.

    `options` go to `draw_dot` (show_local=True puts each edge's local derivative on the frame).
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    total = len(topological_order(out))
    written = []
    for step in backward_steps(out):
        drawing = draw_dot(out, focus=step.node, **options)
        drawing.attr(label=plain_text(f"{step}   [{step.number}/{total}]"), labelloc="t")
        written.append(render(drawing, folder / f"step_{step.number:03d}.{format}"))
    return written

