"""Drawings work the way graphviz users expect, with no system Graphviz: the Digraph's pipe,
render, view and Jupyter display; text that fits its boxes in any monospace font; draw_model
keeping inputs and neurons in order."""
from __future__ import annotations

import math
import random
import re
import xml.etree.ElementTree as ElementTree

import graphviz
import pytest

from nanograd import Scalar, draw_dot, draw_model
from nanograd.nn import MLP

PNG = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"


def drawing():
    a = Scalar(0.5, label="a")
    out = (a * 3).tanh()
    out.backward()
    return draw_dot(out)


def test_pipe_render_and_view_without_system_graphviz(tmp_path, monkeypatch):
    dot = drawing()
    assert dot.pipe(format="png").startswith(PNG)
    assert dot.pipe(encoding="utf-8").lstrip().startswith("<?xml")  # its own format: svg
    written = dot.render(tmp_path / "g", format="png")
    assert written == str(tmp_path / "g.png") and (tmp_path / "g.png").read_bytes().startswith(PNG)
    assert (tmp_path / "g").read_text() == dot.source  # the source saved beside, as graphviz does
    out = dot.render(outfile=tmp_path / "sub" / "x.svg", cleanup=True)
    assert "<svg" in (tmp_path / "sub" / "x.svg").read_text() and out.endswith("x.svg")
    assert not (tmp_path / "sub" / "x.gv").exists()
    opened = []
    monkeypatch.setattr(type(dot), "_view", lambda self, path, format, quiet: opened.append(path))
    shown = dot.view(tmp_path / "v")
    assert opened and str(opened[0]) == shown and shown.endswith(".svg")


def test_jupyter_shows_the_format_set_jupyter_format_chose():
    dot = drawing()
    assert list(dot._repr_mimebundle_()) == ["image/svg+xml"]
    old = graphviz.set_jupyter_format("png")
    try:
        bundle = dot._repr_mimebundle_()
        assert list(bundle) == ["image/png"] and bundle["image/png"].startswith(PNG)
        assert dot._repr_image_jpeg()[:3] == b"\xff\xd8\xff"
    finally:
        graphviz.set_jupyter_format(old)


def test_text_fits_its_box_in_any_monospace_font():
    svg = drawing().pipe(encoding="utf-8")
    root = ElementTree.fromstring(svg)
    families = {t.get("font-family") for t in root.iter(f"{SVG}text")}
    assert families == {"Courier,monospace"}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") != "node" or group.find(f"{SVG}polygon") is None:
            continue
        xs = [float(p.split(",")[0]) for p in group.find(f"{SVG}polygon").get("points").split()]
        width = max(xs) - min(xs)
        texts = [t.text for t in group.iter(f"{SVG}text")]
        # every monospace font (Courier New, Liberation Mono, DejaVu Sans Mono) is at most
        # 0.61 em a character: the texts side by side fit the record
        assert sum(0.61 * 14 * len(t) for t in texts) < width, (texts, width)


def _texts(drawing) -> list[tuple[str, float, float]]:
    """(text, x, y) of every text in the drawing laid out as SVG; x is the text's start."""
    root = ElementTree.fromstring(drawing.pipe(encoding="utf-8"))
    found = []
    for text in root.iter(f"{SVG}text"):
        x, width = float(text.get("x")), 0.6 * 14 * len(text.text or "")
        start = {"start": x, "middle": x - width / 2, "end": x - width}[text.get("text-anchor")]
        found.append((text.text or "", start, float(text.get("y"))))
    return found


