"""The programs that lay drawings out, and the Digraph that Jupyter shows through them.

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
from typing import Any

import graphviz

from ..errors import NanogradError, RenderError

TIMEOUT = 60.0  # seconds; Graphviz's layout can take minutes on some graphs of a few hundred nodes
PURE_FORMATS = frozenset({"svg", "png", "jpeg"})  # what graphviz-pure 0.2 writes


class NoRendererError(NanogradError, graphviz.ExecutableNotFound):
    """No program here can lay out and write the drawing in the format asked for.

    A graphviz.ExecutableNotFound too, so code written for the graphviz package catches it.
    """

    def __init__(self, message: str) -> None:
        RuntimeError.__init__(self, message)


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


class Digraph(graphviz.Digraph):
    """A graphviz.Digraph (same name, same API) that Jupyter renders with nanograd's renderer
    (system `dot`, or the pip-installed graphviz-pure): it shows inline without system Graphviz."""

    def _repr_mimebundle_(self, include=None, exclude=None, **_: Any) -> dict[str, Any]:
        wanted = set(include) if include is not None else {"image/svg+xml"}
        wanted -= set(exclude or ())
        bundle: dict[str, Any] = {}
        if "image/svg+xml" in wanted:
            bundle["image/svg+xml"] = pipe(self.source, "svg").decode("utf-8")
        if "image/png" in wanted:
            bundle["image/png"] = pipe(self.source, "png")
        return bundle
