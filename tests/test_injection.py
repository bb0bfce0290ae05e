"""No path from text to code: every public function that takes text is fed known injection
payloads, and none may run them (each payload would create a marker file if it ran).

The public functions are enumerated from the facade's `__all__`: each callable is either listed
here with the way it takes text, or listed as taking none, so a new one must be classified.
"""
from __future__ import annotations

import os

import pytest

import nanograd
from nanograd import Scalar

PAYLOADS = [
    "__import__('os').system('touch {marker}') + x",
    "__import__('os').system('touch {marker}')",
    "exec(\"open('{marker}', 'w')\")",
    "eval(\"open('{marker}', 'w')\")",
    "open('{marker}', 'w')",
    "(lambda: open('{marker}', 'w'))()",
    "().__class__.__bases__[0].__subclasses__()",
    "x.__class__.__init__.__globals__",
    "Symbol('x').func.__globals__['__builtins__']['open']('{marker}', 'w')",
    "x; import os; os.system('touch {marker}')",
    "x\nimport os",
    "x\nopen('{marker}', 'w')",
    "f'{{open(\"{marker}\", \"w\")}}'",
    "Function('open')('{marker}', 'w')",
    "S('open(\"{marker}\", \"w\")')",
]


def _graph() -> tuple[Scalar, Scalar]:
    x = Scalar(1.5, label="x")
    return x, x * x + x.sin()


def _with_label(text: str) -> None:
    # a leaf named by the payload: names become sympy symbols and lambdify's arguments
    leaf = Scalar(2.0, label=text)
    out = leaf * leaf
    out.backward()
    nanograd.grad_expr(out, wrt=leaf)
    nanograd.grad_function(out, [leaf])()
    nanograd.evaluate(out.expr, out)
    nanograd.verify(out, leaf, nanograd.grad_expr(out, wrt=leaf))
    nanograd.format_tree(out)
    nanograd.draw_dot(out, show_expr=True).source
    str(nanograd.explain(out, wrt=leaf))


def _labelled_graph(text: str) -> tuple[Scalar, Scalar]:
    leaf = Scalar(2.0, label=text)
    inner = leaf.sin()
    inner.label = text + "'"  # an intermediate node named by the payload too
    return leaf, leaf * leaf + inner


def _compiled(text: str) -> None:
    # labels end up in the generated source, as comments: a newline must not start a statement
    leaf, out = _labelled_graph(text)
    f = nanograd.compile(out, [leaf])
    f([1.0])
    f.source


def _batched(text: str) -> None:
    pytest.importorskip("numpy")
    leaf, out = _labelled_graph(text)
    data = Scalar(1.0, label=text + "_x")
    f = nanograd.compile_batch(out * data, [leaf], [data])
    f([[0.5, 1.5]])


def _shown(text: str, show) -> None:
    leaf, out = _labelled_graph(text)
    str(show(out, leaf))


def _with_sym(text: str) -> None:
    leaf = Scalar(2.0, sym=text)
    out = (leaf * 3).exp()
    nanograd.grad_function(out, [leaf])()
    nanograd.evaluate(nanograd.grad_expr(out, wrt=leaf), out)


# name in __all__ -> a call that hands it the text
TAKES_TEXT = {
    "parse": lambda text: nanograd.parse(text),
    "evaluate": lambda text: nanograd.evaluate(text, {"x": 1.0}),
    "verify": lambda text: nanograd.verify(_graph()[1], _graph()[0], text),
    "from_sympy": lambda text: nanograd.from_sympy(text, {"x": 1.0}),
    "Scalar": lambda text: (_with_label(text), _with_sym(text)),
    "grad_expr": _with_label, "grad_function": _with_label, "GradientFunction": _with_label,
    "format_tree": _with_label, "draw_dot": _with_label, "explain": _with_label,
    "draw_model": lambda text: nanograd.draw_model(nanograd.nn.MLP(2, [2]), rankdir=text).source,
    "compile": _compiled,
    "compile_batch": _batched,
    "steps": lambda text: _shown(text, lambda out, leaf: nanograd.steps(out, wrt=leaf)),
    "trace": lambda text: _shown(text, lambda out, leaf: nanograd.trace(out, wrt=leaf).to_text()),
    "stepper": lambda text: _shown(text, lambda out, leaf: nanograd.stepper(out).html),
    "grade": lambda text: list(nanograd.grade([{"id": text, "expression": text, "wrt": "x",
                                                "claim": text, "at": text}])),
}
# callables whose text arguments are paths and formats (files, not code), or that take none
TAKES_NO_CODE = {
    "hessian_expr", "leaf_values", "render", "save_plot", "render_steps", "Verification", "Op",
    "backward", "topological_order", "backward_steps", "apply", "zero_grad", "collector_paused",
    "grad", "hessian", "hvp", "jacobian", "jvp", "CompiledGradient", "Jacobian", "Trace",
    "Stepper", "BatchGradient", "Derivation", "DerivationStep", "Diagnosis", "Mistake", "Verdict", "Summary",
}


def test_every_public_callable_is_classified():
    public = {name for name in nanograd.__all__ if callable(getattr(nanograd, name))
              and not (isinstance(getattr(nanograd, name), type)
                       and issubclass(getattr(nanograd, name), BaseException))}
    assert public - {"nn", "losses", "optim", "datasets"} <= set(TAKES_TEXT) | TAKES_NO_CODE
    assert set(TAKES_TEXT) | TAKES_NO_CODE <= public


@pytest.mark.parametrize("name", sorted(TAKES_TEXT))
def test_no_payload_runs(name, tmp_path):
    marker = tmp_path / "pwned"
    for payload in PAYLOADS:
        text = payload.format(marker=marker)
        try:
            TAKES_TEXT[name](text)
        except (nanograd.NanogradError, TypeError, ValueError, KeyError):
            pass  # refused: fine, as long as nothing ran
        assert not os.path.exists(marker), f"{name} ran {text!r}"
