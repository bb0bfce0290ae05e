"""docs/tutorial.ipynb and docs/teachers.ipynb run top to bottom in a fresh kernel (nbclient, a
time bound per cell), so the notebooks cannot rot: their own asserts check each number they show
against another way of getting it, and these tests check what each part displays."""
from __future__ import annotations

from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
CELL_SECONDS = 120  # the training cell takes a few seconds; a hang fails instead of waiting


def run_notebook(name: str, folder: Path) -> list:
    """Execute docs/`name` in `folder` and return every code cell's outputs, in order."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.read(DOCS / name, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=CELL_SECONDS, kernel_name="python3",
                                     resources={"metadata": {"path": str(folder)}})
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on any error
    shown = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in shown if o.output_type == "error"]
    return shown


def test_the_tutorial_runs_and_shows_what_it_says(tmp_path):
    shown = run_notebook("tutorial.ipynb", tmp_path)
    kinds = [set(o.get("data", {})) for o in shown]
    assert {"image/svg+xml"} <= kinds[1]  # the neuron drawn inline, with no system Graphviz
    assert any("text/markdown" in k for k in kinds)  # the explanation as math
    pages = [o["data"]["text/html"] for o in shown if "text/html" in o.get("data", {})]
    assert len(pages) == 1 and pages[0].startswith("<iframe srcdoc=")  # the stepper inline
    text = "".join(o.get("text", "") for o in shown)
    assert "where v1 = w * x; v2 = v1 + b; out = tanh(v2)" in text
    assert "right: proved symbolically" in text and "wrong: at w = -0.5" in text
    assert "accuracy" in text


def test_the_teachers_notebook_grades_a_class_and_marks_a_step(tmp_path):
    text = "".join(o.get("text", "") for o in run_notebook("teachers.ipynb", tmp_path))
    assert "fay  invalid  ParseError" in text  # a row that cannot be read, and why
    assert "most common mistakes: chain-rule (2), quotient-rule (1)" in text
    assert "the inner derivative left out, at sin(x**2)" in text  # Ann's diagnosis
    marked = text[text.index("d/dx(x*sin(x**2))"):]
    assert "2. trig derivative with the chain rule" in marked
    assert marked.index("^ your answer went wrong here") > marked.index("2. trig derivative")
