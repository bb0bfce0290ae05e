"""Mutation testing of nanograd's heart: plant one small bug at a time and see a test fail.

    python tools/mutate.py                  # every target file (a few minutes per file)
    python tools/mutate.py --file core/walks.py --list      # the mutants, without running
    python tools/mutate.py --only 12,40     # rerun some mutants, by number

Targets: the table (core/ops.py), the walks (core/walks.py), the Scalar (core/scalar.py) and
the symbolic backprop (symbolic/backprop.py). Each mutant is one AST change (an operator or a
comparison swapped, a constant moved by one, a condition negated, a statement removed); it is
written into a scratch copy of the package and the fast tests aimed at that file are run
against it, with a time limit. A mutant is killed when a test fails, errors or times out. This
is a tool, not a test: run it on demand (it takes CPU), and read the survivors by hand: some
are equivalent (the program means the same), the rest are tests to write. Mutants judged
equivalent are listed in EQUIVALENT below with the reason, so the score counts the others.
"""
from __future__ import annotations

import argparse
import ast
import copy
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Per target, the fast tests that should notice a bug in it.
TARGETS: dict[str, list[str]] = {
    "core/ops.py": ["tests/test_ops.py", "tests/test_numbers_edges.py", "tests/test_core_contracts.py",
                    "tests/test_gradcheck_edges.py"],
    "core/walks.py": ["tests/test_graph.py", "tests/test_graph_state.py", "tests/test_core_contracts.py",
                      "tests/test_steps.py", "tests/test_ops.py"],
    "core/scalar.py": ["tests/test_scalar.py", "tests/test_core_contracts.py", "tests/test_numbers_edges.py",
                       "tests/test_graph_state.py", "tests/test_ops.py",
                       "tests/test_graph.py::test_rich_repr_yields_the_fields"],
    "symbolic/backprop.py": ["tests/test_symbolic_contracts.py", "tests/test_symbolic.py",
                             "tests/test_symbolic_leaves.py", "tests/test_properties.py",
                             "tests/test_symengine.py"],
}
TIME_LIMIT = 60.0  # seconds per mutant: an infinite loop counts as killed
# Slow tests left out of mutant runs (subprocesses, 100,000-node chains): they test other things.
SLOW = ("not deep_chain and not depend_on_the_graph_only and not x_to_the_pi and not trained_model"
        " and not mlp_losss_41")
# Survivors judged equivalent, and why; see the module docstring. Keyed by what survives an edit
# elsewhere in the file: (file, enclosing function, description, the original line's code).
EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    ("core/ops.py", "_relu", "Gt -> GtE", "return x if x > 0.0 else 0.0"):
        "relu at 0 returns x, which is 0 (or -0.0, equal to 0): the same number either way",
    ("core/ops.py", "_reciprocal", "Lt -> LtE",
     "return inverse if -math.inf < inverse < math.inf else _Reciprocal(x, scale)"):
        "only log, log10 and log2 take reciprocals, of x > 0: the inverse is never -inf",
    ("core/ops.py", "_sigmoid", "GtE -> Gt", "if x >= 0.0:"):
        "at 0 both branches give 0.5 exactly",
    ("core/ops.py", "_sigmoid", "0.0 -> 1.0", "if x >= 0.0:"):
        "on [0, 1) both formulas are exact to an ulp and no exp can overflow: the branch point "
        "only keeps exp's argument small",
    ("core/ops.py", "_csch", "USub removed", "return math.copysign(2.0 * e / -math.expm1(-2.0 * abs(x)), x)"):
        "copysign reads only the magnitude of its first argument",
    ("core/scalar.py", "_real", "And -> Or", "if type(value) is not float and type(value) is not int:"):
        "only a shortcut: an int or a float passes the general test below as well",
    ("core/scalar.py", "_constant", "USub removed", "if type(value) is float and -_INF < value < _INF:"):
        "only a shortcut: the general path returns the same float and refuses the same inf and nan",
    ("symbolic/backprop.py", "<module>", "60 -> 61", "SMALL = 60"):
        "a tuning constant, where evaluation stops paying: the tests pin the behaviour either side "
        "of SMALL, whatever its value",
    ("symbolic/backprop.py", "SympyBuilder.build", "1 -> 2",
     "self.size[id(expr)] = (expr, tree_size(expr) if small else SMALL + 1)"):
        "any size over SMALL decides the same: sizes are summed, and one operand over SMALL is "
        "already too large",
    ("core/scalar.py", "apply", "80 -> 81", 'f"{type(op).__name__} {shown(op)[:80]}{hint}")'):
        "a display limit: the message shows the start of what was given, any length serves",
    ("core/walks.py", "_propagate", "statement removed: node = None", "node = None"):
        "read only by the error handler, after the loop has bound it: order is never empty",
}

