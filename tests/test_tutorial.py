"""docs/tutorial.ipynb runs top to bottom in a fresh kernel (nbclient, a time bound per cell),
so the tutorial cannot rot: its own asserts check each number it shows against another way of
getting it, and this test checks what each part displays."""
from __future__ import annotations

from pathlib import Path

import pytest

TUTORIAL = Path(__file__).resolve().parent.parent / "docs" / "tutorial.ipynb"
CELL_SECONDS = 120  # the training cell takes a few seconds; a hang fails instead of waiting


def test_the_tutorial_runs_and_shows_what_it_says(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.read(TUTORIAL, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=CELL_SECONDS, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on any error
    shown = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in shown if o.output_type == "error"]
    kinds = [set(o.get("data", {})) for o in shown]
    assert {"image/svg+xml"} <= kinds[1]  # the neuron drawn inline, with no system Graphviz
    assert any("text/markdown" in k for k in kinds)  # the explanation as math
    pages = [o["data"]["text/html"] for o in shown if "text/html" in o.get("data", {})]
    assert len(pages) == 1 and pages[0].startswith("<iframe srcdoc=")  # the stepper inline
    text = "".join(o.get("text", "") for o in shown)
    assert "where v1 = w * x; v2 = v1 + b; out = tanh(v2)" in text
    assert "right: proved symbolically" in text and "wrong: at w = -0.5" in text
    assert "accuracy" in text
