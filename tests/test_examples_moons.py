"""Smoke tests of examples/moons.py: a short run in a subprocess, with and without matplotlib."""
from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "moons.py"
SHORT = ["--steps", "3", "--points", "40", "--seed", "0"]


def run_example(out: Path, hide_matplotlib: bool) -> str:
    """The example's output, run as a script; `hide_matplotlib` makes importing it fail."""
    argv = [str(EXAMPLE), *SHORT, "--out", str(out)]
    code = ("import runpy, sys\n"
            f"if {hide_matplotlib}: sys.modules['matplotlib'] = None\n"
            f"sys.argv = {argv!r}\n"
            "runpy.run_path(sys.argv[0], run_name='__main__')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def check_training_report(output: str) -> None:
    assert "MLP(2, [16, 16, 1], activation='relu', out_activation=None): 337 parameters" in output
    bars = re.findall(r"\[([#.]{30})\] (\d)/3 loss (\d+\.\d+), accuracy (\d+)%", output)
    assert [int(done) for _, done, _, _ in bars] == [1, 2, 3]
    assert bars[-1][0] == "#" * 30
    assert re.search(r"time per step: \d+ ms \(3 steps in \d+\.\d s\)", output)
    losses = [float(loss) for _, _, loss, _ in bars]
    assert len(set(losses)) == 3  # the model moved at every step
    final = re.search(r"after training, training accuracy (\d+\.\d)%", output)
    assert final and float(bars[0][3]) < float(final.group(1)) <= 100.0  # and learned something


def test_trains_and_says_so_without_matplotlib(tmp_path):
    out = tmp_path / "plots"
    output = run_example(out, hide_matplotlib=True)
    check_training_report(output)
    assert "matplotlib is not installed, so no plots were saved" in output
    assert not out.exists()


def test_saves_the_plots_with_matplotlib(tmp_path):
    if importlib.util.find_spec("matplotlib") is None:
        pytest.skip("matplotlib is not installed (the examples extra)")
    out = tmp_path / "new" / "plots"
    output = run_example(out, hide_matplotlib=False)
    check_training_report(output)
    for name in ("loss.png", "boundary.png"):
        assert f"saved {out / name}" in output
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