_SWAPS: dict[type, type] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.Pow: ast.Mult,
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In,
    ast.And: ast.Or, ast.Or: ast.And,
}


@dataclass
class Mutant:
    number: int
    file: str
    line: int
    description: str
    source: str
    function: str  # the enclosing def (Class.method), or "<module>"
    text: str  # the original line, without its comment

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What EQUIVALENT is keyed by: unchanged when lines move."""
        return self.file, self.function, self.description, self.text


def _is_docstring(node: ast.AST, parent: ast.AST | None) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str))


def _skipped(node: ast.AST) -> bool:
    """Code whose mutation means nothing at run time: annotations, TYPE_CHECKING blocks."""
    return isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _candidates(tree: ast.Module):
    """(path to a node, what to do) for every mutation of the tree, in source order."""
    def visit(node: ast.AST, path: tuple, in_annotation: bool):
        if _skipped(node):
            return
        for field, value in ast.iter_fields(node):
            annotation = in_annotation or field in ("annotation", "returns")
            children = value if isinstance(value, list) else [value]
            for i, child in enumerate(children):
                if not isinstance(child, ast.AST):
                    continue
                where = path + ((field, i if isinstance(value, list) else None),)
                if not annotation:
                    yield from _mutations(child, where, node, field)
                yield from visit(child, where, annotation)

    yield from visit(tree, (), False)


def _mutations(node: ast.AST, where: tuple, parent: ast.AST, field: str):
    if isinstance(node, (ast.operator, ast.cmpop, ast.boolop)) and type(node) in _SWAPS:
        yield where, f"{type(node).__name__} -> {_SWAPS[type(node)].__name__}", \
            lambda n: _SWAPS[type(n)]()
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float) \
            and not isinstance(node.value, bool):
        yield where, f"{node.value!r} -> {node.value + 1!r}", \
            lambda n: ast.Constant(n.value + 1)
    elif isinstance(node, ast.If) or isinstance(node, ast.IfExp):
        yield where, "condition negated", _negated
    elif isinstance(node, (ast.Assign, ast.AugAssign, ast.Expr, ast.Raise)) \
            and isinstance(parent, (ast.FunctionDef, ast.For, ast.While, ast.If, ast.Try,
                                    ast.ExceptHandler, ast.With)) \
            and not _is_docstring(node, parent):
        yield where, f"statement removed: {ast.unparse(node).splitlines()[0][:50]}", \
            lambda n: ast.Pass()
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
        yield where, f"{type(node.op).__name__} removed", lambda n: n.operand


def _negated(node: ast.AST) -> ast.AST:
    node.test = ast.UnaryOp(ast.Not(), node.test)
    return node


def _apply(tree: ast.Module, where: tuple, change) -> ast.Module:
    mutated = copy.deepcopy(tree)
    parent = mutated
    for field, index in where[:-1]:
        value = getattr(parent, field)
        parent = value[index] if index is not None else value
    field, index = where[-1]
    value = getattr(parent, field)
    node = value[index] if index is not None else value
    replacement = change(node)
    if index is None:
        setattr(parent, field, replacement)
    else:
        value[index] = replacement
    return ast.fix_missing_locations(mutated)


def mutants(file: str, start: int = 1) -> list[Mutant]:
    text = (ROOT / "nanograd" / file).read_text()
    lines = text.splitlines()
    tree = ast.parse(text)
    found: list[Mutant] = []
    seen: dict[tuple, int] = {}
    for where, description, change in _candidates(tree):
        line, function = _place(tree, where)
        same = seen[function, line, description] = seen.get((function, line, description), 0) + 1
        if same > 1:  # the same change again on the line (two constants 1 in a row of the table)
            description += f" (#{same} on the line)"
        try:
            source = ast.unparse(_apply(tree, where, change))
        except Exception:  # noqa: BLE001 (a mutation that makes no valid program: skip it)
            continue
        code = lines[line - 1].split("  # ")[0].strip()  # a comment edited leaves the key valid
        found.append(Mutant(start + len(found), file, line, description, source, function, code))
    return found


def _place(tree: ast.Module, where: tuple) -> tuple[int, str]:
    """The line of the node at `where` (its own, or its nearest ancestor's) and the enclosing def."""
    node, line, names = tree, 0, []
    for field, index in where:
        value = getattr(node, field)
        node = value[index] if index is not None else value
        line = getattr(node, "lineno", line)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
    return line, ".".join(names) or "<module>"


def run(mutant: Mutant, scratch: Path) -> tuple[bool, float]:
    """Whether the tests kill `mutant` (fail, error or time out), and how long they took."""
    target = scratch / "nanograd" / mutant.file
    original = target.read_text()
    target.write_text(mutant.source)
    env = {**os.environ, "PYTHONPATH": str(scratch), "NANOGRAD_PROFILE": "ci",
           "PYTHONDONTWRITEBYTECODE": "1"}
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                               "-k", SLOW, *TARGETS[mutant.file]], cwd=scratch, env=env, capture_output=True,
                              timeout=TIME_LIMIT)
        killed = done.returncode != 0
    except subprocess.TimeoutExpired:
        killed = True
    finally:
        target.write_text(original)
    return killed, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", action="append", choices=list(TARGETS),
                        help="a target file (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--only", help="comma-separated mutant numbers to run")
    args = parser.parse_args(argv)
    everything: list[Mutant] = []
    for file in TARGETS:
        everything += mutants(file, start=len(everything) + 1)
    for key in EQUIVALENT.keys() - {m.key for m in everything}:  # its line was edited: judge again
        print(f"stale EQUIVALENT entry, no such mutant now: {key!r}", file=sys.stderr)
    chosen = [m for m in everything if not args.file or m.file in args.file]
    if args.only:
        numbers = {int(n) for n in args.only.split(",")}
        chosen = [m for m in chosen if m.number in numbers]
    if args.list:
        for m in chosen:
            print(f"{m.number:4} {m.file}:{m.line}  {m.description}")
        print(f"{len(chosen)} mutants")
        return 0
    with tempfile.TemporaryDirectory() as directory:
        scratch = Path(directory)
        shutil.copytree(ROOT / "nanograd", scratch / "nanograd",
                        ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(ROOT / "tests", scratch / "tests", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(ROOT / "pyproject.toml", scratch / "pyproject.toml")
        survivors, equivalent, killed = [], [], 0
        for m in chosen:
            dead, seconds = run(m, scratch)
            reason = EQUIVALENT.get(m.key)
            status = "killed" if dead else "equivalent" if reason else "SURVIVED"
            print(f"{m.number:4} {status:10} {seconds:5.1f}s {m.file}:{m.line}  {m.description}",
                  flush=True)
            if dead:
                killed += 1
            elif reason:
                equivalent.append(m)
            else:
                survivors.append(m)
    real = len(chosen) - len(equivalent)
    print(f"\nmutation score: {killed} of {real} non-equivalent mutants killed "
          f"({100 * killed / max(real, 1):.1f}%); {len(equivalent)} judged equivalent")
    for m in survivors:
        print(f"  survived: #{m.number} {m.file}:{m.line}  {m.description}\n    key: {m.key!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
