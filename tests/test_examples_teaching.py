"""Smoke tests of the teaching examples, run as scripts with --out: they exit 0, say what the
chain rule gives (checked against math), and leave valid pictures in the folder they make."""
from __future__ import annotations

import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run(name: str, out: Path) -> str:
    done = subprocess.run([sys.executable, str(EXAMPLES / name), "--out", str(out)],
                          capture_output=True, text=True, timeout=300, cwd=out.parent)
    assert done.returncode == 0, done.stderr
    return done.stdout


def check_svg(path: Path) -> list[str]:
    root = ElementTree.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return [t.text for t in root.iter("{http://www.w3.org/2000/svg}text") if t.text]


def test_chain_rule(tmp_path, pure_python_reference):
    _, gradients = pure_python_reference
    out = tmp_path / "pictures"
    text = run("chain_rule.py", out)
    assert "path 1: m <- l <- j <- i <- h <- g <- f <- e <- d <- c <- a" in text
    found = re.search(r"^d m/d a = (\S+) \(the sum over 1 path\)$", text, re.MULTILINE)
    assert found and math.isclose(float(found.group(1)), gradients["a"], rel_tol=1e-5)
    assert set(check_svg(out / "chain_rule.svg")) >= set("abcdefghijklm")
    assert "tanh(a/2 + b/2)" in check_svg(out / "chain_rule_a.svg")
    assert (out / "chain_rule_b.png").read_bytes()[:8] == PNG_SIGNATURE
    assert (out / "chain_rule.md").read_text(encoding="utf-8").startswith(r"$$\frac{\partial m}")


def test_manual_backprop(tmp_path):
    out = tmp_path / "frames"
    text = run("manual_backprop.py", out)
    # the PyTorch-style nanograd's example: out = (a*b + c) * (k + b) at a=5, b=2, c=3, k=2
    assert ("step 1: out = e * f (mul), grad 1 (the seed; every other gradient starts at 0): "
            "e.grad += 1 x 4 = +4; f.grad += 1 x 13 = +13") in text
    assert "step 6: d = a * b (mul), grad 4: a.grad += 4 x 2 = +8; b.grad += 4 x 5 = +20" in text
    assert "gradients: a 8, b 33, c 4, k 13, d 4, e 4, f 13, out 1" in text
    assert "the same as backward() gives: yes" in text
    frames = sorted(out.glob("step_*.svg"))
    assert len(frames) == 8
    for frame in frames:
        check_svg(frame)


def test_neuron(tmp_path):
    out = tmp_path / "neuron"
    text = run("neuron.py", out)
    # o = tanh(2*(-3) + 0*1 + 6.8814), 1 - o**2 = 0.5: d o/d w1 = x1 * 0.5, d o/d x1 = w1 * 0.5
    o = math.tanh(2 * -3 + 6.8813735870195432)
    assert f"= {o:.4f}" in text.splitlines()[0]
    rows = dict(re.findall(r"^d o/d (\w+)\s*= .*= ([+-]\d\.\d{4})\s+\(backprop: \2\)$", text, re.MULTILINE))
    slope = 1 - o * o
    expected = {"x1": -3 * slope, "w1": 2 * slope, "x2": 1 * slope, "w2": 0.0, "b": slope}
    assert {k: float(v) for k, v in rows.items()} == {k: round(v, 4) for k, v in expected.items()}
    assert "x1*(1 - tanh(b + w1*x1 + w2*x2)**2)" in text
    assert "o" in check_svg(out / "neuron.svg")
    assert "layer 0: 4 neurons, 16 parameters" in check_svg(out / "mlp.svg")
