"""The stepper page: one self-contained file that plays forward evaluation and backprop. Played
in a real headless Chromium (skipped where none is installed): every frame clicked through, the
values and gradients it shows checked against derivatives worked out by hand."""
from __future__ import annotations

import math
import re

import pytest
from browser import Browser, find_chromium

from nanograd import Scalar, stepper
from nanograd.core import topological_order


def lesson():
    """out = 2 * tanh(a*b + a) - b at a = 0.5, b = 0.4, every node labelled; by hand:
    d out/d t = 2, d out/d s = 2 (1 - t**2), d out/d p = d out/d s, and
    d out/d a = d out/d s * (b + 1), d out/d b = d out/d s * a - 1."""
    a, b = Scalar(0.5, label="a"), Scalar(0.4, label="b")
    p = a * b; p.label = "p"
    s = p + a; s.label = "s"
    t = s.tanh(); t.label = "t"
    u = 2 * t; u.label = "u"
    out = u - b; out.label = "out"
    ds = 2 * (1 - math.tanh(0.7) ** 2)
    hand = {"out": 1.0, "u": 1.0, "t": 2.0, "s": ds, "p": ds, "a": ds * 1.4, "b": ds * 0.5 - 1}
    values = {"a": 0.5, "b": 0.4, "p": 0.2, "s": 0.7, "t": math.tanh(0.7), "u": 2 * math.tanh(0.7),
              "out": 2 * math.tanh(0.7) - 0.4}
    return out, hand, values


