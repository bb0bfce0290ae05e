"""The layout holds: layers import only the layers beneath them, no import cycle (lazy imports
included), lazy imports only to defer a heavy dependency, one error tree, and `import nanograd`
loads neither sympy nor graphviz. Checked by reading the source, so the layout cannot decay
silently."""
from __future__ import annotations

import ast
import builtins
import subprocess
import sys
from pathlib import Path

import pytest

import nanograd
from nanograd import NanogradError

PACKAGE = Path(nanograd.__file__).parent

# What each layer may import (besides itself). `errors` is beneath everything; the facade
# (nanograd/__init__.py and __main__.py) is above everything and imported by no module.
MAY_IMPORT = {
    "errors": set(),
    "core": {"errors"},
    "compiler": {"errors", "core"},
    "symbolic": {"errors", "core", "compiler"},
    "teaching": {"errors", "core", "symbolic"},
    "drawing": {"errors", "core", "symbolic", "teaching"},
    "nn": {"errors", "core", "compiler"},
    "calculus": {"errors", "core", "symbolic", "teaching"},
    "testing": {"errors", "core", "symbolic"},
    "cli": {"errors", "core", "compiler", "symbolic", "teaching", "drawing", "nn", "calculus"},
}
# Dependencies heavy enough to load only on first use.
HEAVY = {"sympy", "graphviz", "matplotlib", "numpy", "mpmath", "hypothesis", "torch", "symengine"}


def _modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _layer(module: str) -> str | None:
    """The layer a module belongs to; None for the facade."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] != "__main__" else None


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute name `from ... import` refers to, inside `module`."""
    if not node.level:
        return node.module or ""
    is_package = MODULES[module].name == "__init__.py"
    base = module.split(".")
    base = base[:len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str) -> list[tuple[str, ast.stmt, bool]]:
    """(imported module, statement, inside a function) for each import of `module`, lazy
    ones included, `if TYPE_CHECKING:` blocks excluded (they never run)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: list[tuple[str, ast.stmt, bool]] = []
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]
    while stack:
        node, lazy = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend((child, lazy) for child in node.orelse)
            continue
        if isinstance(node, ast.Import):
            found.extend((alias.name, node, lazy) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.append((sub if sub in MODULES else target, node, lazy))
        inner = lazy or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))
    return found


IMPORTS = {module: _imports(module) for module in MODULES}


def test_every_module_is_in_a_layer():
    layers = {_layer(m) for m in MODULES} - {None}
    assert layers == set(MAY_IMPORT), "a new package needs its place in MAY_IMPORT (and the README)"


@pytest.mark.parametrize("module", [m for m in MODULES if _layer(m)])
def test_a_layer_imports_only_the_layers_beneath_it(module):
    layer = _layer(module)
    for target, node, _ in IMPORTS[module]:
        if target.split(".")[0] != "nanograd":
            continue
        assert target != "nanograd", f"{module}:{node.lineno} imports the facade"
        other = _layer(target)
        assert other == layer or other in MAY_IMPORT[layer], (
            f"{module}:{node.lineno} ({layer}) imports {target} ({other})")


def test_no_import_cycle_lazy_imports_included():
    graph = {m: sorted({t for t, _, _ in IMPORTS[m] if t in MODULES and t != m}) for m in MODULES}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in graph:
        if start in state:
            continue
        path = [start]
        stack = [iter(graph[start])]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(graph[nxt]))


def _heavy() -> set[str]:
    """The package's modules that load a heavy dependency when imported (transitively)."""
    eager = {m: {t for t, _, lazy in IMPORTS[m] if not lazy} for m in MODULES}
    heavy = {m for m, targets in eager.items() if {t.split(".")[0] for t in targets} & HEAVY}
    grew = True
    while grew:
        more = {m for m, targets in eager.items() if targets & heavy} - heavy
        heavy |= more
        grew = bool(more)
    return heavy


def test_lazy_imports_only_defer_a_heavy_dependency_and_say_so():
    heavy = _heavy()
    problems = []
    for module, imports in IMPORTS.items():
        lines = MODULES[module].read_text(encoding="utf-8").splitlines()
        for target, node, lazy in imports:
            if not lazy:
                continue
            where = f"{module}:{node.lineno} imports {target} inside a function"
            if target.split(".")[0] not in HEAVY and target not in heavy:
                problems.append(f"{where}, but it is not heavy: import it at the top")
            # the comment is on the import, or on the first of a run of imports just above it
            first = node.lineno - 1
            while first > 0 and lines[first - 1].strip().startswith(("import ", "from ")):
                first -= 1
            if "#" not in lines[first] and "#" not in lines[node.lineno - 1]:
                problems.append(f"{where} without a comment saying what it defers")
    assert not problems, "\n".join(problems)


