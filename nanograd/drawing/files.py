"""Writing drawings to files, the format chosen by the suffix: .svg, .png, .jpg, .pdf or .dot.

The layout program is `backends.find_renderer`'s: Graphviz's `dot`, or the pip-installed
graphviz-pure.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Union

import graphviz

from ..core.scalar import Scalar
from .backends import TIMEOUT, pipe
from .dot import draw_dot

SUFFIXES = {".svg": "svg", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".pdf": "pdf",
            ".dot": "dot", ".gv": "dot"}

Drawable = Union[Scalar, graphviz.Graph, graphviz.Digraph, graphviz.Source]


def render(out: Drawable, path: str | os.PathLike, *, timeout: float | None = TIMEOUT,
           **options: Any) -> Path:
    """Write the drawing of `out` to `path`, in the format its suffix names; returns the path.

    `out` is a Scalar (drawn by `draw_dot(out, **options)`) or a drawing already made
    (`draw_model(mlp)`, a graphviz.Digraph). A .dot or .gv file is the DOT source and needs no
    renderer; the other formats are laid out by `find_renderer`'s program.
    """
    path = Path(path)
    format = SUFFIXES.get(path.suffix.lower())
    if format is None:
        raise ValueError(f"render: cannot tell the format of {str(path)!r} from its suffix; use "
                         f"one of {', '.join(SUFFIXES)}")
    if isinstance(out, Scalar):
        source = draw_dot(out, **options).source
    elif isinstance(out, (graphviz.Graph, graphviz.Digraph, graphviz.Source)):
        if options:
            raise TypeError(f"render: options {sorted(options)} apply to a Scalar, not to a "
                            "drawing already made")
        source = out.source
    else:
        raise TypeError(f"render draws a Scalar or a graphviz drawing, not {type(out).__name__}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if format == "dot":
        path.write_text(source, encoding="utf-8")
    else:
        path.write_bytes(pipe(source, format, timeout))
    return path


def save_plot(expression: Drawable, directory: str | os.PathLike = ".", filename: str = "graph",
              format: str = "png", **options: Any) -> Path:
    """`render` to directory/filename.format (folders made), as the earlier PyTorch-style
    nanograd's `save_plot` wrote it."""
    return render(expression, Path(directory) / f"{filename}.{format.lstrip('.')}", **options)
