"""render / save_plot / Jupyter display without the Graphviz system package: graphviz-pure, which
pip installs, lays the drawings out. Files are checked as files: the PNG signature and header,
SVG parsed as XML with the node labels in its text."""
from __future__ import annotations

import os
import struct
import sysconfig
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import graphviz
import pytest

from nanograd import RenderError, Scalar
from nanograd.core import topological_order
from nanograd.drawing import NoRendererError, draw_dot, draw_model, find_renderer, pipe, render, save_plot
from nanograd.nn import MLP
from nanograd.teaching import worked_example

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def no_system_graphviz(monkeypatch, tmp_path):
    """PATH holds nothing: no `dot`, and graphviz-pure only where pip put it, beside this Python."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("NANOGRAD_RENDERER", raising=False)


@pytest.fixture
def seed():
    m = worked_example()
    m.backward()
    return m


def svg_texts(path_or_bytes) -> list[str]:
    data = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    root = ElementTree.fromstring(data)
    assert root.tag == f"{SVG}svg"
    return [t.text for t in root.iter(f"{SVG}text") if t.text]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_the_renderer_is_graphviz_pure_when_dot_is_missing(no_system_graphviz):
    program = Path(find_renderer("svg"))
    assert program.name.startswith("graphviz-pure")
    # found where pip put it for this Python (an unactivated venv's bin), not on PATH
    assert program.parent == Path(sysconfig.get_path("scripts"))


def test_svg_without_system_graphviz(no_system_graphviz, seed, tmp_path):
    path = render(seed, tmp_path / "seed.svg")
    assert path == tmp_path / "seed.svg"
    texts = svg_texts(path)
    for node in topological_order(seed):
        assert node.label in texts
        assert f"data {node.data:.4f}" in texts and f"grad {node.grad:.4f}" in texts
    for op in ("tanh", "relu", "log10", "**"):
        assert op in texts


def test_svg_with_every_option(no_system_graphviz, seed, tmp_path):
    a = next(n for n in topological_order(seed) if n.label == "a")
    texts = svg_texts(render(seed, tmp_path / "full.svg", show_expr=True, show_local=True,
                             highlight=a, rankdir="TB"))
    assert "tanh(a/2 + b/2)" in texts
    assert "∂e/∂d = 1 - e**2" in texts


def test_png_without_system_graphviz(no_system_graphviz, seed, tmp_path):
    data = render(seed, tmp_path / "seed.png").read_bytes()
    width, height = png_size(data)
    assert width > 1000 and height > 50  # thirteen records side by side, left to right
    tall_width, tall_height = png_size(render(seed, tmp_path / "tb.png", rankdir="TB").read_bytes())
    assert tall_height > tall_width


def test_dot_source_needs_no_renderer(monkeypatch, seed, tmp_path):
    monkeypatch.setattr("shutil.which", lambda *args, **kwargs: None)
    path = render(seed, tmp_path / "seed.dot", show_expr=True)
    assert path.read_text(encoding="utf-8") == draw_dot(seed, show_expr=True).source


def test_a_clear_error_when_no_renderer_is_found(monkeypatch, seed, tmp_path):
    monkeypatch.setattr("shutil.which", lambda *args, **kwargs: None)
    monkeypatch.delenv("NANOGRAD_RENDERER", raising=False)
    with pytest.raises(NoRendererError, match="neither `dot`.*nor `graphviz-pure`") as caught:
        render(seed, tmp_path / "seed.svg")
    assert isinstance(caught.value, graphviz.ExecutableNotFound)  # what graphviz users catch
    assert not (tmp_path / "seed.svg").exists()


def test_pdf_needs_system_graphviz(no_system_graphviz, seed, tmp_path):
    with pytest.raises(NoRendererError, match="cannot write pdf: graphviz-pure"):
        render(seed, tmp_path / "seed.pdf")


def test_unknown_suffix(seed, tmp_path):
    with pytest.raises(ValueError, match="suffix"):
        render(seed, tmp_path / "seed.bmp")


def test_save_plot_as_the_second_seed_calls_it(no_system_graphviz, seed, tmp_path):
    path = save_plot(expression=seed, directory=tmp_path / "new" / "folder", filename="graph",
                     format="png")
    assert path == tmp_path / "new" / "folder" / "graph.png"
    png_size(path.read_bytes())
    assert "a" in svg_texts(save_plot(seed, tmp_path, "graph", format="svg"))


def test_render_a_drawing_already_made(no_system_graphviz, tmp_path):
    texts = svg_texts(render(draw_model(MLP(3, [4, 4, 1])), tmp_path / "mlp.svg"))
    assert "layer 0: 4 neurons, 16 parameters" in texts
    with pytest.raises(TypeError, match="options"):
        render(draw_model(MLP(2, [1])), tmp_path / "x.svg", show_expr=True)
    with pytest.raises(TypeError, match="not int"):
        render(3, tmp_path / "x.svg")


def test_jupyter_shows_drawings_inline_without_system_graphviz(no_system_graphviz):
    x = Scalar(2.0, label="x")
    y = (x * 3).tanh()
    y.label = "y"
    dot = draw_dot(y)
    bundle = dot._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml"}
    assert {"x", "y", "tanh"} <= set(svg_texts(bundle["image/svg+xml"].encode()))
    png = dot._repr_mimebundle_(include=["image/png", "image/svg+xml"], exclude=["image/svg+xml"])
    assert set(png) == {"image/png"}
    png_size(png["image/png"])


def test_a_renderer_failure_names_the_program_and_its_message(no_system_graphviz):
    with pytest.raises(RenderError, match=r"graphviz-pure -Tsvg failed .*syntax error"):
        pipe("digraph { a -> }", "svg")


@pytest.mark.skipif(os.name != "posix", reason="the stand-in renderer is a shell script")
def test_a_slow_layout_times_out_instead_of_hanging(monkeypatch, tmp_path):
    slow = tmp_path / "slow-dot"
    slow.write_text("#!/bin/sh\nexec sleep 30\n")  # exec: the timeout kills the sleep itself
    slow.chmod(0o755)
    monkeypatch.setenv("NANOGRAD_RENDERER", str(slow))
    with pytest.raises(RenderError, match="took longer than 0.5 s"):
        pipe("digraph { a -> b }", "svg", timeout=0.5)


def test_the_renderer_can_be_chosen(monkeypatch):
    monkeypatch.setenv("NANOGRAD_RENDERER", "no-such-program-here")
    with pytest.raises(NoRendererError, match="NANOGRAD_RENDERER='no-such-program-here'"):
        find_renderer()


@pytest.mark.skipif(os.name != "posix", reason="the stand-in `dot` is a shell script")
def test_system_dot_comes_first_and_writes_pdf(monkeypatch, seed, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    dot = bin_dir / "dot"  # a stand-in for Graphviz's dot: says how it was called
    dot.write_text('#!/bin/sh\ncat > /dev/null\necho "%PDF-1.7 stand-in dot $*"\n')
    dot.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("NANOGRAD_RENDERER", raising=False)
    assert find_renderer("svg") == str(dot)
    data = render(seed, tmp_path / "seed.pdf").read_bytes()
    assert data.startswith(b"%PDF-1.7 stand-in dot -Tpdf")
