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
FONT = "Courier"  # the family drawings are set in; see Digraph
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
    """A graphviz.Digraph (same name, same API) whose `pipe`, `render`, `view` and Jupyter
    display (in the format `graphviz.set_jupyter_format` chose) go through nanograd's renderer:
    system `dot` when installed, else the pip-installed graphviz-pure. Options only system
    Graphviz has (another engine, renderer or formatter) are handed to the graphviz package."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Text fits its boxes whatever fonts the viewer has: boxes are sized by the font's
        # metrics, and every monospace font is 0.6 em a character wide, as Courier is (SVG asks
        # for "Courier,monospace": Courier New, Liberation Mono, DejaVu Sans Mono all fit).
        for kind in ("graph", "node", "edge"):
            self.attr(kind, fontname=FONT)

    def _needs_graphviz(self, engine: str | None, renderer: str | None, formatter: str | None,
                        neato_no_op: Any) -> bool:
        return bool(renderer or formatter or neato_no_op) or (engine or self.engine) != "dot"

    def pipe(self, format: str | None = None, renderer: str | None = None,
             formatter: str | None = None, neato_no_op: Any = None, quiet: bool = False, *,
             engine: str | None = None, encoding: str | None = None) -> Any:
        """The drawing laid out and written in `format` (default: its own), as bytes, or as
        text when `encoding` is given."""
        if self._needs_graphviz(engine, renderer, formatter, neato_no_op):
            return super().pipe(format, renderer, formatter, neato_no_op, quiet, engine=engine,
                                encoding=encoding)
        data = pipe(self.source, format or self.format)
        return data.decode(encoding) if encoding else data

    def render(self, filename: str | os.PathLike | None = None,
               directory: str | os.PathLike | None = None, view: bool = False,
               cleanup: bool = False, format: str | None = None, renderer: str | None = None,
               formatter: str | None = None, neato_no_op: Any = None, quiet: bool = False,
               quiet_view: bool = False, *, outfile: str | os.PathLike | None = None,
               engine: str | None = None, raise_if_result_exists: bool = False,
               overwrite_source: bool = False) -> str:
        """Save the source (filename, default name.gv) and write the drawing beside it as
        filename.FORMAT, or to `outfile` (its suffix naming the format); returns that path."""
        if self._needs_graphviz(engine, renderer, formatter, neato_no_op):
            return super().render(filename, directory, view, cleanup, format, renderer, formatter,
                                  neato_no_op, quiet, quiet_view, outfile=outfile, engine=engine,
                                  raise_if_result_exists=raise_if_result_exists,
                                  overwrite_source=overwrite_source)
        if outfile is not None:
            format = format or Path(outfile).suffix.lstrip(".").replace("jpg", "jpeg") or None
            if filename is None:
                filename = Path(outfile).with_suffix(".gv").name
                directory = directory or Path(outfile).parent
        format = format or self.format
        source = self.save(filename, directory=directory)
        rendered = Path(outfile) if outfile is not None else Path(f"{source}.{format}")
        if raise_if_result_exists and rendered.exists():
            raise FileExistsError(f"render: {rendered} exists already")
        rendered.write_bytes(pipe(self.source, format))
        if cleanup:
            os.remove(source)
        if view or quiet_view:
            self._view(rendered, format=format, quiet=quiet_view)
        return os.fspath(rendered)