def test_the_page_is_one_offline_file(tmp_path):
    out, hand, _ = lesson()
    out.backward()
    out.backward()  # gradients left over from earlier passes: the stepper starts from zero
    page = stepper(out)
    html = page.html
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html and "<script>" in html
    # nothing fetched: no external script, style sheet, image or font; only XML namespaces
    assert not re.search(r"<(link|img|iframe)\b|<script[^>]+src=|@import|url\(", html)
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) <= {
        "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert page.steps == 2 * len(topological_order(out))
    assert {n.label: n.grad for n in topological_order(out)} == pytest.approx(hand, rel=1e-12)
    saved = page.save(tmp_path / "lesson" / "page.html")
    assert saved.read_text(encoding="utf-8") == html
    frame = page._repr_html_()  # Jupyter: the page in a frame of its own
    assert frame.startswith("<iframe srcdoc=") and "<script>" not in frame


@pytest.fixture(scope="module")
def browser():
    program = find_chromium()
    if program is None:
        pytest.skip("no Chromium installed (apt install chromium): the page is not played")
    chrome = Browser(program)
    yield chrome
    chrome.close()


ROWS = """Array.from(document.querySelectorAll('#values tbody tr')).map(tr => [tr.dataset.node,
  tr.children[1].dataset.value, tr.children[2].dataset.value, tr.classList.contains('current')])"""
STATE = f"""({{frame: Number(document.body.dataset.frame), phase: document.getElementById('phase').className,
  lines: Array.from(document.querySelectorAll('#lines li')).map(li => li.textContent),
  current: Array.from(document.querySelectorAll('#graph g.node.current title')).map(t => t.textContent),
  lit: document.querySelectorAll('#graph g.edge.forward, #graph g.edge.backward').length,
  next: document.getElementById('next').disabled, rows: {ROWS}}})"""


def test_clicking_through_every_frame_shows_the_hand_worked_numbers(tmp_path, browser):
    out, hand, values = lesson()
    order = topological_order(out)
    uid = {n.label: str(id(n)) for n in order}
    path = stepper(out).save(tmp_path / "page.html")
    browser.open(path)
    seen = []
    for k in range(2 * len(order)):
        state = browser.evaluate(STATE)
        assert state["frame"] == k
        [(name, *_)] = [row for row in state["rows"] if row[3]]  # one current node
        node = next(n for n in order if n.label == name)
        expected_current = {uid[name]} | ({uid[name] + "op"} if node.op else set())
        assert set(state["current"]) == expected_current  # highlighted in the drawing
        assert state["lit"] == (len(node.inputs) - sum(not isinstance(i, Scalar) for i in node.inputs)
                                + 1 if node.op else 0)  # its input edges and its own
        rows = {row[0]: row for row in state["rows"]}
        if state["phase"] == "forward":
            assert name == order[k].label  # forward: in topological order
            for known in order[:k + 1]:
                assert float(rows[known.label][1]) == pytest.approx(values[known.label], rel=1e-12)
            for unknown in order[k + 1:]:
                assert rows[unknown.label][1] == ""
            if node.op:
                assert f"= {values[name]:.4g}" in state["lines"][1]
        else:
            assert state["phase"] == "backward"
            assert name == order[2 * len(order) - 1 - k].label  # backward: in reverse
            # the current node's gradient is final when its step comes: the hand-worked one
            assert float(rows[name][2]) == pytest.approx(hand[name], rel=1e-12)
            if node.op:  # the chain rule's arithmetic, one line per input
                assert sum(".grad += " in line for line in state["lines"]) == len(node.inputs) - sum(
                    not isinstance(i, Scalar) for i in node.inputs)
        seen.append(name)
        assert state["next"] == (k == 2 * len(order) - 1)
        browser.evaluate("document.getElementById('next').click()")
    assert browser.evaluate("Number(document.body.dataset.frame)") == 2 * len(order) - 1  # stays
    final = {row[0]: float(row[2]) for row in browser.evaluate(ROWS)}
    assert final == pytest.approx(hand, rel=1e-12)
    # the arrow keys and the slider move too
    browser.press("ArrowLeft")
    browser.press("ArrowLeft")
    assert browser.evaluate("Number(document.body.dataset.frame)") == 2 * len(order) - 3
    browser.press("ArrowRight")
    assert browser.evaluate("Number(document.body.dataset.frame)") == 2 * len(order) - 2
    browser.evaluate("const s = document.getElementById('slider'); s.value = 3; "
                     "s.dispatchEvent(new Event('input'))")
    assert browser.evaluate("Number(document.body.dataset.frame)") == 3
    assert browser.evaluate("document.getElementById('phase').textContent").startswith("Forward, node 4")


def page_data(html: str) -> dict:
    """The frames a page plays, read back from its script."""
    import json

    return json.loads(re.search(r"const DATA = (.*);\n", html).group(1).replace("<\\/", "</"))


def test_the_command_writes_the_page(tmp_path):
    import subprocess
    import sys

    args = [sys.executable, "-m", "nanograd", "stepper", "tanh(w*x + b)", "--at", "w=0.5,x=2,b=-0.2"]
    done = subprocess.run(args + ["-o", "neuron.html"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    data = page_data((tmp_path / "neuron.html").read_text(encoding="utf-8"))
    last = data["frames"][-1]["grads"]
    grads = {node["name"]: g for node, g in zip(data["nodes"], last)}
    slope = 1 - math.tanh(0.8) ** 2  # by hand: d tanh(w x + b) = (1 - tanh**2) (x dw + w dx + db)
    assert grads["w"] == pytest.approx(slope * 2) and grads["x"] == pytest.approx(slope * 0.5)
    assert grads["b"] == pytest.approx(slope)
    refused = subprocess.run(args + ["-o", "neuron.png"], cwd=tmp_path, capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "web page" in refused.stderr


def test_a_wide_and_a_tall_graph_stay_readable_with_the_current_node_in_view(tmp_path, browser):
    xs = [Scalar(0.1 * i, label=f"x{i}") for i in range(6)]
    ws = [Scalar(0.2 - 0.1 * i, label=f"w{i}") for i in range(6)]
    wide = sum((w * x for w, x in zip(ws, xs)), Scalar(0.1, label="b")).tanh()
    tall = Scalar(0.3, label="x")
    for _ in range(10):
        tall = (tall * 0.9).tanh()
    for name, out in (("wide", wide), ("tall", tall)):
        browser.open(stepper(out).save(tmp_path / f"{name}.html"))
        scale = browser.evaluate("""(() => { const s = document.querySelector('#graph svg');
          return s.getBoundingClientRect().width / s.width.baseVal.value; })()""")
        assert scale >= 0.74, (name, scale)  # text never shrunk past reading
        for frame in (0, len(topological_order(out)) - 1, 2 * len(topological_order(out)) - 1):
            browser.evaluate(f"""(() => {{ const s = document.getElementById('slider');
              s.value = {frame}; s.dispatchEvent(new Event('input')); }})()""")
            inside = browser.evaluate("""(() => {
              const a = document.querySelector('#graph g.node.current').getBoundingClientRect();
              const b = document.getElementById('graph').getBoundingClientRect();
              return a.left >= b.left && a.right <= b.right && a.top >= b.top && a.bottom <= b.bottom;
            })()""")
            assert inside, (name, frame)  # the node of the step is scrolled into view


HOSTILE = ["<script>window.pwned = 1</script>", "</script><script>window.pwned = 2</script>",
           '<img src=x onerror="window.pwned = 3">', "<!--<script>", "{{data}} {{svg}} & \"q\" 'a'"]


def hostile_graph():
    """Every label a piece of markup (or a placeholder of the page's template)."""
    leaves = [Scalar(0.1 * (i + 1), label=text) for i, text in enumerate(HOSTILE)]
    out = (leaves[0] ** 2).tanh() + leaves[1] * leaves[2] - leaves[3] / (leaves[4] + 2)
    out.label = "<b>out</b> & </script>"
    return out


def test_labels_are_text_not_markup_in_the_page():
    page = stepper(hostile_graph()).html
    for text in HOSTILE + ["<b>out</b>"]:
        assert text not in page  # not as markup, and not raw in the script's JSON either
    script = page[page.index("const DATA = "):]
    assert "<!--" not in script and script.count("</script>") == 1  # its own end, nothing else
    assert page.count("<script>") == 1
    names = [node["name"] for node in page_data(page)["nodes"]]
    assert set(HOSTILE) <= set(names)  # the labels themselves come back from the data, unchanged


def test_a_page_of_hostile_labels_runs_no_script_and_shows_them_as_text(tmp_path, browser):
    out = hostile_graph()
    browser.open(stepper(out).save(tmp_path / "hostile.html"))
    assert browser.evaluate("typeof window.pwned") == "undefined"
    shown = browser.evaluate("Array.from(document.querySelectorAll('#values tbody tr')).map("
                             "tr => tr.children[0].textContent)")
    assert set(HOSTILE) | {out.label} <= set(shown)
    assert browser.evaluate("document.title") == f"nanograd stepper: {out.label}"
    texts = browser.evaluate("Array.from(document.querySelectorAll('#graph text')).map(t => t.textContent)")
    assert set(HOSTILE) <= set(texts)  # the drawing writes each label literally
    browser.evaluate("const s = document.getElementById('slider'); s.value = s.max; "
                     "s.dispatchEvent(new Event('input'))")
    assert browser.evaluate("typeof window.pwned") == "undefined"
