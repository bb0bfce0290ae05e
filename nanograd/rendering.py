"""Writing drawings to files, the format chosen by the suffix: .svg, .png, .jpg, .pdf or .dot.

Laying a graph out takes a Graphviz program. Graphviz's own `dot` is used when it is on PATH;
otherwise `graphviz-pure`, a self-contained port of Graphviz 16.1.0 that pip installs as one
program (no system package, no compiler). It writes svg, png and jpeg, not pdf. The environment
variable NANOGRAD_RENDERER names another program (or path) to use instead.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
from pathlib import Path
from typing import Any, Union

import graphviz

from .errors import NanogradError
from .scalar import Scalar

TIMEOUT = 60.0  # seconds; Graphviz's layout can take minutes on some graphs of a few hundred nodes
SUFFIXES = {".svg": "svg", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".pdf": "pdf",
            ".dot": "dot", ".gv": "dot"}
PURE_FORMATS = frozenset({"svg", "png", "jpeg"})  # what graphviz-pure 0.2 writes of SUFFIXES

Drawable = Union[Scalar, graphviz.Graph, graphviz.Digraph, graphviz.Source]


class NoRendererError(NanogradError, graphviz.ExecutableNotFound):
    """No program here can lay out and write the drawing in the format asked for.

    A graphviz.ExecutableNotFound too, so code written for the graphviz package catches it.
    """

    def __init__(self, message: str) -> None:
        RuntimeError.__init__(self, message)


class RenderError(NanogradError, RuntimeError):
    """The layout program failed on a drawing, or took longer than the time allowed."""


def find_renderer(format: str = "svg") -> str:
    """The path of the program that will write `format`: NANOGRAD_RENDERER, else Graphviz's
    `dot` on PATH, else `graphviz-pure` on PATH or beside this Python (an unactivated venv)."""
    chosen = os.environ.get("NANOGRAD_RENDERER")
    if chosen:
        found = shutil.which(chosen)
        if not found:
            raise NoRendererError(f"render: NANOGRAD_RENDERER={chosen!r} is not a program found on PATH")
        return found
    dot = shutil.which("dot")
    if dot:
        return dot
    pure = shutil.which("graphviz-pure") or shutil.which("graphviz-pure",
                                                         path=sysconfig.get_path("scripts"))
    if pure and format in PURE_FORMATS:
        return pure
    if pure:
        raise NoRendererError(
            f"render: cannot write {format}: graphviz-pure ({pure}) writes only "
            f"{', '.join(sorted(PURE_FORMATS))}, and Graphviz's `dot` is not on PATH; install "
            "Graphviz (apt install graphviz, brew install graphviz) or choose .svg or .png")
    raise NoRendererError(
        "render: no Graphviz program found: neither `dot` (the Graphviz system package) nor "
        "`graphviz-pure` (pip install graphviz-pure) is on PATH or beside this Python")


def pipe(source: str, format: str, timeout: float | None = TIMEOUT) -> bytes:
    """The drawing `source` (DOT text) laid out and written in `format` (svg, png, jpeg, pdf)."""
    program = find_renderer(format)
    name = Path(program).name
    try:
        done = subprocess.run([program, f"-T{format}"], input=source.encode("utf-8"),
                              capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RenderError(
            f"render: {name} took longer than {timeout} s to lay out the drawing; draw fewer "
            "nodes (draw_dot(out, max_nodes=...)) or pass timeout=None to wait") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"render: {name} -T{format} failed (exit {done.returncode}): {message}")
    return done.stdout


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
        from .viz import draw_dot

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
    """The second seed's name: render `expression` to directory/filename.format (folders made)."""
    return render(expression, Path(directory) / f"{filename}.{format.lstrip('.')}", **options)