def _curve_points(root) -> list[tuple[float, float]]:
    """Points along every edge of an SVG drawing (its cubic Béziers, 20 points each)."""
    points = []
    for group in root.iter(f"{SVG}g"):
        if group.get("class") != "edge":
            continue
        numbers = [float(v) for v in re.findall(r"-?[\d.]+", group.find(f"{SVG}path").get("d"))]
        xy = list(zip(numbers[::2], numbers[1::2]))
        for i in range(0, len(xy) - 3, 3):
            (x0, y0), (x1, y1), (x2, y2), (x3, y3) = xy[i:i + 4]
            for t in (k / 20 for k in range(21)):
                u = 1 - t
                points.append((u**3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x3,
                               u**3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t**3 * y3))
    return points


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize("sizes", [[4, 4, 1], [3, 3, 3, 1], [5, 5, 2]])
def test_draw_model_keeps_inputs_and_neurons_in_order_and_edges_off_titles(rankdir, sizes):
    nin = 3
    drawing = draw_model(MLP(nin, sizes, rng=random.Random(1)), rankdir=rankdir)
    texts = _texts(drawing)
    across = 2 if rankdir == "LR" else 1  # units follow one another down (y), or across (x)
    where: dict[str, list[float]] = {}
    for text, x, y in texts:
        found = re.fullmatch(r"(x\d|neuron \d+) ?.*", text)
        if found:
            where.setdefault(found.group(1), []).append((x, y)[across - 1])
    for layer, width in enumerate(sizes):  # x0, x1, x2 and neuron 0, 1, ... in each layer
        places = [where[f"neuron {j}"][layer] for j in range(width)]
        assert places == sorted(places), (layer, places)
    inputs = [where[f"x{i}"][0] for i in range(nin)]
    assert inputs == sorted(inputs)
    # no edge runs through a layer's title
    root = ElementTree.fromstring(drawing.pipe(encoding="utf-8"))
    points = _curve_points(root)
    titles = [(x, y, text) for text, x, y in texts if re.match(r"layer \d|\d+ neurons?,", text)]
    assert len(titles) == len(sizes) * (1 if rankdir == "LR" else 2)
    for x, y, text in titles:
        right = x + 0.6 * 14 * len(text)
        crossing = [(px, py) for px, py in points if x <= px <= right and y - 12 <= py <= y + 3]
        assert not crossing, (text, crossing[:3])


def test_a_long_chain_runs_top_down_and_a_huge_graph_draws_its_readable_part():
    from nanograd import LargeGraphWarning
    from nanograd.drawing.dot import MAX_NODES

    x = Scalar(0.1, label="x")
    y = x
    for _ in range(30):
        y = (y * 0.9).tanh()
    assert draw_dot(y).graph_attr["rankdir"] == "TB"  # 60 deep, 1 wide: a column, not a strip
    assert draw_dot(x * 2 + x.exp()).graph_attr["rankdir"] == "LR"  # a small graph: across
    model = MLP(2, [16, 16, 1], activation="relu", rng=random.Random(0))
    from nanograd.losses import hinge_loss

    loss = hinge_loss([model([i / 20, 1 - i / 20]) for i in range(40)], [1, -1] * 20)
    with pytest.warns(LargeGraphWarning, match="120 layer applications as a block, the 200 near"):
        dot = draw_dot(loss)  # 26,000 nodes: a block per layer and sample, then the nearest
    blocks = dot.source.count("shape=Mrecord")
    assert 0 < blocks and blocks + dot.source.count("shape=record") == MAX_NODES <= 200
    assert "layer L2 | 1 neuron (tanh)" in dot.source and "layer L1 | 16 neurons (relu)" in dot.source


def test_a_big_network_loss_draws_a_block_per_neuron_applied():
    from nanograd import LargeGraphWarning
    from nanograd.losses import hinge_loss

    model = MLP(2, [4, 4, 1], rng=random.Random(3))
    xs = [[i / 4, 1 - i / 4] for i in range(4)]
    loss = hinge_loss([model(x) for x in xs], [1, -1, 1, -1])
    with pytest.warns(LargeGraphWarning, match="36 neuron applications as a block"):
        dot = draw_dot(loss)
    assert dot.source.count("shape=Mrecord") == 4 * (4 + 4 + 1)  # each neuron, each sample
    assert "w0" not in dot.source  # parameters are inside their blocks
    # the first layer's blocks show each neuron's output, computed here by hand
    for x in xs:
        for j, neuron in enumerate(model.layers[0].neurons):
            value = math.tanh(sum(w.data * xi for w, xi in zip(neuron.weights, x)) + neuron.bias.data)
            assert f"neuron L0.N{j} (tanh) | data {value:.4f}" in dot.source
    assert ">loss<" in dot.pipe(encoding="utf-8")  # the output still drawn as itself, laid out