def test_import_nanograd_loads_neither_sympy_nor_graphviz():
    code = ("import sys, nanograd, nanograd.nn, nanograd.losses, nanograd.optim, nanograd.datasets\n"
            "x = nanograd.Scalar(0.5); (x * x).tanh().backward()\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(HEAVY)!r}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_old_submodule_names_still_import():
    code = ("import nanograd.losses, nanograd.optim, nanograd.datasets, nanograd.nn\n"
            "from nanograd.losses import mse_loss; from nanograd.optim import SGD\n"
            "from nanograd.datasets import make_moons; from nanograd.nn import MLP\n"
            "import nanograd.testing; print(nanograd.losses is nanograd.nn.losses)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"


def test_all_and_dir_agree_and_every_name_resolves():
    assert len(set(nanograd.__all__)) == len(nanograd.__all__)
    assert set(nanograd.__all__) <= set(dir(nanograd))
    for name in nanograd.__all__:
        assert getattr(nanograd, name) is not None, name


def _classes() -> list[tuple[str, str]]:
    """(module, class name) for every class the package defines at module level."""
    return [(m, node.name) for m, path in MODULES.items()
            for node in ast.parse(path.read_text(encoding="utf-8")).body if isinstance(node, ast.ClassDef)]


def test_every_public_exception_is_a_nanograd_error_with_its_standard_base():
    import importlib

    exceptions = []
    for module, name in _classes():
        cls = getattr(importlib.import_module(module), name)
        if isinstance(cls, type) and issubclass(cls, BaseException) and not issubclass(cls, Warning):
            exceptions.append(cls)
            if not name.startswith("_"):
                assert issubclass(cls, NanogradError), f"{module}.{name} is not a NanogradError"
                assert len(cls.__mro__) > 3, f"{module}.{name} has no standard base besides Exception"
    assert len(exceptions) >= 10
    exported = {id(getattr(nanograd, n)) for n in nanograd.__all__}
    public = [c for c in exceptions if not c.__name__.startswith("_")]
    assert [c for c in public if id(c) not in exported] == []


def test_no_two_public_classes_share_a_name_and_none_shadows_a_common_one():
    public = [(m, n) for m, n in _classes() if not n.startswith("_")]
    names = [n for _, n in public]
    assert sorted({n for n in names if names.count(n) > 1}) == []
    # names a reader already knows from Python and its standard library
    common = set(dir(builtins)) | {"Path", "Any", "Callable", "Enum", "Decimal", "Fraction"}
    assert [f"{m}.{n}" for m, n in public if n in common] == []


def test_no_assert_in_the_package():
    """Checks raise: an assert vanishes under `python -O`."""
    found = [f"{m}:{node.lineno}" for m, path in MODULES.items()
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Assert)]
    assert found == []


def test_no_module_imports_another_modules_private_names():
    found = [f"{m}:{node.lineno} imports {alias.name} from {t}"
             for m, imports in IMPORTS.items() for t, node, _ in imports
             if isinstance(node, ast.ImportFrom) and t.startswith("nanograd")
             for alias in node.names if alias.name.startswith("_") and t != m]
    assert found == []


def test_command_line_functions_do_not_shadow_library_functions():
    cli = [m for m in MODULES if _layer(m) == "cli"]
    defined = {node.name for m in cli for node in ast.parse(MODULES[m].read_text(encoding="utf-8")).body
               if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")}
    assert defined & set(nanograd.__all__) == set()


def test_the_code_speaks_of_the_project_not_of_its_origins():
    roots = [PACKAGE, PACKAGE.parent / "tests", PACKAGE.parent / "examples", PACKAGE.parent / "benchmarks"]
    # the documents the project grew from were called seeds; the code names them by what they are
    words = [f"{first} {second}" for first in ("first", "second") for second in ("seed", "seed's")]
    words += [f"seed {n}" for n in ("one", "two")] + ["the " + "seed's", "seed_" + "example"]
    found = [f"{path}: {word}" for root in roots if root.exists() for path in root.rglob("*.py")
             for word in words if word in path.read_text(encoding="utf-8").lower()]
    assert found == []
